/**
 * Issue 11: importing `@wintun-ts/adapter` loads no platform backend; each platform's code is
 * reached only through the dynamic `import()` of its own chunk, so Linux never loads Windows code
 * and vice versa. Checked on the bundle as tsup makes it (esbuild, ESM, code splitting) from the
 * sources, and on `dist/` when it exists: the static-import closure of the entry holds neither
 * backend, and each backend's closure holds none of the other's.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const pkg = fileURLToPath(new URL('../../', import.meta.url));
const LINUX = 'LinuxAdapterBackend';
const WINDOWS = 'WindowsAdapter';

/** Files reached from `entry` through static `import ... from`/`export ... from` (not `import()`). */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s*["'](\.[^"']+)["']/gm)) todo.push(resolve(dirname(file), m[1]!));
    for (const m of text.matchAll(/^\s*import\s*["'](\.[^"']+)["']/gm)) todo.push(resolve(dirname(file), m[1]!));
  }
  return seen;
}

function contains(files: Iterable<string>, marker: string): string[] {
  return [...files].filter((f) => readFileSync(f, 'utf8').includes(marker));
}

function check(dir: string, entry: string): void {
  const js = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js')).map((f) => join(dir, f));
  const linux = contains(js, LINUX);
  const windows = contains(js, WINDOWS);
  // Both backends exist in the output (possibly in shared chunks that other entries import too).
  expect(linux.length).toBeGreaterThan(0);
  expect(windows.length).toBeGreaterThan(0);
  const fromEntry = staticClosure(join(dir, entry));
  expect(contains(fromEntry, LINUX)).toEqual([]);
  expect(contains(fromEntry, WINDOWS)).toEqual([]);
  for (const file of linux) expect(contains(staticClosure(file), WINDOWS)).toEqual([]);
  for (const file of windows) expect(contains(staticClosure(file), LINUX)).toEqual([]);
}

describe('platform code is loaded lazily', () => {
  const out = mkdtempSync(join(tmpdir(), 'wtts-b-chunks-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('the entry bundle statically imports neither backend; neither backend imports the other (sources, bundled as tsup does)', async () => {
    const esbuild = await import('esbuild');
    await esbuild.build({
      entryPoints: [join(pkg, 'src/index.ts')],
      outdir: out,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: ['@wintun-ts/session', 'koffi'],
      logLevel: 'error',
    });
    check(out, 'index.js');
  });

  it.skipIf(!existsSync(join(pkg, 'dist/index.js')))('the same holds for the built dist/', () => {
    check(join(pkg, 'dist'), 'index.js');
  });
});
