import { describe, expect, it } from 'vitest';
import { RING_EMPTY, RING_EOF } from '@wintun-ts/ring';
import { rawRecord, recordStart, roles, sizeAt } from './helpers.js';

describe('batch forms (performance): deferred Head and Tail publication', () => {
  it('releaseDeferred leaves Head until publishHead, release or the next Tail load', () => {
    const r = roles();
    r.producer.writeBatch([new Uint8Array(20), new Uint8Array(20), new Uint8Array(20)]);
    r.producer.publish();
    const a = r.reader.receive();
    const b = r.reader.receive();
    r.reader.releaseDeferred(a);
    expect(r.send.loadHead()).toBe(0);
    expect(r.reader.publishHead()).toBe(true);
    expect(r.send.loadHead()).toBe(24);
    expect(r.reader.publishHead()).toBe(false);
    r.reader.releaseDeferred(b);
    const c = r.reader.receive(); // served from the Tail snapshot: Head still deferred
    expect(r.send.loadHead()).toBe(24);
    r.reader.releaseDeferred(c);
    expect(r.reader.receive()).toBe(RING_EMPTY); // loads Tail, publishing Head first
    expect(r.send.loadHead()).toBe(72);
    expect(r.reader.outstanding).toBe(0);
    expect(() => r.reader.releaseDeferred(c)).toThrow(/not outstanding/);
  });

  it('the Tail snapshot: EOF is seen once the packets published before it are taken', () => {
    const r = roles();
    r.producer.writeBatch([new Uint8Array(20), new Uint8Array(20)]);
    r.producer.publish();
    const a = r.reader.receive();
    r.send.storeTail(0xffffffff);
    const b = r.reader.receive(); // published before the sentinel, in the last snapshot
    expect(b).toBeGreaterThan(a);
    expect(r.reader.receive()).toBe(RING_EOF);
    expect(r.reader.receive()).toBe(RING_EOF);
  });

  it('commitDeferred publishes nothing until publish (or a later commit)', () => {
    const r = roles();
    const a = r.writer.allocate(20);
    const b = r.writer.allocate(20);
    const c = r.writer.allocate(20);
    r.writer.commitDeferred(a);
    r.writer.commitDeferred(b);
    expect(r.receive.loadTail()).toBe(0);
    expect(r.writer.publish()).toBe(false);
    expect(r.receive.loadTail()).toBe(48);
    expect(r.writer.publish()).toBe(false);
    r.receive.storeAlertable(1);
    r.writer.commitDeferred(c);
    expect(r.writer.publish()).toBe(true);
    expect(r.receive.loadTail()).toBe(72);
    expect(() => r.writer.commitDeferred(c)).toThrow(/not allocated/);
    expect(r.writer.outstanding).toBe(0);
  });
});

