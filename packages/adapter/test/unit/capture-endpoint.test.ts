/**
 * `startSession({ captureEndpoint })` (issue 15) over the in-memory platform: the adapter serves
 * its session's capture and status under its own name, refuses a bad option before starting
 * anything, and a second application for the same name fails without leaving a session behind.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Adapter } from '@wintun-ts/adapter';
import { PcapngReader, connectCaptureEndpoint, fetchEndpointStatus } from '@wintun-ts/adapter/capture';
import { createMemoryPlatform } from '@wintun-ts/adapter/testing';

const dir = mkdtempSync(join(tmpdir(), 'wintun-k-adapter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(process.platform === 'win32')('Adapter.startSession({ captureEndpoint })', () => {
  it('serves capture and status under the adapter name, and stops with the session', async () => {
    const { platform, adapters } = createMemoryPlatform();
    await using adapter = await Adapter.create({ name: 'memk0', platform });
    await adapter.addAddress('10.79.0.1/24');
    const path = join(dir, 'run', 'memk0.sock');
    const session = await adapter.startSession({ capacity: 0x20000, captureEndpoint: { path } });
    const status = await fetchEndpointStatus('memk0', { path });
    expect(status).toMatchObject({ name: 'memk0', adapter: { name: 'memk0', addresses: ['10.79.0.1/24'] }, session: { open: true } });

    const socket = (await connectCaptureEndpoint('memk0', { op: 'capture' }, { path }))!;
    const reader = new PcapngReader();
    const got: string[] = [];
    socket.on('data', (b: Buffer) => got.push(...reader.push(b).packets.map((p) => `${p.direction}${p.data[1]}`)));
    const until = async (cond: () => boolean): Promise<void> => {
      for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    };
    await until(() => reader.interfaces.length === 1);
    const packet = new Uint8Array(28);
    packet[0] = 0x45;
    packet[1] = 7;
    session.send(packet);
    await until(() => got.length === 1);
    expect(got).toEqual(['in7']);
    expect(reader.interfaces).toEqual(['memk0']);

    // a second application for the same adapter name cannot serve it, and leaves nothing started
    const other = createMemoryPlatform();
    await using second = await Adapter.create({ name: 'memk0', platform: other.platform });
    await expect(second.startSession({ capacity: 0x20000, captureEndpoint: { path } })).rejects.toMatchObject({ code: 'ERR_WINTUN_INVALID_STATE' });
    expect(other.adapters.get('memk0')?.driver?.session?.isOpen ?? false).toBe(false);

    await adapter.close();
    await until(() => socket.destroyed || socket.readableEnded);
    expect(await fetchEndpointStatus('memk0', { path })).toBeNull();
    expect(adapters.size).toBe(0);
  });

  it('refuses a malformed captureEndpoint before starting anything', async () => {
    const { platform, adapters } = createMemoryPlatform();
    await using adapter = await Adapter.create({ name: 'memk1', platform });
    for (const bad of ['yes', 1, { path: '' }, { path: 5 }, null]) {
      await expect(adapter.startSession({ captureEndpoint: bad as never })).rejects.toMatchObject({ code: 'ERR_WINTUN_INVALID_ARGUMENT' });
    }
    expect(adapters.get('memk1')?.driver ?? null).toBeNull();
  });
});
