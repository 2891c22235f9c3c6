/**
 * The inline driver (`startSessionWithInlineDriver`): the driver side on the session's own event
 * loop, over the in-memory packet queue and a test-controlled readiness watch (no TUN, no worker).
 * Order both ways, sends reaching the sink inside the send call, drops when the Send ring is full,
 * oversize drops, a failing sink or source failing the link (never throwing into the user's call),
 * device gone, close stopping the watch before onClose, unref reaching the watch, no spin; and the
 * InlineEvent contract.
 */
import { describe, expect, it, vi } from 'vitest';
import { InlineEvent, startSessionWithInlineDriver } from '@wintun-ts/session/driver';
import type { InlineDriverSpec, InlineWatch, PacketSink, PacketSource } from '@wintun-ts/session/driver';
import { PacketQueue, queuePacketSource } from '../src/testing.js';
import { codeOf, ip4 } from './helpers.js';

/** A readiness watch the test fires by hand (`ready()`), recording stop/ref/unref. */
function manualWatch() {
  const state = { onReady: null as ((gone: boolean) => void) | null, stopped: 0, unrefs: 0, refs: 0 };
  const watch: InlineWatch = (onReady) => {
    state.onReady = onReady;
    return {
      stop: () => void state.stopped++,
      ref: () => void state.refs++,
      unref: () => void state.unrefs++,
    };
  };
  return { state, watch, ready: (gone = false) => state.onReady?.(gone) };
}

/** A sink that keeps copies of what it was given. */
function arraySink(onWrite?: (packet: Uint8Array) => void): PacketSink & { packets: Uint8Array[]; closed: number } {
  const sink = {
    packets: [] as Uint8Array[],
    closed: 0,
    write(bytes: Uint8Array, offset: number, length: number) {
      const copy = bytes.slice(offset, offset + length);
      onWrite?.(copy);
      sink.packets.push(copy);
    },
    close() {
      sink.closed++;
    },
  };
  return sink;
}

const tagOf = (p: Uint8Array): number => (p[1] as number) | ((p[2] as number) << 8);

async function start(spec: Partial<InlineDriverSpec> & { onClose?: () => void; session?: object; capacity?: number } = {}) {
  const queue = new PacketQueue(0x100000);
  const w = manualWatch();
  const sink = arraySink();
  let closedCalls = 0;
  const started = await startSessionWithInlineDriver({
    layout: { sendCapacity: spec.capacity ?? 0x20000, receiveCapacity: spec.capacity ?? 0x20000 },
    memory: 'shared',
    session: spec.session,
    driver: () => ({ source: queuePacketSource(queue), sink, watch: w.watch, ...spec }),
    onClose: () => {
      closedCalls++;
      spec.onClose?.();
    },
  });
  return { ...started, queue, w, sink, closedCalls: () => closedCalls };
}

