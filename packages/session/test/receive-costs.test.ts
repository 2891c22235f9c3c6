/**
 * The receive path's per-packet work (issue 12, target 3): what was taken off the lease and drain
 * paths, and the lease's observable contract, which those changes must keep.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SendRingProducer, allocateRingMemory, createRingPair, ringPairSize } from '@wintun-ts/ring';
import { createSharedEvents } from '../src/events/open.js';
import { RateGate, SpinGate } from '../src/rate.js';
import { SessionCore } from '../src/session/core.js';
import { GATE_BATCH, Receiver } from '../src/session/receiver.js';
import { createInThreadDriver } from '../src/testing.js';
import { ip4 } from './helpers.js';

const layout = { sendCapacity: 0x20000, receiveCapacity: 0x20000 };

function receiverWithPackets(n: number) {
  const rings = createRingPair(allocateRingMemory(ringPairSize(layout), { kind: 'shared' }), layout);
  const producer = new SendRingProducer(rings.send);
  expect(producer.writeBatch(Array.from({ length: n }, (_, i) => ip4(i)))).toBe(true);
  producer.publish();
  const [readEvent] = createSharedEvents(1);
  const gate = new RateGate();
  const receiver = new Receiver(new SessionCore(), rings.send, readEvent!, { waitMs: 5, gate, spinGate: new SpinGate() });
  return { receiver, gate };
}

describe('receive path costs', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('leases read no clock: the rate gate gets their packets once per GATE_BATCH calls', () => {
    const { receiver, gate } = receiverWithPackets(40);
    const record = vi.spyOn(gate, 'record');
    const clock = vi.spyOn(performance, 'now');
    for (let i = 0; i < GATE_BATCH - 1; i++) receiver.tryReceive()!.release();
    expect(clock).not.toHaveBeenCalled();
    expect(record).not.toHaveBeenCalled();
    receiver.tryReceive()!.release();
    expect(record.mock.calls.map((c) => c[0])).toEqual([GATE_BATCH]);
  });

  it('the pump hands the rate gate every counted packet before it asks whether to spin', async () => {
    const { receiver, gate } = receiverWithPackets(40);
    const order: string[] = [];
    const record = gate.record.bind(gate);
    vi.spyOn(gate, 'record').mockImplementation((n: number, at?: number) => {
      order.push(`record ${n}`);
      record(n, at);
    });
    vi.spyOn(gate, 'shouldSpin').mockImplementation(() => {
      order.push('shouldSpin');
      return false;
    });
    for (let i = 0; i < 40; i++) receiver.tryReceive()!.release();
    await expect(receiver.receive({ timeout: 20 })).rejects.toMatchObject({ code: 'ERR_WINTUN_TIMEOUT' });
    expect(order.slice(0, 4)).toEqual([`record ${GATE_BATCH}`, `record ${GATE_BATCH}`, `record ${40 - 2 * GATE_BATCH}`, 'shouldSpin']);
  });

  it('a lease keeps its contract: own keys, a detached release, double release throws, release after close is a no-op', async () => {
    const d = createInThreadDriver({ capacity: 0x20000 });
    d.inject(ip4(1), ip4(2));
    const a = d.session.tryReceive()!;
    expect(Reflect.ownKeys(a).sort((x, y) => String(x).localeCompare(String(y)))).toEqual(
      ['data', 'length', 'release', Symbol.dispose].sort((x, y) => String(x).localeCompare(String(y))),
    );
    expect(a.length).toBe(ip4(1).byteLength);
    expect(Array.from(a.data)).toEqual(Array.from(ip4(1)));
    expect(a.data.buffer).toBe(d.rings.send.bytes.buffer);
    const { release } = a;
    release();
    expect(d.session.outstandingPackets).toBe(0);
    expect(() => a.release()).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_STATE' }));
    expect(() => a[Symbol.dispose]()).not.toThrow();
    const b = d.session.tryReceive()!;
    await d.session.close();
    expect(() => b.release()).not.toThrow();
    expect(() => b.release()).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_STATE' }));
  });

  it('drain releases its run of packets at the end, and a lease taken inside fn stays held', () => {
    const d = createInThreadDriver({ capacity: 0x20000 });
    d.inject(ip4(1), ip4(2), ip4(3), ip4(4));
    const seen: number[] = [];
    let lease: ReturnType<typeof d.session.tryReceive> = null;
    const n = d.session.drain((bytes, offset) => {
      seen.push(bytes[offset + 1]!);
      // The Head store of a lease release inside fn must not hand back this packet's space.
      if (seen.length === 1) lease = d.session.tryReceive();
    }, 8);
    expect(n).toBe(3);
    expect(lease).not.toBeNull();
    const held = lease!;
    const tag = (p: Uint8Array): number => p[1]!;
    expect(seen).toEqual([1, 3, 4]);
    expect(tag(held.data)).toBe(2);
    expect(d.session.outstandingPackets).toBe(1);
    // Head stops at the held lease's record: the drained packets before it were given back.
    const leaseRecord = held.data.byteOffset - d.rings.send.bytes.byteOffset - 16;
    expect(d.rings.send.loadHead()).toBe(leaseRecord);
    held.release();
    expect(d.session.outstandingPackets).toBe(0);
    expect(d.rings.send.loadHead()).toBe(d.rings.send.loadTail());
  });

  it('waiting calls with a timeout share one timer: a call served in time arms none of its own', async () => {
    const d = createInThreadDriver({ capacity: 0x20000 });
    const timers = vi.spyOn(globalThis, 'setTimeout');
    for (let i = 0; i < 20; i++) {
      const pending = d.session.receive({ timeout: 4321 });
      d.inject(ip4(i));
      (await pending).release();
    }
    // Per-call timers made 20 (each created, then cleared when its packet came); the shared one is armed once.
    const armed = timers.mock.calls.filter((c) => typeof c[1] === 'number' && c[1] > 4300 && c[1] <= 4321);
    expect(armed).toHaveLength(1);
    await d.close();
  });

  it('the shared timer neither expires a later call early nor makes a shorter one wait for it', async () => {
    const d = createInThreadDriver({ capacity: 0x20000 });
    const first = d.session.receive({ timeout: 40 });
    d.inject(ip4(1));
    (await first).release();
    const t0 = performance.now();
    // The timer armed for `first` fires at ~40 ms: `later` is not due then and must survive it.
    const later = d.session.receive({ timeout: 1500 });
    let laterSettled = false;
    later.then(
      () => (laterSettled = true),
      () => (laterSettled = true),
    );
    await new Promise((r) => setTimeout(r, 120));
    expect(laterSettled).toBe(false);
    // Queued behind `later`, due long before it: the timer is re-armed for the earlier deadline.
    await expect(d.session.receive({ timeout: 30 })).rejects.toMatchObject({ code: 'ERR_WINTUN_TIMEOUT' });
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(laterSettled).toBe(false);
    d.inject(ip4(2));
    const lease = await later;
    expect(lease.data[1]).toBe(2);
    lease.release();
    await d.close();
  });
});
