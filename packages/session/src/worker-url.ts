/**
 * Finds the built file of a worker entry: in the directory named by the environment variable
 * `WINTUN_TS_WORKER_DIR` when it is set (the test suites bundle the worker entries from the sources
 * into such a directory, so tests run on a fresh clone without a build), else next to the bundle
 * (`dist/workers/<name>.js`) when this code runs from `dist/`, else in `../dist/workers/` when it
 * runs from `src/` (Node cannot start a Worker from a `.ts` file).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WintunError } from '@wintun-ts/ring';

/** The environment variable naming a directory of built worker entries that takes precedence. */
export const WORKER_DIR_ENV = 'WINTUN_TS_WORKER_DIR';

/**
 * URL of the built worker entry `name` (`driver`, `memory-io`).
 *
 * @throws WintunError `ERR_WINTUN_WORKER_FAILED` when no location has the file (run the build);
 *   `ERR_WINTUN_INVALID_ARGUMENT` when `name` is not a worker name (lowercase letters, digits, `-`).
 */
export function workerUrl(name: string): URL {
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `workerUrl: name must be a worker name such as 'driver' or 'memory-io' (lowercase letters, digits, '-'), got ${typeof name === 'string' ? JSON.stringify(name) : typeof name}.`);
  }
  const dir = process.env[WORKER_DIR_ENV];
  const candidates = [new URL(`./workers/${name}.js`, import.meta.url), new URL(`../dist/workers/${name}.js`, import.meta.url)];
  if (dir !== undefined && dir !== '') candidates.unshift(pathToFileURL(join(dir, `${name}.js`)));
  for (const url of candidates) {
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new WintunError(
    'ERR_WINTUN_WORKER_FAILED',
    `The worker file workers/${name}.js of @wintun-ts/session was not found next to ${import.meta.url}; build the package (npx tsup).`,
  );
}