describe('inline driver over the in-memory queue', () => {
  it('delivers in order both ways; a send reaches the sink inside the send call, deferred sends at flushSends', async () => {
    const t = await start();
    const { session, queue, w, sink } = t;
    for (let i = 0; i < 300; i++) expect(queue.push(ip4(i, 60 + (i % 50)))).toBe(true);
    // Level triggered: 256 reads per callback at most, the rest on the next one.
    w.ready();
    expect(session.driverStats!.produced).toBe(256);
    w.ready();
    expect(session.driverStats!.produced).toBe(300);
    const got: number[] = [];
    while (got.length < 300) await session.receiveInto((b, o, l) => void got.push(tagOf(b.subarray(o, o + l))), { max: 500, timeout: 1000 });
    expect(got).toEqual(Array.from({ length: 300 }, (_, i) => i));
    for (let i = 0; i < 10; i++) {
      expect(session.send(ip4(1000 + i))).toBe(true);
      expect(sink.packets.length).toBe(i + 1);
    }
    const fill = (tag: number) => (bytes: Uint8Array, offset: number) => bytes.set(ip4(tag), offset);
    expect(session.sendWith(40, fill(2000), true)).toBe(true);
    expect(session.sendWith(40, fill(2001), true)).toBe(true);
    expect(sink.packets.length).toBe(10);
    session.flushSends();
    expect(sink.packets.map(tagOf)).toEqual([...Array.from({ length: 10 }, (_, i) => 1000 + i), 2000, 2001]);
    expect(session.driverStats!.consumed).toBe(12);
    await session.close();
  });

  it('a full Send ring drops whole packets and counts them; what was produced arrives in order', async () => {
    const t = await start();
    const { session, queue, w } = t;
    for (let i = 0; i < 200; i++) expect(queue.push(ip4(i, 1400))).toBe(true);
    while (!queue.empty) w.ready();
    const stats = session.driverStats!;
    expect(stats.producerDrops).toBeGreaterThan(0);
    expect(stats.produced + stats.producerDrops).toBe(200);
    const got: number[] = [];
    while (got.length < stats.produced) await session.receiveInto((b, o, l) => void got.push(tagOf(b.subarray(o, o + l))), { max: 500, timeout: 1000 });
    expect(got).toEqual(Array.from({ length: stats.produced }, (_, i) => i));
    await session.close();
  });

  it('a packet longer than maxPacketSize is dropped whole and counted; the next one arrives', async () => {
    const t = await start({ producer: { maxPacketSize: 100 } });
    const { session, queue, w } = t;
    queue.push(ip4(1, 200));
    queue.push(ip4(2, 80));
    w.ready();
    expect(session.driverStats!.oversizeDrops).toBe(1);
    const lease = session.tryReceive()!;
    expect(tagOf(lease.data)).toBe(2);
    lease.release();
    await session.close();
  });

  it('a sink that throws fails the link: the send itself returns, the session then reports ERR_WINTUN_WORKER_FAILED', async () => {
    const sink = arraySink(() => {
      throw new Error('sink broke');
    });
    const t = await start({ sink });
    const { session, w } = t;
    expect(session.send(ip4(1))).toBe(true);
    await Promise.resolve();
    await Promise.resolve();
    expect(session.isOpen).toBe(false);
    expect(codeOf(() => session.send(ip4(2)))).toBe('ERR_WINTUN_WORKER_FAILED');
    expect(w.state.stopped).toBe(1);
    await session.close();
  });

  it('a source that throws fails the link from the readiness callback, never into a user call', async () => {
    const source: PacketSource = {
      read() {
        throw new Error('source broke');
      },
    };
    const t = await start({ source });
    const { session, w } = t;
    const pending = session.receive({ timeout: 5000 });
    expect(() => w.ready()).not.toThrow();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_WINTUN_WORKER_FAILED' });
    expect(w.state.stopped).toBe(1);
    await session.close();
  });

  it('a gone source (poll error) ends the Send ring: receive reports ERR_WINTUN_EOF, deviceGone is set, the watch stops', async () => {
    const t = await start();
    const { session, w } = t;
    const pending = session.receive({ timeout: 5000 });
    w.ready(true);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_WINTUN_EOF' });
    expect(session.driverStats!.deviceGone).toBe(true);
    expect(w.state.stopped).toBe(1);
    await session.close();
  });

  it('close stops the watch before onClose runs, closes the sink, and later readiness reads nothing', async () => {
    let stoppedAtOnClose = -1;
    const reads: number[] = [];
    const queue = new PacketQueue(0x20000);
    const inner = queuePacketSource(queue);
    const source: PacketSource = { read: (...a) => (reads.push(1), inner.read(...a)) };
    const w = manualWatch();
    const t = await start({ source, watch: w.watch, onClose: () => (stoppedAtOnClose = w.state.stopped) });
    await t.session.close();
    expect(stoppedAtOnClose).toBe(1);
    expect(t.closedCalls()).toBe(1);
    expect(t.sink.closed).toBe(1);
    queue.push(ip4(1));
    w.ready();
    expect(reads).toEqual([]);
    await t.session.close();
    expect(t.closedCalls()).toBe(1);
  });

  it('unref and ref reach the watch', async () => {
    const t = await start();
    t.session.unref();
    expect(t.w.state.unrefs).toBe(1);
    t.session.ref();
    expect(t.w.state.refs).toBe(1);
    await t.session.close();
  });

  it('the packet path counts in the control block without Atomics calls; the counters stay right', async () => {
    const t = await start();
    const { session, queue, w, control } = t;
    const calls = { n: 0 };
    const spies = (['add', 'load', 'store', 'sub', 'exchange'] as const).map((op) => {
      const original = Atomics[op] as (...args: unknown[]) => unknown;
      return vi.spyOn(Atomics, op).mockImplementation(((...args: unknown[]) => {
        if (args[0] === control) calls.n++;
        return original.apply(Atomics, args);
      }) as never);
    });
    try {
      for (let i = 0; i < 20; i++) {
        queue.push(ip4(i));
        w.ready();
        await session.receiveInto((bytes, offset, length) => {
          session.sendWith(length, (b, o) => b.set(bytes.subarray(offset, offset + length), o), true);
        });
        session.flushSends();
      }
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    // Nine Atomics builtin calls per reflected packet before (producer 4, consumer 5).
    expect(calls.n).toBe(0);
    const stats = session.driverStats!;
    expect([stats.produced, stats.consumed]).toEqual([20, 20]);
    expect(t.sink.packets.map(tagOf)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await session.close();
  });

  it('never spins, whatever the spin options say (nothing else could move the Tail meanwhile)', async () => {
    const t = await start({ session: { spin: { thresholdPps: 0, spinUs: 1000, breakEvenUs: 1000 } } });
    const { session, queue, w } = t;
    for (let round = 0; round < 50; round++) {
      const pending = session.receive({ timeout: 1000 });
      queue.push(ip4(round));
      setImmediate(() => w.ready());
      (await pending).release();
    }
    expect(session.stats.spins).toBe(0);
    expect(session.stats.wakeups).toBeGreaterThan(0);
    await session.close();
  });
});

describe('InlineEvent', () => {
  it('set() resolves the pending wait directly (no task hop); one signal releases one waiter; extra sets collapse', async () => {
    const event = new InlineEvent();
    let done = 0;
    void event.wait(1000).then((v) => (done = v ? 1 : -1));
    void event.wait(1000).then((v) => (done += v ? 10 : -10));
    event.set();
    await Promise.resolve();
    expect(done).toBe(1);
    event.set();
    await Promise.resolve();
    expect(done).toBe(11);
    event.set();
    event.set();
    expect(event.waitSync(0)).toBe(true);
    expect(event.waitSync(10)).toBe(false);
    expect(await event.wait(5)).toBe(false);
  });

  it('close ends pending waits with false; describe() cannot cross threads; a handler runs inside set()', async () => {
    const event = new InlineEvent();
    const pending = event.wait(60_000);
    event.close();
    expect(await pending).toBe(false);
    event.set();
    expect(event.signalled).toBe(false);
    expect(codeOf(() => event.describe())).toBe('ERR_WINTUN_INVALID_STATE');
    let calls = 0;
    const withHandler = new InlineEvent(() => void calls++);
    withHandler.set();
    expect(calls).toBe(1);
    expect(codeOf(() => new InlineEvent(42 as never))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(codeOf(() => event.waitSync(-1))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
  });

  it('startSessionWithInlineDriver checks its options before allocating anything', async () => {
    const base = { layout: { sendCapacity: 0x20000, receiveCapacity: 0x20000 }, memory: 'shared' as const };
    await expect(startSessionWithInlineDriver({ ...base, driver: 1 as never })).rejects.toMatchObject({ code: 'ERR_WINTUN_INVALID_ARGUMENT' });
    await expect(startSessionWithInlineDriver({ ...base, driver: () => ({ source: { read: () => 0 } }) })).rejects.toMatchObject({ code: 'ERR_WINTUN_INVALID_ARGUMENT' });
    await expect(startSessionWithInlineDriver({ ...base, memory: 'x' as never, driver: () => ({}) })).rejects.toMatchObject({ code: 'ERR_WINTUN_INVALID_ARGUMENT' });
  });
});

describe('inline sessions serve waiting calls from the producer', () => {
  it('a queued receive is served inside the readiness callback: no pump, no wait on the read event', async () => {
    const t = await start();
    const { session, queue, w } = t;
    const got: number[] = [];
    const pending = session.receiveInto((b, o, l) => void got.push(tagOf(b.subarray(o, o + l))));
    await Promise.resolve();
    expect(got).toEqual([]);
    queue.push(ip4(7));
    w.ready();
    // Served synchronously by the producer's set(): the callback already ran.
    expect(got).toEqual([7]);
    expect(await pending).toBe(1);
    expect(session.stats.wakeups).toBe(1);
    expect(session.stats.waitTimeouts).toBe(0);
    await session.close();
  });

  it('several queued calls are served in call order; a call that times out leaves the others queued', async () => {
    const t = await start();
    const { session, queue, w } = t;
    const first = session.receive({ timeout: 2000 });
    const second = session.receive({ timeout: 15 });
    const third = session.receive();
    await expect(second).rejects.toMatchObject({ code: 'ERR_WINTUN_TIMEOUT' });
    queue.push(ip4(1));
    queue.push(ip4(2));
    w.ready();
    const [a, b] = await Promise.all([first, third]);
    expect([tagOf(a.data), tagOf(b.data)]).toEqual([1, 2]);
    a.release();
    b.release();
    await session.close();
  });

  it('close fails the queued calls and later signals serve nothing', async () => {
    const t = await start();
    const { session, queue, w } = t;
    const pending = session.receive();
    const closing = session.close();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_WINTUN_CLOSED' });
    await closing;
    queue.push(ip4(3));
    w.ready();
    expect(session.stats.packetsReceived).toBe(0);
  });
});
