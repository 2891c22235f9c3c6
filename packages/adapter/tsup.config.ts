import { defineConfig } from 'tsup';

export default defineConfig({
  // One entry per package.json "exports" subpath (dist/<name>.js and .d.ts), plus the files loaded
  // by URL or path: the Linux driver workers' I/O module (dist/workers/tun-io.js), the emulated
  // Windows driver's worker I/O module (dist/windows/emulated-io.js), and the Wine suite's internal
  // entry (dist/windows/testing.js).
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing.ts',
    capture: 'src/capture.ts',
    packet: 'src/packet.ts',
    driver: 'src/driver.ts',
    'workers/tun-io': 'src/workers/tun-io.ts',
    'windows/testing': 'src/windows/testing.ts',
    'windows/emulated-io': 'src/windows/emulated-io.ts',
  },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  tsconfig: 'tsconfig.build.json',
});
