/**
 * `wintun-ts bench`: throughput of the ring protocol and of a session, with no adapter and no
 * privileges. Both roles run on this thread over one ring pair (native memory when koffi loads,
 * else a SharedArrayBuffer), so the numbers are the protocol's cost per packet: no kernel, no
 * wake-ups. Bounded time: `--duration` per case.
 *
 * @module
 */
import { isValidRingCapacity, Session, WINTUN_DEFAULT_RING_CAPACITY } from '@wintun-ts/adapter';
import {
  allocateRingMemory,
  createRingPair,
  createSharedEvents,
  ringPairSize,
  ReceiveRingConsumer,
  SendRingProducer,
  SendRingReader,
  type RingPair,
} from '@wintun-ts/adapter/driver';
import { capacityOption, EXIT_CODES_HELP, flag, intOption, listOption, secondsOption, stringOption, type Command } from '../command.js';
import { UsageError } from '../errors.js';
import { interruptExitCode, writeLine } from '../io.js';
import { formatCount } from '../format.js';
import { table } from './list.js';

/** A measured path. */
export type BenchPath = 'ring-receive' | 'session-receive' | 'session-send';

/** One result of `bench --json`. */
export interface BenchResult {
  /** What was measured: the Send ring read by `SendRingReader`, `Session.drain`, or `Session.send` into the Receive ring. */
  readonly path: BenchPath;
  /** IP packet size in bytes. */
  readonly size: number;
  /** Packets moved. */
  readonly packets: number;
  /** Seconds measured. */
  readonly seconds: number;
  /** Packets per second. */
  readonly packetsPerSecond: number;
  /** Payload gigabits per second (size x packets/s x 8). */
  readonly gbitPerSecond: number;
}

/** The whole `bench --json` object. */
export interface BenchReport {
  /** Ring capacity used. */
  readonly capacity: number;
  /** `native` or `shared` ring memory. */
  readonly memory: string;
  /** Packets per batch written by the driver role. */
  readonly batch: number;
  /** Node.js version. */
  readonly node: string;
  /** Results, one per path and size. */
  readonly results: BenchResult[];
}

const ALL_PATHS: readonly BenchPath[] = ['ring-receive', 'session-receive', 'session-send'];

function ipPacket(size: number): Uint8Array {
  const p = new Uint8Array(size);
  p[0] = 0x45;
  p[2] = size >>> 8;
  p[3] = size & 0xff;
  p[8] = 64;
  p[9] = 17;
  p.set([10, 0, 0, 1, 10, 0, 0, 2], 12);
  return p;
}

/**
 * Warms `step` up until its rate is steady: 20 ms windows, until three in a row agree within 5%
 * (after at least `minMs`), or `maxMs` passed. The former fixed warm-up (at most 50 ms) often
 * ended before V8 had optimized the path, so the first size of each path was measured on
 * unoptimized code (about half the rate of a repeat).
 */
function warmUp(step: () => number, minMs: number, maxMs: number): void {
  const start = performance.now();
  const recent: number[] = [];
  for (;;) {
    const windowStart = performance.now();
    const windowEnd = windowStart + 20;
    let packets = 0;
    let now = windowStart;
    while (now < windowEnd) {
      for (let i = 0; i < 8; i++) packets += step();
      now = performance.now();
    }
    recent.push(packets / (now - windowStart));
    if (recent.length > 3) recent.shift();
    const elapsed = now - start;
    if (elapsed >= maxMs) return;
    if (elapsed >= minMs && recent.length === 3) {
      const low = Math.min(...recent);
      const high = Math.max(...recent);
      if (high - low <= low * 0.05) return;
    }
  }
}

/** Runs `step` (moving some packets, returning how many) for `ms` after warming it up. */
function measure(ms: number, step: () => number): { packets: number; seconds: number } {
  warmUp(step, Math.min(200, ms), 1000);
  let packets = 0;
  const start = performance.now();
  const end = start + ms;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 8; i++) packets += step();
    now = performance.now();
  }
  return { packets, seconds: (now - start) / 1000 };
}

function withSession<T>(rings: RingPair, fn: (session: Session) => T): T {
  const [readEvent, writeEvent] = createSharedEvents(2);
  if (readEvent === undefined || writeEvent === undefined) throw new Error('createSharedEvents returned too few events');
  const session = new Session(
    { rings, readEvent, writeEvent, link: { close: () => Promise.resolve() }, ownsEvents: true },
    { spin: false, oldDriverGuard: false },
  );
  try {
    return fn(session);
  } finally {
    void session.close();
  }
}

/** Measures one path at one size on a fresh ring pair. */
export function benchCase(path: BenchPath, size: number, capacity: number, batch: number, ms: number, kind: 'native' | 'shared' | undefined): BenchResult & { memory: string } {
  const layout = { sendCapacity: capacity, receiveCapacity: capacity };
  const memory = allocateRingMemory(ringPairSize(layout), kind === undefined ? {} : { kind });
  try {
    const rings = createRingPair(memory, layout);
    const packet = ipPacket(size);
    const packets = Array.from({ length: batch }, () => packet);
    let result: { packets: number; seconds: number };
    if (path === 'ring-receive') {
      const producer = new SendRingProducer(rings.send);
      const reader = new SendRingReader(rings.send);
      result = measure(ms, () => {
        producer.writeBatch(packets);
        producer.publish();
        let n = 0;
        for (let off = reader.receive(); off >= 0; off = reader.receive()) {
          reader.release(off);
          n++;
        }
        return n;
      });
    } else if (path === 'session-receive') {
      const producer = new SendRingProducer(rings.send);
      let sink = 0;
      const fn = (bytes: Uint8Array, offset: number): void => {
        sink ^= bytes[offset] as number;
      };
      result = withSession(rings, (session) =>
        measure(ms, () => {
          producer.writeBatch(packets);
          producer.publish();
          return session.drain(fn);
        }),
      );
      if (sink === -1) throw new Error('unreachable');
    } else {
      const consumer = new ReceiveRingConsumer(rings.receive);
      result = withSession(rings, (session) =>
        measure(ms, () => {
          let n = 0;
          for (let i = 0; i < batch; i++) if (session.send(packet)) n++;
          for (let off = consumer.next(); off >= 0; off = consumer.next()) consumer.release();
          return n;
        }),
      );
    }
    const pps = result.packets / result.seconds;
    return {
      path,
      size,
      packets: result.packets,
      seconds: Math.round(result.seconds * 1000) / 1000,
      packetsPerSecond: Math.round(pps),
      gbitPerSecond: Math.round(((pps * size * 8) / 1e9) * 1000) / 1000,
      memory: memory.kind,
    };
  } finally {
    memory.free();
  }
}

