/**
 * Finds the built file of a worker entry: next to the bundle (`dist/workers/<name>.js`) when this
 * code runs from `dist/`, or in `../dist/workers/` when it runs from `src/` (tests; Node cannot start
 * a Worker from a `.ts` file).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WintunError } from '@wintun-ts/ring';

/**
 * URL of the built worker entry `name` (`driver`, `memory-io`).
 *
 * @throws WintunError `ERR_WINTUN_WORKER_FAILED` when neither location has the file (run the build).
 */
export function workerUrl(name: string): URL {
  const candidates = [new URL(`./workers/${name}.js`, import.meta.url), new URL(`../dist/workers/${name}.js`, import.meta.url)];
  for (const url of candidates) {
    if (existsSync(fileURLToPath(url))) return url;
  }
  throw new WintunError(
    'ERR_WINTUN_WORKER_FAILED',
    `The worker file workers/${name}.js of @wintun-ts/session was not found next to ${import.meta.url}; build the package (npx tsup).`,
  );
}
