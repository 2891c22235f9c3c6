/**
 * The auto-reset event abstraction every wait in a session goes through: one interface, two
 * implementations (a SharedArrayBuffer slot everywhere, a Win32 event object on Windows).
 *
 * @module
 */
import type { SharedEvent } from './shared.js';

/**
 * An auto-reset event with Wintun's `TailMoved` semantics: `set()` makes it signalled and it stays
 * signalled (sticky) until exactly one wait consumes the signal; a wait that consumes it resets it.
 * Several `set()` calls before a wait collapse into one signal. Spurious wake-ups are allowed:
 * callers always re-check the ring after a wait.
 *
 * Thread-safety: `set()`, `wait()` and `describe()` may be called from any thread; `waitSync()`
 * blocks and is for worker threads only. Ownership: the object that created the event owns it and
 * closes it after every thread that uses it has stopped waiting; views opened from a descriptor
 * with {@link openEvent} never own the underlying resource.
 */
export interface AutoResetEvent {
  /**
   * `'shared'` for {@link SharedEvent}, `'win32'` for a Win32 event object, `'inline'` for an
   * `InlineEvent` (one thread's event loop only: its `describe()` throws).
   */
  readonly kind: 'shared' | 'win32' | 'inline';
  /** Signals the event. Callable from any thread; never blocks; a no-op after `close()`. */
  set(): void;
  /**
   * Blocks the calling thread until the event is signalled (and consumes the signal) or
   * `timeoutMs` passes. Worker threads only: the main thread must use {@link AutoResetEvent.wait}.
   *
   * @param timeoutMs - upper bound in milliseconds; 0 polls; at most 2147483647.
   * @returns true when a signal was consumed, false on timeout.
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a timeout that is not a number in [0, 2147483647] ms.
   */
  waitSync(timeoutMs: number): boolean;
  /**
   * Waits without blocking the event loop until the event is signalled (consuming the signal) or
   * `timeoutMs` passes.
   *
   * @param timeoutMs - upper bound in milliseconds, at most 2147483647.
   * @param unref - true when the wait must not keep the process alive (an unref'd session's
   *   pump). Default false: a pending wait is pending work, as a timer is.
   * @returns a promise for true when a signal was consumed, false on timeout.
   */
  wait(timeoutMs: number, unref?: boolean): Promise<boolean>;
  /**
   * A structured-clonable description for {@link openEvent} in another thread.
   *
   * @throws WintunError `ERR_WINTUN_INVALID_STATE` for an event that cannot cross threads (`'inline'`).
   */
  describe(): EventDescriptor;
  /** Releases what the event owns. Idempotent. Waits already in progress end at their timeout. */
  close(): void;
}

/**
 * A structured-clonable reference to an {@link AutoResetEvent}: post it to a worker and reopen it
 * there with {@link openEvent}. `shared`: one Int32 slot (`index`) of `buffer`. `win32`: a
 * process-wide event handle value.
 */
export type EventDescriptor =
  | {
      /** A {@link SharedEvent} slot. */
      readonly kind: 'shared';
      /** The SharedArrayBuffer holding the slot. */
      readonly buffer: SharedArrayBuffer;
      /** Int32 index of the slot. */
      readonly index: number;
    }
  | {
      /** A Win32 event object. */
      readonly kind: 'win32';
      /** The process-wide handle value. */
      readonly handle: bigint;
    };
