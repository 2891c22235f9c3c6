// Wake-up probe (issue 12 target 1): how fast another thread can wake Node's main thread, per
// mechanism, against a C thread blocked in the kernel. Not a bench row: a diagnostic.
//   (bench/run.mjs builds it as bench/native/build/lib_wake_probe.so, or:) gcc -O2 -shared -fPIC -o /tmp/wake_probe.so bench/native/lib_wake_probe.c -lpthread
//   node bench/js/wake-probe.mjs /tmp/wake_probe.so <mechanism> [iterations]
// The waker sleeps 200-700 us between wake-ups (as bench row 3), stamps CLOCK_MONOTONIC, then wakes;
// the latency is the main thread's clock on arrival minus the stamp.
// Mechanisms with a C waker (bench/native/lib_wake_probe.c, a pthread, no JavaScript on that side):
//   c-floor        a second C thread blocked on a futex (the floor)
//   c-eventfd      eventfd written by C, watched by one long-lived koffi.node.poll (uv_poll)
//   c-pipe         the same over a pipe
//   c-callback     a koffi.register callback called from the C thread
//   c-async        a futex wait run on libuv's pool by a koffi .async call (row 7's NativeEvent)
// Mechanisms with a JavaScript worker waker:
//   w-waitasync    Atomics.notify -> Atomics.waitAsync (no timer)
//   w-waitasync-t  the same plus a keep-alive setTimeout per wait (SharedEvent.wait before issue 12)
//   w-eventfd      the worker writes an eventfd through koffi, main watches it with koffi.node.poll
//   w-port         MessagePort postMessage
//   w-event        @wintun-ts/session's SharedEvent: the worker set()s, the main thread awaits wait(100)
// Output: one JSON line {mechanism, samples, p50Ns, p90Ns, p99Ns, maxNs}.
import { Worker, MessageChannel } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { nowNs, percentile } from './common.mjs';

const require = createRequire(import.meta.url);
const koffi = require('koffi');
const [libPath, mech, itersArg, how] = process.argv.slice(2);
// 'await': the callback resolves a promise that the main loop awaits, and the latency is taken in
// the continuation (what a caller of an async wait sees); otherwise in the callback itself.
const awaitMode = how === 'await';
const cbLat = [];
const iters = Number(itersArg ?? 2000);
const lib = koffi.load(libPath);
const WakeCb = koffi.proto('void WpCb(void)');
const wp = {
  start: lib.func('void *wp_start(int mode, uint32_t iters, WpCb *cb)'),
  efd: lib.func('int wp_efd(void *h)'),
  pipe: lib.func('int wp_pipe(void *h)'),
  stamp: lib.func('double wp_stamp(void *h)'),
  drain: lib.func('void wp_drain(void *h)'),
  wait: lib.func('int wp_wait(void *h, uint32_t ms)'),
  latencies: lib.func('int wp_latencies(void *h, _Out_ double *out, int max)'),
  free: lib.func('void wp_free(void *h)'),
};
const libc = koffi.load('libc.so.6');
const cEventfd = libc.func('int eventfd(unsigned int initval, int flags)');
const cRead = libc.func('long read(int fd, _Out_ uint8_t *buf, unsigned long n)');
const cClose = libc.func('int close(int fd)');

const lat = [];
function report(extra = {}) {
  lat.sort((a, b) => a - b);
  console.log(JSON.stringify({
    mechanism: mech, samples: lat.length, p50Ns: Math.round(percentile(lat, 0.5)), p90Ns: Math.round(percentile(lat, 0.9)),
    p99Ns: Math.round(percentile(lat, 0.99)), maxNs: Math.round(lat[lat.length - 1] ?? 0), ...extra,
  }));
}
const deadline = performance.now() + iters * 1.5 + 3000;
// Coalesced wake-ups (two stamps before one callback) lose samples: the deadline ends the run then.
// The interval also keeps the process alive under a bare Atomics.waitAsync.
let onDeadline = () => {};
const keepAlive = setInterval(() => {
  if (performance.now() > deadline) onDeadline();
}, 50);

/** The continuation side of 'await' mode: a loop awaiting one promise per wake-up. */
let resolveWake = null;
async function awaitLoop(h) {
  while (lat.length < iters && performance.now() < deadline) {
    const ok = await new Promise((r) => {
      resolveWake = r;
      onDeadline = () => r(false);
    });
    if (ok) lat.push(nowNs() - wp.stamp(h));
  }
}
function woke(h) {
  const t = nowNs();
  cbLat.push(t - wp.stamp(h));
  if (!awaitMode) lat.push(t - wp.stamp(h));
  else if (resolveWake !== null) {
    const r = resolveWake;
    resolveWake = null;
    r(true);
  }
}

