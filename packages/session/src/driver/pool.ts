/**
 * The pool of driver worker threads. A driver worker runs one driver loop at a time (a producer or
 * a consumer, see `workers/driver.ts`) and goes back to the pool when the loop ends, so a program
 * that starts and closes many sessions reuses a few threads instead of starting two fresh ones
 * (each loading koffi, whose per-thread native state is never returned to the system) per session.
 *
 * - Idle workers are unref'd: they never keep the process alive, and each one is stopped after
 *   {@link DRIVER_POOL_IDLE_MS} without work, or when the pool already holds
 *   {@link DRIVER_POOL_MAX_IDLE} idle workers.
 * - A worker whose loop failed, or that did not stop in time, is terminated, never reused.
 * - Workers start with an execArgv built from an allow-list ({@link driverWorkerExecArgv}), not
 *   the parent's whole execArgv: flags a Node program may be started with (`--max-old-space-size`,
 *   `--expose-gc`, `--stack-size`, `--title`, `--inspect`) are refused by workers or do not belong
 *   to them.
 *
 * Main thread only (the pool is per thread that hosts sessions).
 *
 * @module
 */
import { Worker } from 'node:worker_threads';
import { WintunError } from '@wintun-ts/ring';
import { workerUrl } from '../worker-url.js';
import type { DriverWorkerData } from '../workers/driver.js';

/** Most idle driver workers kept for reuse (two sessions' worth). */
export const DRIVER_POOL_MAX_IDLE = 4;
/** Milliseconds an idle driver worker is kept before it is stopped. */
export const DRIVER_POOL_IDLE_MS = 15_000;

/**
 * Flags passed on to driver workers when the parent has them. Everything else of the parent's
 * execArgv is left out: V8 and process-wide flags (`--max-old-space-size`, `--expose-gc`,
 * `--stack-size`, `--title`) make `new Worker` throw `ERR_WORKER_INVALID_EXEC_ARGV`, and debugger
 * or loader flags (`--inspect*`, `--import`, `--loader`, `--require`) do not belong to a thread that
 * runs the built driver code.
 */
const ALLOWED_FLAGS = new Set([
  '--enable-source-maps',
  '--preserve-symlinks',
  '--no-warnings',
  '--no-deprecation',
  '--trace-warnings',
  '--trace-deprecation',
  '--throw-deprecation',
  '--trace-uncaught',
]);
/** Flags with a value (`--flag=v` or `--flag v`) passed on, except the conditions the worker must not use. */
const ALLOWED_VALUE_FLAGS = new Set(['--conditions', '-C', '--unhandled-rejections']);
/** Export conditions never passed on: the worker runs built JavaScript, not the `.ts` sources. */
const DROPPED_CONDITIONS = new Set(['@wintun-ts/source']);

/**
 * The execArgv of a driver worker, from `parentExecArgv` (default `process.execArgv`) filtered
 * through an allow-list: source maps, warning flags, `--preserve-symlinks`,
 * `--unhandled-rejections` and export conditions (except `@wintun-ts/source`). Pure.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `parentExecArgv` is not an array of strings.
 */
export function driverWorkerExecArgv(parentExecArgv: readonly string[] = process.execArgv): string[] {
  if (!Array.isArray(parentExecArgv) || !parentExecArgv.every((a) => typeof a === 'string')) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'driverWorkerExecArgv takes an array of strings (a process.execArgv); leave it out to use this process\'s own.');
  }
  const out: string[] = [];
  for (let i = 0; i < parentExecArgv.length; i++) {
    const arg = parentExecArgv[i]!;
    if (ALLOWED_FLAGS.has(arg)) {
      out.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    if (!ALLOWED_VALUE_FLAGS.has(name)) continue;
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = parentExecArgv[i + 1];
      i++;
    }
    if (value === undefined) continue;
    if ((name === '--conditions' || name === '-C') && DROPPED_CONDITIONS.has(value)) continue;
    out.push(`${name === '-C' ? '--conditions' : name}=${value}`);
  }
  return out;
}

/** One pooled worker. Main thread only. */
export interface PooledWorker {
  /** The thread. Listeners added by a user of the worker must be removed before {@link releaseDriverWorker}. */
  readonly worker: Worker;
  /** False once the thread exited (or is being terminated); never reused then. */
  readonly alive: boolean;
}

