/**
 * Waiting on a Win32 object without holding a libuv pool thread: `RegisterWaitForSingleObject`
 * (one-shot, with the wait's timeout) hands the wait to the Windows thread pool's wait threads
 * (one of them waits on up to 63 objects), and its callback, a koffi registered callback, is
 * relayed by koffi to this JavaScript thread. libuv's pool (4 threads by default, shared with fs,
 * dns.lookup, zlib and crypto) is never used, however many sessions wait. Windows only; used by
 * `Win32Event.wait`. Internal.
 *
 * The wake path is kept to what cannot be avoided: the pool's wait thread wakes, a pool worker
 * runs the callback, koffi relays it to this thread, and the callback settles the wait at once.
 * Freeing the finished one-shot wait object (`UnregisterWaitEx`, a call that costs tens of
 * microseconds under Wine) is deferred to a `setImmediate` that runs after the waiter has resumed,
 * batched for every wait that finished in the same turn.
 *
 * @module
 */
import { threadId } from 'node:worker_threads';
import { getLastError, loadKoffi, requireWindows, win32Error } from '@wintun-ts/ring/win32';
import { holdKeepAlive, releaseKeepAlive } from './wait-async.js';

/** `WT_EXECUTEONLYONCE`: the wait ends after the first callback. */
const WT_EXECUTEONLYONCE = 0x8;
/** `INFINITE` would never end: the longest finite wait is `INFINITE - 1`. */
const MAX_NATIVE_TIMEOUT = 0xfffffffe;
/** UnregisterWaitEx's answer while the callback runs (it still completes and is relayed). */
const ERROR_IO_PENDING = 997;

interface PendingWait {
  /** The wait object from RegisterWaitForSingleObject (0 until registered). */
  waitHandle: bigint | number;
  /** Settles the wait: true when the object was signalled (and the signal consumed). */
  readonly settle: (signalled: boolean) => void;
}

interface PoolWaitApi {
  readonly register: (out: (bigint | number)[], object: bigint, callback: unknown, context: number, ms: number, flags: number) => number;
  readonly unregister: (waitHandle: bigint | number, completion: bigint | number) => number;
  readonly callback: unknown;
}

const pending = new Map<number, PendingWait>();
/** Finished one-shot wait objects to free (`UnregisterWaitEx`) once their waiters have resumed. */
let finished: (bigint | number)[] = [];
let releaseScheduled = false;
let nextId = 1;
let api: PoolWaitApi | null = null;
/** koffi type names are process-wide; several copies of this module (bundles) may bind their own. */
const protoSuffix = Math.random().toString(36).slice(2, 10);

/** Binds RegisterWaitForSingleObject/UnregisterWaitEx and registers the one callback (per thread, once). */
function poolWaitApi(): PoolWaitApi {
  if (api !== null) return api;
  requireWindows('RegisterWaitForSingleObject');
  const koffi = loadKoffi();
  const lib = koffi.load('kernel32.dll');
  // VOID CALLBACK WaitOrTimerCallback(PVOID lpParameter, BOOLEAN TimerOrWaitFired)
  const proto = koffi.proto('__stdcall', `WintunTsWaitOrTimer_${String(threadId)}_${protoSuffix}`, 'void', ['uintptr_t', 'uint8_t']);
  const register = lib.func('__stdcall', 'RegisterWaitForSingleObject', 'int', [koffi.out(koffi.pointer('uintptr_t')), 'uintptr_t', koffi.pointer(proto), 'uintptr_t', 'uint32_t', 'uint32_t']);
  const unregister = lib.func('__stdcall', 'UnregisterWaitEx', 'int', ['uintptr_t', 'uintptr_t']);
  // Called on a Windows pool thread; koffi runs it on this thread's event loop (the pool thread
  // waits meanwhile), so the map needs no locking.
  const callback = koffi.register((context: number | bigint, timedOut: number) => {
    const id = Number(context);
    const wait = pending.get(id);
    if (wait === undefined) return;
    pending.delete(id);
    wait.settle(timedOut === 0);
    // One-shot: the wait is over. Its object is freed after the waiter has resumed (the promise
    // continuation runs in this turn's microtasks, the release in the check phase), without
    // blocking (NULL completion event: the callback that would wait for is this one).
    finished.push(wait.waitHandle);
    if (!releaseScheduled) {
      releaseScheduled = true;
      setImmediate(releaseFinished);
    }
  }, koffi.pointer(proto));
  api = { register: register as PoolWaitApi['register'], unregister: unregister as PoolWaitApi['unregister'], callback };
  return api;
}

/** Frees the wait objects of every wait that finished since the last release. */
function releaseFinished(): void {
  releaseScheduled = false;
  const handles = finished;
  finished = [];
  const w = api;
  if (w === null) return;
  for (const handle of handles) w.unregister(handle, 0);
}

/**
 * Waits for `object` (an auto-reset event: a satisfied wait consumes its signal) for at most
 * `timeoutMs` on the Windows thread pool. `keepAlive` holds this thread's long-lived keep-alive
 * handle while the wait is pending (a pending wait is pending work, as a timer is; no timer per
 * wait); without it the wait does not keep the process alive.
 *
 * @returns a handle whose `promise` settles with true (signalled) or false (timed out or
 *   cancelled), and `cancel()` which ends the wait with false unless its callback already runs.
 * @throws WintunError mapped from `GetLastError()` when the wait cannot be registered.
 */
export function poolWait(object: bigint, timeoutMs: number, keepAlive: boolean): { readonly promise: Promise<boolean>; cancel(): void } {
  const w = poolWaitApi();
  const id = nextId++;
  if (nextId > 0x7fffffff) nextId = 1;
  let settle!: (signalled: boolean) => void;
  const promise = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  // Every path that settles the entry (callback, cancel, failed registration) first takes it out
  // of `pending`: the keep-alive is released exactly once.
  if (keepAlive) holdKeepAlive();
  const entry: PendingWait = {
    waitHandle: 0,
    settle: (signalled) => {
      if (keepAlive) releaseKeepAlive();
      settle(signalled);
    },
  };
  pending.set(id, entry);
  const out: (bigint | number)[] = [0];
  if (w.register(out, object, w.callback, id, Math.min(Math.ceil(timeoutMs), MAX_NATIVE_TIMEOUT), WT_EXECUTEONLYONCE) === 0) {
    const code = getLastError();
    pending.delete(id);
    if (keepAlive) releaseKeepAlive();
    throw win32Error('RegisterWaitForSingleObject', code, 'Waiting on a Win32 event');
  }
  entry.waitHandle = out[0] ?? 0;
  return {
    promise,
    cancel: () => {
      const wait = pending.get(id);
      if (wait === undefined) return;
      // Non-blocking: a blocking unregister could wait for a callback that is queued for this very thread.
      if (w.unregister(wait.waitHandle, 0) !== 0 || getLastError() !== ERROR_IO_PENDING) {
        pending.delete(id);
        wait.settle(false);
      }
      // ERROR_IO_PENDING: the callback runs now and is relayed here; it settles the wait.
    },
  };
}

/**
 * Counts of this thread's thread-pool waits (diagnostics and leak checks): `pending` waits are
 * registered and not settled; `unreleased` ones have settled and their wait objects are not freed
 * yet (they are freed right after their waiters resume). Both return to 0 when nothing waits.
 */
export function win32PoolWaits(): { readonly pending: number; readonly unreleased: number } {
  return { pending: pending.size, unreleased: finished.length };
}
