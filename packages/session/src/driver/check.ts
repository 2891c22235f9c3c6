/**
 * Argument checks of the driver side (driver loops, driver workers, the test drivers, the packet
 * queue): each throws `ERR_WINTUN_INVALID_ARGUMENT` naming the function and the argument, before
 * anything is started or changed. Cold code, run once at each entry. Internal: not exported from
 * the package.
 *
 * @module
 */
import { MAX_TIMEOUT_MS, checkFunction, checkOptionsBag, describe, invalid } from '../session/core.js';
import { isInt32Array, isUint32Array, isUint8Array } from 'node:util/types';

export { checkFunction, checkOptionsBag };

/** Control blocks hold at least this many Int32 slots (`DriverControl.SIZE`; kept here to avoid an import cycle). */
const CONTROL_SLOTS = 20;

/** A non-null, non-array object. */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The fields of an options type `T`, each of unknown type (what a check reads). */
export type Loose<T> = { readonly [K in keyof T]?: unknown };

/** A required options bag: a non-null, non-array object. */
export function checkRequiredOptions(what: string, options: unknown): asserts options is object {
  if (!isObject(options)) invalid(`${what}: options must be an object, got ${describe(options)}.`);
}

/** An integer in [min, max]; `undefined` passes when `optional`. */
export function checkInteger(what: string, name: string, value: unknown, min: number, max: number, optional = false): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(`${what}: ${name} must be an integer in [${min}, ${max}], got ${describe(value)}.`);
  }
}

/** A finite number of milliseconds (or microseconds) in [0, 2^31 - 1]; `undefined` passes when `optional`. */
export function checkDuration(what: string, name: string, value: unknown, optional = true): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'number' || !(value >= 0) || value > MAX_TIMEOUT_MS) {
    invalid(`${what}: ${name} must be a number in [0, ${MAX_TIMEOUT_MS}], got ${describe(value)}.`);
  }
}

/** One of `choices` (or `undefined`). */
export function checkChoice(what: string, name: string, value: unknown, choices: readonly string[]): void {
  if (value !== undefined && !choices.includes(value as string)) {
    invalid(`${what}: ${name} must be ${choices.map((c) => `'${c}'`).join(' or ')}, got ${describe(value)}.`);
  }
}

/** An optional callback. */
export function checkOptionalFunction(what: string, name: string, fn: unknown): void {
  if (fn !== undefined) checkFunction(what, name, fn);
}

/** A `Uint8Array` (or `Buffer`) over a live buffer. */
export function checkBytes(what: string, name: string, value: unknown): asserts value is Uint8Array {
  if (!isUint8Array(value)) invalid(`${what}: ${name} must be a Uint8Array, got ${describe(value)}.`);
  if (value.byteLength === 0 && value.buffer.byteLength === 0) {
    try {
      new Uint8Array(value.buffer);
    } catch {
      invalid(`${what}: ${name}'s ArrayBuffer is detached (transferred); pass a live view.`);
    }
  }
}

/** A `TunRing` (checked by shape, so a ring from another copy of the ring package passes). */
export function checkRingArgument(what: string, ring: unknown): void {
  const r = ring as { header?: unknown; words?: unknown; bytes?: unknown; capacity?: unknown } | null;
  if (!isObject(r) || !isInt32Array(r.header) || !isUint32Array(r.words) || !isUint8Array(r.bytes) || typeof r.capacity !== 'number') {
    invalid(`${what}: ring must be a TunRing, got ${describe(ring)}.`);
  }
}

/** An `AutoResetEvent`: `set`, `wait`, `waitSync` and `describe` methods. */
export function checkEventArgument(what: string, name: string, event: unknown): void {
  const e = event as { set?: unknown; waitSync?: unknown; describe?: unknown } | null;
  if (!isObject(event) || e === null || typeof e.set !== 'function' || typeof e.waitSync !== 'function' || typeof e.describe !== 'function') {
    invalid(`${what}: ${name} must be an AutoResetEvent (set, waitSync, describe), got ${describe(event)}.`);
  }
}

