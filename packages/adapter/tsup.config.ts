import { defineConfig } from 'tsup';

export default defineConfig({
  // The worker I/O module is its own entry: driver workers import it by URL (dist/workers/tun-io.js).
  // Windows: the emulated driver's worker I/O module (dist/windows/emulated-io.js) and the Wine
  // tests' non-default entry that installs the emulated driver (dist/windows/testing.js).
  entry: ['src/index.ts', 'src/testing.ts', 'src/workers/tun-io.ts', 'src/windows/testing.ts', 'src/windows/emulated-io.ts'],
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  tsconfig: 'tsconfig.build.json',
});
