/**
 * Argument checks shared by the abi functions: each throws `ERR_WINTUN_INVALID_ARGUMENT` naming
 * the function and the argument, before anything native runs. Cold code, kept out of the hot
 * paths' bodies except for one `typeof`/integer test. Not exported from the package.
 *
 * @module
 */
import { WintunError } from './errors.js';
import { isUint8Array } from 'node:util/types';

/** A short description of any value for an error message (never throws). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  if (typeof value === 'symbol' || typeof value === 'function') return typeof value;
  return String(value);
}

/** Throws `ERR_WINTUN_INVALID_ARGUMENT`: `what: name must be <expected>, got <value>.` */
export function badArgument(what: string, name: string, expected: string, value: unknown): never {
  throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `${what}: ${name} must be ${expected}, got ${describeValue(value)}.`);
}

/** An integer in [min, max] (default: any safe integer). */
export function checkInt(what: string, name: string, value: unknown, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    badArgument(what, name, min === Number.MIN_SAFE_INTEGER ? 'an integer' : `an integer in [${min}, ${max}]`, value);
  }
}

/** A file descriptor: an integer in [0, 2^31 - 1]. */
export function checkFd(what: string, fd: unknown): asserts fd is number {
  checkInt(what, 'fd', fd, 0, 0x7fffffff);
}

/** A 32-bit integer, signed or unsigned. */
export function checkInt32(what: string, name: string, value: unknown): asserts value is number {
  checkInt(what, name, value, -0x80000000, 0xffffffff);
}

/** A string (optionally non-empty and without NUL, as C strings need). */
export function checkString(what: string, name: string, value: unknown, cString = false): asserts value is string {
  if (typeof value !== 'string') badArgument(what, name, 'a string', value);
  if (cString && value.includes('\0')) badArgument(what, name, 'a string without NUL characters', value);
}

/** True when `view` is over a detached (transferred) buffer; only empty views can be. */
export function isDetachedView(view: ArrayBufferView): boolean {
  if (view.byteLength !== 0 || view.buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(view.buffer);
    return false;
  } catch {
    return true;
  }
}

/** A `Uint8Array` (or `Buffer`), not over a detached buffer. */
export function checkBytes(what: string, name: string, value: unknown): asserts value is Uint8Array {
  if (!isUint8Array(value) || isDetachedView(value)) badArgument(what, name, 'a Uint8Array over a live (not transferred) buffer', value);
}

/** An options bag: undefined or a non-null, non-array object. */
export function checkObject(what: string, name: string, value: unknown, optional = true): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) badArgument(what, name, 'an object', value);
}
