// Issue 10 item 8, the driver side: a malformed option deep inside an options bag (which the
// surface walker, replacing whole arguments, does not reach) is refused with
// ERR_WINTUN_INVALID_ARGUMENT before anything starts: no worker is taken from the pool, the
// `workers` callback never runs, no sync wait blocks forever.
import { describe, expect, it, vi } from 'vitest';
import {
  DriverControl,
  SharedEvent,
  allocateRingMemory,
  createDriverControl,
  createRingPair,
  driverPoolStats,
  ringPairSize,
  runConsumerLoop,
  runProducerLoop,
  startDriverWorkers,
  startSessionWithDriverWorkers,
} from '@wintun-ts/session/driver';
import { PacketQueue, createInThreadDriver, createTestDriver } from '../src/testing.js';

const layout = { sendCapacity: 0x20000, receiveCapacity: 0x20000 };
const io = new URL('./fixtures/never-used.mjs', import.meta.url);

function goodOptions(): Record<string, unknown> {
  return {
    memory: allocateRingMemory(ringPairSize(layout), { kind: 'shared' }),
    layout,
    readEvent: new SharedEvent(),
    writeEvent: new SharedEvent(),
    producer: { io },
    consumer: { io },
  };
}

async function code(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (e: { code?: string }) => e.code ?? String(e),
  );
}

describe('startDriverWorkers refuses a malformed option before any worker starts', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['memory: {}', { memory: {} }],
    ['memory too small', { memory: allocateRingMemory(0x1000, { kind: 'shared' }) }],
    ['layout: null', { layout: null }],
    ['byteOffset: -1', { byteOffset: -1 }],
    ['byteOffset: 1.5', { byteOffset: 1.5 }],
    ['readEvent: {}', { readEvent: {} }],
    ['writeEvent: null', { writeEvent: null }],
    ['producer: 5', { producer: 5 }],
    ['producer.io: 42', { producer: { io: 42 } }],
    ['producer.loop.maxPacketSize: 0x10000', { producer: { io, loop: { maxPacketSize: 0x10000 } } }],
    ['producer.loop.waitMs: NaN', { producer: { io, loop: { waitMs: Number.NaN } } }],
    ['consumer.loop.mode: "x"', { consumer: { io, loop: { mode: 'x' } } }],
    ['consumer.loop.spinUs: -1', { consumer: { io, loop: { spinUs: -1 } } }],
    ['stopTimeoutMs: "50"', { stopTimeoutMs: '50' }],
    ['startTimeoutMs: Infinity', { startTimeoutMs: Number.POSITIVE_INFINITY }],
    ['onStop: 1', { onStop: 1 }],
  ];
  for (const [name, patch] of cases) {
    it(name, async () => {
      const before = driverPoolStats();
      const result = await code(startDriverWorkers({ ...goodOptions(), ...patch } as never));
      expect(result === 'ERR_WINTUN_INVALID_ARGUMENT' || (name.startsWith('layout') && result === 'ERR_WINTUN_INVALID_CAPACITY')).toBe(true);
      // Nothing was taken from the pool (and so no worker started).
      expect(driverPoolStats()).toEqual(before);
    });
  }
});

describe('the session starters check every option first', () => {
  it('startSessionWithDriverWorkers: bad session options reject before workers() runs', async () => {
    const workers = vi.fn(() => ({}));
    for (const session of [null, 5, { waitTimeoutMs: -1 }, { spin: { thresholdPps: 'x' } }]) {
      expect(await code(startSessionWithDriverWorkers({ layout, memory: 'shared', workers, session } as never))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    }
    for (const patch of [{ memory: 'heap' }, { memory: undefined }, { workers: null }, { onClose: 'x' }]) {
      expect(await code(startSessionWithDriverWorkers({ layout, memory: 'shared', workers, ...patch } as never))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    }
    expect(workers).not.toHaveBeenCalled();
  });

  it('createTestDriver and createInThreadDriver refuse malformed options', async () => {
    const before = driverPoolStats();
    for (const options of [
      { queueBytes: 5 },
      { queueBytes: 0x20002 },
      { maxPacketSize: 0 },
      { driverMode: 'new' },
      { driverWaitMs: Number.NaN },
      { raceWindowUs: -1 },
      { memory: 'heap' },
      { session: { waitTimeoutMs: 0 } },
      { session: 'x' },
    ]) {
      expect(await code(createTestDriver(options as never)), JSON.stringify(options)).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    }
    expect(driverPoolStats()).toEqual(before);
    for (const options of [{ memory: 'heap' }, { session: { oldDriverGuard: 5 } }, null]) {
      expect(() => createInThreadDriver(options as never)).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
    }
  });
});

describe('the driver loops and the packet queue', () => {
  it('the loops refuse bad arguments before touching the ring', () => {
    const rings = createRingPair(allocateRingMemory(ringPairSize(layout), { kind: 'shared' }), layout);
    const control = createDriverControl();
    Atomics.store(control, DriverControl.STOP, 1);
    const event = new SharedEvent();
    const bad = (fn: () => void): void => expect(fn).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
    bad(() => runProducerLoop(rings.send, { read: () => 0 }, event, new Int32Array(20), {}));
    bad(() => runProducerLoop(rings.send, { read: () => 0 }, event, control, { batchLimit: 0 }));
    bad(() => runProducerLoop(rings.send, {} as never, event, control));
    bad(() => runConsumerLoop(rings.receive, { write: () => undefined }, {} as never, control));
    bad(() => runConsumerLoop(rings.receive, { write: () => undefined }, event, control, { mode: 'x' as never }));
    // The control block was not touched: the loops never ran.
    expect(Atomics.load(control, DriverControl.PRODUCER_DONE)).toBe(0);
    expect(Atomics.load(control, DriverControl.CONSUMER_DONE)).toBe(0);
  });

  it('a sync wait without a bound is refused instead of blocking the thread forever', () => {
    const queue = new PacketQueue(0x20000);
    for (const timeout of [undefined, Number.POSITIVE_INFINITY, Number.NaN, -1, '50']) {
      expect(() => queue.waitReadableSync(timeout as never)).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
      expect(() => queue.waitWritableSync(timeout as never)).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
    }
  });

  it('a push with a bad range writes nothing', () => {
    const queue = new PacketQueue(0x20000);
    expect(() => queue.push(new Uint8Array(10), 4, 20)).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
    expect(() => queue.push(new Uint8Array(10), 0, 10, 5 as never)).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
    expect(queue.empty).toBe(true);
  });
});

describe('TestDriver.injectMany', () => {
  it('an array with a bad packet queues nothing; an endless generator is consumed lazily', async () => {
    await using driver = await createTestDriver({ capacity: 0x20000, queueBytes: 0x20000 });
    const p = new Uint8Array(28);
    p[0] = 0x45;
    expect(() => driver.injectMany([p, null as never])).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
    expect(() => driver.injectMany(p as never)).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
    // Nothing was queued: no packet arrives.
    await expect(driver.session.receive({ timeout: 200 })).rejects.toEqual(expect.objectContaining({ code: 'ERR_WINTUN_TIMEOUT' }));
    function* endless(): Generator<Uint8Array> {
      for (;;) yield p;
    }
    // Stops when the queue is full instead of materializing the generator.
    expect(driver.injectMany(endless())).toBeGreaterThan(0);
  });
});
