/**
 * Integration tests of the Windows backend against the real Wintun driver. They run only on an
 * elevated Windows machine with `WINTUN_INTEGRATION=1` and wintun.dll at `WINTUN_DLL` (a file or
 * a directory) or next to node (the windows.yml workflow does this on windows-latest); anywhere
 * else they skip with a printed reason. Traffic stays on the test adapter's own /24.
 * `WINTUN_ENGINE` picks the session engine ('rings', the default, or 'dll': wintun.dll's own
 * session functions); the workflow runs both.
 */
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adapter, type Session, type StartSessionEngine } from '@wintun-ts/adapter';
import { startEchoResponder, type EchoResponder } from '@wintun-ts/adapter/packet';

const reason =
  process.platform !== 'win32'
    ? `not Windows (${process.platform})`
    : process.env['WINTUN_INTEGRATION'] !== '1'
      ? 'WINTUN_INTEGRATION is not 1 (needs an elevated Windows runner with wintun.dll)'
      : '';
if (reason !== '') console.warn(`windows integration tests skipped: ${reason}`);

const dllPath = process.env['WINTUN_DLL'];
const engine = (process.env['WINTUN_ENGINE'] ?? 'rings') as StartSessionEngine;
const NAME = 'wtts-ci';
const GUID = '{6ba7b810-9dad-11d1-80b4-00c04fd430c8}';
const LOCAL = '10.89.0.1';
const PEER = '10.89.0.2';

describe.skipIf(reason !== '')(`Wintun adapter on Windows (real driver, engine ${engine})`, () => {
  let adapter: Adapter;
  let session: Session | undefined;
  let responder: EchoResponder | undefined;
  const logLines: string[] = [];

  beforeAll(async () => {
    adapter = await Adapter.create({ name: NAME, tunnelType: 'wintun-ts', guid: GUID, dllPath, logger: (level, message) => logLines.push(`${level} ${message}`) });
  });

  afterAll(async () => {
    await responder?.stop();
    await adapter?.close();
  });

  it('create: requested GUID, LUID of IfType 53, an interface index, the driver version', async () => {
    expect(adapter.guid).toBe(GUID);
    expect(adapter.luid !== null && adapter.luid >> 48n).toBe(53n);
    expect(adapter.index).toBeGreaterThan(0);
    expect(await Adapter.driverVersion({ dllPath })).toMatch(/^\d+\.\d+$/);
    const listed = await Adapter.list();
    expect(listed.some((a) => a.luid === adapter.luid && a.guid === GUID)).toBe(true);
  });

  it('addresses, MTU, routes and DNS through IP Helper', async () => {
    await adapter.addAddress(`${LOCAL}/24`);
    await expect(adapter.addAddress(`${LOCAL}/24`)).rejects.toMatchObject({ code: 'ERR_WINTUN_ALREADY_EXISTS' });
    expect(await adapter.addresses()).toContainEqual({ family: 4, address: LOCAL, prefixLength: 24 });
    await adapter.setMtu(1420);
    expect(await adapter.getMtu()).toBe(1420);
    await adapter.addRoute({ destination: '10.90.0.0/16', metric: 5 });
    await adapter.removeRoute({ destination: '10.90.0.0/16', metric: 5 });
    await expect(adapter.removeRoute({ destination: '10.90.0.0/16' })).rejects.toMatchObject({ code: 'ERR_WINTUN_NOT_FOUND' });
    await adapter.setDns([`${PEER}`], ['wintun-ts.test']);
  });

  it('session: up while registered; a second registration is refused; the peer answers ping and UDP', async () => {
    expect(await adapter.isUp()).toBe(false);
    session = await adapter.startSession({ capacity: 0x400000, engine });
    expect(session.engine).toBe(engine === 'auto' ? 'rings' : engine);
    const other = await Adapter.open(NAME, { dllPath });
    await expect(other.startSession()).rejects.toMatchObject({ code: 'ERR_WINTUN_ALREADY_REGISTERED', win32Code: 1247 });
    await other.close();
    await new Promise((r) => setTimeout(r, 1000));
    expect(await adapter.isUp()).toBe(true);
    responder = startEchoResponder(session, { addresses: [PEER] });
    const ping = spawnSync('ping', ['-n', '3', '-w', '2000', PEER], { encoding: 'utf8', timeout: 30_000 });
    expect(ping.status, ping.stdout).toBe(0);
    expect(responder.stats.icmpV4Replies).toBeGreaterThanOrEqual(3);
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, LOCAL, () => resolve()));
    const reply = new Promise<Buffer>((resolve) => socket.once('message', (m) => resolve(m)));
    socket.send(Buffer.from('wintun-ts'), 7, PEER);
    expect((await reply).toString()).toBe('wintun-ts');
    socket.close();
  });

  it('close: the session ends, the adapter disappears', async () => {
    await responder?.stop();
    await session?.close();
    await adapter.close();
    expect((await Adapter.list()).some((a) => a.guid === GUID)).toBe(false);
    expect(logLines.length).toBeGreaterThan(0);
  });
});
