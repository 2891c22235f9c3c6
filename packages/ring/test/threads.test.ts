/**
 * Two threads on native memory, both directions at once: the main thread is the client
 * (ReceiveRingWriter + SendRingReader), a Worker running test/thread-driver.mjs against the BUILT
 * package is the driver (ReceiveRingConsumer + SendRingProducer).
 *
 * What is checked, for every packet in both directions: its size equals the next value of a seeded
 * size sequence both sides compute (20..65535 bytes, mostly small); byte 0 is 0x45; bytes 4..7 hold
 * its sequence number (so nothing is lost, duplicated or reordered); every other payload byte equals
 * a fill byte derived from the sequence number (compared 4 bytes at a time). The producer writes the
 * payload with `fill`, so no payload is ever copied from one side to the other.
 *
 * Idle threads announce sleep in a small SharedArrayBuffer, make one more round, then
 * `Atomics.wait` on their bell for at most 5 ms; the worker also raises the Receive ring's
 * Alertable (prepareWait), so commit() returning true is exercised for real.
 *
 * RING_THREAD_PACKETS overrides the packet count (default 10 million per direction).
 */
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  RING_EOF,
  ReceiveRingWriter,
  SendRingReader,
  allocateRingMemory,
  createRingPair,
  ringPairSize,
} from '@wintun-ts/ring';

const BELL_MAIN = 0;
const BELL_WORKER = 1;
const SLEEP_MAIN = 2;
const SLEEP_WORKER = 3;
const STOP = 4;
const BATCH = 64;
const SPIN = 200;
const COUNT = Number(process.env['RING_THREAD_PACKETS'] ?? 10_000_000);
const DEADLINE_MS = 55_000;

function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
}

function sizeFor(rng: () => number): number {
  const b = rng() % 1000;
  const r = rng();
  if (b < 700) return 20 + (r % 108);
  if (b < 950) return 128 + (r % 1373);
  if (b < 999) return 1501 + (r % 7500);
  return 9001 + (r % (0xffff - 9000));
}

function fillByte(seq: number): number {
  return (Math.imul(seq, 131) + 17) & 0xff;
}

interface WorkerResult {
  ready?: boolean;
  ok: boolean;
  error?: string;
  consumed?: number;
  produced?: number;
  waits?: number;
  full?: number;
  discarded?: number;
}

const workerUrl = new URL('./thread-driver.mjs', import.meta.url);
const built = existsSync(new URL('../dist/index.js', import.meta.url));
if (!built) console.warn('threads.test.ts skipped: packages/ring/dist is missing; run `npx tsup` in packages/ring first.');

