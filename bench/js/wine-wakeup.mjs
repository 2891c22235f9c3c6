// Row 8 (run by Windows node under Wine, scripts/wine/run.sh): the Windows wait path. A worker
// thread plays the driver: every 200-700 us it writes one 64 B packet into the Send ring (native,
// VirtualAlloc'd ring memory), stamps it, publishes Tail and sets the read event, a Win32
// auto-reset event (SetEvent). The main thread waits for it through the project's Windows code:
//   event   - the session's Win32Event.wait() (a poll, then a one-shot thread-pool wait relayed by koffi), then
//             SendRingReader.receive/release;
//   session - Session.receiveInto over the same rings and events.
// Latency: from just before the publication to the moment the main thread holds the packet (one
// clock: process.hrtime, QueryPerformanceCounter on Windows). One JSON line per cell.
//   wine node bench/js/wine-wakeup.mjs <event|session> <iterations>
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const [cell, itersArg] = process.argv.slice(2);
const iterations = Number(itersArg ?? 1000);
const CAPACITY = 0x400000;
function out(o) {
  console.log(JSON.stringify({ impl: 'wintun-ts', row: 'wine-wakeup', cell, ...o }));
}
function percentile(sorted, q) {
  return sorted.length ? sorted[Math.floor((sorted.length - 1) * q)] : 0;
}
const nowNs = () => Number(process.hrtime.bigint());

const file = join(root, 'packages', 'session', 'dist', 'index.js');
if (process.platform !== 'win32') {
  out({ skipped: 'not Windows (run under Wine through scripts/wine/run.sh)' });
  process.exit(0);
}
if (!existsSync(file)) {
  out({ skipped: 'packages/session is not built' });
  process.exit(0);
}
// The session's root, its driver plumbing (rings, driver roles) and its Win32 event, merged.
const sessionUrls = ['index', 'driver', 'win32'].map((entry) => pathToFileURL(join(root, 'packages', 'session', 'dist', `${entry}.js`)).href);
const s = Object.assign({}, ...(await Promise.all(sessionUrls.map((url) => import(url)))));
if (typeof s.createWin32Event !== 'function' || typeof s.Session !== 'function') {
  out({ skipped: '@wintun-ts/session lacks createWin32Event or Session' });
  process.exit(0);
}

const layout = { sendCapacity: CAPACITY, receiveCapacity: CAPACITY };
const memory = s.allocateRingMemory(s.ringPairSize(layout));
const pair = s.createRingPair(memory, layout);
const readEvent = s.createWin32Event();
const writeEvent = s.createWin32Event();
const ctl = new Int32Array(new SharedArrayBuffer(16)); // [0] stop, [1] ready
const worker = new Worker(new URL('./workers/wine-driver.mjs', import.meta.url), {
  workerData: { sessionUrls, address: memory.address, byteLength: memory.byteLength, layout, handle: readEvent.handle, ctl: ctl.buffer, iterations },
});
let failure = null;
worker.on('error', (e) => (failure = e));
const exited = new Promise((r) => worker.on('exit', r));
const stopWorker = async () => {
  Atomics.store(ctl, 0, 1);
  const t = setTimeout(() => void worker.terminate(), 3000);
  await exited;
  clearTimeout(t);
};

const bytes = pair.send.bytes;
const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const lat = [];
const deadline = performance.now() + iterations * 5 + 5000;
let extra = {};
if (cell === 'session') {
  const session = new s.Session({ rings: pair, readEvent, writeEvent, link: { close: stopWorker }, memory, ownsEvents: true });
  let t = 0;
  const take = (b, offset) => {
    t = nowNs() - dv.getFloat64(offset, true);
  };
  while (lat.length < iterations && performance.now() < deadline && !failure) {
    try {
      await session.receiveInto(take, { max: 1, timeout: 200 });
    } catch (e) {
      if (e?.code === 'ERR_WINTUN_TIMEOUT') continue;
      throw e;
    }
    lat.push(t);
  }
  const st = session.stats;
  extra = { sessionStats: { wakeups: st.wakeups, waitTimeouts: st.waitTimeouts, spins: st.spins } };
  await session.close();
} else {
  const reader = new s.SendRingReader(pair.send);
  while (lat.length < iterations && performance.now() < deadline && !failure) {
    const off = reader.receive();
    if (off === s.RING_EMPTY) {
      await readEvent.wait(100);
      continue;
    }
    if (off < 0) throw new Error(`send ring reader: ${off}`);
    lat.push(nowNs() - dv.getFloat64(off, true));
    reader.release(off);
  }
  await stopWorker();
  readEvent.close();
  writeEvent.close();
  memory.free();
}
if (failure) throw failure;
lat.sort((x, y) => x - y);
out({
  samples: lat.length, p50Ns: Math.round(percentile(lat, 0.5)), p90Ns: Math.round(percentile(lat, 0.9)),
  p99Ns: Math.round(percentile(lat, 0.99)), maxNs: Math.round(lat[lat.length - 1] ?? 0), ...extra,
});
process.exit(0);
