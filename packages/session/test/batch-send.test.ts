import { describe, expect, it } from 'vitest';
import { createInThreadDriver } from '../src/testing.js';
import { ip4 } from './helpers.js';

const tagOf = (b: Uint8Array): number => (b[1] ?? 0) | ((b[2] ?? 0) << 8);

describe('sendWith(..., more) and flushSends (batch publication)', () => {
  it('packets sent with more stay invisible until flushSends, which wakes an alertable driver once', async () => {
    await using d = createInThreadDriver();
    d.setAlertable(true);
    const tail0 = d.rings.receive.loadTail();
    for (let t = 1; t <= 3; t++) {
      expect(d.session.sendWith(40, (bytes, offset) => bytes.set(ip4(t), offset), true)).toBe(true);
    }
    expect(d.rings.receive.loadTail()).toBe(tail0);
    expect(d.writeSignals).toBe(0);
    expect(d.session.stats.packetsSent).toBe(3);
    d.session.flushSends();
    expect(d.writeSignals).toBe(1);
    d.session.flushSends(); // nothing new: no second signal
    expect(d.writeSignals).toBe(1);
    expect(d.takeSent().map(tagOf)).toEqual([1, 2, 3]);
  });

  it('a later sendWith without more publishes the deferred packets too', async () => {
    await using d = createInThreadDriver();
    d.session.sendWith(40, (bytes, offset) => bytes.set(ip4(1), offset), true);
    d.session.sendWith(40, (bytes, offset) => bytes.set(ip4(2), offset));
    expect(d.takeSent().map(tagOf)).toEqual([1, 2]);
  });
});
