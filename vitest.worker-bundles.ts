/**
 * vitest globalSetup of every package: bundles the worker entries (the session's driver worker and
 * in-memory I/O module, the adapter's TUN I/O module) and the adapter's scenario file from the
 * SOURCES with esbuild, into a private directory inside `node_modules/.cache` (so `koffi` resolves
 * from the repository), and names it in `WINTUN_TS_WORKER_DIR`, where `workerUrl` looks first. The
 * suites thus run on a fresh clone without `turbo build`, and always test the current sources,
 * never a stale `dist/`. The test processes (and the scenario children they spawn) inherit the
 * variable. The directory is removed on teardown.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Entry points, by output name. */
const ENTRIES: Record<string, string> = {
  driver: 'packages/session/src/workers/driver.ts',
  'memory-io': 'packages/session/src/workers/memory-io.ts',
  'tun-io': 'packages/adapter/src/workers/tun-io.ts',
  'session-testing': 'packages/session/src/testing.ts',
  'adapter-scenarios': 'packages/adapter/test/linux/fixtures/adapter-scenarios.mjs',
};

export default async function setup(): Promise<() => void> {
  if (process.env['WINTUN_TS_WORKER_DIR'] !== undefined && process.env['WINTUN_TS_KEEP_WORKER_DIR'] === '1') return () => undefined;
  const cache = join(root, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  // Directories of runs that were killed before their teardown (older than a day).
  for (const name of readdirSync(cache)) {
    if (!name.startsWith('wintun-ts-workers-')) continue;
    const path = join(cache, name);
    try {
      if (Date.now() - statSync(path).mtimeMs > 86_400_000) rmSync(path, { recursive: true, force: true });
    } catch {
      // Another run removed it meanwhile.
    }
  }
  const dir = mkdtempSync(join(cache, 'wintun-ts-workers-'));
  // Readable by the unprivileged user some adapter tests switch to.
  chmodSync(dir, 0o755);
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, path]) => [name, join(root, path)])),
    outdir: dir,
    outExtension: { '.js': '.js' },
    bundle: true,
    splitting: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@wintun-ts/source'],
    external: ['koffi', 'esbuild'],
    sourcemap: 'inline',
    logLevel: 'error',
  });
  for (const name of Object.keys(ENTRIES)) chmodSync(join(dir, `${name}.js`), 0o644);
  process.env['WINTUN_TS_WORKER_DIR'] = dir;
  return () => {
    rmSync(dir, { recursive: true, force: true });
  };
}
