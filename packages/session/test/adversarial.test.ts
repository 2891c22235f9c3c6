// An adversarial pass over the reliability work of issue 10: close at every await point, fault
// injection (a driver worker that dies, Node refusing worker threads), re-entrant calls from
// callbacks, and byte arguments that only pretend to be a Uint8Array. Every run is bounded.
import { runInNewContext } from 'node:vm';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isWintunError } from '@wintun-ts/session';
import { createInThreadDriver } from '../src/testing.js';
import { ip4, codeOf, runFixture } from './helpers.js';

describe('byte arguments are brand-checked, not prototype-checked', () => {
  it('a Proxy of a Uint8Array or an object on Uint8Array.prototype is refused with a WintunError; the ring stays usable', async () => {
    await using d = createInThreadDriver();
    const s = d.session;
    const fakes: unknown[] = [new Proxy(ip4(1), {}), Object.create(Uint8Array.prototype)];
    for (const fake of fakes) {
      expect(codeOf(() => s.send(fake as Uint8Array))).toBe('ERR_WINTUN_INVALID_ARGUMENT'); // raw TypeError before
      expect(codeOf(() => s.sendMany([ip4(2), fake as Uint8Array]))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    }
    expect(d.takeSent()).toEqual([]); // nothing of a refused sendMany was sent
    expect(s.send(ip4(3))).toBe(true);
    expect(d.takeSent().map((p) => p[1])).toEqual([3]);
  });

  it('a real Uint8Array of another realm is accepted and sent byte-exact', async () => {
    await using d = createInThreadDriver();
    const foreign = runInNewContext('const b = new Uint8Array(40); b[0] = 0x45; b[1] = 9; b') as Uint8Array;
    expect(foreign instanceof Uint8Array).toBe(false);
    expect(d.session.send(foreign)).toBe(true);
    expect(d.session.sendMany([foreign, ip4(10)])).toBe(2);
    expect(d.takeSent().map((p) => [p.length, p[1]])).toEqual([[40, 9], [40, 9], [40, 10]]);
  });
});

describe('re-entrant calls from callbacks keep wire order and lose nothing', () => {
  it('send, sendWith, allocateSend and flushSends from inside a fill callback', async () => {
    await using d = createInThreadDriver();
    const s = d.session;
    const fill = (tag: number, inner: () => void) => (b: Uint8Array, o: number) => {
      b[o] = 0x45;
      b[o + 1] = tag;
      inner();
    };
    expect(s.sendWith(40, fill(1, () => s.send(ip4(2))))).toBe(true);
    expect(s.sendWith(40, fill(3, () => s.sendWith(40, fill(4, () => undefined))))).toBe(true);
    expect(
      s.sendWith(
        40,
        fill(5, () => {
          const slot = s.allocateSend(40)!;
          slot.data.set(ip4(6));
          slot.commit();
        }),
      ),
    ).toBe(true);
    expect(s.sendWith(40, fill(7, () => s.flushSends()), true)).toBe(true);
    s.flushSends();
    expect(d.takeSent().map((p) => p[1])).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(s.stats.sendDiscards).toBe(0);
  });
});

describe('close at every await point', () => {
  it('close after 0..11 microtask/macrotask turns of every waiting call, from an abort listener and a drain callback (240 runs)', async () => {
    const raw: string[] = [];
    const note = (where: string) => (e: unknown) => {
      if (!isWintunError(e)) raw.push(`${where}: ${String(e)}`);
    };
    for (let i = 0; i < 240; i++) {
      const d = createInThreadDriver();
      const s = d.session;
      const turns = i % 12;
      const ac = new AbortController();
      ac.signal.addEventListener('abort', () => void s.close().catch(note('close in abort listener')));
      const pending = [
        s.receive().then((p) => p.release(), note('receive')),
        s.receive({ signal: ac.signal, timeout: 10_000 }).then((p) => p.release(), note('receive with signal')),
        s.receiveInto(() => undefined).catch(note('receiveInto')),
        (async () => {
          for await (const batch of s.batches()) void batch.count;
        })().catch(note('batches')),
        s.waitForSpace(100, { timeout: 10_000 }).catch(note('waitForSpace')),
      ];
      const capture = s.capture(new PassThrough());
      const slot = s.allocateSend(40);
      try {
        s.sendWith(40, (b, o) => void (b[o] = 0x45), true);
        d.inject(ip4(1), ip4(2), ip4(3));
        s.drain(() => {
          if (turns === 3) void s.close();
        });
      } catch (e) {
        note('sync calls')(e);
      }
      for (let t = 0; t < turns; t++) await (t % 2 === 0 ? Promise.resolve() : new Promise((r) => setImmediate(r)));
      if (turns === 5) ac.abort();
      const closes = [s.close(), s.close()];
      expect(closes[0]).toBe(closes[1]);
      expect(codeOf(() => slot?.data.fill(1))).toBe('ok'); // memory stays valid: GC-owned
      expect(codeOf(() => slot?.commit())).toMatch(/^(ok|ERR_WINTUN_CLOSED)$/);
      expect(codeOf(() => s.send(ip4(4)))).toBe('ERR_WINTUN_CLOSED');
      expect(codeOf(() => s.tryReceive())).toBe('ERR_WINTUN_CLOSED');
      expect(codeOf(() => s.unref().ref())).toBe('ok');
      await Promise.all(closes);
      await Promise.all(pending);
      expect(capture.stats.dropped).toBeGreaterThanOrEqual(0);
    }
    expect(raw).toEqual([]);
  }, 60_000);
});

describe('fault injection in child processes (each must exit by itself)', () => {
  it('a driver worker thread that dies fails every pending call with ERR_WINTUN_WORKER_FAILED and close() finishes (8 runs)', async () => {
    const r = await runFixture('worker-death.mjs', ['8']);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    const codes = JSON.parse(r.out) as Record<string, number>;
    expect(Object.keys(codes).filter((k) => k !== 'ERR_WINTUN_WORKER_FAILED' && k !== 'loop ended')).toEqual([]);
    expect(codes['ERR_WINTUN_WORKER_FAILED']).toBeGreaterThanOrEqual(8);
  }, 60_000);

  it('under --permission without --allow-worker, starting a session rejects with ERR_WINTUN_WORKER_FAILED naming the flag', async () => {
    const r = await runFixture('no-worker-permission.mjs', [], { nodeArgs: ['--permission', '--allow-fs-read=*'] });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
    // Before: a raw ReferenceError ('pump' before initialization) from the test driver, over a raw ERR_ACCESS_DENIED.
    expect(JSON.parse(r.out)).toEqual({ start: 'ERR_WINTUN_WORKER_FAILED', mentionsFlag: true, active: [] });
  }, 60_000);
});

describe('a capture stream that throws instead of emitting error', () => {
  it('a throw on a later write ends that capture only: no uncaught exception, the packet path goes on', async () => {
    await using d = createInThreadDriver();
    const s = d.session;
    let writes = 0;
    const throwing = new Writable({
      write(_chunk, _enc, cb) {
        if (++writes > 2) throw new Error('sink bug'); // after the two header blocks
        cb();
      },
    });
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown): void => void uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const bad = s.capture(throwing);
      const good = s.capture(new PassThrough());
      for (let i = 0; i < 20; i++) {
        expect(s.send(ip4(i))).toBe(true);
        d.inject(ip4(i));
        s.tryReceive()?.release();
        await new Promise((r) => setImmediate(r)); // the deferred flush runs here
      }
      // Ended by the throw (before: never, and the throw escaped).
      await Promise.race([bad.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('capture not ended by the throwing stream')), 2000))]);
      expect(bad.stats.packets).toBe(0);
      expect(good.stats.packets).toBe(40);
      expect(d.takeSent().length).toBe(20);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]); // before: 'sink bug' thrown from the flush on setImmediate
  });

  it('a throw on the first write is ERR_WINTUN_INVALID_ARGUMENT from capture(), and a duck-typed target needs off()', async () => {
    await using d = createInThreadDriver();
    const s = d.session;
    const throwsAtOnce = new Writable({
      write() {
        throw new Error('sink bug');
      },
    });
    expect(codeOf(() => s.capture(throwsAtOnce))).toBe('ERR_WINTUN_INVALID_ARGUMENT'); // raw Error before
    const duck = { write: () => true, once: () => duck };
    expect(codeOf(() => s.capture(duck as unknown as Writable))).toBe('ERR_WINTUN_INVALID_ARGUMENT'); // raw TypeError at close before
    expect(s.send(ip4(1))).toBe(true);
    await s.close();
  });
});
