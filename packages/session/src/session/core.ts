/**
 * The state every part of a `Session` shares: open/ended/closed, the final error, the
 * counters, whether the session keeps the process alive, and the argument checks of the public
 * methods (run before anything changes). Internal: not exported from the package.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/ring';
import type { WintunErrorCode } from '@wintun-ts/ring';
import type { ReceiveOptions, SessionStats } from './types.js';
import type { CaptureTap } from '../capture/tap.js';
import { isUint8Array } from 'node:util/types';

/** Life of a session: `open`, then one final state (`eof`/`failed` by the driver), then `closing`/`closed`. */
export type State = 'open' | 'eof' | 'failed' | 'closing' | 'closed';

/** Longest timer Node runs as asked (2^31 - 1 ms); longer ones fire at once. */
export const MAX_TIMEOUT_MS = 0x7fffffff;

/** A `WintunError` with `cause` only when there is one. */
export function sessionError(code: WintunErrorCode, message: string, cause?: unknown): WintunError {
  return new WintunError(code, message, cause === undefined ? {} : { cause });
}

/** Milliseconds from `performance.now()`. */
export function now(): number {
  return performance.now();
}

/** Throws `ERR_WINTUN_INVALID_ARGUMENT` with `message`. */
export function invalid(message: string): never {
  throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', message);
}

/** True for `undefined` or a non-null, non-array object (an options bag). */
function isOptionsBag(value: unknown): boolean {
  return value === undefined || (typeof value === 'object' && value !== null && !Array.isArray(value));
}

/** Checks an options bag of a wait: an object (or undefined) with a real `AbortSignal` and a finite timeout. */
export function checkWaitOptions(what: string, options: unknown): asserts options is ReceiveOptions | undefined {
  if (!isOptionsBag(options)) invalid(`${what}: options must be an object, got ${describe(options)}.`);
  if (options === undefined) return;
  const { signal, timeout } = options as ReceiveOptions;
  if (signal !== undefined && !(signal instanceof AbortSignal)) invalid(`${what}: options.signal must be an AbortSignal, got ${describe(signal)}.`);
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0) || timeout > MAX_TIMEOUT_MS)) {
    invalid(`${what}: options.timeout must be a number of milliseconds in [0, ${MAX_TIMEOUT_MS}], got ${describe(timeout)}.`);
  }
}

/** Checks an options bag that only has to be an object (or undefined). */
export function checkOptionsBag(what: string, options: unknown): void {
  if (!isOptionsBag(options)) invalid(`${what}: options must be an object, got ${describe(options)}.`);
}

/** Checks a batch bound: an integer >= 1, or `Infinity` when `infinite` is allowed, at most `limit`. */
export function checkMax(what: string, max: unknown, limit = Infinity): asserts max is number {
  if (typeof max !== 'number' || !(max >= 1) || max > limit || (max !== Infinity && !Number.isInteger(max))) {
    invalid(`${what}: max must be an integer >= 1${limit === Infinity ? ' (or Infinity)' : ` and <= ${limit}`}, got ${describe(max)}.`);
  }
}

/** Checks a callback argument. */
export function checkFunction(what: string, name: string, fn: unknown): asserts fn is (...args: never[]) => unknown {
  if (typeof fn !== 'function') invalid(`${what}: ${name} must be a function, got ${describe(fn)}.`);
}

/** True when the `Uint8Array` is a view of a detached buffer (slow check, only for empty views). */
function isDetached(view: Uint8Array): boolean {
  if (view.byteLength !== 0 || view.buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(view.buffer);
    return false;
  } catch {
    return true;
  }
}

/**
 * Checks one packet to send: a `Uint8Array` (or `Buffer`), not over a detached buffer, at most
 * 0xFFFF bytes. Other typed arrays and `DataView`s are refused: their elements are not bytes.
 */
export function checkPacket(what: string, packet: unknown): asserts packet is Uint8Array {
  if (!isUint8Array(packet)) invalid(`${what}: a packet must be a Uint8Array (or Buffer), got ${describe(packet)}.`);
  const n = packet.byteLength;
  if (n > 0xffff) {
    throw new WintunError('ERR_WINTUN_PACKET_TOO_LARGE', `${what}: a packet of ${n} bytes is larger than 0xFFFF (65535), the most one ring record carries.`);
  }
  if (n === 0 && isDetached(packet)) invalid(`${what}: the packet's ArrayBuffer is detached (transferred); pass a live view.`);
}

/** Checks a packet size: an integer in [0, 0xFFFF]. */
export function checkSize(what: string, size: unknown): asserts size is number {
  if (typeof size === 'number' && Number.isInteger(size) && size > 0xffff) {
    throw new WintunError('ERR_WINTUN_PACKET_TOO_LARGE', `${what}: size ${size} is larger than 0xFFFF (65535), the most one ring record carries.`);
  }
  if (typeof size !== 'number' || (size & 0xffff) !== size) invalid(`${what}: size must be an integer in [0, 65535], got ${describe(size)}.`);
}

/** A short, safe description of any value for an error message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'symbol' || typeof value === 'function') return typeof value;
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return String(value);
}

/**
 * Shared state of one session. Each part (receive path, send path, guard) reads `state` before it
 * touches a ring; the `Session` façade owns the transitions.
 */
export class SessionCore {
  state: State = 'open';
  error: WintunError | null = null;
  /** False after `Session.unref()`: the session's own waits and timers do not keep the process alive. */
  keepAlive = true;
  readonly stats: SessionStats = {
    packetsReceived: 0,
    bytesReceived: 0,
    packetsSent: 0,
    bytesSent: 0,
    sendDrops: 0,
    sendFull: 0,
    sendDiscards: 0,
    wakeups: 0,
    waitTimeouts: 0,
    timeoutsWithDataPending: 0,
    spins: 0,
    spinHits: 0,
    writeSignals: 0,
    guardResignals: 0,
    captureDrops: 0,
  };
  /** The capture tap while someone captures, else null (the packet paths test this one field). */
  tap: CaptureTap | null = null;
  /** Set by the façade: moves the session to a final state (driver ended or failed). */
  enterFinal: (state: 'eof' | 'failed', error: WintunError) => void = () => undefined;

  /** True while the session is open or closing (the rings are still there). */
  get usable(): boolean {
    return this.state !== 'closed';
  }

  /** @throws WintunError the final error unless the session is open. */
  checkOpen(): void {
    if (this.state !== 'open') throw this.error ?? sessionError('ERR_WINTUN_CLOSED', 'The session was closed.');
  }

  /** Applies the session's keep-alive choice to a timer. */
  timer<T extends { unref(): unknown }>(t: T): T {
    if (!this.keepAlive) t.unref();
    return t;
  }
}

/** Ends of a receive loop that end it normally: EOF, close, abort. */
export function isEnd(error: unknown): boolean {
  return error instanceof WintunError && (error.code === 'ERR_WINTUN_EOF' || error.code === 'ERR_WINTUN_CLOSED' || error.code === 'ERR_WINTUN_ABORTED');
}
