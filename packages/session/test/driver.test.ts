import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isWintunError } from '@wintun-ts/session';
import { loadKoffi } from '@wintun-ts/session/linux';
import { createTestDriver } from '../src/testing.js';
import { receiveCopy, tryReceiveCopy } from './helpers.js';

const canNative = (() => {
  try {
    loadKoffi();
    return true;
  } catch {
    return false;
  }
})();

function ip4(src: number, dst: number, payload = 8): Uint8Array {
  const b = new Uint8Array(20 + payload);
  b[0] = 0x45;
  b[9] = 17;
  new DataView(b.buffer).setUint32(12, src);
  new DataView(b.buffer).setUint32(16, dst);
  return b;
}

// ---- A user's code: an echo service that swaps addresses and sends every packet back. ----
async function echoService(session: import('@wintun-ts/session').Session, signal: AbortSignal): Promise<number> {
  let echoed = 0;
  for await (const batch of session.batches({ signal })) {
    for (const packet of batch) {
      const reply = packet.slice();
      reply.set(packet.subarray(16, 20), 12);
      reply.set(packet.subarray(12, 16), 16);
      if (session.send(reply)) echoed++;
    }
  }
  return echoed;
}

describe('in-memory driver, from a user point of view', () => {
  it('unit-tests an echo service against createTestDriver', async () => {
    await using driver = await createTestDriver();
    const stop = new AbortController();
    const service = echoService(driver.session, stop.signal);
    for (let i = 0; i < 100; i++) expect(driver.inject(ip4(0x0a000001 + i, 0x0a0000fe))).toBe(true);
    for (let i = 0; i < 100; i++) {
      const reply = await driver.nextSent({ timeout: 2000 });
      const dv = new DataView(reply.buffer, reply.byteOffset);
      expect(dv.getUint32(12)).toBe(0x0a0000fe);
      expect(dv.getUint32(16)).toBe(0x0a000001 + i);
    }
    stop.abort();
    expect(await service).toBe(100);
    expect(driver.stats.consumed).toBe(100);
    expect(driver.session.stats.timeoutsWithDataPending).toBe(0);
  });

  it('onSend and the sent iterator see packets in wire order; non-IP records are discarded by the driver', async () => {
    const driver = await createTestDriver();
    const seen: number[] = [];
    const unsubscribe = driver.onSend((p) => seen.push(p[8]!));
    for (let i = 0; i < 10; i++) {
      const p = ip4(1, 2);
      p[8] = i;
      driver.session.send(p);
    }
    driver.session.send(new Uint8Array([0x00, 1, 2, 3])); // not IP: discarded
    await expect.poll(() => seen.length).toBe(10);
    expect(seen).toEqual([...Array(10).keys()]);
    unsubscribe();
    driver.session.send(ip4(3, 4));
    const it = driver.sent[Symbol.asyncIterator]();
    expect((await it.next()).value?.byteLength).toBe(28);
    await expect.poll(() => driver.stats.discarded).toBe(1);
    await driver.close();
    expect((await it.next()).done).toBe(true);
  });

  it.skipIf(!canNative)('works over native ring memory (koffi view, attached by address in the workers)', async () => {
    await using driver = await createTestDriver({ memory: 'native' });
    driver.inject(ip4(1, 2));
    expect((await receiveCopy(driver.session, { timeout: 2000 })).byteLength).toBe(28);
    driver.session.send(ip4(2, 1));
    expect((await driver.nextSent({ timeout: 2000 })).byteLength).toBe(28);
  });

  it('close during a pending receive and a sleeping driver: everything settles within a few ms', async () => {
    const driver = await createTestDriver();
    const pending = driver.session.receive().then(
      () => 'resolved',
      (e: unknown) => (isWintunError(e) ? e.code : 'other'),
    );
    const sentWait = driver.nextSent().then(
      () => 'resolved',
      (e: unknown) => (isWintunError(e) ? e.code : 'other'),
    );
    await new Promise((r) => setTimeout(r, 100)); // both driver loops are in their bounded waits
    const t = performance.now();
    await driver.close();
    expect(performance.now() - t).toBeLessThan(500);
    expect(await pending).toBe('ERR_WINTUN_CLOSED');
    expect(await sentWait).toBe('ERR_WINTUN_CLOSED');
  });

  it('edge 26: the driver unregisters (Send Tail = 0xFFFFFFFF + read event): a blocked reader wakes with EOF, iteration ends', async () => {
    await using driver = await createTestDriver();
    const seen: Uint8Array[] = [];
    const loop = (async () => {
      for await (const batch of driver.session) for (const p of batch) seen.push(p.slice());
    })();
    driver.inject(ip4(1, 2));
    await expect.poll(() => seen.length).toBe(1);
    const pending = driver.session.receive();
    driver.endSession();
    await expect(pending).rejects.toSatisfy((e: unknown) => isWintunError(e, 'ERR_WINTUN_EOF'));
    await loop;
  });

  it('the driver aborts the Receive ring (Head = 0xFFFFFFFF): sending reports ERR_WINTUN_EOF', async () => {
    await using driver = await createTestDriver();
    driver.abortReceive();
    await expect
      .poll(() => {
        try {
          driver.session.send(ip4(1, 2));
          return 'sent';
        } catch (e) {
          return isWintunError(e) ? e.code : 'other';
        }
      })
      .toBe('ERR_WINTUN_EOF');
  });

  it('a full Send ring drops whole packets on the driver side, counted; nothing corrupts', async () => {
    await using driver = await createTestDriver({ capacity: 0x20000, maxPacketSize: 1500 });
    for (let i = 0; i < 200; i++) driver.inject(ip4(i, 0, 1480));
    await expect.poll(() => driver.stats.produced + driver.stats.producerDrops).toBe(200);
    expect(driver.stats.producerDrops).toBeGreaterThan(0);
    let n = 0;
    while (tryReceiveCopy(driver.session) !== null) n++;
    expect(n).toBe(driver.stats.produced);
  });
});

describe('the process exits by itself after close', () => {
  const child = fileURLToPath(new URL('./fixtures/exit-child.mjs', import.meta.url));
  const run = (args: string[], script = child): Promise<{ code: number | null; out: string; ms: number }> =>
    new Promise((resolve, reject) => {
      const t = performance.now();
      const p = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const timer = setTimeout(() => {
        p.kill('SIGKILL');
        reject(new Error(`child ${args.join(' ')} did not exit within 10 s`));
      }, 10_000);
      p.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, out: out.trim(), ms: performance.now() - t });
      });
    });

  it.each([
    [['traffic'], 'closed'],
    [['pending-receive'], 'ERR_WINTUN_CLOSED'],
    [['eof'], 'ERR_WINTUN_EOF'],
    [['full'], 'ERR_WINTUN_EOF'],
    ...(canNative ? [[['traffic', 'native'], 'closed'] as [string[], string]] : []),
  ])('%j', async (args, expected) => {
    const r = await run(args);
    expect(r.out).toBe(expected);
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(5000);
  });

  it('a pending receive keeps the process alive (Atomics.waitAsync alone would not), then it exits', async () => {
    const r = await run([], fileURLToPath(new URL('./fixtures/pending-alive.mjs', import.meta.url)));
    expect(r.out).toBe('40');
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(5000);
  });
});