/** A driver control block: an `Int32Array` over a SharedArrayBuffer with `DriverControl.SIZE` slots. */
export function checkControl(what: string, control: unknown): asserts control is Int32Array {
  if (!isInt32Array(control) || !(control.buffer instanceof SharedArrayBuffer) || control.length < CONTROL_SLOTS) {
    invalid(`${what}: control must be an Int32Array over a SharedArrayBuffer with ${CONTROL_SLOTS} slots (createDriverControl()), got ${describe(control)}.`);
  }
}

/** An object with a `name` method (a packet source's `read`, a sink's `write`). */
export function checkMethodObject(what: string, name: string, value: unknown, method: string): void {
  if (!isObject(value) || typeof value[method] !== 'function') invalid(`${what}: ${name} must be an object with a ${method}() method, got ${describe(value)}.`);
  const close = (value as { close?: unknown }).close;
  if (close !== undefined && typeof close !== 'function') invalid(`${what}: ${name}.close must be a function when present.`);
}

/** The options of `runProducerLoop` (also the `loop` of a producer spec). */
export function checkProducerLoopOptions(what: string, options: unknown): void {
  checkOptionsBag(what, options);
  if (options === undefined) return;
  const o = options as { waitMs?: unknown; maxPacketSize?: unknown; batchLimit?: unknown };
  checkDuration(what, 'options.waitMs', o.waitMs);
  checkInteger(what, 'options.maxPacketSize', o.maxPacketSize, 1, 0xffff, true);
  checkInteger(what, 'options.batchLimit', o.batchLimit, 1, 0x7fffffff, true);
}

/** The options of `runConsumerLoop` (also the `loop` of a consumer spec). */
export function checkConsumerLoopOptions(what: string, options: unknown): void {
  checkOptionsBag(what, options);
  if (options === undefined) return;
  const o = options as { waitMs?: unknown; spinUs?: unknown; spinBreakEvenUs?: unknown; mode?: unknown; raceWindowUs?: unknown };
  checkDuration(what, 'options.waitMs', o.waitMs);
  checkDuration(what, 'options.spinUs', o.spinUs);
  if (o.spinBreakEvenUs !== undefined) {
    checkDuration(what, 'options.spinBreakEvenUs', o.spinBreakEvenUs);
    if (o.spinBreakEvenUs === 0) invalid(`${what}: options.spinBreakEvenUs must be > 0 (microseconds a sleep and wake-up cost).`);
  }
  checkChoice(what, 'options.mode', o.mode, ['fenced', 'old-driver']);
  checkDuration(what, 'options.raceWindowUs', o.raceWindowUs);
}

/** A `DriverLoopSpec` (or null/undefined for none): `io` a URL or a non-empty string, `loop` checked by `checkLoop`. */
export function checkLoopSpec(what: string, name: string, spec: unknown, checkLoop: (what: string, options: unknown) => void): void {
  if (spec === undefined || spec === null) return;
  if (!isObject(spec)) invalid(`${what}: ${name} must be an object ({ io, ioOptions?, loop? }) or null, got ${describe(spec)}.`);
  const { io, loop } = spec as { io?: unknown; loop?: unknown };
  if (!(io instanceof URL) && (typeof io !== 'string' || io === '')) invalid(`${what}: ${name}.io must be a URL or a non-empty URL string, got ${describe(io)}.`);
  checkLoop(`${what}: ${name}.loop`, loop);
}

/** `RingMemory` by shape: `byteLength`, `address` (bigint or null), `buffer`, `free()`. */
export function checkRingMemoryArgument(what: string, memory: unknown): void {
  const m = memory as { byteLength?: unknown; address?: unknown; buffer?: unknown; free?: unknown } | null;
  if (
    !isObject(memory) ||
    m === null ||
    typeof m.byteLength !== 'number' ||
    !(m.address === null || typeof m.address === 'bigint') ||
    !(m.buffer instanceof ArrayBuffer || m.buffer instanceof SharedArrayBuffer) ||
    typeof m.free !== 'function'
  ) {
    invalid(`${what}: options.memory must be a RingMemory (allocateRingMemory/wrapRingMemory), got ${describe(memory)}.`);
  }
}

/** A ring pair layout's shape (the capacities themselves are checked by `ringPairSize`). */
export function checkLayoutShape(what: string, layout: unknown): void {
  if (!isObject(layout)) invalid(`${what}: options.layout must be { sendCapacity, receiveCapacity }, got ${describe(layout)}.`);
}
