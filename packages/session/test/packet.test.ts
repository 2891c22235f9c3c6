/**
 * `@wintun-ts/session/packet`: the pure packet helpers (checksums, builders, parser, in-place replies) and the
 * responder itself over the in-memory test driver: no root, no adapter.
 */
import { describe, expect, it } from 'vitest';
import {
  buildIcmpEcho,
  buildUdpPacket,
  classifyEcho,
  echoReplyInPlace,
  internetChecksum,
  parsePacket,
  startEchoResponder,
} from '@wintun-ts/session/packet';
import { createTestDriver } from '@wintun-ts/session/testing';

const any = { addresses: null, udpPorts: null } as const;

describe('packet helpers', () => {
  it('internetChecksum matches the RFC 1071 example and verifies to 0 over a correct header', () => {
    // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2; the checksum is its complement.
    expect(internetChecksum(Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7), 0, 8)).toBe(~0xddf2 & 0xffff);
    // A known IPv4 header (Wikipedia's example): checksum 0xb861.
    const header = Uint8Array.from(Buffer.from('450000730000400040110000c0a80001c0a800c7', 'hex'));
    expect(internetChecksum(header, 0, 20)).toBe(0xb861);
    header[10] = 0xb8;
    header[11] = 0x61;
    expect(internetChecksum(header, 0, 20)).toBe(0);
    // Odd length pads with a zero byte.
    expect(internetChecksum(Uint8Array.of(0x01), 0, 1)).toBe(~0x0100 & 0xffff);
  });

  it('builds ICMPv4/ICMPv6 echo requests and UDP packets with correct checksums (parsePacket verifies them)', () => {
    const payload = new TextEncoder().encode('abcdefgh-odd');
    const v4 = parsePacket(buildIcmpEcho({ source: '10.1.0.1', destination: '10.1.0.2', id: 7, sequence: 9, payload }));
    expect(v4).toMatchObject({ family: 4, protocol: 1, source: '10.1.0.1', destination: '10.1.0.2', ttl: 64, checksumOk: true, echo: { kind: 'request', id: 7, sequence: 9 } });
    const v6 = parsePacket(buildIcmpEcho({ source: 'fd00::1', destination: 'fd00::2', id: 1, sequence: 2, payload, kind: 'reply' }));
    expect(v6).toMatchObject({ family: 6, protocol: 58, checksumOk: true, echo: { kind: 'reply', id: 1, sequence: 2 } });
    const u4 = parsePacket(buildUdpPacket({ source: '10.1.0.1', destination: '10.1.0.2', sourcePort: 1000, destinationPort: 7, payload }));
    expect(u4).toMatchObject({ family: 4, protocol: 17, checksumOk: true, udp: { sourcePort: 1000, destinationPort: 7 } });
    expect(Buffer.from(u4!.udp!.payload).toString()).toBe('abcdefgh-odd');
    const u6 = parsePacket(buildUdpPacket({ source: 'fd00::1', destination: 'fd00::2', sourcePort: 1, destinationPort: 2, payload }));
    expect(u6).toMatchObject({ family: 6, checksumOk: true });
    // A flipped payload bit breaks the checksum.
    const broken = buildUdpPacket({ source: 'fd00::1', destination: 'fd00::2', sourcePort: 1, destinationPort: 2, payload });
    broken[broken.length - 1] = (broken[broken.length - 1] ?? 0) ^ 1;
    expect(parsePacket(broken)?.checksumOk).toBe(false);
    expect(parsePacket(new Uint8Array(0))).toBeNull();
    expect(parsePacket(Uint8Array.of(0x45, 0, 0, 20))).toBeNull();
    expect(() => buildIcmpEcho({ source: '10.0.0.1', destination: 'fd00::1', id: 0, sequence: 0 })).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_ADDRESS_INVALID' }));
  });

  it('echoReplyInPlace turns requests into replies with swapped addresses/ports and valid checksums; leaves everything else untouched', () => {
    const payload = new TextEncoder().encode('ping payload');
    for (const [source, destination] of [
      ['10.1.0.1', '10.1.0.2'],
      ['fd00::1', 'fd00::2'],
    ] as const) {
      const request = buildIcmpEcho({ source, destination, id: 3, sequence: 4, payload });
      const reply = Uint8Array.from(request);
      expect(echoReplyInPlace(reply, 0, reply.length, any)).toEqual({ kind: source.includes(':') ? 'icmp6' : 'icmp4', length: request.length });
      expect(parsePacket(reply)).toMatchObject({ source: destination, destination: source, checksumOk: true, echo: { kind: 'reply', id: 3, sequence: 4 } });
      const udp = buildUdpPacket({ source, destination, sourcePort: 5000, destinationPort: 7, payload });
      const echoed = new Uint8Array(udp.length + 8);
      echoed.set(udp, 8); // at an offset, as in a ring
      expect(echoReplyInPlace(echoed, 8, udp.length, any)?.kind).toBe('udp');
      expect(parsePacket(echoed.subarray(8))).toMatchObject({ source: destination, destination: source, checksumOk: true, udp: { sourcePort: 7, destinationPort: 5000 } });
    }
    const filter = { addresses: [Uint8Array.of(10, 1, 0, 9)], udpPorts: new Set([7]) };
    const notOurs = buildIcmpEcho({ source: '10.1.0.1', destination: '10.1.0.2', id: 1, sequence: 1 });
    const copy = Uint8Array.from(notOurs);
    expect(echoReplyInPlace(copy, 0, copy.length, filter)).toBeNull();
    expect(copy).toEqual(notOurs);
    const otherPort = buildUdpPacket({ source: '10.1.0.1', destination: '10.1.0.9', sourcePort: 1, destinationPort: 8, payload });
    expect(classifyEcho(otherPort, 0, otherPort.length, filter)).toBeNull();
    const reply = buildIcmpEcho({ source: '10.1.0.1', destination: '10.1.0.9', id: 1, sequence: 1, kind: 'reply' });
    expect(classifyEcho(reply, 0, reply.length, filter)).toBeNull();
    expect(classifyEcho(new Uint8Array(10), 0, 10, any)).toBeNull();
  });
});

