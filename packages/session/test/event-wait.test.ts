/**
 * SharedEvent.wait on the main thread (issue 12 target 1): the keep-alive is one long-lived handle
 * per thread, ref-counted, not a timer per wait; the auto-reset contract holds across threads; an
 * unref'd wait never holds the process; close during a wait leaves it bounded.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { isWintunError } from '@wintun-ts/session';
import { SharedEvent } from '../src/events/shared.js';
import { pendingRefWaits } from '../src/events/wait-async.js';
import { createInThreadDriver } from '../src/testing.js';

/**
 * What a session could leave behind on the loop: everything but the stdio pipes and TTYs of the
 * test runner itself, which come and go with its reporting.
 */
function loopResources(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((t) => t !== 'PipeWrap' && t !== 'TTYWrap')
    .sort();
}

/**
 * The resources in `after` that `before` did not have (a multiset difference). A timer that some
 * earlier test file left in this worker process may expire while a test runs, so a test asserts
 * that it added nothing, not that the list is unchanged.
 */
function added(before: readonly string[], after: readonly string[]): string[] {
  const left = [...before];
  return after.filter((t) => {
    const i = left.indexOf(t);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
}

/** Resources that keep the loop alive, by type (unref'd handles are not listed). */
function activeCount(type: string): number {
  return process.getActiveResourcesInfo().filter((t) => t === type).length;
}

describe('SharedEvent.wait keep-alive', () => {
  it('holds one keep-alive handle for any number of pending waits, none once they settled', async () => {
    const before = activeCount('Timeout');
    const events = Array.from({ length: 50 }, () => new SharedEvent());
    const waits = events.map((e) => e.wait(5000));
    await Promise.resolve();
    expect(pendingRefWaits()).toBe(50);
    // A timer per wait would show 50 more Timeouts here.
    expect(activeCount('Timeout') - before).toBeLessThanOrEqual(1);
    for (const e of events) e.set();
    expect(await Promise.all(waits)).toEqual(events.map(() => true));
    expect(pendingRefWaits()).toBe(0);
    // Not more than before (a foreign timer may have expired meanwhile; see `added`).
    expect(activeCount('Timeout')).toBeLessThanOrEqual(before);
  });

  it('an unref wait holds nothing; timed-out waits release their hold', async () => {
    const before = activeCount('Timeout');
    const e = new SharedEvent();
    const unref = e.wait(30, true);
    await Promise.resolve();
    expect(pendingRefWaits()).toBe(0);
    expect(activeCount('Timeout')).toBeLessThanOrEqual(before);
    expect(await unref).toBe(false);
    const ref = [e.wait(20), e.wait(25)];
    await Promise.resolve();
    expect(pendingRefWaits()).toBe(2);
    expect(await Promise.all(ref)).toEqual([false, false]);
    expect(pendingRefWaits()).toBe(0);
    // Not more than before (a foreign timer may have expired meanwhile; see `added`).
    expect(activeCount('Timeout')).toBeLessThanOrEqual(before);
  });

  it('many sessions, each with receives that waited: the loop holds nothing more once they closed', async () => {
    const baseline = loopResources();
    const packet = new Uint8Array(40);
    packet[0] = 0x45;
    for (let round = 0; round < 5; round++) {
      const drivers = Array.from({ length: 20 }, () => createInThreadDriver());
      const receives = drivers.map((d) => d.session.receive({ timeout: 5000 }));
      for (let i = 0; i < 20 && pendingRefWaits() === 0; i++) await Promise.resolve();
      expect(pendingRefWaits()).toBeGreaterThan(0); // the pumps wait on their read events
      for (const d of drivers) d.inject(packet);
      for (const lease of await Promise.all(receives)) lease.release();
      await Promise.all(drivers.map((d) => d.close()));
    }
    await new Promise((r) => setImmediate(r));
    expect(pendingRefWaits()).toBe(0);
    expect(added(baseline, loopResources())).toEqual([]);
  });

  it('rejects (does not throw) a bad timeout, and holds nothing for it', async () => {
    const e = new SharedEvent();
    const p = e.wait(-1);
    expect(p).toBeInstanceOf(Promise);
    const error = await p.then(() => null, (err: unknown) => err);
    expect(isWintunError(error, 'ERR_WINTUN_INVALID_ARGUMENT')).toBe(true);
    expect(pendingRefWaits()).toBe(0);
  });
});

describe('SharedEvent.wait across threads', () => {
  const SETTER = `
    const { workerData, parentPort } = require('node:worker_threads');
    const slot = new Int32Array(workerData.buffer);
    parentPort.on('message', (n) => {
      for (let i = 0; i < n; i++) { Atomics.store(slot, workerData.index, 1); Atomics.notify(slot, workerData.index, 1); }
      parentPort.postMessage('done');
    });
  `;

  it('a set from a worker before the wait is not lost; many sets before a wait collapse into one; a set wakes a pending wait', async () => {
    const e = new SharedEvent();
    const worker = new Worker(SETTER, { eval: true, workerData: e.describe() });
    try {
      const done = (): Promise<unknown> => new Promise((r) => worker.once('message', r));
      worker.postMessage(1);
      await done();
      expect(await e.wait(2000)).toBe(true); // set before the wait
      worker.postMessage(100);
      await done();
      expect(await e.wait(2000)).toBe(true);
      expect(await e.wait(20)).toBe(false); // the 100 sets collapsed into that one signal
      const pending = e.wait(5000);
      worker.postMessage(1); // a set while the wait is pending
      await done();
      expect(await pending).toBe(true);
      expect(await e.wait(20)).toBe(false);
    } finally {
      await worker.terminate();
    }
  });

  it('a main-thread wait and a worker waitSync on one event: each set releases one of them', async () => {
    const e = new SharedEvent();
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      const slot = new Int32Array(workerData.buffer);
      parentPort.postMessage('ready');
      for (;;) {
        if (Atomics.compareExchange(slot, workerData.index, 1, 0) === 1) break;
        Atomics.wait(slot, workerData.index, 0, 50);
      }
      parentPort.postMessage('woke');
    `;
    const worker = new Worker(code, { eval: true, workerData: e.describe() });
    const woke = new Promise((r) => worker.on('message', (m) => m === 'woke' && r(m)));
    await new Promise((r) => worker.once('message', r));
    const main = e.wait(5000);
    // One set releases exactly one of the two waiters (two sets in a row could collapse into one
    // signal before either waiter ran); the next set releases the other.
    e.set();
    const first = await Promise.race([main.then(() => 'main'), woke.then(() => 'worker')]);
    expect(['main', 'worker']).toContain(first);
    e.set();
    if (first === 'main') await woke;
    else expect(await main).toBe(true);
    await worker.terminate();
  });

  it('close() during a wait: the wait still ends at its timeout and later sets are ignored', async () => {
    const e = new SharedEvent();
    const t = performance.now();
    const pending = e.wait(40);
    e.close();
    e.set();
    expect(await pending).toBe(false);
    expect(performance.now() - t).toBeGreaterThanOrEqual(35);
    expect(pendingRefWaits()).toBe(0);
  });
});

describe('SharedEvent.wait and process exit', () => {
  const CHILD = fileURLToPath(new URL('./fixtures/event-wait-child.mjs', import.meta.url));
  function run(mode: string): Promise<{ status: number | null; signal: string | null; stdout: string; ms: number }> {
    return new Promise((resolve, reject) => {
      const began = performance.now();
      const child = spawn(process.execPath, [CHILD, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.on('error', reject);
      child.on('close', (status, signal) => {
        clearTimeout(timer);
        resolve({ status, signal, stdout, ms: performance.now() - began });
      });
    });
  }

  it('a pending wait keeps the process alive until it is set; once waits settled the idle process exits', async () => {
    const r = await run('ref');
    expect({ status: r.status, signal: r.signal }).toEqual({ status: 0, signal: null });
    expect(r.stdout.trim().split('\n')).toEqual(['40', 'ERR_WINTUN_TIMEOUT']);
  });

  it("an unref'd session's pending wait lets the process exit", async () => {
    const r = await run('unref');
    expect({ status: r.status, signal: r.signal }).toEqual({ status: 0, signal: null });
    expect(r.stdout).toBe('');
    expect(r.ms).toBeLessThan(10_000);
  });
});
