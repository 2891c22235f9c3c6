/**
 * Real traffic through an Adapter and its session, inside test namespaces: ping (IPv4, IPv6)
 * answered by the session-based echo responder, UDP echo both ways, 100,000 paced UDP datagrams
 * with none lost, bad records discarded by the driver, and a two-adapter TCP tunnel over UDP.
 */
import { describe, expect, it } from 'vitest';
import { canPing, requireAll, runQuiet } from '../helpers/index.js';
import { IO_MODES, canRunAdapter, useAdapterContext } from './adapter-setup.js';

const env = requireAll('Adapter traffic tests', canRunAdapter());
const ping = canPing();

describe.skipIf(!env.ok).each(IO_MODES)('Adapter traffic (in test namespaces, io %s)', (io) => {
  const ctx = useAdapterContext(`traffic${io[0]}`, 1, io);

  if (!ping.ok) console.warn(`[skip] adapter ping test: ${ping.reason}`);
  it.skipIf(!ping.ok)('ping -4 and -6 to a peer behind the adapter are answered by the echo responder', async () => {
    const r = await ctx.result('ping', { name: 'wtta0' });
    console.info(`ping RTTs (ms): v4 ${r['v4'].rtts.map((x: { ms: number }) => x.ms).join(' ')}; v6 ${r['v6'].rtts.map((x: { ms: number }) => x.ms).join(' ')}`);
    expect(r['v4']).toMatchObject({ transmitted: 5, received: 5 });
    expect(r['v6']).toMatchObject({ transmitted: 5, received: 5 });
    expect(r['v4'].rtts.map((x: { seq: number }) => x.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(r['other']).not.toBe(0); // no answer for an address the responder does not own
    expect(r['stats']).toMatchObject({ icmpV4Replies: 5, icmpV6Replies: 5, sendDrops: 0 });
    expect(r['stats'].ignored).toBeGreaterThanOrEqual(1);
  });

  it('UDP: a socket in the namespace gets its datagram echoed; a datagram the session injects reaches a listening socket (v4 and v6)', async () => {
    const r = await ctx.result('udp', { name: 'wtta1' });
    expect(r['v4']).toEqual({ equal: true, from: '10.91.0.2:7' });
    expect(r['v6']).toEqual({ equal: true, from: 'fd00:91::2:7' });
    expect(r['in4']).toEqual({ sent: true, text: 'injected udp4', from: '10.91.0.2:4242' });
    expect(r['in6']).toEqual({ sent: true, text: 'injected udp6', from: 'fd00:91::2:4242' });
    expect(r['stats']).toMatchObject({ udpReplies: 2 });
  });

  it('100,000 UDP datagrams paced at 30 kpps (at most 2,048 in flight) are all echoed back intact (none lost, every payload checked)', async () => {
    const count = 100_000;
    const r = await ctx.result('udpFlood', { name: 'wtta2', count, pps: 30_000 }, { timeoutMs: 40_000 });
    const rep = r['report'];
    console.info(`UDP flood (udp snmp ${JSON.stringify(r['udpErrors'])}): sent ${rep.sent} at ${rep.rate} pps (window stalls ${rep.windowStalls}) in ${rep.sendSeconds.toFixed(2)} s, received ${rep.received}, lost ${rep.lost}, corrupt ${rep.corrupt}; driver ${JSON.stringify(r['driver'])}`);
    expect(r['code']).toBe(0);
    expect(rep).toMatchObject({ sent: count, received: count, lost: 0, corrupt: 0, duplicates: 0 });
    expect(r['responder'].udpReplies).toBe(count);
    expect(r['driver']).toMatchObject({ producerDrops: 0, kernelDrops: 0, discarded: 0 });
  }, 60_000);

  it('bad records the user sends (size 0, not IP, truncated IPv4/IPv6 headers) are discarded and counted by the driver, never reach the kernel, and are not fatal', async () => {
    const r = await ctx.result('badPackets', { name: 'wtta3' });
    expect(r['sends']).toEqual([true, true, true, true, true]);
    expect(r['good']).toBe('good');
    expect(r['driver']).toMatchObject({ discarded: 4, consumed: 1, kernelDrops: 0 });
    expect(r['kernelRx']).toBe(1);
    expect(r['open']).toBe(true);
  });
});

describe.skipIf(!env.ok)('Two adapters tunnelled over UDP between two namespaces (a VPN in miniature)', () => {
  const ctx = useAdapterContext('tunnel', 2);

  it('a TCP connection carries 50 MB through tunA -> UDP over veth -> tunB with its sha256 intact', async () => {
    const a = ctx.netns(0).name;
    const b = ctx.netns(1).name;
    const link = runQuiet('ip', ['link', 'add', 'wttva', 'netns', a, 'type', 'veth', 'peer', 'name', 'wttvb', 'netns', b]);
    expect(link.status, link.stderr).toBe(0);
    for (const [ns, dev, address] of [
      [a, 'wttva', '192.168.93.1/24'],
      [b, 'wttvb', '192.168.93.2/24'],
    ] as const) {
      expect(runQuiet('ip', ['-n', ns, 'addr', 'add', address, 'dev', dev]).status).toBe(0);
      expect(runQuiet('ip', ['-n', ns, 'link', 'set', dev, 'up']).status).toBe(0);
    }
    const bytes = 50 * 1024 * 1024;
    const started = performance.now();
    const [server, client] = await Promise.all([
      ctx.result('tunnelSide', { name: 'wttb', inner: '10.93.0.2/24', local: '192.168.93.2', peer: '192.168.93.1', role: 'server', bytes }, { ns: 1, timeoutMs: 45_000 }),
      ctx.result('tunnelSide', { name: 'wttc', inner: '10.93.0.1/24', local: '192.168.93.1', peer: '192.168.93.2', role: 'client', connectTo: '10.93.0.2' }, { ns: 0, timeoutMs: 45_000 }),
    ]);
    const seconds = (performance.now() - started) / 1000;
    console.info(
      `tunnel: 50 MB in ${client['seconds'].toFixed(2)} s (${((bytes * 8) / client['seconds'] / 1e6).toFixed(0)} Mbit/s); packets A->B ${client['toPeer']}, B->A ${server['toPeer']}; ring-full drops A ${client['ringFull']} B ${server['ringFull']}; whole test ${seconds.toFixed(1)} s`,
    );
    expect(server['sent']).toBe(bytes);
    expect(client['received']).toBe(bytes);
    expect(client['sha256']).toBe(server['sha256']);
  }, 60_000);
});
