import { defineConfig } from 'tsup';

export default defineConfig({
  // One entry per package.json "exports" subpath (dist/<name>.js and .d.ts), plus the worker
  // entry files that driver workers load by URL (dist/workers/*.js).
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing.ts',
    capture: 'src/capture/index.ts',
    packet: 'src/packet/index.ts',
    driver: 'src/subpaths/driver.ts',
    linux: 'src/subpaths/linux.ts',
    win32: 'src/subpaths/win32.ts',
    'workers/driver': 'src/workers/driver.ts',
    'workers/memory-io': 'src/workers/memory-io.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  tsconfig: 'tsconfig.build.json',
});
