import { describe, expect, it } from 'vitest';
import {
  RING_EMPTY,
  RING_EOF,
  RING_FULL,
  RING_PAYLOAD_BIAS,
  ReceiveRingConsumer,
  ReceiveRingWriter,
  SendRingProducer,
  SendRingReader,
  TunRing,
  WintunError,
  capacityFromRingSize,
  createRingPair,
  isValidRingCapacity,
  ringPairSize,
  ringSizeFromCapacity,
  tunPacketAlign,
  allocateRingMemory,
} from '@wintun-ts/ring';
import { tunRingContent, tunRingFree } from '@wintun-ts/abi';
import { CAP, fillPacket, pair, preset, rawRecord, recordStart, roles, sizeAt } from './helpers.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WintunError);
    return (error as WintunError).code;
  }
  return 'no error';
}

function headerBytes(ring: TunRing): number[] {
  return Array.from(ring.bytes.subarray(0, 12));
}

describe('ring capacity and layout (spec 1, edges 1-3)', () => {
  it('edge 1: a capacity that is not a power of two is refused', () => {
    const buf = new SharedArrayBuffer(0x30000 + 0x1000c);
    expect(code(() => new TunRing(buf, 0, 0x30000))).toBe('ERR_WINTUN_INVALID_CAPACITY');
    expect(code(() => ringPairSize({ sendCapacity: 0x30000, receiveCapacity: CAP }))).toBe('ERR_WINTUN_INVALID_CAPACITY');
  });

  it('edge 2: capacities 0x10000 and 0x8000000 are refused', () => {
    const buf = new SharedArrayBuffer(0x10000 + 0x1000c);
    expect(code(() => new TunRing(buf, 0, 0x10000))).toBe('ERR_WINTUN_INVALID_CAPACITY');
    expect(code(() => ringPairSize({ sendCapacity: CAP, receiveCapacity: 0x8000000 }))).toBe('ERR_WINTUN_INVALID_CAPACITY');
    expect(isValidRingCapacity(0x20000)).toBe(true);
    expect(isValidRingCapacity(0x4000000)).toBe(true);
  });

  it('edge 3: a RingSize without the trailing area derives an invalid capacity', () => {
    expect(isValidRingCapacity(capacityFromRingSize(CAP + 12))).toBe(false);
    expect(capacityFromRingSize(ringSizeFromCapacity(CAP))).toBe(CAP);
    expect(capacityFromRingSize(4)).toBeGreaterThan(0x4000000); // u32 underflow
  });

  it('ring sizes: capacity + 0x1000C, pair laid out back to back', () => {
    expect(ringPairSize({ sendCapacity: 0x400000, receiveCapacity: 0x400000 })).toBe(2 * 0x41000c);
    const { send, receive } = pair(CAP, 0x40000);
    expect(send.ringSize).toBe(0x3000c);
    expect(receive.byteOffset).toBe(0x3000c);
    expect(receive.ringSize).toBe(0x5000c);
    expect(receive.bytes.length).toBe(0x5000c);
  });

  it('TunRing refuses an unaligned offset or a too small buffer', () => {
    const buf = new SharedArrayBuffer(ringSizeFromCapacity(CAP) + 8);
    expect(code(() => new TunRing(buf, 2, CAP))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(code(() => new TunRing(buf, 12, CAP))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(new TunRing(buf, 8, CAP).byteOffset).toBe(8);
    const memory = allocateRingMemory(100, { kind: 'shared' });
    expect(code(() => createRingPair(memory, { sendCapacity: CAP, receiveCapacity: CAP }))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
  });

  it('header accessors are u32 (0xFFFFFFFF reads back unsigned)', () => {
    const { send } = pair();
    send.storeHead(0xffffffff);
    expect(send.loadHead()).toBe(0xffffffff);
    expect(new Int32Array(send.bytes.buffer, send.bytes.byteOffset, 3)[0]).toBe(-1);
    send.storeTail(0x80000000);
    expect(send.loadTail()).toBe(0x80000000);
    send.storeAlertable(1);
    expect(send.loadAlertable()).toBe(1);
  });
});

describe('spec 8 ring edge cases', () => {
  it('edge 9: Send Tail preset >= capacity is refused; Receive Head preset to the sentinel gives EOF', () => {
    const a = pair();
    preset(a.send, 0, CAP);
    expect(code(() => new SendRingProducer(a.send))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    preset(a.send, 0, 0xffffffff);
    expect(code(() => new SendRingProducer(a.send))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    const b = pair();
    b.receive.storeHead(0xffffffff);
    const writer = new ReceiveRingWriter(b.receive);
    expect(writer.allocate(20)).toBe(RING_EOF);
    const consumer = new ReceiveRingConsumer(b.receive);
    expect(consumer.next()).toBe(RING_EOF);
    expect(consumer.abortReason).toMatch(/capacity/);
    expect(b.receive.loadHead()).toBe(0xffffffff);
  });

  it('edge 10: receive on an empty ring returns RING_EMPTY with no state change', () => {
    const r = roles(0x100, 0x100);
    const before = headerBytes(r.send);
    for (let i = 0; i < 3; i++) expect(r.reader.receive()).toBe(RING_EMPTY);
    expect(headerBytes(r.send)).toEqual(before);
    expect(r.reader.outstanding).toBe(0);
    expect(r.consumer.next()).toBe(RING_EMPTY);
    expect(r.receive.loadHead()).toBe(0x100);
  });

  it('edge 11: a spurious wakeup gives RING_EMPTY again, and the next packet after it is read', () => {
    const r = roles();
    expect(r.reader.receive()).toBe(RING_EMPTY);
    // "woken" without data
    expect(r.producer.publish()).toBe(false);
    expect(r.reader.receive()).toBe(RING_EMPTY);
    expect(r.producer.writeBatch([new Uint8Array(30).fill(7)])).toBe(true);
    expect(r.producer.publish()).toBe(true);
    const p = r.reader.receive();
    expect(p).toBe(RING_PAYLOAD_BIAS);
    expect(r.reader.lastSize).toBe(30);
    expect(r.send.bytes[p + 29]).toBe(7);
  });

  it('edge 12: out-of-order release moves Head only over the released prefix', () => {
    const r = roles();
    r.producer.writeBatch([new Uint8Array(10), new Uint8Array(20), new Uint8Array(30)]);
    r.producer.publish();
    const a = r.reader.receive();
    const b = r.reader.receive();
    const c = r.reader.receive();
    expect([a, b, c].map(recordStart)).toEqual([0, 16, 40]);
    r.reader.release(c);
    expect(r.send.loadHead()).toBe(0);
    r.reader.release(a);
    expect(r.send.loadHead()).toBe(16);
    r.reader.release(b);
    expect(r.send.loadHead()).toBe(76);
    expect(r.reader.outstanding).toBe(0);
    expect(code(() => r.reader.release(b))).toBe('ERR_WINTUN_INVALID_STATE');
    expect(code(() => r.reader.release(a + 4))).toBe('ERR_WINTUN_INVALID_STATE');
    expect(code(() => r.reader.release(-1))).toBe('ERR_WINTUN_INVALID_STATE');
    expect(code(() => r.reader.release(Number.NaN))).toBe('ERR_WINTUN_INVALID_STATE');
  });

  it('edge 13: stale records with bit 31 set in free space are not consumed by the release walk', () => {
    const r = roles();
    // Stale released records from an "earlier lap" right after where the next record goes.
    rawRecord(r.send, 24, 0x80000010);
    rawRecord(r.send, 44, 0x80000010);
    r.producer.writeBatch([new Uint8Array(20)]);
    r.producer.publish();
    const a = r.reader.receive();
    r.reader.release(a);
    expect(r.send.loadHead()).toBe(24);
    expect(r.reader.outstanding).toBe(0);
    expect(r.reader.receive()).toBe(RING_EMPTY);
  });

  it('edge 14: commit B then A publishes both with one Tail store', () => {
    const r = roles();
    r.receive.storeAlertable(1);
    const a = r.writer.allocate(20);
    const b = r.writer.allocate(40);
    expect(r.writer.commit(b)).toBe(false);
    expect(r.receive.loadTail()).toBe(0);
    expect(r.writer.commit(a)).toBe(true);
    expect(r.receive.loadTail()).toBe(24 + 44);
    expect(r.writer.outstanding).toBe(0);
    expect(code(() => r.writer.commit(a))).toBe('ERR_WINTUN_INVALID_STATE');
  });

  it('edge 15: allocations totalling exactly capacity - 4 succeed, the next one is full', () => {
    const r = roles();
    let used = 0;
    while (CAP - 4 - used >= 0x10004) {
      expect(r.writer.allocate(0xffff)).toBeGreaterThanOrEqual(0);
      used += 0x10004;
    }
    const rest = CAP - 4 - used; // 0xFFF4: one more record of payload rest - 4
    expect(r.writer.allocate(rest - 4)).toBeGreaterThanOrEqual(0);
    expect(r.writer.freeBytes).toBe(0);
    expect(r.writer.allocate(0)).toBe(RING_FULL);
    expect(r.writer.outstanding).toBe(2);
  });

  it('edge 16: Size 0 takes 4 bytes; the consumer discards it and continues', () => {
    const r = roles();
    const z = r.writer.allocate(0);
    expect(recordStart(z)).toBe(0);
    const p = r.writer.allocate(20);
    expect(recordStart(p)).toBe(4);
    fillPacket(r.receive.bytes, p, 20, 4, 9);
    r.writer.commit(z);
    r.writer.commit(p);
    expect(r.consumer.next()).toBe(p);
    expect(r.consumer.discardedPackets).toBe(1);
    expect(r.receive.loadHead()).toBe(4);
    r.consumer.release();
    expect(r.receive.loadHead()).toBe(28);
  });

  it('edge 17: sizes > 0xFFFF are rejected before the ring is touched; a raw oversize record aborts the consumer', () => {
    const r = roles();
    const before = Array.from(r.receive.bytes.subarray(0, 64));
    for (const bad of [0x10000, 0xffffffff, 2 ** 40]) {
      expect(code(() => r.writer.allocate(bad))).toBe('ERR_WINTUN_PACKET_TOO_LARGE');
      expect(code(() => r.producer.reserve(bad))).toBe('ERR_WINTUN_PACKET_TOO_LARGE');
    }
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
      expect(code(() => r.writer.allocate(bad))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    }
    expect(Array.from(r.receive.bytes.subarray(0, 64))).toEqual(before);
    expect(r.writer.outstanding).toBe(0);
    // What the DLL would have let through: the driver aborts, later allocations get EOF.
    rawRecord(r.receive, 0, 0x10000);
    r.receive.storeTail(0x10004 + 4);
    expect(r.consumer.next()).toBe(RING_EOF);
    expect(r.consumer.abortReason).toMatch(/Size/);
    expect(r.receive.loadHead()).toBe(0xffffffff);
    const w2 = new ReceiveRingWriter(r.receive);
    expect(w2.allocate(20)).toBe(RING_EOF);
  });

  it('edge 18: garbage payloads are discarded silently', () => {
    const r = roles();
    const cases: Array<[number, 4 | 6 | 0, boolean]> = [
      [20, 0, false], // nibble 1
      [19, 4, false], // IPv4 too short
      [39, 6, false], // IPv6 too short
      [20, 6, false],
      [20, 4, true],
      [40, 6, true],
      [100, 0, false],
    ];
    const offsets = cases.map(([size, version], i) => {
      const p = r.writer.allocate(size);
      fillPacket(r.receive.bytes, p, size, version, i);
      r.writer.commit(p);
      return p;
    });
    expect(r.consumer.next()).toBe(offsets[4]);
    expect(r.consumer.lastVersion).toBe(4);
    expect(r.consumer.next()).toBe(offsets[5]);
    expect(r.consumer.lastVersion).toBe(6);
    expect(r.consumer.lastSize).toBe(40);
    expect(r.consumer.next()).toBe(RING_EMPTY);
    expect(r.consumer.discardedPackets).toBe(5);
    expect(r.consumer.abortReason).toBeNull();
    r.consumer.release();
    r.consumer.release();
    expect(r.receive.loadHead()).toBe(r.receive.loadTail());
  });

  it('edge 19: record sizing (1 -> 8, 20 -> 24, 65535 -> 65540)', () => {
    expect(tunPacketAlign(1)).toBe(8);
    expect(tunPacketAlign(20)).toBe(24);
    expect(tunPacketAlign(65535)).toBe(65540);
    expect(tunPacketAlign(0)).toBe(4);
    const r = roles();
    const a = r.writer.allocate(1);
    const b = r.writer.allocate(20);
    const c = r.writer.allocate(65535);
    expect([a, b, c].map(recordStart)).toEqual([0, 8, 32]);
    const d = r.writer.allocate(0);
    expect(recordStart(d)).toBe(32 + 65540);
  });

  it('edge 20: wrap placement, capacity 0x20000, Tail 0x1FFFC, Size 100', () => {
    const r = roles(0x1fffc, 0x1fffc);
    const p = r.writer.allocate(100);
    expect(p).toBe(12 + 0x1fffc + 4);
    // The record occupies Data[0x1FFFC .. 0x20063] contiguously: the payload ends at 0x20063.
    expect(12 + 0x1fffc + tunPacketAlign(100) - 1).toBe(12 + 0x20063);
    fillPacket(r.receive.bytes, p, 100, 4, 0xab);
    expect(sizeAt(r.receive, 0x1fffc) >>> 0).toBe((100 | 0x80000000) >>> 0);
    expect(r.writer.commit(p)).toBe(false);
    expect(r.receive.loadTail()).toBe(0x64);
    expect(sizeAt(r.receive, 0x1fffc)).toBe(100);
    // Nothing was mirrored to the start of Data.
    expect(r.receive.bytes.subarray(12, 12 + 0x64).every((x) => x === 0)).toBe(true);
    expect(r.consumer.next()).toBe(p);
    expect(r.receive.bytes[p + 99]).toBe(0xab);
    r.consumer.release();
    expect(r.receive.loadHead()).toBe(0x64);
    // Same on the Send ring.
    expect(r.producer.writeBatch([new Uint8Array(100).fill(0xcd)])).toBe(true);
    r.producer.publish();
    expect(r.send.loadTail()).toBe(0x64);
    const q = r.reader.receive();
    expect(q).toBe(12 + 0x1fffc + 4);
    expect(r.send.bytes[q + 99]).toBe(0xcd);
    r.reader.release(q);
    expect(r.send.loadHead()).toBe(0x64);
  });

  it('edge 21: wrap arithmetic, Head 0x1FFF0, Tail 0x10: content 0x20, free 0x1FFDC', () => {
    expect(tunRingContent(0x1fff0, 0x10, CAP)).toBe(0x20);
    expect(tunRingFree(0x1fff0, 0x10, CAP)).toBe(0x1ffdc);
    // JS int32 conversions: u32 header values that read back negative as int32.
    expect((0x10 - 0x1fff0) & (CAP - 1)).toBe(0x20);
    expect((-1 >>> 0) >= CAP).toBe(true);
    const r = roles();
    preset(r.receive, 0x1fff0, 0x10);
    const writer = new ReceiveRingWriter(r.receive);
    expect(writer.freeBytes).toBe(0x1ffdc);
    // A Send ring with one 0x20-byte record spanning the end.
    preset(r.send, 0x1fff0, 0x10);
    rawRecord(r.send, 0x1fff0, 28);
    const reader = new SendRingReader(r.send);
    const p = reader.receive();
    expect(p).toBe(12 + 0x1fff0 + 4);
    expect(reader.lastSize).toBe(28);
    expect(reader.receive()).toBe(RING_EMPTY);
    reader.release(p);
    expect(r.send.loadHead()).toBe(0x10);
  });

  it('edge 22: Send Tail = 0xFFFFFFFF with unread packets gives EOF first', () => {
    const r = roles();
    r.producer.writeBatch([new Uint8Array(20), new Uint8Array(20)]);
    r.producer.publish();
    r.send.storeTail(0xffffffff);
    expect(r.reader.receive()).toBe(RING_EOF);
    expect(r.reader.receive()).toBe(RING_EOF);
    expect(r.reader.outstanding).toBe(0);
  });

  it('edge 23: Receive Head = 0xFFFFFFFF: allocate gives EOF, committing an earlier allocation is harmless', () => {
    const r = roles();
    const p = r.writer.allocate(20);
    r.consumer.abort();
    expect(r.receive.loadHead()).toBe(0xffffffff);
    expect(r.writer.allocate(20)).toBe(RING_EOF);
    expect(r.writer.freeBytes).toBe(0);
    expect(() => r.writer.commit(p)).not.toThrow();
    expect(r.consumer.next()).toBe(RING_EOF);
  });

  it('edge 24: a corrupt Send ring throws ERR_WINTUN_RING_CORRUPT on every call', () => {
    const variants: Array<(ring: TunRing) => void> = [
      (ring) => {
        rawRecord(ring, 0, 0x10000);
        ring.storeTail(0x10008);
      }, // Size > 0xFFFF
      (ring) => {
        rawRecord(ring, 0, 0);
        ring.storeTail(2);
      }, // content < 4
      (ring) => {
        rawRecord(ring, 0, 100);
        ring.storeTail(64);
      }, // size > content
    ];
    for (const corrupt of variants) {
      const { send } = pair();
      corrupt(send);
      const reader = new SendRingReader(send);
      for (let i = 0; i < 3; i++) expect(code(() => reader.receive())).toBe('ERR_WINTUN_RING_CORRUPT');
      expect(send.loadHead()).toBe(0);
      // Sticky even if the producer "repairs" the ring; EOF still wins.
      send.storeTail(0);
      expect(code(() => reader.receive())).toBe('ERR_WINTUN_RING_CORRUPT');
      send.storeTail(0xffffffff);
      expect(reader.receive()).toBe(RING_EOF);
    }
  });

  it('edge 25: zero-filled records are tolerated (reader returns them, consumer discards them)', () => {
    const r = roles();
    r.producer.writeBatch([new Uint8Array(60)]);
    r.producer.publish();
    const p = r.reader.receive();
    expect(r.reader.lastSize).toBe(60);
    expect(r.send.bytes.subarray(p, p + 60).every((x) => x === 0)).toBe(true);
    r.reader.release(p);
    const q = r.writer.allocate(60);
    r.writer.commit(q);
    expect(r.consumer.next()).toBe(RING_EMPTY);
    expect(r.consumer.discardedPackets).toBe(1);
    expect(r.receive.loadHead()).toBe(64);
  });

  it('edge 26: close() (unregistration) makes a waiting reader see EOF', () => {
    const r = roles();
    r.producer.writeBatch([new Uint8Array(20)]);
    r.producer.publish();
    expect(r.reader.receive()).toBeGreaterThanOrEqual(0);
    expect(r.reader.receive()).toBe(RING_EMPTY);
    r.producer.close();
    expect(r.send.loadTail()).toBe(0xffffffff);
    expect(r.reader.receive()).toBe(RING_EOF);
    expect(r.producer.reserve(20)).toBe(RING_EOF);
    expect(r.producer.publish()).toBe(false);
    expect(r.producer.writeBatch([new Uint8Array(1)])).toBe(false);
    expect(r.producer.droppedPackets).toBe(1);
  });

  it('edge 33: the Send ring Alertable is never read or written; publish returns true on every Tail move', () => {
    for (const alertable of [0, 1, -1, 0x12345678]) {
      const r = roles();
      r.send.storeAlertable(alertable);
      for (let i = 0; i < 3; i++) {
        r.producer.writeBatch([new Uint8Array(20)]);
        expect(r.producer.publish()).toBe(true);
        expect(r.producer.publish()).toBe(false);
        r.reader.release(r.reader.receive());
      }
      expect(r.send.loadAlertable()).toBe(alertable);
    }
  });

  it('edge 34: commit does nothing visible when the published Tail would not change', () => {
    const r = roles();
    r.receive.storeAlertable(1);
    const a = r.writer.allocate(20);
    expect(r.writer.commit(a)).toBe(true);
    const tail = r.receive.loadTail();
    const b = r.writer.allocate(20);
    const c = r.writer.allocate(20);
    const before = headerBytes(r.receive);
    expect(r.writer.commit(c)).toBe(false);
    expect(headerBytes(r.receive)).toEqual(before);
    expect(r.writer.commit(b)).toBe(true);
    expect(r.receive.loadTail()).toBe(tail + 48);
    r.receive.storeAlertable(0);
    const d = r.writer.allocate(20);
    expect(r.writer.commit(d)).toBe(false); // Tail moved, driver not alertable: no event
    expect(r.receive.loadTail()).toBe(tail + 72);
  });

  it('edge 37: the two rings may have different capacities', () => {
    const r = roles(0, 0, 0x20000, 0x80000);
    expect(r.send.capacity).toBe(0x20000);
    expect(r.receive.capacity).toBe(0x80000);
    // The Receive ring holds more than the Send ring can.
    let n = 0;
    for (;;) {
      const p = r.writer.allocate(0xffff);
      if (p < 0) break;
      fillPacket(r.receive.bytes, p, 0xffff, 4, n);
      r.writer.commit(p);
      n++;
    }
    expect(n).toBe(7);
    let m = 0;
    while (r.producer.writeBatch([new Uint8Array(0xffff)])) m++;
    expect(m).toBe(1);
    for (let i = 0; i < n; i++) {
      const p = r.consumer.next();
      expect(r.receive.bytes[p + 0xfffe]).toBe(i);
      r.consumer.release();
    }
    expect(r.consumer.next()).toBe(RING_EMPTY);
  });
});

describe('driver role details', () => {
  it('writeBatch is whole-batch-or-nothing and counts drops', () => {
    const r = roles();
    expect(r.producer.writeBatch([new Uint8Array(0xffff)])).toBe(true);
    // 0x10004 used; 0xFFF8 free: a batch of two 0x8000 records (0x8004 each) does not fit.
    expect(r.producer.writeBatch([new Uint8Array(0x8000), new Uint8Array(0x8000)])).toBe(false);
    expect(r.producer.droppedPackets).toBe(2);
    expect(r.producer.writeBatch([new Uint8Array(0x8000), new Uint8Array(0x70000)])).toBe(true);
    expect(r.producer.oversizePackets).toBe(1);
    expect(r.producer.writeBatch([])).toBe(true);
    expect(r.producer.publish()).toBe(true);
    expect(r.send.loadTail()).toBe(0x10004 + 0x8004);
  });

  it('reserve/commitRecord write zero-copy records, possibly shorter than reserved', () => {
    const r = roles();
    const p = r.producer.reserve(1500);
    expect(p).toBe(RING_PAYLOAD_BIAS);
    r.send.bytes.fill(5, p, p + 60);
    expect(code(() => r.producer.commitRecord(p, 1501))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(code(() => r.producer.commitRecord(p + 4, 60))).toBe('ERR_WINTUN_INVALID_STATE');
    r.producer.commitRecord(p, 60);
    expect(code(() => r.producer.commitRecord(p, 60))).toBe('ERR_WINTUN_INVALID_STATE');
    expect(r.send.loadTail()).toBe(0);
    expect(r.producer.publish()).toBe(true);
    expect(r.send.loadTail()).toBe(64);
    expect(r.reader.receive()).toBe(p);
    expect(r.reader.lastSize).toBe(60);
    // Head >= capacity: the consumer is gone.
    r.send.storeHead(CAP);
    expect(r.producer.reserve(20)).toBe(RING_EOF);
  });

  it('reserve returns RING_FULL without waiting when the reader holds the space', () => {
    const r = roles();
    expect(r.producer.writeBatch([new Uint8Array(0xffff)])).toBe(true);
    expect(r.producer.reserve(0xffff)).toBe(RING_FULL);
    expect(r.producer.reserve(0xfff8 - 8)).toBeGreaterThanOrEqual(0);
  });

  it('prepareWait/endWait: Alertable handshake', () => {
    const r = roles();
    expect(r.consumer.prepareWait()).toBe(true);
    expect(r.receive.loadAlertable()).toBe(1);
    const p = r.writer.allocate(20);
    fillPacket(r.receive.bytes, p, 20, 4, 1);
    expect(r.writer.commit(p)).toBe(true); // alertable: signal
    r.consumer.endWait();
    expect(r.receive.loadAlertable()).toBe(0);
    // Data already there: prepareWait says do not wait and leaves Alertable at 0.
    expect(r.consumer.prepareWait()).toBe(false);
    expect(r.receive.loadAlertable()).toBe(0);
    expect(r.consumer.next()).toBe(p);
    r.consumer.release();
  });

  it('abort with packets in flight stores the sentinel only after the last release', () => {
    const r = roles();
    for (let i = 0; i < 2; i++) {
      const p = r.writer.allocate(20);
      fillPacket(r.receive.bytes, p, 20, 4, i);
      r.writer.commit(p);
    }
    expect(r.consumer.next()).toBeGreaterThanOrEqual(0);
    expect(r.consumer.next()).toBeGreaterThanOrEqual(0);
    r.consumer.abort();
    expect(r.consumer.next()).toBe(RING_EOF);
    expect(r.consumer.prepareWait()).toBe(false);
    r.consumer.release();
    expect(r.receive.loadHead()).toBe(24);
    r.consumer.release();
    expect(r.receive.loadHead()).toBe(0xffffffff);
    expect(code(() => r.consumer.release())).toBe('ERR_WINTUN_INVALID_STATE');
  });

  it('discards behind an outstanding packet are retired with it', () => {
    const r = roles();
    const sizes: Array<[number, 4 | 0]> = [
      [20, 4],
      [8, 0],
      [8, 0],
      [20, 4],
      [8, 0],
    ];
    for (const [size, v] of sizes) {
      const p = r.writer.allocate(size);
      fillPacket(r.receive.bytes, p, size, v, 0);
      r.writer.commit(p);
    }
    expect(recordStart(r.consumer.next())).toBe(0);
    expect(recordStart(r.consumer.next())).toBe(48);
    expect(r.consumer.next()).toBe(RING_EMPTY);
    expect(r.consumer.discardedPackets).toBe(3);
    expect(r.receive.loadHead()).toBe(0);
    r.consumer.release();
    expect(r.receive.loadHead()).toBe(48);
    r.consumer.release();
    expect(r.receive.loadHead()).toBe(84);
  });

  it('the consumer grows its in-flight list without losing order', () => {
    const r = roles(0, 0, CAP, 0x100000);
    const n = 3000;
    for (let i = 0; i < n; i++) {
      const p = r.writer.allocate(20);
      fillPacket(r.receive.bytes, p, 20, 4, i);
      r.receive.bytes[p + 1] = i & 0xff;
      r.writer.commit(p);
    }
    for (let i = 0; i < n; i++) {
      const p = r.consumer.next();
      expect(r.receive.bytes[p + 1]).toBe(i & 0xff);
    }
    expect(r.consumer.outstanding).toBe(n);
    for (let i = 0; i < n; i++) r.consumer.release();
    expect(r.receive.loadHead()).toBe(n * 24);
  });
});

describe('hostile or buggy peer (defensive checks beyond the DLL)', () => {
  it('a producer that laps packets the reader still holds is reported as corruption', () => {
    const r = roles();
    r.producer.writeBatch([new Uint8Array(0xffff)]);
    r.producer.publish();
    expect(r.reader.receive()).toBe(16);
    // Hostile: a second maximal record published over the held one (Tail wraps to 8).
    rawRecord(r.send, 0x10004, 0xffff);
    r.send.storeTail(8);
    expect(code(() => r.reader.receive())).toBe('ERR_WINTUN_RING_CORRUPT');
    expect(code(() => r.reader.receive())).toBe('ERR_WINTUN_RING_CORRUPT');
  });

  it('the release walk refuses an overwritten Size of a held record', () => {
    const r = roles();
    r.producer.writeBatch([new Uint8Array(20), new Uint8Array(20)]);
    r.producer.publish();
    const a = r.reader.receive();
    r.reader.receive();
    rawRecord(r.send, recordStart(a), 0x7ffffff0);
    expect(code(() => r.reader.release(a))).toBe('ERR_WINTUN_RING_CORRUPT');
    expect(r.send.loadHead()).toBe(0);
    expect(code(() => r.reader.receive())).toBe('ERR_WINTUN_RING_CORRUPT');
  });

  it('an in-order release steps over the oldest record without marking its Size in shared memory', () => {
    const r = roles();
    r.producer.writeBatch([new Uint8Array(20), new Uint8Array(20)]);
    r.producer.publish();
    const a = r.reader.receive();
    const b = r.reader.receive();
    r.reader.release(a);
    expect(sizeAt(r.send, recordStart(a))).toBe(20);
    expect(r.send.loadHead()).toBe(recordStart(b));
    // Out of order: b is marked (release bit) until the walk passes it.
    r.producer.writeBatch([new Uint8Array(20)]);
    r.producer.publish();
    const c = r.reader.receive();
    r.reader.release(c);
    expect(sizeAt(r.send, recordStart(c)) >>> 0).toBe((0x80000000 | 20) >>> 0);
    expect(r.send.loadHead()).toBe(recordStart(b));
    r.reader.release(b);
    expect(r.send.loadHead()).toBe(recordStart(c) + 24);
  });

  it('the release walk refuses an overwritten Size of a record released out of order', () => {
    const r = roles();
    r.producer.writeBatch([new Uint8Array(20), new Uint8Array(20), new Uint8Array(20)]);
    r.producer.publish();
    const a = r.reader.receive();
    const b = r.reader.receive();
    r.reader.receive();
    r.reader.release(b);
    rawRecord(r.send, recordStart(b), 0xfffffff0);
    expect(code(() => r.reader.release(a))).toBe('ERR_WINTUN_RING_CORRUPT');
    expect(r.send.loadHead()).toBe(0);
    expect(code(() => r.reader.receive())).toBe('ERR_WINTUN_RING_CORRUPT');
  });

  it('the commit walk refuses an overwritten Size of an allocated record (sticky)', () => {
    const r = roles();
    const a = r.writer.allocate(20);
    const b = r.writer.allocate(20);
    rawRecord(r.receive, recordStart(a), 0x70000000);
    expect(code(() => r.writer.commit(b))).toBe('ERR_WINTUN_RING_CORRUPT');
    expect(r.receive.loadTail()).toBe(0);
    expect(code(() => r.writer.allocate(20))).toBe('ERR_WINTUN_RING_CORRUPT');
  });

  it('a Head that claims uncommitted records were consumed never lets the writer lap its own records', () => {
    const r = roles();
    expect(r.writer.allocate(0xffff)).toBe(16);
    r.receive.storeHead(0x10004);
    expect(r.writer.freeBytes).toBe(CAP - 4);
    expect(r.writer.allocate(0xffff)).toBe(RING_FULL);
    expect(r.writer.allocate(0xfff0)).toBe(16 + 0x10004);
    expect(r.writer.allocate(0)).toBe(16 + 0x1fff8); // exactly capacity - 4 held
    expect(r.writer.allocate(0)).toBe(RING_FULL);
  });

  it('the consumer aborts on Tail >= capacity, content < 4 and a record larger than the content', () => {
    const setups: Array<[(ring: TunRing) => void, RegExp]> = [
      [(ring) => ring.storeTail(CAP), /Tail/],
      [(ring) => ring.storeTail(2), /content/],
      [
        (ring) => {
          rawRecord(ring, 0, 100);
          ring.storeTail(64);
        },
        /content/,
      ],
    ];
    for (const [setup, reason] of setups) {
      const { receive } = pair();
      const consumer = new ReceiveRingConsumer(receive);
      setup(receive);
      expect(consumer.next()).toBe(RING_EOF);
      expect(consumer.abortReason).toMatch(reason);
      expect(receive.loadHead()).toBe(0xffffffff);
      expect(consumer.next()).toBe(RING_EOF);
    }
  });
});
