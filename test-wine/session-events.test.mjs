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
