/**
 * {@link SharedEvent}: an auto-reset event in one Int32 slot of a SharedArrayBuffer, usable from the
 * main thread (`Atomics.waitAsync`) and from workers (`Atomics.wait`) on every platform.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/ring';
import type { AutoResetEvent, EventDescriptor } from './types.js';
import { checkTimeout } from './timeout.js';
import { holdKeepAlive, releaseKeepAlive, waitAsync } from './wait-async.js';

/** Longest single `Atomics.wait` slice: a blocked wait re-checks the slot at least this often. */
const SLICE_MS = 1000;

/**
 * An auto-reset event over an Int32 slot of a SharedArrayBuffer: 0 = not signalled, 1 = signalled.
 * `set()` stores 1 and wakes one waiter; a waiter consumes the signal with compareExchange(1 -> 0),
 * so one signal releases exactly one waiter (edge 36) and it stays pending until consumed.
 *
 * Thread-safety: any thread may `set()` and `wait()`; `waitSync()` blocks and is for workers (the
 * main thread may call it only with timeout 0). Lifetime: the slot lives as long as its
 * SharedArrayBuffer; `close()` only marks this view closed (further `set()` calls are ignored).
 */
export class SharedEvent implements AutoResetEvent {
  /** Always `'shared'`. */
  readonly kind = 'shared' as const;
  /** The SharedArrayBuffer that holds the slot. */
  readonly buffer: SharedArrayBuffer;
  /** Index of the Int32 slot inside {@link SharedEvent.buffer}. */
  readonly index: number;
  readonly #slot: Int32Array;
  #closed = false;

  /**
   * Creates an event. Without arguments it allocates its own 4-byte SharedArrayBuffer.
   *
   * @param buffer - a SharedArrayBuffer to place the slot in (another thread's view of it gives the
   *   same event).
   * @param index - the Int32 slot index inside `buffer`.
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `buffer` is not shared or `index` is out of range.
   */
  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(4), index = 0) {
    if (!(buffer instanceof SharedArrayBuffer)) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'SharedEvent needs a SharedArrayBuffer (Atomics.wait works only on shared memory).');
    }
    if (!Number.isInteger(index) || index < 0 || (index + 1) * 4 > buffer.byteLength) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `SharedEvent slot index ${index} is outside the buffer.`);
    }
    this.buffer = buffer;
    this.index = index;
    this.#slot = new Int32Array(buffer);
  }

  /** True while a signal is pending (diagnostics only: the answer may be stale at once). */
  get signalled(): boolean {
    return Atomics.load(this.#slot, this.index) === 1;
  }

  /** Signals the event and wakes one waiter. Never blocks. Ignored after `close()`. */
  set(): void {
    if (this.#closed) return;
    Atomics.store(this.#slot, this.index, 1);
    Atomics.notify(this.#slot, this.index, 1);
  }

  /** Consumes a pending signal without waiting. @returns true when one was pending. */
  tryConsume(): boolean {
    return Atomics.compareExchange(this.#slot, this.index, 1, 0) === 1;
  }

  /**
   * Blocks until signalled or `timeoutMs` passes (worker threads; the main thread may only poll
   * with 0). The wait is a loop of bounded `Atomics.wait` slices, so it always returns.
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a timeout that is not a number in [0, 2147483647] ms.
   */
  waitSync(timeoutMs: number): boolean {
    checkTimeout(timeoutMs);
    if (this.tryConsume()) return true;
    if (timeoutMs === 0) return false;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) return this.tryConsume();
      Atomics.wait(this.#slot, this.index, 0, Math.min(left, SLICE_MS));
      if (this.tryConsume()) return true;
    }
  }

  /**
   * Waits on the event loop (`Atomics.waitAsync`, never blocking) until signalled or `timeoutMs`
   * passes. A pending wait keeps the process alive (like a timer) until it settles, unless `unref`
   * is true. No timer per wait: a ref'd wait holds one long-lived keep-alive handle while pending.
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` (rejection) for a timeout that is not a number in [0, 2147483647] ms.
   */
  async wait(timeoutMs: number, unref = false): Promise<boolean> {
    checkTimeout(timeoutMs);
    if (this.tryConsume()) return true;
    if (timeoutMs === 0) return false;
    const slot = this.#slot;
    const index = this.index;
    const ref = !unref;
    // One clock read per wait: waitAsync's own timeout bounds a slice; the clock is read again only
    // after a slice that ended without a signal (a timeout, or a signal another waiter took).
    const deadline = performance.now() + timeoutMs;
    let left = timeoutMs;
    for (;;) {
      const result = waitAsync(slot, index, 0, Math.min(left, SLICE_MS));
      if (result.async) {
        if (ref) {
          holdKeepAlive();
          try {
            await result.value;
          } finally {
            releaseKeepAlive();
          }
        } else {
          await result.value;
        }
      }
      if (this.tryConsume()) return true;
      left = deadline - performance.now();
      if (left <= 0) return this.tryConsume();
    }
  }

  /** The descriptor to reopen this event in another thread. */
  describe(): EventDescriptor {
    return { kind: 'shared', buffer: this.buffer, index: this.index };
  }

  /** Marks this view closed; idempotent. The slot itself is freed with its SharedArrayBuffer. */
  close(): void {
    this.#closed = true;
  }
}
