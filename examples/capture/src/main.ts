/**
 * Captures the packets the system sends through an adapter into a pcap file, zero-copy from the
 * ring (a lease per packet, copied once into the file's record), until --count packets, Ctrl-C or
 * --duration.
 *
 *   node dist/main.js [--name wt0] [--address 10.6.7.7/24] [--out capture.pcap] [--count N] [--duration S]
 *   ping 10.6.7.8; tcpdump -r capture.pcap -n
 */
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { Adapter, WintunError } from '@wintun-ts/adapter';
import { PcapFile } from './pcap.js';

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'wt0' },
    address: { type: 'string', default: '10.6.7.7/24' },
    out: { type: 'string', default: 'capture.pcap' },
    count: { type: 'string' },
    duration: { type: 'string' },
  },
});

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());
const timer = values.duration === undefined ? undefined : setTimeout(() => stop.abort(), Number(values.duration) * 1000);
const limit = values.count === undefined ? Infinity : Number(values.count);

try {
  await using adapter = await Adapter.create({ name: values.name, tunnelType: 'CaptureExample' });
  await adapter.addAddress(values.address);
  await adapter.setUp(true);
  await using session = await adapter.startSession();
  const pcap = new PcapFile(createWriteStream(values.out));
  console.log(`capturing ${adapter.name} into ${values.out} (Ctrl-C to stop)`);
  capture: for await (const batch of session.batches({ signal: stop.signal })) {
    // zero-copy views, released when the loop advances
    for (const packet of batch) {
      pcap.write(packet);
      if (pcap.count >= limit) break capture;
    }
  }
  await pcap.close();
  console.log(`${pcap.count} packets written to ${values.out}`);
} catch (error) {
  if (!(error instanceof WintunError)) throw error;
  console.error(`${error.code}: ${error.message}`);
  process.exitCode = 1;
} finally {
  clearTimeout(timer);
}
