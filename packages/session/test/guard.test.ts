import { afterEach, describe, expect, it, vi } from 'vitest';
import { allocateRingMemory, createRingPair, ringPairSize } from '@wintun-ts/ring';
import type { AutoResetEvent } from '../src/events/types.js';
import { SessionCore } from '../src/session/core.js';
import { OldDriverGuard } from '../src/session/guard.js';

const layout = { sendCapacity: 0x20000, receiveCapacity: 0x20000 };

/** A guard over a fresh Receive ring with `pending` bytes published and not consumed. */
function setup(stallMs: number) {
  const rings = createRingPair(allocateRingMemory(ringPairSize(layout), { kind: 'shared' }), layout);
  const ring = rings.receive;
  const core = new SessionCore();
  let signals = 0;
  const event = { set: () => void signals++ } as unknown as AutoResetEvent;
  // A long interval: only the piggybacked checks run during the test.
  const guard = new OldDriverGuard(core, ring, event, stallMs, 60_000);
  ring.storeTail(0x1000);
  return { ring, core, guard, signals: () => signals };
}

describe('old-driver guard', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('a piggybacked check that sees Head move reads no clock (no heap number per 64 commits)', () => {
    const { ring, guard } = setup(2);
    guard.afterCommit(); // arms the timer, stamps once
    const clock = vi.spyOn(performance, 'now');
    for (let i = 1; i <= 64 * 8; i++) {
      if (i % 64 === 0) ring.storeHead(i * 4); // the driver consumed something since the last check
      guard.afterCommit();
    }
    expect(clock).not.toHaveBeenCalled();
    guard.stop();
  });

  it('still re-signals a Head that stands still for stallMs after piggybacked checks saw it move', () => {
    const { ring, core, guard, signals } = setup(2);
    let t = 1000;
    vi.spyOn(performance, 'now').mockImplementation(() => t);
    guard.afterCommit();
    const commits = (n: number) => {
      for (let i = 0; i < n; i++) guard.afterCommit();
    };
    ring.storeHead(16);
    commits(64); // check: Head moved (no clock read), stamp marked stale
    t += 10;
    commits(64); // check: Head still; stamps the stall start now, no re-signal yet
    expect(signals()).toBe(0);
    t += 1;
    commits(64); // 1 ms still: below stallMs
    expect(signals()).toBe(0);
    t += 1;
    ring.storeAlertable(1); // the driver sleeps
    commits(64); // 2 ms still, driver alertable: re-signal
    expect(signals()).toBe(1);
    expect(core.stats.guardResignals).toBe(1);
    guard.stop();
  });
});
