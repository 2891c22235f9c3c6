/**
 * Cold-path helpers shared by the ring roles: error construction and argument checks, kept out of
 * the hot functions so that those stay small and allocation-free. Not exported from the package.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/abi';

/**
 * Throws the error for a packet size that failed the hot-path test `(size & 0xffff) === size`.
 *
 * @throws WintunError `ERR_WINTUN_PACKET_TOO_LARGE` for integers above 0xFFFF,
 *   `ERR_WINTUN_INVALID_ARGUMENT` for anything else (negative, fractional, not a number).
 */
export function throwBadSize(what: string, size: unknown): never {
  if (typeof size === 'number' && Number.isInteger(size) && size > 0xffff) {
    throw new WintunError('ERR_WINTUN_PACKET_TOO_LARGE', `${what}: size ${size} is larger than 0xFFFF (65535), the most one ring record can carry.`);
  }
  throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `${what}: size must be an integer in [0, 65535], got ${String(size)}.`);
}

/** Throws `ERR_WINTUN_INVALID_STATE` with `message`. */
export function throwState(message: string): never {
  throw new WintunError('ERR_WINTUN_INVALID_STATE', message);
}

/** Throws `ERR_WINTUN_RING_CORRUPT` for `reason`. */
export function throwCorrupt(what: string, reason: string): never {
  throw new WintunError(
    'ERR_WINTUN_RING_CORRUPT',
    `${what}: the ring is corrupt (${reason}). The error repeats on every call; close the session and start a new one.`,
  );
}

/**
 * A bit per 4-byte unit of a ring's `Data[capacity]`: set while the record starting there is
 * handed out (received and not released, or allocated and not committed). Detects double and
 * unknown release/commit without trusting shared memory.
 */
export function newRecordBitmap(capacity: number): Uint8Array {
  return new Uint8Array(capacity >>> 5);
}
