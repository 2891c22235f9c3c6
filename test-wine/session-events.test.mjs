// @wintun-ts/session's Win32Event (src/events/win32.ts) under Wine, through the built package:
// openEvent({ kind: 'win32' }) and, when exported, createWin32Event / Win32Event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { abi, importBuilt, fixtureUrl } from './helpers.mjs';

const session = await importBuilt('session');
const skip = session === null ? 'packages/session is not built' : false;
const k = abi.kernel32();

/** An owned event: createWin32Event when the package exports it, else a handle wrapped by a view. */
function create() {
  if (typeof session.createWin32Event === 'function') return { ev: session.createWin32Event(), own: true };
  const handle = k.CreateEventW(null, 0, 0, null);
  return { ev: session.openEvent({ kind: 'win32', handle }), own: false, handle };
}
function dispose({ ev, own, handle }) {
  ev.close();
  if (!own) k.CloseHandle(handle);
}

test('openEvent(win32): set / waitSync / timeout, describe() round trip', { skip }, () => {
  const e = create();
  const { ev } = e;
  assert.equal(ev.kind, 'win32');
  const d = ev.describe();
  assert.equal(d.kind, 'win32');
  assert.equal(typeof d.handle, 'bigint');
  assert.equal(ev.waitSync(0), false);
  ev.set();
  ev.set();
  assert.equal(ev.waitSync(0), true);
  assert.equal(ev.waitSync(0), false, 'auto-reset: one signal');
  const t0 = performance.now();
  assert.equal(ev.waitSync(60), false);
  assert.ok(performance.now() - t0 >= 50);
  assert.throws(() => ev.waitSync(-1), { code: 'ERR_WINTUN_INVALID_ARGUMENT' });
  assert.throws(() => ev.waitSync(Number.POSITIVE_INFINITY), { code: 'ERR_WINTUN_INVALID_ARGUMENT' });
  const view = session.openEvent(d);
  view.set();
  view.close();
  assert.equal(ev.waitSync(0), true, 'closing a view leaves the handle open');
  dispose(e);
  assert.throws(() => ev.waitSync(0), { code: 'ERR_WINTUN_CLOSED' });
  ev.set();
});

test('async wait resolves on set while the event loop stays responsive, and times out bounded', { skip }, async () => {
  const e = create();
  const { ev } = e;
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  setTimeout(() => ev.set(), 250);
  const t0 = performance.now();
  assert.equal(await ev.wait(5000), true);
  const waited = performance.now() - t0;
  assert.ok(waited >= 200 && waited < 2000, `waited ${waited} ms`);
  const t1 = performance.now();
  assert.equal(await ev.wait(150), false);
  const timedOut = performance.now() - t1;
  clearInterval(timer);
  assert.ok(timedOut >= 140 && timedOut < 1500, `timed out after ${timedOut} ms`);
  assert.ok(ticks >= 20, `${ticks} timer ticks during the waits`);
  dispose(e);
});

test('many concurrent async waits do not starve libuv\'s pool (fs keeps working)', { skip }, async () => {
  const events = Array.from({ length: 8 }, () => create());
  const waits = events.map(({ ev }) => ev.wait(1500));
  const { readFile } = await import('node:fs/promises');
  const t0 = performance.now();
  await readFile(new URL(import.meta.url));
  const fsMs = performance.now() - t0;
  events.forEach(({ ev }) => ev.set());
  assert.deepEqual(await Promise.all(waits), events.map(() => true));
  assert.ok(fsMs < 1000, `fs.readFile took ${fsMs} ms while 8 waits were pending`);
  events.forEach(dispose);
});

test('a Worker waits (waitSync) on an event created by the main thread', { skip }, async () => {
  const a = create();
  const b = create();
  const rounds = 20;
  const worker = new Worker(fixtureUrl('session-event-worker.mjs'), { workerData: { event: a.ev.describe(), reply: b.ev.describe(), rounds } });
  const done = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) {
    a.ev.set();
    assert.equal(await b.ev.wait(5000), true, `round ${i}`);
  }
  const perRound = (performance.now() - t0) / rounds;
  assert.deepEqual(await done, { got: rounds });
  await worker.terminate();
  dispose(a);
  dispose(b);
  assert.ok(perRound < 200, `${perRound.toFixed(2)} ms per round trip`);
});

test('close() during an async wait ends it with false; a second close is a no-op', { skip: skip || (typeof session.createWin32Event !== 'function' && 'createWin32Event is not exported by @wintun-ts/session') }, async () => {
  const ev = session.createWin32Event();
  const pending = ev.wait(5000);
  setTimeout(() => ev.close(), 50);
  const t0 = performance.now();
  assert.equal(await pending, false);
  assert.ok(performance.now() - t0 < 1000);
  ev.close();
});

// The asynchronous wait's edge cases (Win32Event.wait: a poll, then a one-shot wait registered
// with the Windows thread pool whose callback koffi relays to this thread).
const poolWaits = typeof session?.win32PoolWaits === 'function' ? session.win32PoolWaits : null;
const skipPool = skip || (poolWaits === null && 'win32PoolWaits is not exported by @wintun-ts/session/win32');
const immediate = () => new Promise((r) => setImmediate(r));

