/**
 * The construction checks of a `Session`: the backend's shape and the options, turned into the
 * values the parts use. Internal: not exported from the package.
 *
 * @module
 */
import type { TunRing } from '@wintun-ts/ring';
import type { AutoResetEvent } from '../events/types.js';
import { RateGate, SpinGate } from '../rate.js';
import { checkOptionsBag, describe, invalid } from './core.js';
import type { SessionBackend, SessionOptions } from './types.js';
import { isInt32Array, isUint32Array, isUint8Array } from 'node:util/types';

const DEFAULT_WAIT_MS = 100;


/** A `TunRing`, checked by shape so that a ring from another copy of the package is accepted too. */
function isRing(value: unknown): value is TunRing {
  const r = value as Partial<TunRing> | null | undefined;
  return typeof r === 'object' && r !== null && isInt32Array(r.header) && isUint32Array(r.words) && isUint8Array(r.bytes) && typeof r.capacity === 'number' && typeof r.loadTail === 'function';
}

function isEvent(value: unknown): value is AutoResetEvent {
  const e = value as AutoResetEvent | null | undefined;
  return typeof e === 'object' && e !== null && typeof e.set === 'function' && typeof e.wait === 'function' && typeof e.close === 'function';
}

/**
 * Checks the backend a session is built from: two rings, two events, a link with `close()`.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` naming what is missing.
 */
export function checkBackend(backend: unknown): asserts backend is SessionBackend {
  if (typeof backend !== 'object' || backend === null) invalid('new Session: backend must be an object with rings, readEvent, writeEvent and link.');
  const b = backend as Partial<SessionBackend>;
  if (typeof b.rings !== 'object' || b.rings === null || !isRing(b.rings.send) || !isRing(b.rings.receive)) {
    invalid('new Session: backend.rings must be { send: TunRing, receive: TunRing }.');
  }
  if (!isEvent(b.readEvent) || !isEvent(b.writeEvent)) invalid('new Session: backend.readEvent and backend.writeEvent must be AutoResetEvents.');
  if (typeof b.link !== 'object' || b.link === null || typeof b.link.close !== 'function') invalid('new Session: backend.link must have a close() method.');
  if (b.driverStats !== undefined && b.driverStats !== null && typeof b.driverStats !== 'object') invalid('new Session: backend.driverStats must be an object or null.');
}

function positive(what: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) invalid(`new Session: ${what} must be a finite number > 0, got ${describe(value)}.`);
  return value;
}

/** The options of a session, checked and with their defaults. */
export interface ParsedOptions {
  readonly waitMs: number;
  readonly gate: RateGate | null;
  readonly spinGate: SpinGate | null;
  readonly stallMs: number;
  readonly intervalMs: number;
}

/**
 * Checks `SessionOptions` and applies the defaults (wait 100 ms; spin at 20 000 pps over 250 ms
 * windows for up to 50 us while the recent gaps average at most 20 us; guard stall 2 ms, interval 1 ms).
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a malformed option.
 */
export function parseOptions(options: SessionOptions): ParsedOptions {
  checkOptionsBag('new Session', options);
  const waitMs = positive('waitTimeoutMs', options.waitTimeoutMs, DEFAULT_WAIT_MS);
  const spin = options.spin;
  if (spin !== undefined && spin !== false) checkOptionsBag('new Session: spin', spin);
  const guard = options.oldDriverGuard;
  if (guard !== undefined && guard !== false) checkOptionsBag('new Session: oldDriverGuard', guard);
  let gate: RateGate | null = null;
  let spinGate: SpinGate | null = null;
  if (spin !== false) {
    gate = new RateGate({ thresholdPps: positive('spin.thresholdPps', spin?.thresholdPps, 20_000), windowMs: positive('spin.windowMs', spin?.windowMs, 250) });
    spinGate = new SpinGate({ spinUs: positive('spin.spinUs', spin?.spinUs, 50), breakEvenUs: positive('spin.breakEvenUs', spin?.breakEvenUs, 20) });
  }
  const stallMs = guard === false ? 0 : positive('oldDriverGuard.stallMs', guard?.stallMs, 2);
  const intervalMs = guard === false ? 0 : positive('oldDriverGuard.intervalMs', guard?.intervalMs, 1);
  return { waitMs, gate, spinGate, stallMs, intervalMs };
}