describe('EchoResponder over the in-memory driver', () => {
  it('answers ICMPv4, ICMPv6 and UDP for its addresses, ignores the rest, counts, and stops', async () => {
    await using driver = await createTestDriver();
    const responder = startEchoResponder(driver.session, { addresses: ['10.89.0.2', 'fd00:89::2'], udpPorts: [7] });
    const payload = new TextEncoder().encode('hello');
    driver.inject(buildIcmpEcho({ source: '10.89.0.1', destination: '10.89.0.2', id: 1, sequence: 1, payload }));
    driver.inject(buildIcmpEcho({ source: 'fd00:89::1', destination: 'fd00:89::2', id: 1, sequence: 2, payload }));
    driver.inject(buildUdpPacket({ source: '10.89.0.1', destination: '10.89.0.2', sourcePort: 999, destinationPort: 7, payload }));
    driver.inject(buildUdpPacket({ source: '10.89.0.1', destination: '10.89.0.2', sourcePort: 999, destinationPort: 8, payload }));
    driver.inject(buildIcmpEcho({ source: '10.89.0.1', destination: '10.89.0.3', id: 1, sequence: 3, payload }));
    const replies = [await driver.nextSent({ timeout: 5000 }), await driver.nextSent({ timeout: 5000 }), await driver.nextSent({ timeout: 5000 })].map(parsePacket);
    expect(replies.map((p) => p?.checksumOk)).toEqual([true, true, true]);
    expect(replies[0]).toMatchObject({ source: '10.89.0.2', destination: '10.89.0.1', echo: { kind: 'reply', sequence: 1 } });
    expect(replies[1]).toMatchObject({ source: 'fd00:89::2', destination: 'fd00:89::1', echo: { kind: 'reply', sequence: 2 } });
    expect(replies[2]).toMatchObject({ udp: { sourcePort: 7, destinationPort: 999 } });
    const deadline = Date.now() + 5000;
    while (responder.stats.received < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(responder.stats).toEqual({ received: 5, icmpV4Replies: 1, icmpV6Replies: 1, udpReplies: 1, ignored: 2, sendDrops: 0 });
    await responder.stop();
    await responder.done;
    expect(driver.session.isOpen).toBe(true);
  });

  it('ends by itself when the session closes', async () => {
    const driver = await createTestDriver();
    const responder = startEchoResponder(driver.session);
    await driver.close();
    await expect(responder.done).resolves.toBeUndefined();
  });
});
