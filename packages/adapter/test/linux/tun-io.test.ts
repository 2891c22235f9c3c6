/**
 * Real packets through a TUN device inside a test namespace: ICMP echo round trips straight
 * between the fd and native memory, ping from the namespace arriving at the fd, device removal,
 * event-loop readiness, and the per-call cost of tunRead/tunWrite.
 */
import { describe, expect, it } from 'vitest';
import { canPing, canTun, requireAll } from '../helpers/index.js';
import { useLinuxTestContext } from './setup.js';

const tun = requireAll('Linux TUN packet tests', canTun());

describe.skipIf(!tun.ok)('TUN packet I/O (in a test namespace)', () => {
  const ctx = useLinuxTestContext('io');

  it('ICMP and ICMPv6 echo requests written from native memory come back as echo replies read into native memory', async () => {
    const r = await ctx.result<Record<string, any>>('icmpRoundTrip', { name: 'wtti' });
    expect(r['v4']).toEqual({ written: true, source: '0a500001', destination: '0a500002', seq: 1, payload: 'wintun-ts v4 round trip' });
    expect(r['v6']).toEqual({
      written: true,
      source: 'fd000080000000000000000000000001',
      destination: 'fd000080000000000000000000000002',
      seq: 1,
      payload: 'wintun-ts v6 round trip',
    });
    expect(r['bytesWrite']).toBe(true);
    expect(r['bytesRead']).toBe(36);
    expect(r['notIp']).toBe(false); // the kernel refuses a non-IP packet: dropped, not thrown
    expect(r['emptyTimeout']).toBe(0);
    expect(r['nullAddress']).toMatchObject({ code: 'ERR_WINTUN_INVALID_ARGUMENT' });
    expect(r['negativeTimeout']).toMatchObject({ code: 'ERR_WINTUN_INVALID_ARGUMENT' });
    expect(r['writeWhileDown']).toBe(false);
  });

  const ping = canPing();
  if (!ping.ok) console.warn(`[skip] ping tests: ${ping.reason}`);
  it.skipIf(!ping.ok).each([4, 6])('ping -%i from the namespace to an address routed into the TUN arrives at the fd, and our reply reaches ping', async (family) => {
    const r = await ctx.result<Record<string, any>>('pingArrives', { name: `wttp${family}`, family });
    expect(r['sawRequest']).toBe(true);
    expect(r['source']).toBe(family === 4 ? '0a510001' : 'fd000081000000000000000000000001');
    expect(r['replied']).toBe(true);
    expect(r['pingExit']).toBe(0);
  });

  it('a Worker reads the fd into native memory the main thread owns, and stops on its flag within one bounded wait', async () => {
    const r = await ctx.result<Record<string, any>>('workerRead', { name: 'wttk' });
    expect(r['sizes']).toEqual([44, 44, 44]);
    expect(r['lastSeq']).toBe(3);
    expect(r['lastIsReply']).toBe(true);
    expect(r['exitCode']).toBe(0);
    expect(r['stopMs']).toBeLessThan(1000);
  });

  it('a deleted device: tunRead returns -1 at once, tunWrite throws ERR_WINTUN_EOF', async () => {
    const r = await ctx.result<Record<string, any>>('deviceGone', { name: 'wttg' });
    expect(r['read']).toBe(-1);
    expect(r['readMs']).toBeLessThan(500);
    expect(r['write']).toMatchObject({ code: 'ERR_WINTUN_EOF', errno: 77 });
  });

  it('tunWaitReadable waits on the event loop: timeout, readable, abort', async () => {
    const r = await ctx.result<Record<string, any>>('waitReadable', { name: 'wttw' });
    expect(r).toEqual({ idle: 'timeout', ready: 'readable', aborted: 'ERR_WINTUN_ABORTED' });
  });

  it('per-call cost of tunRead / tunWrite (reported)', async () => {
    const r = await ctx.result<Record<string, number>>('bench', { name: 'wttb', count: 20000 }, { timeoutMs: 60_000 });
    console.log(
      `[tun-io cost] empty tunRead(timeout 0) ${r['emptyReadUs']} us | poll(0) ${r['pollEmptyUs']} us | tunRead with a packet ready ${r['readReadyUs']} us | ` +
        `poll + read with a packet ready ${r['pollThenReadReadyUs']} us | tunWrite of an 84-byte echo request (kernel answers it inline) ${r['writeUs']} us | ${r['received']}/${r['count']} replies read`,
    );
    expect(r['received']).toBe(r['count']);
  });
});
