/**
 * What `import '@wintun-ts/adapter'` (and each subpath) loads: the static module graph of every
 * entry point, from the sources, as esbuild bundles it with code splitting (a dynamic `import()`
 * becomes its own chunk, loaded only when called). Platform code must stay behind the dynamic
 * imports of `Adapter`'s platform selection, so that importing the adapter on one platform loads
 * none of the other platform's code, and the root loads no plumbing entry.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', new URL('..', import.meta.url)));
const repo = fileURLToPath(new URL('../../..', new URL('..', import.meta.url)));

/** The repository-relative source files loaded at import time by `entry` (static imports only). */
async function staticGraph(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: { entry },
    absWorkingDir: packageDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    write: false,
    outdir: '/virtual-out',
    metafile: true,
    conditions: ['@wintun-ts/source'],
    external: ['koffi'],
    logLevel: 'silent',
  });
  const outputs = result.metafile.outputs;
  // Output keys and import paths are the same (relative) strings; dynamic imports are entry points
  // of their own, so find this entry by its output name.
  const entryOut = Object.keys(outputs).find((o) => o.endsWith('/entry.js'));
  if (entryOut === undefined) throw new Error(`no entry output for ${entry}`);
  const seen = new Set<string>();
  const queue = [entryOut];
  const inputs = new Set<string>();
  while (queue.length > 0) {
    const out = queue.pop() as string;
    if (seen.has(out)) continue;
    seen.add(out);
    const meta = outputs[out];
    if (meta === undefined) continue;
    for (const input of Object.keys(meta.inputs)) inputs.add(relative(repo, `${packageDir}/${input}`));
    for (const imp of meta.imports) if (imp.kind === 'import-statement' && imp.external !== true) queue.push(imp.path);
  }
  return [...inputs].sort();
}

const windowsCode = (f: string): boolean => /packages\/adapter\/src\/windows\/|packages\/abi\/src\/win32\/|packages\/session\/src\/events\/win32/.test(f);
const linuxCode = (f: string): boolean => /packages\/adapter\/src\/linux\/|packages\/adapter\/src\/workers\/|packages\/abi\/src\/linux\//.test(f);

const adapterBackends = (f: string): boolean => /packages\/adapter\/src\/(windows|linux|workers)\//.test(f);

describe('the static module graph of the adapter entry points', () => {
  it('the root loads Adapter and the session, not the plumbing entries', async () => {
    const files = await staticGraph('@wintun-ts/adapter');
    expect(files.some((f) => f.endsWith('packages/adapter/src/adapter.ts'))).toBe(true);
    // Address parsing (session/packet/address.ts) is Adapter's own input validation; the toolkit,
    // the echo responder and the test driver are not.
    const plumbing = /packages\/adapter\/src\/(testing|packet|driver|memory)\.ts$|packages\/session\/src\/packet\/(echo|toolkit)\.ts$|packages\/session\/src\/testing/;
    expect(files.filter((f) => plumbing.test(f))).toEqual([]);
  });

  // The driver counters are `session.driverStats` (issue 11): no root export reaches a backend.
  it('the root loads neither platform\'s code nor driver plumbing (each backend loads on first use, on its platform)', async () => {
    const files = await staticGraph('@wintun-ts/adapter');
    expect(files.filter((f) => windowsCode(f) || linuxCode(f) || /packages\/session\/src\/subpaths\//.test(f))).toEqual([]);
  });

  it('the testing and packet subpaths load no adapter backend until an emulated platform is asked for', async () => {
    for (const entry of ['@wintun-ts/adapter/testing', '@wintun-ts/adapter/packet']) {
      const files = await staticGraph(entry);
      expect(files.filter(adapterBackends), entry).toEqual([]);
    }
    expect((await staticGraph('@wintun-ts/adapter/packet')).filter((f) => windowsCode(f) || linuxCode(f))).toEqual([]);
  });
});
