/**
 * {@link InlineEvent}: an auto-reset event that lives on one thread's event loop, for sessions
 * whose driver side runs on that same thread (the inline driver, `startSessionWithInlineDriver`).
 * `set()` hands the signal to the pending `wait()` directly: no `Atomics.waitAsync`, no task hop,
 * no other thread.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/ring';
import type { AutoResetEvent, EventDescriptor } from './types.js';
import { checkTimeout } from './timeout.js';

interface Waiter {
  resolve: (signalled: boolean) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * An auto-reset event for one thread: `set()` resolves the oldest pending {@link InlineEvent.wait}
 * with true at once (its continuation runs in the same event-loop turn, as a microtask), or, with
 * no wait pending, leaves the event signalled until a wait consumes it. Several `set()` calls
 * without a wait collapse into one signal; one signal releases exactly one waiter.
 *
 * With a `handler`, the event has a permanent synchronous listener instead of waiters: every
 * `set()` calls `handler()` right there, inside the caller's call (the inline driver's consumer
 * drains the Receive ring this way, inside the session's send). The handler must not throw; an
 * exception escapes to the caller of `set()`.
 *
 * Thread-safety: none; the thread that created it only (the main thread of a session whose driver
 * runs inline). It cannot be described for another thread ({@link InlineEvent.describe} throws)
 * and {@link InlineEvent.waitSync} only polls (nothing else could set it while a thread blocks).
 * Lifetime: owns nothing but its timers; `close()` ends pending waits with false and makes
 * further `set()` calls no-ops.
 */
export class InlineEvent implements AutoResetEvent {
  /** Always `'inline'`. */
  readonly kind = 'inline' as const;
  readonly #handler: (() => void) | null;
  #listener: (() => void) | null = null;
  readonly #waiters: Waiter[] = [];
  #signalled = false;
  #closed = false;

  /**
   * @param handler - optional synchronous listener called by every `set()` (then the event never
   *   holds a signal and `wait()` only times out).
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `handler` is given and not a function.
   */
  constructor(handler?: () => void) {
    if (handler !== undefined && typeof handler !== 'function') {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `InlineEvent: handler must be a function, got ${handler === null ? 'null' : typeof handler}.`);
    }
    this.#handler = handler ?? null;
  }

  /** True while a signal is pending (diagnostics). */
  get signalled(): boolean {
    return this.#signalled;
  }

  /**
   * Signals the event: calls the handler, or resolves the oldest pending wait, or leaves the event
   * signalled. Never blocks; a no-op after `close()`.
   */
  set(): void {
    if (this.#closed) return;
    if (this.#handler !== null) {
      this.#handler();
      return;
    }
    if (this.#listener !== null) this.#listener();
    const waiter = this.#waiters.shift();
    if (waiter === undefined) {
      this.#signalled = true;
      return;
    }
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    waiter.resolve(true);
  }

  /**
   * Installs (or, with null, removes) a listener that every `set()` calls synchronously before it
   * resolves a wait or latches the signal: a session's receive path served straight from the
   * producer's call, with no wait promise, timer or task in between. The listener must not throw
   * (an exception escapes to the caller of `set()`). Ignored by an event with a handler. One
   * listener at a time; a later call replaces it.
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `listener` is neither a function nor null.
   */
  listen(listener: (() => void) | null): void {
    if (listener !== null && typeof listener !== 'function') {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `InlineEvent.listen: listener must be a function or null, got ${typeof listener}.`);
    }
    this.#listener = listener;
  }

  /**
   * Consumes a pending signal without waiting (the thread's only other event would be a `set()`
   * on this same thread, which cannot happen while it blocks).
   *
   * @returns true when a signal was pending.
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a timeout that is not a number in [0, 2147483647] ms.
   */
  waitSync(timeoutMs: number): boolean {
    checkTimeout(timeoutMs);
    return this.#consume();
  }

  /**
   * Waits on the event loop until `set()` (true) or `timeoutMs` passes (false). A pending wait
   * holds a timer that keeps the process alive unless `unref` is true.
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a timeout that is not a number in [0, 2147483647] ms.
   */
  wait(timeoutMs: number, unref = false): Promise<boolean> {
    checkTimeout(timeoutMs);
    if (this.#consume()) return Promise.resolve(true);
    if (timeoutMs === 0 || this.#closed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = { resolve, timer: undefined };
      waiter.timer = setTimeout(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        resolve(this.#consume());
      }, timeoutMs);
      if (unref) waiter.timer.unref();
      this.#waiters.push(waiter);
    });
  }

  /**
   * Always throws: the event exists only on its thread's event loop.
   *
   * @throws WintunError `ERR_WINTUN_INVALID_STATE`, always.
   */
  describe(): EventDescriptor {
    throw new WintunError(
      'ERR_WINTUN_INVALID_STATE',
      'An InlineEvent lives on the event loop of the thread that created it and cannot be opened in another thread; use a SharedEvent (createSharedEvents) for an event a worker waits on or sets.',
    );
  }

  /** Ends every pending wait with false and ignores later `set()` calls. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener = null;
    for (const waiter of this.#waiters.splice(0)) {
      if (waiter.timer !== undefined) clearTimeout(waiter.timer);
      waiter.resolve(this.#consume());
    }
  }

  #consume(): boolean {
    if (!this.#signalled) return false;
    this.#signalled = false;
    return true;
  }
}
