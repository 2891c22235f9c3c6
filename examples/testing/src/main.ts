/**
 * Runs the ping responder of `responder.ts` on the in-memory driver: no adapter, no privileges,
 * any OS. Injects three pings and prints the replies.
 *
 *   node dist/main.js
 */
import { createTestDriver } from '@wintun-ts/adapter/testing';
import { answerPings, checksum } from './responder.js';

function ping(seq: number): Uint8Array {
  const p = new Uint8Array(28);
  p.set([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 8, 0, 0, 0, 0, 1, 0, seq]);
  const ip = checksum(p, 0, 20);
  p[10] = ip >> 8;
  p[11] = ip & 0xff;
  const icmp = checksum(p, 20, 28);
  p[22] = icmp >> 8;
  p[23] = icmp & 0xff;
  return p;
}

await using driver = await createTestDriver();
const stop = new AbortController();
const running = answerPings(driver.session, stop.signal);
for (let seq = 1; seq <= 3; seq++) driver.inject(ping(seq));
for (let i = 0; i < 3; i++) {
  const reply = await driver.nextSent({ timeout: 1000 });
  console.log(`reply from ${reply.subarray(12, 16).join('.')} seq ${reply[27]}`);
}
stop.abort();
console.log(await running);
