import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { isWintunError } from '@wintun-ts/session';
import { RateGate, SharedEvent, SpinGate, createSharedEvents, openEvent } from '@wintun-ts/session/driver';

describe('SharedEvent', () => {
  it('is auto-reset and sticky: one set releases exactly one wait, even a later one', async () => {
    const e = new SharedEvent();
    expect(e.waitSync(0)).toBe(false);
    e.set();
    e.set(); // collapses
    expect(await e.wait(10)).toBe(true);
    expect(await e.wait(10)).toBe(false);
    e.set();
    expect(e.waitSync(0)).toBe(true);
    expect(e.waitSync(0)).toBe(false);
  });

  it('wait() never blocks the event loop and is bounded', async () => {
    const e = new SharedEvent();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const t = performance.now();
    expect(await e.wait(30)).toBe(false);
    clearInterval(timer);
    expect(performance.now() - t).toBeGreaterThanOrEqual(25);
    expect(ticks).toBeGreaterThan(3);
  });

  it('describe/openEvent gives another view of the same slot', async () => {
    const [a, b] = createSharedEvents(2);
    const a2 = openEvent(a!.describe());
    a2.set();
    expect(b!.waitSync(0)).toBe(false);
    expect(a!.waitSync(0)).toBe(true);
  });

  it("openEvent('win32') reports an unsupported platform off Windows", () => {
    if (process.platform === 'win32') return;
    expect(() => openEvent({ kind: 'win32', handle: 1n })).toThrow(
      expect.objectContaining({ code: 'ERR_WINTUN_UNSUPPORTED_PLATFORM' }),
    );
  });

  it('rejects bad timeouts and non-shared buffers', () => {
    expect(() => new SharedEvent(new ArrayBuffer(4) as unknown as SharedArrayBuffer)).toThrow();
    expect(() => new SharedEvent().waitSync(-1)).toThrow();
    let error: unknown;
    try {
      new SharedEvent().waitSync(Number.NaN);
    } catch (e) {
      error = e;
    }
    expect(isWintunError(error, 'ERR_WINTUN_INVALID_ARGUMENT')).toBe(true);
  });

  it('edge 36: with two threads blocked in waitSync, each set wakes exactly one of them', async () => {
    const e = new SharedEvent();
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      const slot = new Int32Array(workerData.buffer);
      let woke = 0;
      const deadline = Date.now() + 3000;
      while (woke < workerData.expect && Date.now() < deadline) {
        if (Atomics.compareExchange(slot, workerData.index, 1, 0) === 1) { woke++; parentPort.postMessage('woke'); continue; }
        Atomics.wait(slot, workerData.index, 0, 50);
      }
      parentPort.postMessage('done:' + woke);`;
    // The workers use the same protocol as SharedEvent.waitSync (compareExchange 1 -> 0).
    const spawnWaiter = (): Worker => new Worker(code, { eval: true, workerData: { ...e.describe(), expect: 2 } });
    const workers = [spawnWaiter(), spawnWaiter()];
    let woken = 0;
    const done = workers.map(
      (w) =>
        new Promise<number>((resolve) => {
          w.on('message', (m: string) => {
            if (m === 'woke') woken++;
            else resolve(Number(m.slice(5)));
          });
        }),
    );
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 4; i++) {
      e.set();
      await expect.poll(() => woken, { timeout: 2000 }).toBe(i + 1);
    }
    const perWorker = await Promise.all(done);
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(4);
  });
});

describe('RateGate', () => {
  it('spins only while the recent rate is above the threshold, never when idle', () => {
    const g = new RateGate({ thresholdPps: 1000, windowMs: 100 });
    expect(g.shouldSpin(0)).toBe(false);
    for (let t = 0; t < 100; t++) g.record(2, t); // 2000 pps
    expect(g.shouldSpin(100)).toBe(true);
    expect(g.shouldSpin(150)).toBe(true);
    expect(g.shouldSpin(450)).toBe(false); // idle for more than two windows
    g.record(1, 460);
    expect(g.shouldSpin(480)).toBe(false);
  });
});

describe('SpinGate', () => {
  const spins = (g: SpinGate, n: number): number => {
    let k = 0;
    for (let i = 0; i < n; i++) if (g.nextSpinMs() > 0) k++;
    return k;
  };

  it('starts closed and spins only as a probe, one episode in probeEvery, for the break-even time', () => {
    const g = new SpinGate({ spinUs: 100, breakEvenUs: 20, probeEvery: 8 });
    const windows = Array.from({ length: 64 }, () => g.nextSpinMs());
    expect(windows.filter((w) => w > 0)).toEqual(Array(8).fill(0.02));
  });

  it('opens when spins hit within the break-even time and closes on the first missed window', () => {
    const g = new SpinGate({ spinUs: 100, breakEvenUs: 20 });
    for (let i = 0; i < 12; i++) g.record(0.003); // 3 us gaps: a spin pays
    expect(g.meanSpinUs).toBeLessThan(20);
    expect(spins(g, 10)).toBe(10);
    expect(g.nextSpinMs()).toBe(0.1);
    g.record(Infinity); // traffic stopped: a whole window burnt
    expect(g.meanSpinUs).toBeGreaterThan(20);
    expect(spins(g, 15)).toBe(0);
  });

  it('stays closed when gaps are longer than a wake-up (low rates), whatever the spin window', () => {
    const g = new SpinGate({ spinUs: 100, breakEvenUs: 20 });
    for (let i = 0; i < 50; i++) g.record(0.05); // 50 us gaps (20 kpps): a spin would burn 50 us per packet
    expect(g.meanSpinUs).toBeCloseTo(50, 0);
    expect(spins(g, 15)).toBe(0);
  });

  it('ignores short gaps measured by sleeping (they include the wake-up) and counts long ones', () => {
    const g = new SpinGate({ spinUs: 100, breakEvenUs: 20 });
    for (let i = 0; i < 12; i++) g.record(0.002);
    const open = g.meanSpinUs;
    g.record(0.03, true);
    expect(g.meanSpinUs).toBe(open);
    g.record(0.5, true);
    expect(g.meanSpinUs).toBeGreaterThan(open);
  });

  it('checks its options', () => {
    expect(() => new SpinGate({ spinUs: 0 })).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
    expect(() => new SpinGate({ probeEvery: 1.5 })).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
    expect(() => new SpinGate(null as never)).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
  });
});
