/**
 * Validation of {@link StartSessionOptions}: the ring capacity and the session options a user may
 * pass to `Adapter.startSession`. Pure.
 *
 * @module
 */
import { WintunError, WINTUN_DEFAULT_RING_CAPACITY, isValidRingCapacity, type SessionOptions } from '@wintun-ts/session';
import type { StartSessionEngine, StartSessionIo, StartSessionOptions } from './types.js';

const ENGINES: readonly StartSessionEngine[] = ['rings', 'dll', 'auto'];
const IOS: readonly StartSessionIo[] = ['inline', 'workers'];

/** Where a Linux session's driver side runs when `startSession` is given no `io` (see docs/guides/performance.md). */
export const DEFAULT_SESSION_IO: StartSessionIo = 'inline';

function invalid(message: string): WintunError {
  return new WintunError('ERR_WINTUN_INVALID_ARGUMENT', message);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An optional finite number in [min, max] (`min` excluded when `minExclusive`). */
function num(value: unknown, name: string, min: number, max: number, minExclusive: boolean): number | undefined {
  if (value === undefined) return undefined;
  const ok = typeof value === 'number' && Number.isFinite(value) && (minExclusive ? value > min : value >= min) && value <= max;
  if (!ok) {
    throw invalid(`startSession: ${name} must be a finite number ${minExclusive ? '>' : '>='} ${min} and <= ${max}, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}.`);
  }
  return value;
}

/** What {@link parseStartSessionOptions} returns: the capacity and a clean copy of the session options. */
export interface ParsedStartSessionOptions {
  /** Ring capacity in bytes. */
  readonly capacity: number;
  /** Only the session options the user set (the backend adds its own defaults). */
  readonly session: SessionOptions;
  /** The engine asked for (default `'auto'`). */
  readonly engine: StartSessionEngine;
  /** Where the Linux driver side runs (default `'inline'`; ignored on Windows). */
  readonly io: StartSessionIo;
}

/**
 * Checks every field of the options of `Adapter.startSession` before anything is started.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a non-object, or a field of the wrong type or
 *   range (`waitTimeoutMs` finite > 0; `spin` false or `{ thresholdPps >= 0, spinUs in [0, 1e6],
 *   windowMs > 0, breakEvenUs in (0, 1e6] }`; `oldDriverGuard` false or `{ stallMs > 0, intervalMs > 0 }`);
 *   `engine` one of 'rings', 'dll', 'auto'; `io` one of 'inline', 'workers';
 *   `ERR_WINTUN_INVALID_CAPACITY` for a capacity that is not a power of two in [0x20000, 0x4000000].
 */
export function parseStartSessionOptions(options: unknown): ParsedStartSessionOptions {
  if (options === undefined) return { capacity: WINTUN_DEFAULT_RING_CAPACITY, session: {}, engine: 'auto', io: DEFAULT_SESSION_IO };
  if (!isPlainObject(options)) {
    throw invalid(`startSession takes an options object such as { capacity: 0x400000, waitTimeoutMs: 100 }, got ${options === null ? 'null' : typeof options}.`);
  }
  const o = options as StartSessionOptions;
  const capacity = o.capacity ?? WINTUN_DEFAULT_RING_CAPACITY;
  if (!isValidRingCapacity(capacity)) {
    throw new WintunError(
      'ERR_WINTUN_INVALID_CAPACITY',
      `capacity must be a power of two between 0x20000 (128 KiB) and 0x4000000 (64 MiB), got ${String(capacity)}; the default is 0x400000.`,
    );
  }
  const engine: unknown = o.engine === undefined ? 'auto' : o.engine;
  if (typeof engine !== 'string' || !ENGINES.includes(engine as StartSessionEngine)) {
    throw invalid(`startSession: engine must be 'rings', 'dll' or 'auto', got ${typeof engine === 'string' ? JSON.stringify(engine) : typeof engine}.`);
  }
  const io: unknown = o.io === undefined ? DEFAULT_SESSION_IO : o.io;
  if (typeof io !== 'string' || !IOS.includes(io as StartSessionIo)) {
    throw invalid(`startSession: io must be 'inline' or 'workers' (Linux: where the driver side runs), got ${typeof io === 'string' ? JSON.stringify(io) : typeof io}.`);
  }
  const session: { -readonly [K in keyof SessionOptions]: SessionOptions[K] } = {};
  const wait = num(o.waitTimeoutMs, 'waitTimeoutMs', 0, 0x7fffffff, true);
  if (wait !== undefined) session.waitTimeoutMs = wait;
  const spin: unknown = o.spin;
  if (spin === false) session.spin = false;
  else if (spin !== undefined) {
    if (!isPlainObject(spin)) throw invalid('startSession: spin is false or { thresholdPps?, spinUs?, windowMs?, breakEvenUs? }.');
    session.spin = {
      thresholdPps: num(spin['thresholdPps'], 'spin.thresholdPps', 0, Number.MAX_SAFE_INTEGER, false),
      spinUs: num(spin['spinUs'], 'spin.spinUs', 0, 1_000_000, false),
      windowMs: num(spin['windowMs'], 'spin.windowMs', 0, 3_600_000, true),
      breakEvenUs: num(spin['breakEvenUs'], 'spin.breakEvenUs', 0, 1_000_000, true),
    };
  }
  const guard: unknown = o.oldDriverGuard;
  if (guard === false) session.oldDriverGuard = false;
  else if (guard !== undefined) {
    if (!isPlainObject(guard)) throw invalid('startSession: oldDriverGuard is false or { stallMs?, intervalMs? }.');
    session.oldDriverGuard = {
      stallMs: num(guard['stallMs'], 'oldDriverGuard.stallMs', 0, 60_000, true),
      intervalMs: num(guard['intervalMs'], 'oldDriverGuard.intervalMs', 0, 60_000, true),
    };
  }
  return { capacity, session, engine: engine as StartSessionEngine, io: io as StartSessionIo };
}

/**
 * Checks `StartSessionOptions.captureEndpoint`.
 *
 * @returns false when off, else the explicit path (or undefined for the derived one).
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` unless it is a boolean or `{ path?: string }`.
 */
export function parseEndpointOption(value: unknown): false | { readonly path: string | undefined } {
  if (value === undefined || value === false) return false;
  if (value === true) return { path: undefined };
  if (isPlainObject(value) && (value['path'] === undefined || (typeof value['path'] === 'string' && value['path'].length > 0))) {
    return { path: value['path'] as string | undefined };
  }
  throw invalid('startSession: captureEndpoint is true, false or { path: string }.');
}
