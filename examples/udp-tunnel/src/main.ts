/**
 * A minimal VPN: an adapter whose packets travel as UDP datagrams to a peer running the same
 * program, which injects them into its own adapter. No encryption, no handshake: one packet per
 * datagram, both ways.
 *
 *   host A: node dist/main.js --name wt0 --address 10.7.0.1/24 --listen 0.0.0.0:51820 --peer B:51820
 *   host B: node dist/main.js --name wt0 --address 10.7.0.2/24 --listen 0.0.0.0:51820 --peer A:51820
 *   then on A: ping 10.7.0.2, ssh 10.7.0.2, ...
 */
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { Adapter, WintunError } from '@wintun-ts/adapter';

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'wt0' },
    address: { type: 'string', default: '10.7.0.1/24' },
    mtu: { type: 'string', default: '1400' },
    listen: { type: 'string', default: '0.0.0.0:51820' },
    peer: { type: 'string' },
  },
});
if (values.peer === undefined) throw new Error('--peer HOST:PORT is required');

function hostPort(text: string): [string, number] {
  const at = text.lastIndexOf(':');
  return [text.slice(0, at).replace(/^\[|\]$/g, ''), Number(text.slice(at + 1))];
}
const [listenHost, listenPort] = hostPort(values.listen);
const [peerHost, peerPort] = hostPort(values.peer);

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

try {
  await using adapter = await Adapter.create({ name: values.name, tunnelType: 'UdpTunnel' });
  await adapter.addAddress(values.address);
  await adapter.setMtu(Number(values.mtu)); // leave room for the outer IP and UDP headers
  await adapter.setUp(true);
  await using session = await adapter.startSession();

  const socket = createSocket(peerHost.includes(':') ? 'udp6' : 'udp4');
  socket.bind(listenPort, listenHost);
  await once(socket, 'listening');
  // Peer -> system: each datagram is one IP packet; a full ring drops it (TCP retransmits).
  socket.on('message', (packet) => {
    if (session.isOpen) session.send(packet);
  });
  console.log(`${adapter.name} ${values.address} <-> udp ${peerHost}:${peerPort} (Ctrl-C to stop)`);

  // System -> peer: drain the ring; each packet is copied once into a datagram (dgram keeps the
  // buffer until it is sent, so it must not be a view into the ring).
  const forward = (bytes: Uint8Array, offset: number, length: number): void => {
    socket.send(Buffer.from(bytes.subarray(offset, offset + length)), peerPort, peerHost);
  };
  try {
    for (;;) await session.receiveInto(forward, { signal: stop.signal });
  } catch (error) {
    if (!(error instanceof WintunError) || !['ERR_WINTUN_ABORTED', 'ERR_WINTUN_EOF', 'ERR_WINTUN_CLOSED'].includes(error.code)) throw error;
  }
  socket.close();
  console.log(`stopped: ${JSON.stringify({ fromSystem: session.stats.packetsReceived, toSystem: session.stats.packetsSent, drops: session.stats.sendDrops })}`);
} catch (error) {
  if (!(error instanceof WintunError)) throw error;
  console.error(`${error.code}: ${error.message}`);
  process.exitCode = 1;
}
