// Regression tests of issue 10 for the client side of a session: use after close (item 1), a bad
// send never wedges the Receive ring (item 3), bad options are refused (item 8), and unref().
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { isWintunError } from '@wintun-ts/session';
import { createInThreadDriver } from '../src/testing.js';
import { ip4, codeOf, runFixture } from './helpers.js';

async function rejectionOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (error) {
    return isWintunError(error) ? error.code : `not a WintunError: ${String(error)}`;
  }
}

describe('use after close never touches freed memory (issue 10 item 1)', () => {
  it('slots, leases, stashed drain/batch bytes and close() from callbacks, after GC, in a child process', async () => {
    const r = await runFixture('after-close.mjs', [], { killAfterMs: 20_000 });
    expect(r.signal).toBeNull(); // SIGSEGV before the fix
    expect(r.code).toBe(0);
    // commit after close, first release after close (no-op), second release, sendWith that
    // closed in fill, send after close, drain that closed in its callback.
    expect(JSON.parse(r.out)).toEqual(['ERR_WINTUN_CLOSED', 'ok', 'ERR_WINTUN_INVALID_STATE', 'ok', 'ERR_WINTUN_CLOSED', 'ok']);
  });
});

describe('a bad send never wedges the Receive ring (issue 10 item 3)', () => {
  const detached = (): Uint8Array => {
    const buffer = new ArrayBuffer(40);
    const view = new Uint8Array(buffer);
    structuredClone(buffer, { transfer: [buffer] });
    return view;
  };

  it('every bad argument is refused before the ring is touched, and later packets still flow', async () => {
    await using d = createInThreadDriver();
    const s = d.session;
    const free = s.sendFreeBytes;
    const bad: [string, () => unknown][] = [
      ['send(detached)', () => s.send(detached())],
      ['send(Uint16Array)', () => s.send(new Uint16Array(20) as unknown as Uint8Array)],
      ['send(DataView)', () => s.send(new DataView(new ArrayBuffer(40)) as unknown as Uint8Array)],
      ['send(null)', () => s.send(null as unknown as Uint8Array)],
      ['send(undefined)', () => s.send(undefined as unknown as Uint8Array)],
      ['sendMany(null)', () => s.sendMany(null as unknown as Uint8Array[])],
      ['sendMany([good, null])', () => s.sendMany([ip4(1), null as unknown as Uint8Array])],
      ['sendMany([good, detached])', () => s.sendMany([ip4(1), detached()])],
      ['sendWith(20, null)', () => s.sendWith(20, null as never)],
      ['sendWith(NaN, fn)', () => s.sendWith(Number.NaN, () => undefined)],
      ["sendWith(20, fn, 'yes')", () => s.sendWith(20, () => undefined, 'yes' as never)],
      ['allocateSend(-1)', () => s.allocateSend(-1)],
      ["allocateSend('20')", () => s.allocateSend('20' as never)],
      ['drain(null)', () => s.drain(null as never)],
      ['drain(fn, 0)', () => s.drain(() => undefined, 0)],
    ];
    expect(bad.map(([name, fn]) => `${name}: ${codeOf(fn)}`)).toEqual(bad.map(([name]) => `${name}: ERR_WINTUN_INVALID_ARGUMENT`));
    expect(codeOf(() => s.send(new Uint8Array(0x10000)))).toBe('ERR_WINTUN_PACKET_TOO_LARGE');
    expect(s.sendFreeBytes).toBe(free); // nothing was reserved
    expect(d.takeSent()).toEqual([]);
    expect(s.send(ip4(2))).toBe(true);
    expect(s.sendMany([ip4(3), ip4(4)])).toBe(2);
    expect(d.takeSent().map((p) => p[1])).toEqual([2, 3, 4]);
  });

  it('a fill that throws publishes a record the driver discards (no stale byte on the wire); the ring stays usable', async () => {
    await using d = createInThreadDriver();
    const s = d.session;
    // Leave recognisable stale bytes in the ring where the next record will go.
    expect(s.sendWith(40, (bytes, offset) => bytes.set(ip4(0x55), offset))).toBe(true);
    expect(d.takeSent().map((p) => p[1])).toEqual([0x55]);
    const boom = new Error('fill failed');
    expect(() =>
      s.sendWith(40, () => {
        throw boom;
      }),
    ).toThrow(boom);
    expect(() =>
      s.sendWith(40, (bytes, offset) => {
        bytes[offset] = 0x45; // half-written
        throw boom;
      }, true),
    ).toThrow(boom);
    expect(s.send(ip4(6))).toBe(true);
    expect(d.takeSent().map((p) => p[1])).toEqual([6]);
    expect(s.stats.sendDiscards).toBe(2);
    expect(s.sendFreeBytes).toBeGreaterThan(0);
  });

  it('a slot is settled by commit or discard; a dropped slot is discarded when collected', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    await using d = createInThreadDriver();
    const s = d.session;
    const a = s.allocateSend(40)!;
    a.data.set(ip4(1));
    a.discard();
    a.discard(); // idempotent
    expect(codeOf(() => a.commit())).toBe('ERR_WINTUN_INVALID_STATE');
    (() => {
      const dropped = s.allocateSend(40)!;
      dropped.data.set(ip4(2));
    })();
    const c = s.allocateSend(40)!;
    c.data.set(ip4(3));
    c.commit();
    expect(d.takeSent()).toEqual([]); // held back by the dropped slot
    for (let i = 0; i < 20 && d.takeSent().length === 0 && s.stats.sendDiscards < 2; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(s.stats.sendDiscards).toBe(2);
    expect(s.send(ip4(4))).toBe(true);
    expect(d.takeSent().map((p) => p[1])).toEqual(expect.arrayContaining([4]));
  });
});

describe('options are checked (issue 10 item 8)', () => {
  it("receive({ signal: 'x' }), timeout NaN or '50' and waitForSpace's are ERR_WINTUN_INVALID_ARGUMENT at once", async () => {
    await using d = createInThreadDriver();
    const s = d.session;
    const t = performance.now();
    expect(await rejectionOf(s.receive({ signal: 'x' as never }))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(await rejectionOf(s.receive({ timeout: Number.NaN }))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(await rejectionOf(s.receive({ timeout: '50' as never }))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(await rejectionOf(s.receive(null as never))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(await rejectionOf(s.receiveInto(() => undefined, { max: 0 }))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(await rejectionOf(s.waitForSpace(20, { timeout: Number.NaN }))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(await rejectionOf(s.waitForSpace(20, { timeout: '50' as never }))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(await rejectionOf(s.waitForSpace(20, { signal: {} as never }))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(codeOf(() => s.batches({ signal: 'x' as never }))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(codeOf(() => s.batches({ max: 0 }))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(performance.now() - t).toBeLessThan(1000);
    d.inject(ip4(8));
    const lease = await s.receive({ timeout: 1000 });
    expect(lease.data[1]).toBe(8);
    lease.release();
  });
});

describe('unref (issue 10 "Also")', () => {
  it('a process whose idle session was unref()ed exits by itself; a ref()ed one stays alive', async () => {
    const [unref, ref] = await Promise.all([runFixture('unref-exit.mjs', ['unref'], { killAfterMs: 20_000 }), runFixture('unref-exit.mjs', ['ref'], { killAfterMs: 1500 })]);
    expect(unref.out).toBe('waiting');
    expect(unref.code).toBe(0);
    expect(unref.ms).toBeLessThan(5000);
    expect(ref.out).toBe('waiting');
    expect(ref.signal).toBe('SIGKILL'); // still waiting when killed
  });
});
