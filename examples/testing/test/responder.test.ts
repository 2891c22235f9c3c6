import { describe, it, expect } from 'vitest';
import { Adapter } from '@wintun-ts/adapter';
import { createInThreadDriver, createMemoryPlatform, createTestDriver } from '@wintun-ts/adapter/testing';
import { answerPings, checksum, isEchoRequest, toEchoReply } from '../src/responder.js';

/** An IPv4 ICMP echo request 10.0.0.1 -> 10.0.0.2 with valid checksums. */
function ping(seq: number): Uint8Array {
  const p = new Uint8Array(28);
  p.set([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 8, 0, 0, 0, 0, 1, 0, seq]);
  const ip = checksum(p, 0, 20);
  p.set([ip >> 8, ip & 0xff], 10);
  const icmp = checksum(p, 20, 28);
  p.set([icmp >> 8, icmp & 0xff], 22);
  return p;
}

describe('the packet logic alone', () => {
  it('turns a request into a reply with valid checksums', () => {
    const p = ping(7);
    expect(isEchoRequest(p)).toBe(true);
    toEchoReply(p);
    expect(isEchoRequest(p)).toBe(false);
    expect([...p.subarray(12, 20)]).toEqual([10, 0, 0, 2, 10, 0, 0, 1]);
    expect(checksum(p, 20, 28)).toBe(0);
    expect(checksum(p, 0, 20)).toBe(0);
  });
});

describe('answerPings against the in-memory driver (no adapter, no root)', () => {
  it('answers every ping through real rings and worker threads', async () => {
    await using driver = await createTestDriver();
    const stop = new AbortController();
    const running = answerPings(driver.session, stop.signal);
    for (let seq = 1; seq <= 5; seq++) expect(driver.inject(ping(seq))).toBe(true);
    driver.inject(Uint8Array.of(0x60, ...new Uint8Array(39))); // an IPv6 packet: not answered
    for (let seq = 1; seq <= 5; seq++) {
      const reply = await driver.nextSent({ timeout: 2000 });
      expect(reply[20]).toBe(0);
      expect(reply[27]).toBe(seq);
    }
    await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    expect(await running).toEqual({ replies: 5, others: 1 });
  });

  it('ends when the driver ends the session (adapter removed)', async () => {
    await using driver = await createTestDriver();
    const running = answerPings(driver.session, new AbortController().signal);
    driver.endSession();
    expect(await running).toEqual({ replies: 0, others: 0 });
  });

  it('deterministic: the in-thread driver', async () => {
    const driver = createInThreadDriver();
    driver.inject(ping(1), ping(2));
    const stop = new AbortController();
    const running = answerPings(driver.session, stop.signal);
    await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    expect(await running).toEqual({ replies: 2, others: 0 });
    expect(driver.takeSent().map((p) => p[27])).toEqual([1, 2]);
    await driver.close();
  });
});

describe('the adapter setup too: an injected in-memory platform (no adapter, no root, any OS)', () => {
  it('creates and configures the adapter through the Adapter API, then answers through its session', async () => {
    const { platform, adapters } = createMemoryPlatform();
    await using adapter = await Adapter.create({ name: 'wt0', platform });
    await adapter.addAddress('10.0.0.1/24');
    await adapter.setUp(true);
    const session = await adapter.startSession();
    const stop = new AbortController();
    const running = answerPings(session, stop.signal);
    const driver = adapters.get('wt0')?.driver;
    expect(driver?.inject(ping(9))).toBe(true);
    const reply = await driver!.nextSent({ timeout: 2000 });
    expect([reply[20], reply[27]]).toEqual([0, 9]);
    stop.abort();
    expect(await running).toEqual({ replies: 1, others: 0 });
    expect(adapters.get('wt0')?.addresses).toEqual([{ family: 4, address: '10.0.0.1', prefixLength: 24 }]);
  });
});
