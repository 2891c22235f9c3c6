import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker I/O module is its own entry: driver workers import it by URL (dist/workers/tun-io.js).
  entry: ['src/index.ts', 'src/testing.ts', 'src/workers/tun-io.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
});
