import { describe, expect, it } from 'vitest';
import { RING_EMPTY, RING_EOF } from '@wintun-ts/ring';
import { roles } from './helpers.js';

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