async function cMode(mode) {
  let h = null;
  let cb = null;
  if (mode === 2) {
    cb = koffi.register(() => woke(h), koffi.pointer(WakeCb));
  }
  h = wp.start(mode, iters, cb);
  if (awaitMode && mode <= 2) {
    let handle = null;
    if (mode < 2) {
      handle = koffi.node.poll(mode === 0 ? wp.efd(h) : wp.pipe(h), { readable: true }, () => {
        wp.drain(h);
        woke(h);
      });
      handle.unref();
    }
    await awaitLoop(h);
    handle?.close();
  } else if (mode === 4 || mode === 2) {
    while (performance.now() < deadline && (mode === 2 ? lat.length : 0) < iters) {
      await new Promise((r) => setTimeout(r, 20));
      if (mode === 4) {
        const buf = new Float64Array(iters);
        if (wp.latencies(h, buf, iters) >= iters) break;
      }
    }
    if (mode === 4) {
      const buf = new Float64Array(iters);
      const n = wp.latencies(h, buf, iters);
      for (let i = 0; i < n; i++) lat.push(buf[i]);
    }
  } else if (mode === 0 || mode === 1) {
    const fd = mode === 0 ? wp.efd(h) : wp.pipe(h);
    await new Promise((done) => {
      onDeadline = () => {
        handle.close();
        done();
      };
      const handle = koffi.node.poll(fd, { readable: true }, () => {
        lat.push(nowNs() - wp.stamp(h));
        wp.drain(h);
        if (lat.length >= iters || performance.now() > deadline) {
          handle.close();
          done();
        }
      });
    });
  } else if (mode === 3) {
    while (lat.length < iters && performance.now() < deadline) {
      const r = await new Promise((res, rej) => wp.wait.async(h, 100, (e, v) => (e ? rej(e) : res(v))));
      if (r) lat.push(nowNs() - wp.stamp(h));
    }
  }
  wp.free(h);
  if (cb) koffi.unregister(cb);
}

const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const { stamp, slot, kind, efd, iters, koffiPath, port, desc, sessionPath } = workerData;
let ev = null;
const cell = new Int32Array(new SharedArrayBuffer(4));
let write = null;
if (kind === 'eventfd') {
  const koffi = require(koffiPath);
  write = koffi.load('libc.so.6').func('long write(int fd, const uint8_t *buf, unsigned long n)');
}
const one = new Uint8Array(8); one[0] = 1;
let s = 12345;
(async () => {
if (kind === 'event') ev = (await import(sessionPath)).openEvent(desc);
for (let i = 0; i < iters && Atomics.load(slot, 1) === 0; i++) {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0;
  Atomics.wait(cell, 0, 0, (200 + ((s >>> 8) % 500)) / 1000);
  stamp[0] = Number(process.hrtime.bigint());
  if (kind === 'notify') { Atomics.store(slot, 0, 1); Atomics.notify(slot, 0, 1); }
  else if (kind === 'eventfd') write(efd, one, 8);
  else if (kind === 'event') ev.set();
  else port.postMessage(0);
}
})();
`;

async function workerMode(kind, timer) {
  const stamp = new Float64Array(new SharedArrayBuffer(8));
  const slot = new Int32Array(new SharedArrayBuffer(8));
  let efd = -1;
  let channel = null;
  if (kind === 'eventfd') efd = cEventfd(0, 0o4000 | 0o2000000);
  if (kind === 'port') channel = new MessageChannel();
  let event = null;
  let sessionPath;
  if (kind === 'event') {
    const m = await import('@wintun-ts/session/driver');
    sessionPath = new URL(import.meta.resolve('@wintun-ts/session/driver')).href;
    [event] = m.createSharedEvents(1);
  }
  const data = { stamp, slot, kind, efd, iters, koffiPath: require.resolve('koffi'), port: channel?.port2, desc: event?.describe(), sessionPath };
  const worker = new Worker(WORKER, { eval: true, workerData: data, transferList: channel ? [channel.port2] : [] });
  const exited = new Promise((r) => worker.on('exit', r));
  const noop = () => {};
  if (kind === 'notify') {
    while (lat.length < iters && performance.now() < deadline) {
      if (Atomics.compareExchange(slot, 0, 1, 0) === 1) {
        lat.push(nowNs() - stamp[0]);
        continue;
      }
      const r = Atomics.waitAsync(slot, 0, 0, 100);
      if (r.async) {
        const t = timer ? setTimeout(noop, 150) : undefined;
        await r.value;
        if (t !== undefined) clearTimeout(t);
      }
    }
  } else if (kind === 'event') {
    while (lat.length < iters && performance.now() < deadline) {
      if (await event.wait(100)) lat.push(nowNs() - stamp[0]);
    }
  } else if (kind === 'eventfd') {
    const buf = new Uint8Array(8);
    await new Promise((done) => {
      onDeadline = () => {
        handle.close();
        done();
      };
      const handle = koffi.node.poll(efd, { readable: true }, () => {
        lat.push(nowNs() - stamp[0]);
        cRead(efd, buf, 8);
        if (lat.length >= iters || performance.now() > deadline) {
          handle.close();
          done();
        }
      });
    });
  } else {
    await new Promise((done) => {
      onDeadline = done;
      channel.port1.on('message', () => {
        lat.push(nowNs() - stamp[0]);
        if (lat.length >= iters || performance.now() > deadline) done();
      });
    });
    channel.port1.close();
  }
  Atomics.store(slot, 1, 1);
  await exited;
  if (efd >= 0) cClose(efd);
}

const C = { 'c-eventfd': 0, 'c-pipe': 1, 'c-callback': 2, 'c-async': 3, 'c-floor': 4 };
if (mech in C) await cMode(C[mech]);
else if (mech === 'w-waitasync') await workerMode('notify', false);
else if (mech === 'w-waitasync-t') await workerMode('notify', true);
else if (mech === 'w-eventfd') await workerMode('eventfd', false);
else if (mech === 'w-port') await workerMode('port', false);
else if (mech === 'w-event') await workerMode('event', false);
else {
  console.error(`unknown mechanism ${mech}`);
  process.exit(1);
}
clearInterval(keepAlive);
const cbSorted = cbLat.sort((a, b) => a - b);
report({ callbackP50Ns: awaitMode ? Math.round(percentile(cbSorted, 0.5)) : undefined, loadavg: (await import('node:os')).loadavg().map((x) => Math.round(x * 100) / 100) });
