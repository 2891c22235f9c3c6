/**
 * `Atomics.waitAsync` for the main thread's event waits: a typed handle on it (the project's
 * TypeScript lib, ES2023, does not declare it) and the keep-alive a pending wait holds: one
 * long-lived handle per thread, ref-counted, instead of a timer per wait.
 *
 * Why `Atomics.waitAsync` (measured for issue 12 with bench/js/wake-probe.mjs, a native waker and a
 * worker waker against a C thread blocked on a futex): every way into a Node event loop from another
 * thread ends in an eventfd write and an epoll wake-up (`Atomics.notify` reaches the loop through
 * V8's task queue and libuv's async handle, which is an eventfd too). An eventfd of our own, set by
 * the worker only while the main thread waits and watched with `koffi.node.poll`, measured the same
 * p50 as `Atomics.waitAsync` with a worker setter and a slower Session path (the setter pays an FFI
 * call and a write(2)), so the shared event keeps `Atomics.waitAsync`.
 *
 * @module
 */

/** Result of `Atomics.waitAsync`. */
export type WaitAsyncResult =
  | { readonly async: false; readonly value: 'not-equal' | 'timed-out' }
  | { readonly async: true; readonly value: Promise<'ok' | 'timed-out'> };

/**
 * `Atomics.waitAsync(array, index, value, timeoutMs)`: waits on the event loop (never blocks)
 * while `array[index] === value`, at most `timeoutMs`. Shared memory only.
 */
export function waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): WaitAsyncResult {
  return (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): WaitAsyncResult }).waitAsync(array, index, value, timeoutMs);
}

function noop(): void {}

/** One interval per thread, ref'd while at least one ref'd wait is pending, unref'd otherwise. */
let keepAlive: ReturnType<typeof setInterval> | null = null;
let keepAliveRefs = 0;

/** Ref'd waits pending in this thread (diagnostics and tests: 0 once every wait settled). */
export function pendingRefWaits(): number {
  return keepAliveRefs;
}

/**
 * Marks one ref'd wait as pending: while any is, this thread's one long-lived interval is ref'd and
 * keeps the process alive (a pending `Atomics.waitAsync` alone does not). A ref count: no timer is
 * created or cleared per wait. Pair every call with {@link releaseKeepAlive}.
 */
export function holdKeepAlive(): void {
  if (keepAliveRefs++ === 0) {
    if (keepAlive === null) keepAlive = setInterval(noop, 0x7fffffff);
    else keepAlive.ref();
  }
}

/** Ends one {@link holdKeepAlive}; the interval is unref'd when none is left. */
export function releaseKeepAlive(): void {
  if (--keepAliveRefs === 0) keepAlive!.unref();
}