class Entry implements PooledWorker {
  readonly worker: Worker;
  alive = true;
  idleTimer: ReturnType<typeof setTimeout> | null = null;
  constructor(worker: Worker) {
    this.worker = worker;
    worker.once('exit', () => {
      this.alive = false;
      this.#dropIdle();
    });
    // A failure of an idle worker has no one to report to; 'exit' follows.
    worker.on('error', () => undefined);
  }
  #dropIdle(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const i = idle.indexOf(this);
    if (i >= 0) idle.splice(i, 1);
  }
  takeFromIdle(): void {
    this.#dropIdle();
  }
}

const idle: Entry[] = [];
/** Shared by every driver worker of the process (see `workers/driver.ts`). */
const flagLock = new SharedArrayBuffer(4);
let live = 0;

/**
 * Takes an idle driver worker, or starts a new one. The worker is ref'd (it keeps the process alive
 * until released or unref'd).
 *
 * @throws WintunError `ERR_WINTUN_WORKER_FAILED` when the built worker file is missing.
 */
export function acquireDriverWorker(): PooledWorker {
  for (let entry = idle.pop(); entry !== undefined; entry = idle.pop()) {
    entry.takeFromIdle();
    if (!entry.alive) continue;
    entry.worker.ref();
    return entry;
  }
  const data: DriverWorkerData = { flagLock, exposeGc: process.execArgv.includes('--expose-gc') || process.execArgv.includes('--expose_gc') };
  let worker: Worker;
  try {
    worker = new Worker(workerUrl('driver'), { name: 'wintun-ts driver', execArgv: driverWorkerExecArgv(), workerData: data });
  } catch (cause) {
    // Node refuses the thread itself: the permission model without --allow-worker
    // (ERR_ACCESS_DENIED), or a worker limit of the embedder.
    const code = (cause as { code?: unknown } | null)?.code;
    const fix =
      code === 'ERR_ACCESS_DENIED'
        ? ' Node runs with --permission: add --allow-worker (sessions run their driver loops on worker threads).'
        : '';
    throw new WintunError('ERR_WINTUN_WORKER_FAILED', `Could not start a driver worker thread: ${String((cause as Error)?.message ?? cause).replace(/\.$/, '')}.${fix}`, { cause });
  }
  live++;
  worker.once('exit', () => {
    live--;
  });
  return new Entry(worker);
}

/**
 * Returns a worker whose loop ended normally to the pool (unref'd), or stops it when the pool is
 * full. The caller must have removed its own listeners.
 */
export function releaseDriverWorker(pooled: PooledWorker): void {
  const entry = pooled as Entry;
  if (!entry.alive) return;
  entry.worker.unref();
  if (idle.length >= DRIVER_POOL_MAX_IDLE) {
    discardDriverWorker(entry);
    return;
  }
  idle.push(entry);
  entry.idleTimer = setTimeout(() => discardDriverWorker(entry), DRIVER_POOL_IDLE_MS);
  entry.idleTimer.unref();
}

/** Terminates a worker (failed, stuck, or surplus); resolves once the thread is gone. */
export async function discardDriverWorker(pooled: PooledWorker): Promise<void> {
  const entry = pooled as Entry;
  entry.takeFromIdle();
  if (!entry.alive && entry.worker.threadId === -1) return;
  entry.alive = false;
  await entry.worker.terminate();
}

/** Counts of the pool, for tests and diagnostics. */
export interface DriverPoolStats {
  /** Driver worker threads alive (idle or running a loop). */
  readonly threads: number;
  /** Of those, idle in the pool. */
  readonly idle: number;
}

/** The pool's current counts. */
export function driverPoolStats(): DriverPoolStats {
  return { threads: live, idle: idle.length };
}

/**
 * Stops every idle driver worker now (they would stop by themselves after
 * {@link DRIVER_POOL_IDLE_MS}; idle workers never keep the process alive). Workers running a loop
 * are left alone. Resolves once the stopped threads are gone.
 */
export async function stopIdleDriverWorkers(): Promise<void> {
  await Promise.all(idle.slice().map((entry) => discardDriverWorker(entry)));
}