/** The `bench` command. */
export const benchCommand: Command = {
  name: 'bench',
  summary: 'measure ring and session throughput in memory (no adapter, no privileges)',
  positionals: [],
  options: {
    duration: { type: 'string', short: 't' },
    size: { type: 'string', multiple: true },
    path: { type: 'string', multiple: true },
    capacity: { type: 'string' },
    batch: { type: 'string' },
    memory: { type: 'string' },
    json: { type: 'boolean' },
  },
  help: `Usage: wintun-ts bench [--duration S] [--size N ...] [--path P ...] [--json]

Measures how many packets per second the ring protocol moves on this machine, with no adapter,
no driver and no privileges: both roles run on this thread over one ring pair, so the figures
are the cost of the protocol itself (an upper bound for a real adapter). Paths:
  ring-receive     driver role writes batches into the Send ring; SendRingReader reads and
                   releases each packet
  session-receive  the same through Session.drain (what 'up' and 'capture' use)
  session-send     Session.send copies each packet into the Receive ring; the driver role
                   consumes it
Every case runs --duration seconds (default 0.5) after a warm-up that lasts until the rate is
steady (at most 1 s), so the run is bounded: paths x sizes x (duration + 1 s).

Options:
  -t, --duration S    seconds per case (default 0.5)
      --size N        IP packet size in bytes, 20-65535 (repeatable or comma-separated;
                      default 64,576,1500,9000)
      --path P        only these paths (repeatable or comma-separated)
      --capacity N    ring capacity, a power of two in [0x20000, 0x4000000] (default 0x400000)
      --batch N       packets per driver batch, 1-4096 (default 64)
      --memory K      native | shared (default: native when koffi loads, else shared)
      --json          one JSON object: { capacity, memory, batch, node, results: [{ path, size,
                      packets, seconds, packetsPerSecond, gbitPerSecond }] }
  -h, --help          show this help

Examples:
  wintun-ts bench
  wintun-ts bench --size 1500 --duration 2
  wintun-ts bench --path session-send --json | jq '.results[] | [.size, .gbitPerSecond]'

${EXIT_CODES_HELP}`,
  async run({ io, values }) {
    const ms = secondsOption(values, 'duration', 'bench') ?? 500;
    const sizes = listOption(values, 'size').map((text) => {
      const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
      if (!(n >= 20 && n <= 0xffff)) throw new UsageError(`--size must be an integer in [20, 65535], got '${text}'.`, 'bench');
      return n;
    });
    const paths = listOption(values, 'path').map((text) => {
      if (!(ALL_PATHS as readonly string[]).includes(text)) throw new UsageError(`--path must be one of ${ALL_PATHS.join(', ')}, got '${text}'.`, 'bench');
      return text as BenchPath;
    });
    const capacity = capacityOption(values, 'bench', isValidRingCapacity) ?? WINTUN_DEFAULT_RING_CAPACITY;
    const batch = intOption(values, 'batch', 1, 4096, 'bench') ?? 64;
    const kindText = stringOption(values, 'memory');
    if (kindText !== undefined && kindText !== 'native' && kindText !== 'shared') throw new UsageError(`--memory must be native or shared, got '${kindText}'.`, 'bench');
    const json = flag(values, 'json');
    const results: BenchResult[] = [];
    let memoryKind = kindText ?? 'shared';
    for (const path of paths.length > 0 ? paths : ALL_PATHS) {
      for (const size of sizes.length > 0 ? sizes : [64, 576, 1500, 9000]) {
        if (io.signal.aborted) break;
        const { memory, ...result } = benchCase(path, size, capacity, batch, ms, kindText);
        memoryKind = memory;
        results.push(result);
        if (!json && io.stderrIsTTY) writeLine(io.stderr, `  ${path} ${size} B: ${formatCount(result.packetsPerSecond)} packets/s`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const report: BenchReport = { capacity, memory: memoryKind, batch, node: process.version, results };
    if (json) {
      writeLine(io.stdout, JSON.stringify(report));
    } else {
      writeLine(io.stdout, `ring capacity ${capacity / 1024} KiB, ${memoryKind} memory, batches of ${batch}, node ${process.version}; one thread, no kernel`);
      const rows = [['PATH', 'SIZE', 'PACKETS/S', 'GBIT/S']];
      for (const r of results) rows.push([r.path, String(r.size), formatCount(r.packetsPerSecond), r.gbitPerSecond.toFixed(2)]);
      writeLine(io.stdout, table(rows));
    }
    return io.signal.aborted ? interruptExitCode(io.signal) : 0;
  },
};
