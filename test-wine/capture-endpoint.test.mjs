// The capture tap and its endpoint on Windows (issue 15) under Wine, through the built package: a
// named pipe derived from the adapter name serves the capture (pcapng with direction flags) and
// the status; Session.capture writes a file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importBuilt } from './helpers.mjs';

const session = await importBuilt('session');
const skip = session === null || typeof session.serveCaptureEndpoint !== 'function' ? 'packages/session (with its capture subpath) is not built' : false;

function ip4(tag) {
  const b = new Uint8Array(40);
  b[0] = 0x45;
  b[1] = tag;
  return b;
}

async function until(cond) {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
}

test('the endpoint is a named pipe: capture in both directions and status', { skip }, async () => {
  const paths = session.captureEndpointPaths('wtk-wine 1');
  assert.deepEqual(paths, ['\\\\.\\pipe\\wintun-ts-capture-wtk-wine%201']);
  const d = session.createInThreadDriver();
  const ep = await session.serveCaptureEndpoint(d.session, { name: 'wtk-wine 1', status: () => ({ adapter: { mtu: 1400 } }) });
  try {
    assert.equal(ep.path, paths[0]);
    const socket = await session.connectCaptureEndpoint('wtk-wine 1', { op: 'capture' });
    assert.ok(socket !== null, 'the pipe accepts the same user');
    const reader = new session.PcapngReader();
    const got = [];
    socket.on('data', (b) => got.push(...reader.push(b).packets.map((p) => `${p.direction}${p.data[1]}`)));
    await until(() => ep.readers === 1 && reader.interfaces.length === 1);
    d.session.send(ip4(1));
    d.inject(ip4(2));
    d.session.tryReceive().release();
    await until(() => got.length === 2);
    assert.deepEqual(got, ['in1', 'out2']);
    assert.deepEqual(reader.interfaces, ['wtk-wine 1']);
    const status = await session.fetchEndpointStatus('wtk-wine 1');
    assert.equal(status.name, 'wtk-wine 1');
    assert.equal(status.adapter.mtu, 1400);
    assert.equal(status.session.captureReaders, 1);
    assert.equal(status.session.stats.packetsSent, 1);
    socket.destroy();
    await until(() => ep.readers === 0);
    assert.equal(ep.readers, 0);
  } finally {
    await ep.close();
    await d.close();
  }
  assert.equal(await session.fetchEndpointStatus('wtk-wine 1'), null);
});

test('Session.capture writes a pcapng file', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wtk-wine-'));
  try {
    const d = session.createInThreadDriver();
    const file = join(dir, 'a.pcapng');
    const cap = d.session.capture(file, { interfaceName: 'wtk-wine' });
    d.session.send(ip4(3));
    await d.close();
    await cap.closed;
    const r = new session.PcapngReader();
    const out = r.push(readFileSync(file));
    assert.deepEqual(out.packets.map((p) => `${p.direction}${p.data[1]}`), ['in3']);
    assert.equal(out.dropped, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
