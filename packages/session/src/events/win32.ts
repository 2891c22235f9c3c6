/**
 * {@link Win32Event}: an {@link AutoResetEvent} over a Win32 event object (`CreateEventW`
 * auto-reset, unsignalled, unnamed; `SetEvent`; `WaitForSingleObject`), the kind of event the
 * Wintun driver sets and waits on (`TailMoved`). Windows only; the handle value is process-wide, so a
 * worker reopens it from {@link Win32Event.describe} with {@link openWin32Event}.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/ring';
import { WAIT_OBJECT_0, WAIT_TIMEOUT, getLastError, kernel32, requireWindows, win32Error } from '@wintun-ts/ring/win32';
import type { AutoResetEvent, EventDescriptor } from './types.js';
import { checkTimeout } from './timeout.js';
import { poolWait } from './win32-wait.js';

/** Largest finite timeout one `WaitForSingleObject` takes (`INFINITE` - 1). */
const MAX_NATIVE_TIMEOUT = 0xfffffffe;

function checkHandle(handle: unknown): asserts handle is bigint {
  if (typeof handle !== 'bigint' || handle <= 0n) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `A Win32 event handle must be a positive bigint, got ${String(handle)}.`);
  }
}

/**
 * An auto-reset Win32 event. Created by {@link createWin32Event} (owns its handle: `close()` calls
 * `CloseHandle` once, after any asynchronous wait still in flight has returned) or opened by
 * {@link openWin32Event} (a view of a handle someone else owns: `close()` never closes it).
 *
 * Thread-safety: `set()` and `wait()` from any thread; `waitSync()` blocks and is for worker
 * threads (the main thread may poll with 0). The owner closes the event after every thread using it
 * has stopped waiting.
 */
export class Win32Event implements AutoResetEvent {
  /** Always `'win32'`. */
  readonly kind = 'win32' as const;
  /** The event's HANDLE value (process-wide). */
  readonly handle: bigint;
  /** True when this object closes the handle in `close()`. */
  readonly owned: boolean;
  #closed = false;
  #inFlight = 0;
  /** Waits registered with the Windows thread pool and not settled: `close()` cancels them. */
  readonly #waits = new Set<{ cancel(): void }>();
  #handleClosed = false;

  /**
   * Wraps an existing handle. Prefer {@link createWin32Event} and {@link openWin32Event}.
   *
   * @param handle - an event HANDLE with SYNCHRONIZE and EVENT_MODIFY_STATE access.
   * @param owned - true to close the handle in `close()`.
   * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` off Windows; `ERR_WINTUN_INVALID_ARGUMENT`
   *   for a handle that is not a positive bigint.
   */
  constructor(handle: bigint, owned: boolean) {
    requireWindows('Win32Event');
    checkHandle(handle);
    this.handle = handle;
    this.owned = owned;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Signals the event (`SetEvent`). Never blocks; a no-op after `close()`.
   *
   * @throws WintunError mapped from `GetLastError()` when `SetEvent` fails (e.g. the owner closed
   *   the handle under a view: `ERR_WINTUN_INVALID_ARGUMENT`).
   */
  set(): void {
    if (this.#closed) return;
    if (kernel32().SetEvent(this.handle) === 0) throw win32Error('SetEvent', getLastError(), 'Signalling a Win32 event');
  }

  /**
   * Blocks the calling thread in `WaitForSingleObject` until signalled (consuming the signal) or
   * `timeoutMs` passes. Worker threads only, except `timeoutMs` 0 (a poll).
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a bad timeout; `ERR_WINTUN_CLOSED` after
   *   `close()`; mapped from `GetLastError()` when the wait fails.
   */
  waitSync(timeoutMs: number): boolean {
    checkTimeout(timeoutMs);
    this.#assertOpen();
    const k = kernel32();
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const left = Math.max(0, Math.ceil(deadline - performance.now()));
      const r = k.WaitForSingleObject(this.handle, Math.min(left, MAX_NATIVE_TIMEOUT)) >>> 0;
      if (r === WAIT_OBJECT_0) return true;
      if (r !== WAIT_TIMEOUT) throw win32Error('WaitForSingleObject', getLastError(), 'Waiting on a Win32 event');
      if (left <= MAX_NATIVE_TIMEOUT || this.#closed) return false;
    }
  }

  /**
   * Waits without blocking the event loop and without holding a libuv pool thread: the wait is
   * registered with the Windows thread pool (`RegisterWaitForSingleObject`, one-shot, with the
   * timeout), whose wait threads wait on up to 63 objects each, and its callback is relayed to this
   * thread. fs, dns.lookup, zlib and crypto keep libuv's whole pool however many sessions wait.
   * A `close()` during the wait ends it with false at once. A pending wait keeps the process alive
   * (as a timer does) unless `unref` is true.
   *
   * @throws WintunError (as a rejection) `ERR_WINTUN_INVALID_ARGUMENT` for a bad timeout;
   *   `ERR_WINTUN_CLOSED` after `close()`; mapped from `GetLastError()` when the wait cannot be registered.
   */
  async wait(timeoutMs: number, unref = false): Promise<boolean> {
    checkTimeout(timeoutMs);
    this.#assertOpen();
    const k = kernel32();
    if ((k.WaitForSingleObject(this.handle, 0) >>> 0) === WAIT_OBJECT_0) return true;
    if (timeoutMs === 0) return false;
    const wait = poolWait(this.handle, timeoutMs, !unref);
    this.#inFlight++;
    this.#waits.add(wait);
    try {
      return await wait.promise;
    } finally {
      this.#waits.delete(wait);
      this.#inFlight--;
      this.#maybeCloseHandle();
    }
  }

  /** `{ kind: 'win32', handle }`: reopen it in a worker of the same process with {@link openWin32Event}. */
  describe(): EventDescriptor {
    return { kind: 'win32', handle: this.handle };
  }

  /**
   * Marks the event closed; an owned handle is closed once (`CloseHandle`), right away or when the
   * last asynchronous wait in flight returns. Idempotent. A view never closes the handle.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const wait of [...this.#waits]) wait.cancel();
    this.#maybeCloseHandle();
  }

  #maybeCloseHandle(): void {
    if (!this.#closed || !this.owned || this.#handleClosed || this.#inFlight > 0) return;
    this.#handleClosed = true;
    kernel32().CloseHandle(this.handle);
  }

  #assertOpen(): void {
    if (this.#closed) throw new WintunError('ERR_WINTUN_CLOSED', 'The Win32 event was closed.');
  }
}

/**
 * Creates an owned, unnamed, auto-reset, initially unsignalled Win32 event.
 *
 * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` off Windows; mapped from `GetLastError()`
 *   when `CreateEventW` fails.
 */
export function createWin32Event(): Win32Event {
  requireWindows('Win32Event');
  const handle = kernel32().CreateEventW(null, 0, 0, null);
  if (handle === null || handle === 0n) throw win32Error('CreateEventW', getLastError(), 'Creating a Win32 event');
  return new Win32Event(handle, true);
}

/**
 * Opens a view of an existing Win32 event handle of this process (e.g. from a descriptor posted to
 * a worker). The view does not own the handle: its `close()` leaves the handle open.
 *
 * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` off Windows; `ERR_WINTUN_INVALID_ARGUMENT`
 *   for a handle that is not a positive bigint.
 */
export function openWin32Event(handle: bigint): Win32Event {
  return new Win32Event(handle, false);
}
