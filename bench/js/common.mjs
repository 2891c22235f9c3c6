// Shared helpers of the wintun-ts side of the benchmark: loading the built packages, ring memory
// for two threads, events, a zero-allocation payload source.
//
// The packages are imported by name, which resolves to their built `dist/` (the bench measures
// what users get, not the TypeScript sources).

/** Capacity of both rings, as in wintun's example and the C baseline. */
export const CAPACITY = 0x400000;

/** Loads `@wintun-ts/ring`; returns `{ ring }` or `{ reason }` when it is not built or incomplete. */
export async function loadRing() {
  let ring;
  try {
    ring = await import('@wintun-ts/ring');
  } catch (error) {
    return { reason: `@wintun-ts/ring is not built (${firstLine(error)}); run the turbo build first` };
  }
  const needed = [
    'allocateRingMemory', 'attachRingMemory', 'wrapRingMemory', 'createRingPair', 'ringPairSize',
    'SendRingReader', 'ReceiveRingWriter', 'SendRingProducer', 'ReceiveRingConsumer', 'RING_EMPTY', 'RING_FULL',
  ];
  const missing = needed.filter((name) => !(name in ring));
  if (missing.length > 0) return { reason: `@wintun-ts/ring's build lacks ${missing.join(', ')}` };
  return { ring };
}

/**
 * Loads the session's events. Returns `{ createEvents, openEvent, source }`: the session's
 * SharedEvent when `@wintun-ts/session` is built, otherwise a bench-local auto-reset event with the
 * same semantics (reported as `source: 'bench-local'`).
 */
export async function loadEvents() {
  try {
    const session = await import('@wintun-ts/session/driver');
    if (typeof session.createSharedEvents === 'function' && typeof session.openEvent === 'function') {
      return { createEvents: session.createSharedEvents, openEvent: session.openEvent, source: '@wintun-ts/session/driver SharedEvent' };
    }
  } catch {
    // fall through to the local event
  }
  return { createEvents: createLocalEvents, openEvent: openLocalEvent, source: 'bench-local event (session not built)' };
}

class LocalEvent {
  constructor(buffer, index) {
    this.kind = 'shared';
    this.buffer = buffer;
    this.index = index;
    this.slot = new Int32Array(buffer);
  }
  set() {
    Atomics.store(this.slot, this.index, 1);
    Atomics.notify(this.slot, this.index, 1);
  }
  tryConsume() {
    return Atomics.compareExchange(this.slot, this.index, 1, 0) === 1;
  }
  waitSync(timeoutMs) {
    if (this.tryConsume()) return true;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) return this.tryConsume();
      Atomics.wait(this.slot, this.index, 0, left);
      if (this.tryConsume()) return true;
    }
  }
  async wait(timeoutMs) {
    if (this.tryConsume()) return true;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) return this.tryConsume();
      const r = Atomics.waitAsync(this.slot, this.index, 0, left);
      if (r.async) await r.value;
      if (this.tryConsume()) return true;
    }
  }
  describe() {
    return { kind: 'shared', buffer: this.buffer, index: this.index };
  }
  close() {}
}
function createLocalEvents(count) {
  const buffer = new SharedArrayBuffer(4 * count);
  return Array.from({ length: count }, (_, i) => new LocalEvent(buffer, i));
}
function openLocalEvent(d) {
  return new LocalEvent(d.buffer, d.index);
}

/** Resets an auto-reset event (drops a pending, redundant signal). */
export function resetEvent(ev) {
  if (typeof ev.tryConsume === 'function') ev.tryConsume();
  else ev.waitSync(0);
}

/**
 * Allocates the ring pair memory (native when koffi loads, else shared) and describes it so that
 * a worker can attach the same memory.
 */
export function allocatePair(ring, capacity = CAPACITY) {
  const layout = { sendCapacity: capacity, receiveCapacity: capacity };
  const memory = ring.allocateRingMemory(ring.ringPairSize(layout));
  const pair = ring.createRingPair(memory, layout);
  const share =
    memory.kind === 'native'
      ? { kind: 'native', address: memory.address, byteLength: memory.byteLength, layout }
      : { kind: 'shared', buffer: memory.buffer, byteLength: memory.byteLength, layout };
  return { memory, pair, share };
}

/** The worker side of {@link allocatePair}. */
export function attachPair(ring, share) {
  const memory =
    share.kind === 'native'
      ? ring.attachRingMemory(share.address, share.byteLength)
      : ring.wrapRingMemory(share.buffer);
  return { memory, pair: ring.createRingPair(memory, share.layout) };
}

/** 64 KiB of payload bytes whose first byte is 0x45 (IPv4), as in the C baseline. */
export function makeSource() {
  const src = new Uint8Array(65536);
  for (let i = 0; i < src.length; i++) src[i] = (i * 31 + 7) & 0xff;
  src[0] = 0x45;
  return src;
}

/** Monotonic process-wide clock in ns as a double (same clock in every thread). */
export function nowNs() {
  return Number(process.hrtime.bigint());
}

/** Sleeps the calling thread (main or worker) for `ms` milliseconds without the event loop. */
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
export function sleepSync(ms) {
  Atomics.wait(sleepCell, 0, 0, ms);
}

export function firstLine(error) {
  return String(error?.message ?? error).split('\n')[0];
}

export function percentile(sorted, q) {
  if (sorted.length === 0) return 0;
  return sorted[Math.floor((sorted.length - 1) * q)];
}

/** Deterministic 200-700 us gaps (same distribution as the C baseline, not the same sequence). */
export function gapMaker(seed = 12345) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (200 + ((s >>> 8) % 500)) / 1000;
  };
}

/**
 * The measurement window of the throughput rows: a warm-up from construction, then a timed span.
 * Call `sample(count)` with the running packet count; it returns true once the span is over.
 */
export class MeasureWindow {
  constructor(warmMs, durMs) {
    this.start = performance.now();
    this.warm = warmMs;
    this.dur = durMs;
    this.measuring = false;
    this.t0 = 0;
    this.c0 = 0;
    this.t1 = 0;
    this.c1 = 0;
  }

  sample(count) {
    const t = performance.now();
    if (!this.measuring && t - this.start >= this.warm) {
      this.measuring = true;
      this.t0 = t;
      this.c0 = count;
    } else if (this.measuring && t - this.t0 >= this.dur) {
      this.t1 = t;
      this.c1 = count;
      return true;
    }
    return false;
  }

  /** Packets, seconds, packets/s and Gbit/s of the measured span at `size` bytes per packet. */
  result(size) {
    const secs = (this.t1 - this.t0) / 1000;
    const pps = (this.c1 - this.c0) / secs;
    return { packets: this.c1 - this.c0, seconds: round(secs, 4), pps: Math.round(pps), gbps: round((pps * size * 8) / 1e9, 4) };
  }
}

/** Rounds `x` to `d` decimal places. */
export function round(x, d) {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
