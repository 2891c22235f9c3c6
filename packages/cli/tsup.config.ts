import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/main.ts'],
  format: ['esm'],
  dts: { entry: ['src/index.ts'] },
  sourcemap: true,
  clean: true,
  target: 'node22',
  tsconfig: 'tsconfig.build.json',
  // dist/main.js is the `wintun-ts` bin; the banner is harmless on dist/index.js.
  banner: { js: '#!/usr/bin/env node' },
});
