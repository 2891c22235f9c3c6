// Shared helpers of the Wine tests (run by Windows node; imports the BUILT packages).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root (a Windows path such as Z:\work\main). */
export const ROOT = join(here, '..');

/**
 * Imports a built package from packages/<name>/dist: one entry (`'index'`, `'win32'`, ...) when
 * `entry` is given, else every entry its package.json "exports" declares (the root and its
 * subpaths such as `/win32` and `/driver`), merged into one object, since the Wine suite tests the
 * Windows code of a layer whichever entry exports it. Null when not built.
 */
export async function importBuilt(name, entry) {
  const dir = join(ROOT, 'packages', name);
  const entries = entry !== undefined
    ? [entry]
    : Object.values(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).exports)
        .filter((target) => typeof target === 'object' && target !== null && typeof target.default === 'string')
        .map((target) => target.default.replace(/^\.\/dist\//, '').replace(/\.js$/, ''));
  const merged = {};
  for (const e of entries) {
    const file = join(dir, 'dist', `${e}.js`);
    if (!existsSync(file)) return null;
    Object.assign(merged, await import(pathToFileURL(file).href));
  }
  return merged;
}

/** The built @wintun-ts/abi, all entries (root, /linux, /win32; always required). */
export const abi = await importBuilt('abi');
if (abi === null) throw new Error('packages/abi/dist is missing: build it first');

/** Official wintun.dll 0.14.1 of an architecture dir (amd64, x86, arm64, arm), or null. */
export function officialDll(dir = 'amd64') {
  const base = process.env.WINTUN_DLL_DIR;
  if (!base) return null;
  const p = join(base, dir, 'wintun.dll');
  return existsSync(p) ? p : null;
}

/** The stand-in wintun.dll, or null. */
export function standinDll() {
  const p = process.env.WINTUN_STANDIN_DLL;
  return p && existsSync(p) ? p : null;
}

/** Resolves after `ms`. */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `predicate` until true or `timeoutMs`; returns its last value. */
export async function until(predicate, timeoutMs = 5000) {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) return false;
    await sleep(5);
  }
  return true;
}

/** A file URL for a fixture of this directory. */
export function fixtureUrl(name) {
  return pathToFileURL(join(here, 'fixtures', name));
}

/** The built test entry of the adapter's Windows backend (dist/windows/testing.js), or null. */
export async function importWindowsTesting() {
  const file = join(ROOT, 'packages', 'adapter', 'dist', 'windows', 'testing.js');
  if (!existsSync(file)) return null;
  return import(pathToFileURL(file).href);
}
