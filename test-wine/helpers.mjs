// Shared helpers of the Wine tests (run by Windows node; imports the BUILT packages).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root (a Windows path such as Z:\work\main). */
export const ROOT = join(here, '..');

/** Imports a built package by name from packages/<name>/dist/index.js, or null when not built. */
export async function importBuilt(name) {
  const file = join(ROOT, 'packages', name, 'dist', 'index.js');
  if (!existsSync(file)) return null;
  return import(pathToFileURL(file).href);
}

/** The built @wintun-ts/abi (always required). */
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
