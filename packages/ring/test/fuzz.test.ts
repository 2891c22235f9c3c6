/**
 * Corruption fuzzing: random u32 values are written into Head, Tail, Alertable and record Size
 * fields of both rings between operations of all four roles. Whatever happens, only status codes
 * and WintunErrors come out (no RangeError, no TypeError), every returned payload lies inside its
 * ring, nothing outside the rings changes (guard regions on both sides), and reader corruption is
 * sticky.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RING_EMPTY,
  RING_EOF,
  RING_FULL,
  ReceiveRingConsumer,
  ReceiveRingWriter,
  SendRingProducer,
  SendRingReader,
  WintunError,
  createRingPair,
  ringPairSize,
  wrapRingMemory,
  type TunRing,
} from '@wintun-ts/ring';

const CAP = 0x20000;
const GUARD = 0x10000;
const GUARD_BYTE = 0xa5;

const u32 = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.integer({ min: 0x10000, max: 0x20000 }),
  fc.integer({ min: 0, max: 0xff }).map((x) => (0x80000000 | x) >>> 0),
  fc.constantFrom(0xffffffff, CAP, CAP - 4, CAP - 1, 0x10000, 0xffff, 0x7fffffff, 0x80000000, 0x80000014, 0, 2, 4, 20),
  fc.integer({ min: 0, max: CAP + 8 }),
);

type Op =
  | { t: 'alloc'; size: number }
  | { t: 'commit'; pick: number }
  | { t: 'next' }
  | { t: 'crelease' }
  | { t: 'wait' }
  | { t: 'batch'; sizes: number[] }
  | { t: 'reserve'; size: number; cut: number }
  | { t: 'publish' }
  | { t: 'receive' }
  | { t: 'rrelease'; pick: number }
  | { t: 'header'; ring: 0 | 1; field: 0 | 1 | 2; value: number }
  | { t: 'size'; ring: 0 | 1; where: number; target: 0 | 1 | 2; value: number };

const size = fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 100 }));
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('alloc' as const), size }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('commit' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.constant({ t: 'next' as const }) },
  { weight: 3, arbitrary: fc.constant({ t: 'crelease' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'wait' as const }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('batch' as const), sizes: fc.array(size, { maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('reserve' as const), size, cut: fc.nat({ max: 50 }) }) },
  { weight: 3, arbitrary: fc.constant({ t: 'publish' as const }) },
  { weight: 3, arbitrary: fc.constant({ t: 'receive' as const }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('rrelease' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('header' as const),
      ring: fc.constantFrom(0 as const, 1 as const),
      field: fc.constantFrom(0 as const, 1 as const, 2 as const),
      value: u32,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('size' as const),
      ring: fc.constantFrom(0 as const, 1 as const),
      where: fc.nat({ max: (CAP >> 2) - 1 }),
      target: fc.constantFrom(0 as const, 1 as const, 2 as const), // random, a recent record, the next record to read
      value: u32,
    }),
  },
);

function within(ring: TunRing, offset: number, length: number): void {
  expect(Number.isInteger(offset)).toBe(true);
  expect(offset).toBeGreaterThanOrEqual(16);
  expect(offset + length).toBeLessThanOrEqual(ring.bytes.length);
}

describe('fuzz: corrupt Head/Tail/Alertable/Size values', () => {
  it('only statuses and WintunErrors come out, nothing outside the rings is touched, reader corruption is sticky', () => {
    const layout = { sendCapacity: CAP, receiveCapacity: CAP };
    const total = GUARD + ringPairSize(layout) + GUARD;
    const buffer = new ArrayBuffer(total);
    const all = new Uint8Array(buffer);
    const errors = new Map<string, number>();
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 150 }), fc.nat({ max: (CAP >> 2) - 1 }), (ops, startUnit) => {
        all.fill(GUARD_BYTE);
        all.fill(0, GUARD, total - GUARD);
        const memory = wrapRingMemory(buffer);
        const { send, receive } = createRingPair(memory, layout, GUARD);
        const start = startUnit * 4;
        send.storeHead(start);
        send.storeTail(start);
        receive.storeHead(start);
        receive.storeTail(start);
        const reader = new SendRingReader(send);
        const producer = new SendRingProducer(send);
        const writer = new ReceiveRingWriter(receive);
        const consumer = new ReceiveRingConsumer(receive);
        const allocated: number[] = [];
        const received: number[] = [];
        const recent: number[] = [];
        // Where each reading role will look next (Size field of its next record), as far as the test can tell.
        const nextRecord = [start, start];
        let readerCorrupt = false;
        let consumerEnded = false;
        for (const o of ops) {
          try {
            switch (o.t) {
              case 'alloc': {
                const p = writer.allocate(o.size);
                if (p >= 0) {
                  within(receive, p, o.size);
                  receive.bytes.fill(0x45, p, p + o.size);
                  allocated.push(p);
                  recent.push(p);
                } else expect([RING_FULL, RING_EOF]).toContain(p);
                break;
              }
              case 'commit': {
                const p = allocated.length > 0 ? allocated.splice(o.pick % allocated.length, 1)[0]! : o.pick;
                expect(typeof writer.commit(p)).toBe('boolean');
                break;
              }
              case 'next': {
                const p = consumer.next();
                if (p >= 0) {
                  expect(consumerEnded).toBe(false);
                  within(receive, p, consumer.lastSize);
                  receive.bytes[p] = 0;
                  nextRecord[1] = (p - 16 + ((consumer.lastSize + 7) & ~3)) & (CAP - 1);
                } else {
                  expect([RING_EMPTY, RING_EOF]).toContain(p);
                  if (consumerEnded) expect(p).toBe(RING_EOF);
                  if (p === RING_EOF) consumerEnded = true;
                }
                break;
              }
              case 'crelease':
                consumer.release();
                break;
              case 'wait':
                expect(typeof consumer.prepareWait()).toBe('boolean');
                consumer.endWait();
                break;
              case 'batch':
                expect(typeof producer.writeBatch(o.sizes.map((n) => new Uint8Array(n).fill(0x60)))).toBe('boolean');
                break;
              case 'reserve': {
                const p = producer.reserve(o.size);
                if (p >= 0) {
                  within(send, p, o.size);
                  send.bytes.fill(0x60, p, p + o.size);
                  recent.push(p);
                  producer.commitRecord(p, Math.max(0, o.size - o.cut));
                } else expect([RING_FULL, RING_EOF]).toContain(p);
                break;
              }
              case 'publish':
                expect(typeof producer.publish()).toBe('boolean');
                break;
              case 'receive': {
                const p = reader.receive();
                if (p >= 0) {
                  expect(readerCorrupt).toBe(false);
                  within(send, p, reader.lastSize);
                  send.bytes.fill(0x11, p, p + reader.lastSize);
                  nextRecord[0] = (p - 16 + ((reader.lastSize + 7) & ~3)) & (CAP - 1);
                  received.push(p);
                  recent.push(p);
                } else {
                  expect([RING_EMPTY, RING_EOF]).toContain(p);
                  if (readerCorrupt) expect(p).toBe(RING_EOF);
                }
                break;
              }
              case 'rrelease': {
                const p = received.length > 0 ? received.splice(o.pick % received.length, 1)[0]! : o.pick;
                reader.release(p);
                break;
              }
              case 'header': {
                const ring = o.ring === 0 ? send : receive;
                new Uint32Array(ring.bytes.buffer, ring.byteOffset, 3)[o.field] = o.value;
                break;
              }
              case 'size': {
                const ring = o.ring === 0 ? send : receive;
                const target =
                  o.target === 1 && recent.length > 0
                    ? recent[o.where % recent.length]! - 4
                    : o.target === 2
                      ? 12 + nextRecord[o.ring]!
                      : 12 + o.where * 4;
                new DataView(ring.bytes.buffer, ring.byteOffset).setUint32(target, o.value, true);
                break;
              }
            }
          } catch (error) {
            if (!(error instanceof WintunError)) throw error;
            errors.set(error.code, (errors.get(error.code) ?? 0) + 1);
            expect(['ERR_WINTUN_RING_CORRUPT', 'ERR_WINTUN_INVALID_STATE', 'ERR_WINTUN_INVALID_ARGUMENT']).toContain(error.code);
            if (error.code === 'ERR_WINTUN_RING_CORRUPT' && o.t === 'receive') readerCorrupt = true;
          }
        }
        // Nothing outside the two rings changed.
        for (let i = 0; i < GUARD; i++) {
          if (all[i] !== GUARD_BYTE || all[total - GUARD + i] !== GUARD_BYTE) {
            throw new Error(`guard byte ${i} changed`);
          }
        }
        memory.free();
      }),
      { numRuns: 600 },
    );
    // The fuzzer does reach the interesting paths.
    expect(errors.get('ERR_WINTUN_RING_CORRUPT') ?? 0).toBeGreaterThan(0);
    expect(errors.get('ERR_WINTUN_INVALID_STATE') ?? 0).toBeGreaterThan(0);
  });
});
