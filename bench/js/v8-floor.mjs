// What single JavaScript operations cost in V8 on this machine: the floor under the per-packet
// user cost of row 2 (issue 12, target 3). Each figure is the best of 7 runs of a tight loop in
// optimised code, in ns per operation, loop overhead included (the `empty loop` line).
//   node bench/js/v8-floor.mjs            one JSON line per operation
// The ring calls need: receive+release one Atomics.store (the Head), allocate+send an
// Atomics.load (Head), an Atomics.exchange (Tail, the fence) and an Atomics.load (Alertable); a
// fill or copy one TypedArray set (plus a view for a copy out); a lease one view.
const N = 2_000_000;
let sink = 0;

function bench(op, fn) {
  fn(10_000);
  fn(10_000);
  let best = Infinity;
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    fn(N);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / N);
  }
  console.log(JSON.stringify({ impl: 'wintun-ts', row: 'v8-floor', node: process.version, op, nsPerOp: Math.round(best * 100) / 100 }));
}

bench('empty loop', (n) => {
  for (let i = 0; i < n; i++) sink = (sink + i) & 0x3fffffff;
});
for (const kind of ['ArrayBuffer', 'SharedArrayBuffer']) {
  const buffer = kind === 'ArrayBuffer' ? new ArrayBuffer(1 << 16) : new SharedArrayBuffer(1 << 16);
  const header = new Int32Array(buffer, 0, 3);
  bench(`plain Int32Array load (${kind})`, (n) => {
    for (let i = 0; i < n; i++) sink = (sink + header[1]) & 0x3fffffff;
  });
  bench(`Atomics.load (${kind})`, (n) => {
    for (let i = 0; i < n; i++) sink = (sink + Atomics.load(header, 1)) & 0x3fffffff;
  });
  bench(`Atomics.store (${kind})`, (n) => {
    for (let i = 0; i < n; i++) Atomics.store(header, 0, i);
  });
  bench(`Atomics.exchange (${kind})`, (n) => {
    for (let i = 0; i < n; i++) Atomics.exchange(header, 1, i);
  });
}

// Copies at ring offsets spread over 2 MiB, as in a 4 MiB ring.
const ring = new Uint8Array(new ArrayBuffer(1 << 22));
const src = new Uint8Array(2048).fill(0x45);
const out = new Uint8Array(65536);
for (const size of [64, 512, 1500]) {
  const view = src.subarray(0, size);
  bench(`Uint8Array set ${size} B (fill)`, (n) => {
    for (let i = 0; i < n; i++) ring.set(view, 16 + (i & 1023) * 2048);
  });
  bench(`subarray + set ${size} B (copy out)`, (n) => {
    for (let i = 0; i < n; i++) {
      const o = 16 + (i & 1023) * 2048;
      out.set(ring.subarray(o, o + size));
    }
  });
}
let keep = null;
bench('new Uint8Array(buffer, offset, 64) (a view)', (n) => {
  for (let i = 0; i < n; i++) keep = new Uint8Array(ring.buffer, 16 + (i & 1023) * 2048, 64);
});
bench('subarray (a view)', (n) => {
  for (let i = 0; i < n; i++) {
    const o = 16 + (i & 1023) * 2048;
    keep = ring.subarray(o, o + 64);
  }
});
bench('performance.now()', (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += performance.now();
  sink = s > 0 ? 1 : 0;
});
if (sink === 0.5 || keep === 0.5) console.log(sink);
