/**
 * Injected platform backends: `Adapter.create/open/list/driverVersion` take `options.platform`
 * (no module-level setter), and `createMemoryPlatform` runs the whole Adapter API, sessions
 * included, in memory: no root, no TUN device, any OS.
 */
import { describe, expect, it } from 'vitest';
import { Adapter, isWintunError } from '@wintun-ts/adapter';
import { buildIcmpEcho, parsePacket, startEchoResponder } from '@wintun-ts/adapter/packet';
import { createMemoryPlatform, type PlatformBackend } from '@wintun-ts/adapter/testing';

describe('createMemoryPlatform', () => {
  it('creates, configures, lists, opens and removes adapters in its own table', async () => {
    const { platform, adapters } = createMemoryPlatform();
    const adapter = await Adapter.create({ name: 'mem0', platform });
    try {
      await adapter.addAddress('10.77.0.1/24');
      await adapter.addAddress('fd00:77::1/64');
      await adapter.setMtu(1400);
      await adapter.setUp(true);
      await adapter.addRoute({ destination: '10.78.1.9/16', gateway: '10.77.0.2' });
      await adapter.setDns(['10.77.0.53'], ['example.test']);
      expect(await adapter.addresses()).toEqual([
        { family: 4, address: '10.77.0.1', prefixLength: 24 },
        { family: 6, address: 'fd00:77::1', prefixLength: 64 },
      ]);
      expect(await adapter.getMtu()).toBe(1400);
      expect(await adapter.isUp()).toBe(true);
      const state = adapters.get('mem0');
      expect(state?.routes.map((r) => `${r.destination.address}/${r.destination.prefixLength} via ${r.gateway?.address}`)).toEqual(['10.78.0.0/16 via 10.77.0.2']);
      expect(state?.dns).toEqual({ servers: ['10.77.0.53'], searchDomains: ['example.test'] });
      expect(await Adapter.list({ platform })).toEqual([{ name: 'mem0', index: 1, luid: null, guid: null, mtu: 1400, up: true }]);
      expect(await Adapter.driverVersion({ platform })).toBe('memory');

      const opened = await Adapter.open('mem0', { platform });
      await opened.removeAddress('fd00:77::1/64');
      await opened.close();
      expect(adapters.has('mem0'), 'closing an opened (not owned) adapter leaves it').toBe(true);
      expect((await adapter.addresses()).length).toBe(1);

      await expect(Adapter.create({ name: 'mem0', platform })).rejects.toMatchObject({ code: 'ERR_WINTUN_NAME_TAKEN' });
      await expect(Adapter.open('nope', { platform })).rejects.toMatchObject({ code: 'ERR_WINTUN_ADAPTER_NOT_FOUND' });
    } finally {
      await adapter.close();
    }
    expect(adapters.size, 'closing the creating Adapter removes it').toBe(0);
  });

  it('validates names and arguments through the Adapter API before the backend sees them', async () => {
    const { platform } = createMemoryPlatform();
    await expect(Adapter.create({ name: 'name with space', platform })).rejects.toMatchObject({ code: 'ERR_WINTUN_NAME_INVALID' });
    await expect(Adapter.create({ name: 'x'.repeat(16), platform })).rejects.toMatchObject({ code: 'ERR_WINTUN_NAME_INVALID' });
    const win = createMemoryPlatform({ nameRules: 'win32' });
    const long = await Adapter.create({ name: 'x'.repeat(100), platform: win.platform });
    await long.close();
    await expect(Adapter.create({ name: 'bad', platform: {} as PlatformBackend })).rejects.toMatchObject({ code: 'ERR_WINTUN_INVALID_ARGUMENT' });
  });

  it('starts a session against the in-memory driver: injected pings are answered through the session', async () => {
    const { platform, adapters } = createMemoryPlatform();
    await using adapter = await Adapter.create({ name: 'mem1', platform });
    const session = await adapter.startSession({ capacity: 0x20000 });
    const driver = adapters.get('mem1')?.driver;
    expect(driver?.session).toBe(session);
    await expect(adapter.startSession()).rejects.toMatchObject({ code: 'ERR_WINTUN_ALREADY_REGISTERED' });
    const responder = startEchoResponder(session, { addresses: ['10.77.1.2'] });
    try {
      expect(driver?.inject(buildIcmpEcho({ source: '10.77.1.1', destination: '10.77.1.2', id: 5, sequence: 1 }))).toBe(true);
      const reply = parsePacket(await driver!.nextSent({ timeout: 10_000 }));
      expect(reply).toMatchObject({ source: '10.77.1.2', destination: '10.77.1.1', checksumOk: true, echo: { kind: 'reply', id: 5, sequence: 1 } });
    } finally {
      await responder.stop();
    }
    await adapter.close();
    expect(session.isOpen, 'closing the adapter ends its session').toBe(false);
    expect(adapters.size).toBe(0);
  });

  it("checks startSession's engine: 'rings' and 'auto' run the rings, 'dll' is Windows-only, anything else is refused", async () => {
    const { platform } = createMemoryPlatform();
    await using adapter = await Adapter.create({ name: 'mem-engine', platform });
    for (const bad of ['DLL', 'kernel', 0, null, true, {}]) {
      await expect(adapter.startSession({ capacity: 0x20000, engine: bad as never })).rejects.toMatchObject({ code: 'ERR_WINTUN_INVALID_ARGUMENT' });
    }
    await expect(adapter.startSession({ capacity: 0x20000, engine: 'dll' })).rejects.toMatchObject({ code: 'ERR_WINTUN_UNSUPPORTED_PLATFORM' });
    for (const engine of ['rings', 'auto', undefined] as const) {
      const session = await adapter.startSession({ capacity: 0x20000, engine });
      expect(session.engine).toBe('rings');
      await session.close();
    }
  });

  it('is injected per call: two platforms and the default never share adapters', async () => {
    const a = createMemoryPlatform();
    const b = createMemoryPlatform();
    const one = await Adapter.create({ name: 'same', platform: a.platform });
    const two = await Adapter.create({ name: 'same', platform: b.platform });
    try {
      expect(a.adapters.size).toBe(1);
      expect(b.adapters.size).toBe(1);
      await one.addAddress('10.79.0.1/32');
      expect(await two.addresses()).toEqual([]);
      // The process's own platform is untouched by the injected ones.
      const real = await Adapter.list().catch((e: unknown) => (isWintunError(e) ? [] : Promise.reject(e)));
      expect(real.some((x) => x.name === 'same')).toBe(false);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