test('a signal set before the wait is consumed by it at once, without a pool wait', { skip: skipPool }, async () => {
  const ev = session.createWin32Event();
  ev.set();
  const t0 = performance.now();
  assert.equal(await ev.wait(5000), true);
  assert.ok(performance.now() - t0 < 1000);
  assert.deepEqual(poolWaits(), { pending: 0, unreleased: 0 }, 'the poll took the signal: nothing was registered');
  assert.equal(await ev.wait(50), false, 'auto-reset: the wait consumed the signal');
  ev.close();
});

test('many signals before a wait wake exactly one wait; the next one times out', { skip }, async () => {
  const ev = session.createWin32Event();
  for (let i = 0; i < 10; i++) ev.set();
  assert.equal(await ev.wait(5000), true);
  const t0 = performance.now();
  assert.equal(await ev.wait(120), false);
  assert.ok(performance.now() - t0 >= 100, 'the second wait ran to its timeout');
  ev.close();
});

test('one signal during two concurrent waits wakes one of them; the other times out', { skip }, async () => {
  const ev = session.createWin32Event();
  const a = ev.wait(600);
  const b = ev.wait(600);
  setTimeout(() => ev.set(), 50);
  const results = await Promise.all([a, b]);
  assert.equal(results.filter(Boolean).length, 1, `results ${results}`);
  ev.close();
});

test('a signal set from a Worker while the pool waits wakes the wait, and is not lost when it races the poll', { skip: skipPool }, async () => {
  const ev = session.createWin32Event();
  const reply = session.createWin32Event();
  const rounds = 200;
  const worker = new Worker(fixtureUrl('session-event-worker.mjs'), { workerData: { event: reply.describe(), reply: ev.describe(), rounds } });
  const done = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  // Each round: the worker's SetEvent lands before, during or after this thread polls and
  // registers its wait; every one must be seen (an auto-reset signal is never lost).
  for (let i = 0; i < rounds; i++) {
    reply.set();
    assert.equal(await ev.wait(5000), true, `round ${i}`);
  }
  assert.deepEqual(await done, { got: rounds });
  await worker.terminate();
  await immediate();
  assert.deepEqual(poolWaits(), { pending: 0, unreleased: 0 }, 'every wait object was freed');
  ev.close();
  reply.close();
});

test('the waiter resumes before its wait object is freed; the object is freed right after', { skip: skipPool }, async () => {
  const ev = session.createWin32Event();
  setTimeout(() => ev.set(), 30);
  assert.equal(await ev.wait(5000), true);
  // Freeing the one-shot wait (UnregisterWaitEx) is kept off the wake path.
  assert.deepEqual(poolWaits(), { pending: 0, unreleased: 1 });
  await immediate();
  assert.deepEqual(poolWaits(), { pending: 0, unreleased: 0 });
  ev.close();
});

test('a timed-out wait returns false within its bound and frees its wait object', { skip: skipPool }, async () => {
  const ev = session.createWin32Event();
  const t0 = performance.now();
  assert.equal(await ev.wait(80), false);
  const ms = performance.now() - t0;
  assert.ok(ms >= 70 && ms < 2000, `timed out after ${ms} ms`);
  await immediate();
  assert.deepEqual(poolWaits(), { pending: 0, unreleased: 0 });
  ev.set();
  assert.equal(await ev.wait(5000), true, 'a signal after a timeout is still seen');
  ev.close();
});

test('close() during a wait frees the pool wait and closes the handle once the wait returned', { skip: skipPool }, async () => {
  const ev = session.createWin32Event();
  const pending = ev.wait(5000);
  assert.equal(poolWaits().pending, 1);
  setTimeout(() => ev.close(), 30);
  assert.equal(await pending, false);
  await immediate();
  assert.deepEqual(poolWaits(), { pending: 0, unreleased: 0 });
  // The handle is closed: SetEvent on the raw value fails with ERROR_INVALID_HANDLE.
  assert.equal(k.SetEvent(ev.handle), 0);
  assert.equal(k.GetLastError(), 6);
  await assert.rejects(ev.wait(10), { code: 'ERR_WINTUN_CLOSED' });
});

test("a pending wait keeps the process alive like a timer; an unref'd one lets it exit at once", { skip: skip || (typeof session.createWin32Event !== 'function' && 'createWin32Event is not exported'), timeout: 60_000 }, async () => {
  const { spawnSync } = await import('node:child_process');
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const dir = mkdtempSync(join(tmpdir(), 'wintun-ts-w-'));
  try {
    const run = (mode) => {
      const out = join(dir, `${mode}.json`);
      const res = spawnSync(process.execPath, [fileURLToPath(fixtureUrl('win32-wait-child.mjs')), mode, out], { stdio: 'ignore', env: process.env, timeout: 30_000 });
      assert.equal(res.error, undefined, String(res.error));
      assert.equal(res.status, 0);
      return JSON.parse(readFileSync(out, 'utf8')).ms;
    };
    const unref = run('unref');
    const ref = run('ref');
    assert.ok(unref < 1000, `an unref'd wait let the process exit after ${unref.toFixed(0)} ms`);
    assert.ok(ref >= 1400, `a pending wait kept the process alive for ${ref.toFixed(0)} ms (it waits 1500 ms)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
