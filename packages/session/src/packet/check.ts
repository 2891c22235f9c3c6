/**
 * Argument checks of the packet toolkit: each throws `ERR_WINTUN_INVALID_ARGUMENT` naming the
 * function and the argument (a wrong type never becomes a raw `TypeError`). Internal.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/ring';
import { isUint8Array } from 'node:util/types';

/** Throws `ERR_WINTUN_INVALID_ARGUMENT`: `what: name must be <expected>.` */
export function invalid(what: string, name: string, expected: string): never {
  throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `${what}: ${name} must be ${expected}.`);
}

/** A `Uint8Array` and an in-bounds span `[offset, offset + length)` of it (integers). */
export function checkSpan(what: string, bytes: unknown, offset: unknown, length: unknown): void {
  if (!isUint8Array(bytes)) invalid(what, 'bytes', 'a Uint8Array');
  if (typeof offset !== 'number' || (offset >>> 0) !== offset) invalid(what, 'offset', 'an integer >= 0');
  if (typeof length !== 'number' || (length >>> 0) !== length) invalid(what, 'length', 'an integer >= 0');
  if (offset + length > bytes.length) invalid(what, 'offset + length', `within the ${bytes.length}-byte buffer`);
}

/** An object (not null, not an array). */
export function checkObject(what: string, name: string, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(what, name, 'an object');
}

/** Address bytes: a `Uint8Array` of 4 or 16 bytes. */
export function checkAddressBytes(what: string, name: string, value: unknown): void {
  if (!isUint8Array(value) || (value.length !== 4 && value.length !== 16)) invalid(what, name, 'a Uint8Array of 4 or 16 bytes');
}
