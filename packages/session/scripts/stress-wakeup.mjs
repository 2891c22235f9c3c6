#!/usr/bin/env node
// Missed wake-up hunt: alternates bursts and idle gaps in both directions through the in-memory
// worker driver and counts every wake-up that came from a timeout while data was pending.
// Usage: node scripts/stress-wakeup.mjs [alternations=1000000] [--old-driver]
// Needs the package built (npx tsup). Prints one JSON line.

/**
 * Runs `alternations` rounds. Each round injects a burst of 1-3 packets (Send ring, driver ->
 * session) and sends a burst of 1-3 packets (Receive ring, session -> driver), waits until both
 * bursts arrived, then leaves a random idle gap (none, a few microseconds of busy wait, or a
 * macrotask turn) so both sides go to sleep at varied moments.
 */
export async function hunt({ createTestDriver, alternations, driverMode = 'fenced', guard = true, driverWaitMs = 20, sessionWaitMs = 20, raceWindowUs = 0, sessionSpin = true, onProgress } = {}) {
  createTestDriver ??= (await import('../dist/testing.js')).createTestDriver;
  const driver = await createTestDriver({
    capacity: 0x20000,
    maxPacketSize: 1500,
    driverSpinUs: 5,
    driverWaitMs,
    driverMode,
    raceWindowUs,
    session: { waitTimeoutMs: sessionWaitMs, ...(guard ? {} : { oldDriverGuard: false }), ...(sessionSpin ? {} : { spin: false }) },
  });
  const { session } = driver;
  const packet = new Uint8Array(60);
  packet[0] = 0x45;
  let sentTotal = 0;
  let maxRoundMs = 0;
  const roundTimes = [];
  const t0 = performance.now();
  try {
    for (let i = 0; i < alternations; i++) {
      const start = performance.now();
      const k = 1 + (i % 3);
      for (let j = 0; j < k; j++) driver.inject(packet);
      for (let j = 0; j < k; j++) session.send(packet);
      sentTotal += k;
      let got = 0;
      while (got < k) got += await session.receiveInto(() => undefined, { max: k - got });
      let out = 0;
      while (out < k) {
        await driver.nextSent();
        out++;
      }
      const ms = performance.now() - start;
      if (ms > maxRoundMs) maxRoundMs = ms;
      if (roundTimes.length < 200_000) roundTimes.push(ms);
      const gap = i % 4;
      if (gap === 1) {
        const until = performance.now() + Math.random() * 0.05;
        while (performance.now() < until);
      } else if (gap === 2) {
        await new Promise((r) => setImmediate(r));
      }
      if (onProgress && i % 100_000 === 99_999) onProgress(i + 1, performance.now() - t0);
    }
  } finally {
    await driver.close();
  }
  roundTimes.sort((a, b) => a - b);
  const pct = (p) => roundTimes[Math.min(roundTimes.length - 1, Math.floor(p * roundTimes.length))] ?? 0;
  return {
    alternations,
    driverMode,
    guard,
    seconds: (performance.now() - t0) / 1000,
    packetsEachWay: sentTotal,
    // Send ring (driver -> session): session waits that timed out with data pending and no signal.
    sessionMissedWakeups: session.stats.timeoutsWithDataPending,
    sessionWakeups: session.stats.wakeups,
    sessionWaitTimeouts: session.stats.waitTimeouts,
    sessionSpins: session.stats.spins,
    // Receive ring (session -> driver): driver waits that timed out with data pending and no signal.
    driverMissedWakeups: driver.stats.missedWakeups,
    driverWaits: driver.stats.waits,
    driverWakeups: driver.stats.wakeups,
    driverWaitTimeouts: driver.stats.waitTimeouts,
    writeSignals: session.stats.writeSignals,
    guardResignals: session.stats.guardResignals,
    roundMs: { p50: pct(0.5), p99: pct(0.99), p999: pct(0.999), max: maxRoundMs },
  };
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const alternations = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const old = process.argv.includes('--old-driver');
  const result = await hunt({
    alternations,
    driverMode: old ? 'old-driver' : 'fenced',
    raceWindowUs: old ? 20 : 0,
    driverWaitMs: old ? 200 : 20,
    onProgress: (n, ms) => process.stderr.write(`${n} alternations, ${(ms / 1000).toFixed(1)} s\n`),
  });
  console.log(JSON.stringify(result));
}
