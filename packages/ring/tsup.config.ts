import { defineConfig } from 'tsup';

export default defineConfig({
  // One entry per package.json "exports" subpath: dist/<name>.js and dist/<name>.d.ts.
  entry: { index: 'src/index.ts', linux: 'src/linux.ts', win32: 'src/win32.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  tsconfig: 'tsconfig.build.json',
});