describe.skipIf(!built)('two threads on native memory', () => {
  it(`moves ${COUNT} packets each way between a client thread and a driver worker, checking every byte`, async () => {
    const layout = { sendCapacity: 0x100000, receiveCapacity: 0x400000 }; // different capacities (edge 37)
    const byteLength = ringPairSize(layout);
    const memory = allocateRingMemory(byteLength, { kind: 'native' });
    const { send, receive } = createRingPair(memory, layout);
    const ctl = new Int32Array(new SharedArrayBuffer(32));
    const seedReceive = 0x9e3779b9;
    const seedSend = 0x85ebca6b;
    // The worker runs the built package: drop vitest's `--conditions @wintun-ts/source` (which would
    // point it at .ts sources Node cannot load) from the inherited exec arguments.
    const execArgv: string[] = [];
    for (let i = 0; i < process.execArgv.length; i++) {
      const arg = process.execArgv[i]!;
      if (arg === '--conditions' || arg === '-C') i++;
      else if (!arg.startsWith('--conditions=')) execArgv.push(arg);
    }
    const worker = new Worker(workerUrl, {
      execArgv,
      workerData: { address: memory.address, byteLength, layout, count: COUNT, seedReceive, seedSend, ctl: ctl.buffer },
    });
    let result: WorkerResult | undefined;
    let workerError: unknown;
    let onReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    const exited = new Promise<void>((resolve) => {
      worker.on('message', (m: WorkerResult) => {
        if (m.ready === true) onReady();
        else result = m;
      });
      worker.on('error', (e) => {
        workerError = e;
        onReady();
      });
      worker.on('exit', () => {
        onReady();
        resolve();
      });
    });
    await ready;
    expect(workerError).toBeUndefined();

    const u8 = new Uint8Array(memory.buffer);
    const u32 = new Uint32Array(memory.buffer);
    const fail = (message: string): never => {
      throw new Error(message);
    };
    const writer = new ReceiveRingWriter(receive);
    const reader = new SendRingReader(send);
    const rngWrite = xorshift(seedReceive);
    const rngRead = xorshift(seedSend);
    const offsets = new Int32Array(BATCH);
    const held = new Int32Array(BATCH);
    let wSeq = 0;
    let rSeq = 0;
    let wNext = -1;
    let idle = 0;
    let sleeping = false;
    let bell = 0;
    let waits = 0;
    let alerts = 0;
    let full = 0;
    const ringWorker = () => {
      Atomics.add(ctl, BELL_WORKER, 1);
      Atomics.notify(ctl, BELL_WORKER);
    };
    const started = performance.now();
    try {
      while (wSeq < COUNT || rSeq < COUNT) {
        let progress = false;
        // Receive ring: allocate a batch, fill it, commit it in reverse order (one publish per batch).
        let k = 0;
        while (k < BATCH && wSeq < COUNT) {
          if (wNext < 0) wNext = sizeFor(rngWrite);
          const p = writer.allocate(wNext);
          if (p < 0) {
            if (p === RING_EOF) fail('main: Receive ring ended');
            full++;
            break;
          }
          const a = receive.byteOffset + p;
          const v = fillByte(wSeq);
          u8.fill(v, a, a + wNext);
          u8[a] = 0x45;
          u32[(a + 4) >>> 2] = wSeq;
          offsets[k++] = p;
          wSeq++;
          wNext = -1;
        }
        if (k > 0) {
          progress = true;
          let alert = false;
          for (let j = k - 1; j >= 0; j--) alert = writer.commit(offsets[j]!) || alert;
          if (alert) alerts++;
          if (alert || Atomics.load(ctl, SLEEP_WORKER) !== 0) ringWorker();
        }
        // Send ring: receive a batch, check every byte, release it in reverse order.
        k = 0;
        while (k < BATCH && rSeq < COUNT) {
          const p = reader.receive();
          if (p < 0) {
            if (p === RING_EOF) fail('main: Send ring ended');
            break;
          }
          const size = reader.lastSize;
          const expected = sizeFor(rngRead);
          if (size !== expected) fail(`main: packet ${rSeq}: size ${size}, expected ${expected}`);
          const a = send.byteOffset + p;
          const v = fillByte(rSeq);
          if (u8[a] !== 0x45 || u8[a + 1] !== v || u8[a + 2] !== v || u8[a + 3] !== v) fail(`main: packet ${rSeq}: bad header bytes`);
          if (u32[(a + 4) >>> 2] !== rSeq) fail(`main: packet ${rSeq}: sequence ${u32[(a + 4) >>> 2]} (lost or reordered)`);
          const w = (v * 0x01010101) >>> 0;
          const end = a + size;
          const endWord = end >>> 2;
          for (let i = (a + 8) >>> 2; i < endWord; i++) if (u32[i] !== w) fail(`main: packet ${rSeq}: payload word ${i} differs`);
          for (let b = endWord << 2; b < end; b++) if (u8[b] !== v) fail(`main: packet ${rSeq}: payload byte ${b} differs`);
          held[k++] = p;
          rSeq++;
        }
        if (k > 0) {
          progress = true;
          for (let j = k - 1; j >= 0; j--) reader.release(held[j]!);
          if (Atomics.load(ctl, SLEEP_WORKER) !== 0) ringWorker();
        }
        if (progress) {
          idle = 0;
          if (sleeping) {
            Atomics.store(ctl, SLEEP_MAIN, 0);
            sleeping = false;
          }
          continue;
        }
        if (Atomics.load(ctl, STOP) !== 0) fail('main: the worker stopped');
        if (++idle < SPIN) continue;
        if (performance.now() - started > DEADLINE_MS) fail(`main: deadline passed at write ${wSeq}, read ${rSeq}`);
        if (!sleeping) {
          bell = Atomics.load(ctl, BELL_MAIN);
          Atomics.store(ctl, SLEEP_MAIN, 1);
          sleeping = true;
          continue;
        }
        Atomics.wait(ctl, BELL_MAIN, bell, 5);
        waits++;
        Atomics.store(ctl, SLEEP_MAIN, 0);
        sleeping = false;
        idle = 0;
      }
    } catch (error) {
      Atomics.store(ctl, STOP, 1);
      await exited;
      memory.free();
      throw new Error(`${String(error)}; worker: ${JSON.stringify(result)}`, { cause: error });
    }
    const mainDone = performance.now();
    await exited;
    const elapsed = (performance.now() - started) / 1000;
    memory.free(); // only after the worker has exited
    expect(workerError).toBeUndefined();
    expect(result?.error).toBeUndefined();
    expect(result).toMatchObject({ ok: true, consumed: COUNT, produced: COUNT, discarded: 0 });
    expect(writer.outstanding).toBe(0);
    expect(reader.outstanding).toBe(0);
    console.log(
      `threads: ${COUNT} packets each way in ${elapsed.toFixed(2)} s ` +
        `(${((2 * COUNT) / elapsed / 1e6).toFixed(2)} Mpps total, main loop ${((mainDone - started) / 1000).toFixed(2)} s); ` +
        `main waits ${waits}, alerts ${alerts}, writer full ${full}; worker waits ${result?.waits}, producer full ${result?.full}`,
    );
  });
});
