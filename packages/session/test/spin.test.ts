/**
 * The driver consumer's spin pays for itself (issue 12, target 2): at low rates and when idle it
 * sleeps at once instead of spinning after every packet; a closed gate only probes, briefly. That
 * the gate opens on short gaps is SpinGate's unit test (events.test.ts): on a shared 2-core machine
 * a test cannot make the consumer see microsecond gaps reliably.
 */
import { describe, expect, it } from 'vitest';
import { createTestDriver } from '../src/testing.js';

function packet(i: number): Uint8Array {
  const p = new Uint8Array(64);
  p[0] = 0x45;
  p[8] = i;
  return p;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('driver consumer spin gate', () => {
  it('does not spin after each packet when packets are milliseconds apart, nor while idle', async () => {
    await using driver = await createTestDriver({ capacity: 0x20000 });
    const session = driver.session;
    const n = 40;
    for (let i = 0; i < n; i++) {
      expect(session.send(packet(i))).toBe(true);
      await sleep(2);
    }
    await expect.poll(() => session.driverStats?.consumed, { timeout: 5000 }).toBe(n);
    const stats = session.driverStats!;
    // Every packet found the ring empty afterwards; the old consumer spun its 100 us each time
    // (n spins). Closed, the gate spins only as a probe, one episode in 32.
    expect(stats.consumerSpins).toBeLessThanOrEqual(Math.ceil(n / 32) + 1);
    const before = stats.consumerSpins;
    await sleep(300);
    // Idle: waits time out every 50 ms; at most one probe in that time.
    expect(stats.consumerSpins - before).toBeLessThanOrEqual(1);
  });
});
