/**
 * Argument checks of the cli's exported functions (`run`, the pcap writer): each throws
 * `ERR_WINTUN_INVALID_ARGUMENT` naming the function and the argument, before anything is written.
 * Internal: not exported from the package.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/adapter';
import { isUint8Array } from 'node:util/types';

/** A short description of any value for an error message; never throws. */
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

/** An integer in [min, max]. */
export function checkInteger(what: string, name: string, value: unknown, min: number, max: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) badArgument(what, name, `an integer in [${min}, ${max}]`, value);
}

/** An options bag: undefined or a non-null, non-array object. */
export function checkOptionsBag(what: string, options: unknown): void {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) badArgument(what, 'options', 'an object', options);
}

/** A `Uint8Array` (or `Buffer`) over a live (not transferred) buffer. */
export function checkBytes(what: string, name: string, value: unknown): asserts value is Uint8Array {
  if (!isUint8Array(value)) badArgument(what, name, 'a Uint8Array', value);
  if (value.byteLength === 0 && value.buffer.byteLength === 0) {
    try {
      new Uint8Array(value.buffer);
    } catch {
      badArgument(what, name, 'a Uint8Array over a live (not transferred) buffer', value);
    }
  }
}

/** A writable stream, by shape: `write`, `on`, `once`, `end`, `destroy` and `writableLength`. */
export function checkWritable(what: string, name: string, value: unknown): void {
  const s = value as { write?: unknown; on?: unknown; once?: unknown; end?: unknown; destroy?: unknown; writableLength?: unknown } | null;
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.write !== 'function' ||
    typeof s.on !== 'function' ||
    typeof s.once !== 'function' ||
    typeof s.end !== 'function' ||
    typeof s.destroy !== 'function' ||
    typeof s.writableLength !== 'number'
  ) {
    badArgument(what, name, 'a Writable stream', value);
  }
}
