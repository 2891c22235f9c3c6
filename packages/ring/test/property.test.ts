/**
 * Model-based property tests: random interleavings of both directions against a plain array model,
 * starting at arbitrary aligned offsets (biased to just below the capacity) so that records wrap
 * and run into the trailing area at every boundary.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RING_EMPTY, RING_FULL, WintunError, tunPacketAlign } from '@wintun-ts/ring';
import { CAP, fillPacket, roles } from './helpers.js';

const MASK = CAP - 1;

const startOffset = fc.oneof(
  fc.constantFrom(0, CAP - 4, CAP - 8, CAP - 0x10000, CAP - 0x10004, CAP - 0x10008, CAP / 2),
  fc.integer({ min: (CAP - 0x12000) >> 2, max: (CAP >> 2) - 1 }).map((x) => x * 4),
  fc.integer({ min: 0, max: (CAP >> 2) - 1 }).map((x) => x * 4),
);

const packetSize = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }),
  fc.integer({ min: 0, max: 80 }),
  fc.integer({ min: 0x7ff0, max: 0x8010 }),
  fc.constantFrom(0, 1, 19, 20, 39, 40, 0xfffb, 0xfffc, 0xffff),
);

type RecvCmd =
  | { t: 'alloc'; size: number; version: 4 | 6 | 0 }
  | { t: 'commit'; pick: number }
  | { t: 'next' }
  | { t: 'release' };

const recvCmd: fc.Arbitrary<RecvCmd> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('alloc' as const), size: packetSize, version: fc.constantFrom(4 as const, 6 as const, 0 as const) }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant('commit' as const), pick: fc.nat() }), weight: 4 },
  { arbitrary: fc.constant({ t: 'next' as const }), weight: 3 },
  { arbitrary: fc.constant({ t: 'release' as const }), weight: 3 },
);

interface RecvRec {
  id: number;
  size: number;
  start: number;
  aligned: number;
  ip: 0 | 4 | 6;
  committed: boolean;
  state: 'pending' | 'consumed' | 'released' | 'discarded';
}

describe('property: Receive ring (client writer, driver consumer)', () => {
  it('allocate / commit in any order / consume / release match the array model across the wrap', () => {
    const seen = { crossing: 0, full: 0, wrapped: 0, discards: 0 };
    fc.assert(
      fc.property(startOffset, fc.array(recvCmd, { minLength: 1, maxLength: 120 }), (start, cmds) => {
        const r = roles(0, start);
        const { writer, consumer, receive } = r;
        const bytes = receive.bytes;
        let recs: RecvRec[] = []; // records not yet retired, in ring order
        let tail = start; // model private tail
        let head = start; // model shared Head
        let nextId = 1;
        const retire = () => {
          while (recs.length > 0 && (recs[0]!.state === 'released' || recs[0]!.state === 'discarded')) {
            head = (recs[0]!.start + recs[0]!.aligned) & MASK;
            recs = recs.slice(1);
          }
        };
        const publishedTail = () => {
          let t = head;
          for (const rec of recs) {
            if (!rec.committed) break;
            t = (rec.start + rec.aligned) & MASK;
          }
          return t;
        };
        let published = start;
        for (const cmd of cmds) {
          if (cmd.t === 'alloc') {
            const aligned = tunPacketAlign(cmd.size);
            const free = (head - tail - 4) & MASK;
            const p = writer.allocate(cmd.size);
            if (aligned > free) {
              expect(p).toBe(RING_FULL);
              seen.full++;
              continue;
            }
            expect(p).toBe(tail + 16);
            if (tail + aligned > CAP) seen.crossing++;
            if (tail + aligned >= CAP) seen.wrapped++;
            const id = nextId++;
            fillPacket(bytes, p, cmd.size, cmd.version, id);
            const ip = cmd.version === 4 && cmd.size >= 20 ? 4 : cmd.version === 6 && cmd.size >= 40 ? 6 : 0;
            recs.push({ id, size: cmd.size, start: tail, aligned, ip, committed: false, state: 'pending' });
            tail = (tail + aligned) & MASK;
          } else if (cmd.t === 'commit') {
            const open = recs.filter((rec) => !rec.committed);
            if (open.length === 0) continue;
            const rec = open[cmd.pick % open.length]!;
            rec.committed = true;
            // Alertable stays 0 here, so commit never asks for an event.
            expect(writer.commit(rec.start + 16)).toBe(false);
            published = publishedTail();
          } else if (cmd.t === 'next') {
            let expected = RING_EMPTY;
            let hit: RecvRec | undefined;
            for (const rec of recs) {
              if (rec.state !== 'pending') continue;
              if (!rec.committed) break;
              if (rec.ip === 0) {
                seen.discards++;
                rec.state = 'discarded';
                continue;
              }
              rec.state = 'consumed';
              hit = rec;
              expected = rec.start + 16;
              break;
            }
            // Discards only retire once every earlier handed-out packet is released.
            retire();
            const p = consumer.next();
            expect(p).toBe(expected);
            if (hit !== undefined) {
              expect(consumer.lastSize).toBe(hit.size);
              expect(consumer.lastVersion).toBe(hit.ip);
              expect(bytes[p]).toBe(hit.ip === 4 ? 0x45 : 0x60);
              expect(bytes[p + hit.size - 1]).toBe(hit.id & 0xff);
              expect(bytes[p + (hit.size >> 1)]).toBe(hit.id & 0xff);
            }
          } else {
            const oldest = recs.find((rec) => rec.state === 'consumed');
            if (oldest === undefined) {
              expect(() => consumer.release()).toThrow(WintunError);
              continue;
            }
            oldest.state = 'released';
            consumer.release();
            retire();
          }
          expect(receive.loadHead()).toBe(head);
          expect(receive.loadTail()).toBe(published);
          expect(writer.outstanding).toBe(recs.filter((rec) => !rec.committed).length);
          expect(consumer.outstanding).toBe(recs.filter((rec) => rec.state === 'consumed').length);
          expect(consumer.abortReason).toBeNull();
        }
      }),
      { numRuns: 500 },
    );
    // The generators reach every boundary: records running into the trailing area, exact wraps, full rings.
    expect(seen.crossing).toBeGreaterThan(0);
    expect(seen.wrapped).toBeGreaterThan(seen.crossing);
    expect(seen.full).toBeGreaterThan(0);
    expect(seen.discards).toBeGreaterThan(0);
  });
});

type SendCmd =
  | { t: 'batch'; sizes: number[] }
  | { t: 'reserve'; size: number; cut: number }
  | { t: 'publish' }
  | { t: 'receive' }
  | { t: 'release'; pick: number };

const sendCmd: fc.Arbitrary<SendCmd> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('batch' as const), sizes: fc.array(packetSize, { minLength: 0, maxLength: 4 }) }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('reserve' as const), size: packetSize, cut: fc.nat({ max: 100 }) }), weight: 2 },
  { arbitrary: fc.constant({ t: 'publish' as const }), weight: 3 },
  { arbitrary: fc.constant({ t: 'receive' as const }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant('release' as const), pick: fc.nat() }), weight: 4 },
);

interface SendRec {
  id: number;
  size: number;
  start: number;
  aligned: number;
  state: 'written' | 'published' | 'received' | 'released';
}

describe('property: Send ring (driver producer, client reader)', () => {
  it('batches / reservations / publish / receive / release in any order match the array model across the wrap', () => {
    const seen = { crossing: 0, dropped: 0, full: 0 };
    fc.assert(
      fc.property(startOffset, fc.array(sendCmd, { minLength: 1, maxLength: 120 }), (start, cmds) => {
        const r = roles(start, 0);
        const { producer, reader, send } = r;
        const bytes = send.bytes;
        let recs: SendRec[] = [];
        let tail = start; // model private (reservation) tail
        let head = start; // model shared Head
        let published = start;
        let nextId = 1;
        let dropped = 0;
        const retire = () => {
          while (recs.length > 0 && recs[0]!.state === 'released') {
            head = (recs[0]!.start + recs[0]!.aligned) & MASK;
            recs = recs.slice(1);
          }
        };
        const add = (size: number) => {
          const rec: SendRec = { id: nextId++, size, start: tail, aligned: tunPacketAlign(size), state: 'written' };
          if (tail + rec.aligned > CAP) seen.crossing++;
          recs.push(rec);
          tail = (tail + rec.aligned) & MASK;
          return rec;
        };
        for (const cmd of cmds) {
          const free = (head - tail - 4) & MASK;
          if (cmd.t === 'batch') {
            const total = cmd.sizes.reduce((sum, size) => sum + tunPacketAlign(size), 0);
            const packets = cmd.sizes.map((size, i) => new Uint8Array(size).fill((nextId + i) & 0xff));
            const ok = producer.writeBatch(packets);
            expect(ok).toBe(cmd.sizes.length === 0 || total <= free);
            if (ok) for (const size of cmd.sizes) add(size);
            else {
              dropped += cmd.sizes.length;
              seen.dropped++;
            }
            expect(producer.droppedPackets).toBe(dropped);
          } else if (cmd.t === 'reserve') {
            const p = producer.reserve(cmd.size);
            if (tunPacketAlign(cmd.size) > free) {
              expect(p).toBe(RING_FULL);
              seen.full++;
              continue;
            }
            expect(p).toBe(tail + 16);
            const size = Math.max(0, cmd.size - cmd.cut);
            bytes.fill(nextId & 0xff, p, p + size);
            producer.commitRecord(p, size);
            add(size);
          } else if (cmd.t === 'publish') {
            const moved = producer.publish();
            expect(moved).toBe(tail !== published);
            published = tail;
            for (const rec of recs) if (rec.state === 'written') rec.state = 'published';
          } else if (cmd.t === 'receive') {
            const rec = recs.find((x) => x.state === 'published');
            const p = reader.receive();
            if (rec === undefined) {
              expect(p).toBe(RING_EMPTY);
              continue;
            }
            rec.state = 'received';
            expect(p).toBe(rec.start + 16);
            expect(reader.lastSize).toBe(rec.size);
            if (rec.size > 0) {
              expect(bytes[p]).toBe(rec.id & 0xff);
              expect(bytes[p + rec.size - 1]).toBe(rec.id & 0xff);
            }
          } else {
            const held = recs.filter((x) => x.state === 'received');
            if (held.length === 0) continue;
            const rec = held[cmd.pick % held.length]!;
            rec.state = 'released';
            reader.release(rec.start + 16);
            retire();
          }
          expect(send.loadHead()).toBe(head);
          expect(send.loadTail()).toBe(published);
          expect(reader.outstanding).toBe(recs.filter((x) => x.state === 'received').length);
        }
      }),
      { numRuns: 500 },
    );
    expect(seen.crossing).toBeGreaterThan(0);
    expect(seen.dropped).toBeGreaterThan(0);
    expect(seen.full).toBeGreaterThan(0);
  });
});