describe('releaseDeferredRun: a run of packets received in a row, released in one call', () => {
  const code = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (e) {
      return (e as { code?: string }).code;
    }
    return undefined;
  };
  const three = () => {
    const r = roles();
    r.producer.writeBatch([new Uint8Array(20), new Uint8Array(20), new Uint8Array(20), new Uint8Array(20)]);
    r.producer.publish();
    return { r, p: [r.reader.receive(), r.reader.receive(), r.reader.receive(), r.reader.receive()] as const };
  };

  it('in order: the run is consumed at once, Head moves at publishHead, no Size is marked', () => {
    const { r, p } = three();
    r.reader.releaseDeferredRun(p[0], 3);
    expect(r.reader.outstanding).toBe(1);
    expect(r.send.loadHead()).toBe(0);
    expect(r.reader.publishHead()).toBe(true);
    expect(r.send.loadHead()).toBe(72);
    for (const o of p) expect(sizeAt(r.send, recordStart(o))).toBe(20);
    r.reader.release(p[3]);
    expect(r.send.loadHead()).toBe(96);
  });

  it('behind an older outstanding packet: the run is marked and the walk passes it when that one goes', () => {
    const { r, p } = three();
    r.reader.releaseDeferredRun(p[1], 2);
    expect(sizeAt(r.send, recordStart(p[1])) >>> 0).toBe((0x80000000 | 20) >>> 0);
    expect(r.reader.publishHead()).toBe(false);
    expect(r.send.loadHead()).toBe(0);
    r.reader.release(p[0]);
    expect(r.send.loadHead()).toBe(72);
    expect(r.reader.outstanding).toBe(1);
  });

  it('all or nothing: a run that reaches a released packet, or passes the last one received, releases nothing', () => {
    const { r, p } = three();
    r.reader.release(p[2]); // out of order: marked
    expect(code(() => r.reader.releaseDeferredRun(p[1], 2))).toBe('ERR_WINTUN_INVALID_STATE');
    // p[1]'s mark was undone: releasing p[0] moves Head to p[1] only.
    expect(sizeAt(r.send, recordStart(p[1]))).toBe(20);
    expect(r.reader.outstanding).toBe(3);
    r.reader.release(p[0]);
    expect(r.send.loadHead()).toBe(recordStart(p[1]));
    expect(code(() => r.reader.releaseDeferredRun(p[3], 2))).toBe('ERR_WINTUN_INVALID_STATE');
    expect(r.reader.outstanding).toBe(2);
    r.reader.releaseDeferredRun(p[1], 1);
    r.reader.releaseDeferredRun(p[3], 1);
    expect(r.reader.publishHead()).toBe(true);
    expect(r.send.loadHead()).toBe(96);
    expect(r.reader.outstanding).toBe(0);
  });

  it('refuses a bad count or offset before touching anything', () => {
    const { r, p } = three();
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2' as unknown as number]) {
      expect(code(() => r.reader.releaseDeferredRun(p[0], bad))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    }
    for (const bad of [-1, 3, 0x7fffffff, 'x' as unknown as number]) {
      expect(code(() => r.reader.releaseDeferredRun(bad, 1))).toBe('ERR_WINTUN_INVALID_STATE');
    }
    expect(r.reader.outstanding).toBe(4);
    r.reader.releaseDeferredRun(p[0], 4);
    expect(r.reader.outstanding).toBe(0);
  });

  it('an overwritten Size inside the run is corruption (sticky), and nothing is released', () => {
    const { r, p } = three();
    rawRecord(r.send, recordStart(p[1]), 0x7ffffff0);
    expect(code(() => r.reader.releaseDeferredRun(p[0], 3))).toBe('ERR_WINTUN_RING_CORRUPT');
    expect(r.reader.outstanding).toBe(4);
    expect(code(() => r.reader.receive())).toBe('ERR_WINTUN_RING_CORRUPT');
  });

  it('gives the same Head as releaseDeferred on each packet, whatever the order of runs and single releases', () => {
    for (let seed = 1; seed <= 200; seed++) {
      let x = seed;
      const rand = (n: number): number => {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        return x % n;
      };
      const a = roles();
      const b = roles();
      const held: number[] = [];
      for (let step = 0; step < 60; step++) {
        if (held.length < 8 && rand(2) === 0) {
          const k = 1 + rand(4);
          const batch = Array.from({ length: k }, () => new Uint8Array(rand(200)));
          a.producer.writeBatch(batch);
          a.producer.publish();
          b.producer.writeBatch(batch);
          b.producer.publish();
          for (let i = 0; i < k; i++) {
            const o = a.reader.receive();
            expect(b.reader.receive()).toBe(o);
            held.push(o);
          }
        } else if (held.length > 0) {
          // A run of consecutive received packets (in receive order), anywhere among the held ones.
          const start = rand(held.length);
          const count = 1 + rand(held.length - start);
          const run = held.splice(start, count);
          // A run must be consecutive in the ring: the held list is in ring order, and a splice
          // of it is consecutive only when nothing between them was released; check and skip.
          let ok = true;
          for (let i = 1; i < run.length; i++) {
            if (run[i] !== run[i - 1]! + ((a.send.bytes[run[i - 1]! - 4]! | (a.send.bytes[run[i - 1]! - 3]! << 8)) + 7 & ~3)) ok = false;
          }
          if (!ok) {
            held.splice(start, 0, ...run);
            continue;
          }
          a.reader.releaseDeferredRun(run[0]!, run.length);
          for (const o of run) b.reader.releaseDeferred(o);
          expect(a.reader.publishHead()).toBe(b.reader.publishHead());
          expect(a.send.loadHead()).toBe(b.send.loadHead());
          expect(a.reader.outstanding).toBe(b.reader.outstanding);
        }
      }
    }
  });
});
