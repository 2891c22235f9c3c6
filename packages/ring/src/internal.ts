/**
 * Cold-path helpers shared by the ring roles: error construction and argument checks, kept out of
 * the hot functions so that those stay small and allocation-free. Not exported from the package.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/abi';
import { isUint8Array } from 'node:util/types';

/**
 * Throws the error for a packet size that failed the hot-path test `(size & 0xffff) === size`.
 *
 * @throws WintunError `ERR_WINTUN_PACKET_TOO_LARGE` for integers above 0xFFFF,
 *   `ERR_WINTUN_INVALID_ARGUMENT` for anything else (negative, fractional, not a number).
 */
export function throwBadSize(what: string, size: unknown): never {
  // Callers test `typeof size !== 'number' || (size & 0xffff) !== size` (the typeof first: `&` on a
  // symbol or bigint would throw a TypeError).
  if (typeof size === 'number' && Number.isInteger(size) && size > 0xffff) {
    throw new WintunError('ERR_WINTUN_PACKET_TOO_LARGE', `${what}: size ${size} is larger than 0xFFFF (65535), the most one ring record can carry.`);
  }
  throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `${what}: size must be an integer in [0, 65535], got ${describeValue(size)}.`);
}

/** Throws `ERR_WINTUN_INVALID_STATE` with `message`. */
export function throwState(message: string): never {
  throw new WintunError('ERR_WINTUN_INVALID_STATE', message);
}

/**
 * Throws `ERR_WINTUN_INVALID_STATE` for a release/commit whose offset cannot be a handed-out
 * packet (not a number, outside the ring, unaligned). Out of line: the message would otherwise
 * swell the hot function past what V8 inlines.
 */
export function throwBadOffset(what: string, payloadOffset: unknown, expected: string): never {
  throwState(`${what}: ${typeof payloadOffset === 'number' ? payloadOffset : typeof payloadOffset} is not ${expected}.`);
}

/** Throws `ERR_WINTUN_INVALID_ARGUMENT` for a packet count that is not an integer >= 1. */
export function throwBadCount(what: string, count: unknown): never {
  throwInvalid(`${what}: count must be an integer >= 1, got ${describeValue(count)}.`);
}

/** Throws `ERR_WINTUN_INVALID_STATE` for a release/commit of a packet that is not handed out. */
export function throwNotHandedOut(what: string, payloadOffset: number, state: string): never {
  throwState(`${what}: packet at ${payloadOffset} is not ${state}.`);
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

/** Throws `ERR_WINTUN_INVALID_ARGUMENT` with `message`. */
export function throwInvalid(message: string): never {
  throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', message);
}

/** A short description of a value for error messages (never throws, whatever the value). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  if (typeof value === 'symbol' || typeof value === 'function') return typeof value;
  return String(value);
}

/** Checks an options bag: undefined or a non-null object. */
export function checkOptions(what: string, options: unknown): void {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throwInvalid(`${what}: options must be an object, got ${describeValue(options)}.`);
  }
}

/** Checks that a ring role got a ring (a `TunRing`; checked structurally to avoid an import cycle). */
export function checkRing(what: string, ring: unknown): void {
  const r = ring as { header?: unknown; words?: unknown; bytes?: unknown; capacity?: unknown } | null;
  if (typeof r !== 'object' || r === null || !(r.header instanceof Int32Array) || !(r.words instanceof Uint32Array) || typeof r.capacity !== 'number') {
    throwInvalid(`${what}: ring must be a TunRing, got ${describeValue(ring)}.`);
  }
}

/** Checks a list of packets: an array of `Uint8Array`s. */
export function checkPacketList(what: string, packets: unknown): void {
  if (!Array.isArray(packets)) throwInvalid(`${what}: packets must be an array of Uint8Array, got ${describeValue(packets)}.`);
  for (let i = 0; i < packets.length; i++) {
    if (!isUint8Array(packets[i])) throwInvalid(`${what}: packet ${i} must be a Uint8Array, got ${describeValue(packets[i])}.`);
  }
}
