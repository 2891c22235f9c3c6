/**
 * The one check of an event wait's timeout, shared by every {@link AutoResetEvent} implementation.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/ring';
import type { AutoResetEvent } from './types.js';

/**
 * Timeouts are numbers of milliseconds in [0, 2^31 - 1] (as Node's timers): every wait is bounded.
 * Used by `wait`/`waitSync` of each {@link AutoResetEvent}.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for anything else.
 */
export function checkTimeout(timeoutMs: unknown): void {
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0) || timeoutMs > 0x7fffffff) {
    throw new WintunError(
      'ERR_WINTUN_INVALID_ARGUMENT',
      `timeoutMs must be a number of milliseconds in [0, 2147483647], got ${typeof timeoutMs === 'number' ? timeoutMs : typeof timeoutMs}.`,
    );
  }
}
