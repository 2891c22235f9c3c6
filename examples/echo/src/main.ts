/**
 * A ping and UDP echo responder on a real adapter: creates the adapter, gives it an address, and
 * answers ICMP echo requests and UDP datagrams sent to a peer address inside its prefix, until
 * Ctrl-C or --duration.
 *
 *   node dist/main.js [--name wt0] [--address 10.6.7.7/24] [--peer 10.6.7.8] [--duration S]
 *   ping 10.6.7.8                      (needs Administrator on Windows, root or CAP_NET_ADMIN on Linux)
 */
import { parseArgs } from 'node:util';
import { Adapter, WintunError } from '@wintun-ts/adapter';
import { startEchoResponder } from '@wintun-ts/adapter/packet';

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'wt0' },
    address: { type: 'string', default: '10.6.7.7/24' },
    peer: { type: 'string', default: '10.6.7.8' },
    duration: { type: 'string' },
  },
});

try {
  await using adapter = await Adapter.create({ name: values.name, tunnelType: 'EchoExample' });
  await adapter.addAddress(values.address);
  await adapter.setUp(true);
  await using session = await adapter.startSession();
  const responder = startEchoResponder(session, {
    addresses: [values.peer],
    onReply: (kind, length) => console.log(`answered ${kind} (${length} bytes)`),
  });
  console.log(`${adapter.name} is up with ${values.address}; ping ${values.peer} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (values.duration !== undefined) setTimeout(resolve, Number(values.duration) * 1000);
  });
  await responder.stop();
  console.log(JSON.stringify(responder.stats));
} catch (error) {
  if (!(error instanceof WintunError)) throw error;
  console.error(`${error.code}: ${error.message}`);
  process.exitCode = 1;
}
