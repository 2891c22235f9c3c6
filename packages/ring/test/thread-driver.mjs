// Driver side of the two-thread test (test/threads.test.ts), run in a Worker from the BUILT package.
// Consumes the Receive ring (ReceiveRingConsumer) and produces into the Send ring (SendRingProducer)
// on native memory that the main thread allocated, checking every byte of every packet.
// The packet format and size sequence must match threads.test.ts exactly.
import { parentPort, workerData } from 'node:worker_threads';
import {
  RING_EOF,
  ReceiveRingConsumer,
  SendRingProducer,
  attachRingMemory,
  createRingPair,
} from '../dist/index.js';

const BELL_MAIN = 0;
const BELL_WORKER = 1;
const SLEEP_MAIN = 2;
const SLEEP_WORKER = 3;
const STOP = 4;
const BATCH = 64;
const SPIN = 200;

function xorshift(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
}

function sizeFor(rng) {
  const b = rng() % 1000;
  const r = rng();
  if (b < 700) return 20 + (r % 108);
  if (b < 950) return 128 + (r % 1373);
  if (b < 999) return 1501 + (r % 7500);
  return 9001 + (r % (0xffff - 9000));
}

function fillByte(seq) {
  return (Math.imul(seq, 131) + 17) & 0xff;
}

const { address, byteLength, layout, count, seedReceive, seedSend, ctl: ctlBuffer } = workerData;
const ctl = new Int32Array(ctlBuffer);
const memory = attachRingMemory(address, byteLength);
const { send, receive } = createRingPair(memory, layout);
const u8 = new Uint8Array(memory.buffer);
const u32 = new Uint32Array(memory.buffer);

function fail(message) {
  throw new Error(message);
}

function check(ringOffset, p, size, seq, expectedSize) {
  if (size !== expectedSize) fail(`worker: packet ${seq}: size ${size}, expected ${expectedSize}`);
  const a = ringOffset + p;
  const v = fillByte(seq);
  if (u8[a] !== 0x45 || u8[a + 1] !== v || u8[a + 2] !== v || u8[a + 3] !== v) fail(`worker: packet ${seq}: bad header bytes`);
  if (u32[(a + 4) >>> 2] !== seq) fail(`worker: packet ${seq}: sequence ${u32[(a + 4) >>> 2]} (lost or reordered)`);
  const w = (v * 0x01010101) >>> 0;
  const end = a + size;
  const endWord = end >>> 2;
  for (let i = (a + 8) >>> 2; i < endWord; i++) if (u32[i] !== w) fail(`worker: packet ${seq}: payload word ${i} differs`);
  for (let k = endWord << 2; k < end; k++) if (u8[k] !== v) fail(`worker: packet ${seq}: payload byte ${k} differs`);
}

function fill(ringOffset, p, size, seq) {
  const a = ringOffset + p;
  const v = fillByte(seq);
  u8.fill(v, a, a + size);
  u8[a] = 0x45;
  u32[(a + 4) >>> 2] = seq;
}

function ringMain() {
  Atomics.add(ctl, BELL_MAIN, 1);
  Atomics.notify(ctl, BELL_MAIN);
}

try {
  const consumer = new ReceiveRingConsumer(receive);
  const producer = new SendRingProducer(send);
  // The main thread starts its synchronous loop only after this (worker startup may need its event loop).
  parentPort.postMessage({ ready: true });
  const rngConsume = xorshift(seedReceive);
  const rngProduce = xorshift(seedSend);
  let cSeq = 0;
  let pSeq = 0;
  let pNext = -1;
  let idle = 0;
  let sleeping = false;
  let bell = 0;
  let waits = 0;
  let full = 0;
  while (cSeq < count || pSeq < count) {
    let progress = false;
    // Receive ring: consume, check, release (in order).
    for (let k = 0; k < BATCH && cSeq < count; k++) {
      const p = consumer.next();
      if (p < 0) {
        if (p === RING_EOF) fail(`worker: Receive ring ended: ${consumer.abortReason}`);
        break;
      }
      check(receive.byteOffset, p, consumer.lastSize, cSeq, sizeFor(rngConsume));
      consumer.release();
      cSeq++;
      progress = true;
    }
    // Send ring: reserve, fill, commit, publish once per batch.
    let produced = 0;
    while (produced < BATCH && pSeq < count) {
      if (pNext < 0) pNext = sizeFor(rngProduce);
      const p = producer.reserve(pNext);
      if (p < 0) {
        if (p === RING_EOF) fail('worker: Send ring ended');
        full++;
        break;
      }
      fill(send.byteOffset, p, pNext, pSeq);
      producer.commitRecord(p, pNext);
      pNext = -1;
      pSeq++;
      produced++;
    }
    if (produced > 0) {
      progress = true;
      if (producer.publish() && Atomics.load(ctl, SLEEP_MAIN) !== 0) ringMain();
    }
    if (progress) {
      if (cSeq > 0 && Atomics.load(ctl, SLEEP_MAIN) !== 0) ringMain(); // Receive-ring space freed
      idle = 0;
      if (sleeping) {
        consumer.endWait();
        Atomics.store(ctl, SLEEP_WORKER, 0);
        sleeping = false;
      }
      continue;
    }
    if (Atomics.load(ctl, STOP) !== 0) break;
    if (++idle < SPIN) continue;
    if (!sleeping) {
      // Announce the sleep, then make one more full round before waiting (Dekker with the main thread).
      bell = Atomics.load(ctl, BELL_WORKER);
      Atomics.store(ctl, SLEEP_WORKER, 1);
      consumer.prepareWait();
      sleeping = true;
      continue;
    }
    Atomics.wait(ctl, BELL_WORKER, bell, 5);
    waits++;
    consumer.endWait();
    Atomics.store(ctl, SLEEP_WORKER, 0);
    sleeping = false;
    idle = 0;
  }
  parentPort.postMessage({ ok: true, consumed: cSeq, produced: pSeq, waits, full, discarded: consumer.discardedPackets });
} catch (error) {
  Atomics.store(ctl, STOP, 2);
  ringMain();
  parentPort.postMessage({ ok: false, error: String(error && error.stack ? error.stack : error) });
} finally {
  memory.free();
}
