// kernel32 under Wine: events (sync, async, worker), WaitForMultipleObjects, VirtualAlloc'd memory
// seen from two threads with koffi.view + Atomics, GetLastError, DuplicateHandle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { promisify } from 'node:util';
import koffi from 'koffi';
import { abi, fixtureUrl } from './helpers.mjs';

const k = abi.kernel32();

test('CreateEventW auto-reset: SetEvent, wait consumes, then times out', () => {
  const h = k.CreateEventW(null, 0, 0, null);
  assert.equal(typeof h, 'bigint');
  assert.equal(k.WaitForSingleObject(h, 0), abi.WAIT_TIMEOUT);
  assert.equal(k.SetEvent(h), 1);
  assert.equal(k.SetEvent(h), 1);
  assert.equal(k.WaitForSingleObject(h, 0), abi.WAIT_OBJECT_0);
  assert.equal(k.WaitForSingleObject(h, 0), abi.WAIT_TIMEOUT, 'two sets collapse into one signal');
  const t0 = performance.now();
  assert.equal(k.WaitForSingleObject(h, 50), abi.WAIT_TIMEOUT);
  assert.ok(performance.now() - t0 >= 40);
  assert.equal(k.CloseHandle(h), 1);
});

test('GetLastError right after a failing call: CloseHandle(bogus) -> 6', () => {
  assert.equal(k.CloseHandle(0x7ffff0n), 0);
  assert.equal(abi.getLastError(), abi.ERROR_INVALID_HANDLE);
  const err = abi.win32Error('CloseHandle', 6, 'test');
  assert.equal(err.code, 'ERR_WINTUN_INVALID_ARGUMENT');
});

test('WaitForMultipleObjects picks the signalled handle', () => {
  const a = k.CreateEventW(null, 0, 0, null);
  const b = k.CreateEventW(null, 0, 0, null);
  k.SetEvent(b);
  assert.equal(k.WaitForMultipleObjects(2, [a, b], 0, 100), abi.WAIT_OBJECT_0 + 1);
  assert.equal(k.WaitForMultipleObjects(2, [a, b], 0, 10), abi.WAIT_TIMEOUT);
  k.CloseHandle(a);
  k.CloseHandle(b);
});

test('async wait (.async) resolves on SetEvent while the event loop stays responsive', async () => {
  const h = k.CreateEventW(null, 0, 0, null);
  const wait = promisify(k.WaitForSingleObject.async);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  setTimeout(() => k.SetEvent(h), 120);
  const t0 = performance.now();
  const r = await wait(h, 3000);
  clearInterval(timer);
  assert.equal(r, abi.WAIT_OBJECT_0);
  assert.ok(performance.now() - t0 >= 100);
  assert.ok(ticks >= 5, `the loop ran ${ticks} timer ticks during the wait`);
  k.CloseHandle(h);
});

test('VirtualAlloc memory viewed with koffi.view; a Worker waits on a main-thread event and both see Atomics', async () => {
  const size = 0x21000c;
  const mem = k.VirtualAlloc(null, size, abi.MEM_COMMIT | abi.MEM_RESERVE, abi.PAGE_READWRITE);
  assert.equal(typeof mem, 'bigint');
  assert.equal(mem % 4096n, 0n);
  const view = new Int32Array(koffi.view(mem, 64));
  Atomics.store(view, 0, 42);
  const ev = k.CreateEventW(null, 0, 0, null);
  const reply = k.CreateEventW(null, 0, 0, null);
  const rounds = 20;
  const worker = new Worker(fixtureUrl('event-waiter.mjs'), { workerData: { handle: ev, reply, address: mem, rounds } });
  const done = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const waitReply = promisify(k.WaitForSingleObject.async);
  for (let i = 0; i < rounds; i++) {
    k.SetEvent(ev);
    assert.equal(await waitReply(reply, 5000), abi.WAIT_OBJECT_0);
    assert.equal(Atomics.load(view, 1), i + 1);
  }
  const msg = await done;
  assert.equal(msg.got, rounds);
  assert.notEqual(msg.threadId, k.GetCurrentThreadId());
  assert.equal(Atomics.load(view, 0), 42);
  await worker.terminate();
  k.CloseHandle(ev);
  k.CloseHandle(reply);
  assert.equal(k.VirtualFree(mem, 0, abi.MEM_RELEASE), 1);
});

test('DuplicateHandle gives a second handle to the same event', () => {
  const h = k.CreateEventW(null, 0, 0, null);
  const out = [null];
  const proc = k.GetCurrentProcess();
  assert.equal(k.DuplicateHandle(proc, h, proc, out, 0, 0, abi.DUPLICATE_SAME_ACCESS), 1);
  assert.equal(typeof out[0], 'bigint');
  assert.notEqual(out[0], h);
  k.SetEvent(out[0]);
  assert.equal(k.WaitForSingleObject(h, 0), abi.WAIT_OBJECT_0);
  k.CloseHandle(out[0]);
  k.CloseHandle(h);
});

test('CreateFileW on a missing device path fails with INVALID_HANDLE_VALUE and error 2 or 3', () => {
  const h = k.CreateFileW('\\\\?\\SWD#Wintun#{00000000-0000-0000-0000-000000000000}#{cac88484-7515-4c03-82e6-71a87abac361}', abi.GENERIC_READ | abi.GENERIC_WRITE, 7, null, abi.OPEN_EXISTING, 0, null);
  const e = abi.getLastError();
  assert.ok(abi.isInvalidHandle(h));
  assert.ok([2, 3, 123, 161].includes(e), `last error ${e}`);
});

test('DeviceIoControl on a non-device handle fails and sets a last error', () => {
  const h = k.CreateEventW(null, 0, 0, null);
  const bytes = [0];
  const ok = k.DeviceIoControl(h, abi.TUN_IOCTL_REGISTER_RINGS, new Uint8Array(48), 48, null, 0, bytes, null);
  const e = abi.getLastError();
  assert.equal(ok, 0);
  assert.notEqual(e, 0);
  k.CloseHandle(h);
});
