/**
 * A ping and UDP echo responder on a real adapter: creates the adapter, gives it an address, and
 * answers ICMP echo requests and UDP datagrams sent to a peer address inside its prefix, until
 * Ctrl-C or --duration.
 *
 *   node dist/main.js [--name wt0] [--address 10.6.7.7/24] [--peer 10.6.7.8] [--duration S] [--capture-endpoint]
 *   ping 10.6.7.8                      (needs Administrator on Windows, root or CAP_NET_ADMIN on Linux)
 *
 * With --capture-endpoint the session serves its capture endpoint: while it runs,
 * `wintun-ts capture wt0 -w x.pcapng`, `wintun-ts status wt0` and Wireshark (`wintun-ts extcap`)
 * see both directions and its counters (docs/guides/capture.md).
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
    'capture-endpoint': { type: 'boolean', default: false },
  },
});

const durationMs = values.duration === undefined ? undefined : Number(values.duration) * 1000;
if (durationMs !== undefined && !(durationMs > 0 && durationMs <= 2 ** 31 - 1)) {
  console.error(`--duration takes a number of seconds > 0, got '${values.duration ?? ''}'.`);
  process.exit(2);
}

/** Resolves on Ctrl-C, SIGTERM or after `ms`, whichever comes first, and leaves nothing behind. */
function untilStopped(ms: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      // Clear the timer and the handlers, or a pending --duration timer keeps the process alive
      // after Ctrl-C, and a second signal would find no handler.
      if (timer !== undefined) clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    const timer = ms === undefined ? undefined : setTimeout(stop, ms);
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

try {
  await using adapter = await Adapter.create({ name: values.name, tunnelType: 'EchoExample' });
  await adapter.addAddress(values.address);
  await adapter.setUp(true);
  await using session = await adapter.startSession({ captureEndpoint: values['capture-endpoint'] });
  const responder = startEchoResponder(session, {
    addresses: [values.peer],
    onReply: (kind, length) => console.log(`answered ${kind} (${length} bytes)`),
  });
  console.log(`${adapter.name} is up with ${values.address}; ping ${values.peer} (Ctrl-C to stop)`);
  await untilStopped(durationMs);
  await responder.stop();
  console.log(JSON.stringify(responder.stats));
} catch (error) {
  if (!(error instanceof WintunError)) throw error;
  console.error(`${error.code}: ${error.message}`);
  process.exitCode = 1;
}
