/**
 * The Adapter API on Linux and the lifecycle guarantees: configuration (addresses, MTU, routes,
 * up/down), list, driver version, errors, close and delete; nothing left behind (device, fds,
 * workers: the child must exit by itself); persistent adapters reopened by name; one session per
 * adapter (same object, another object, another process); access denied without CAP_NET_ADMIN.
 */
import { release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { DROP_CAPABILITIES_KEEP_ROOT, canDropPrivileges, requireAll } from '../helpers/index.js';
import { IO_MODES, canRunAdapter, useAdapterContext } from './adapter-setup.js';

const env = requireAll('Adapter lifecycle tests', canRunAdapter());

describe.skipIf(!env.ok)('Adapter API and lifecycle (in a test namespace)', () => {
  const ctx = useAdapterContext('life');

  it('create, addresses, MTU, routes, up/down, list, driverVersion, close, delete and their errors', async () => {
    const r = await ctx.result('api', { name: 'wttl0' });
    expect(r['badName']).toMatchObject({ code: 'ERR_WINTUN_NAME_INVALID' });
    expect(r['longName']).toMatchObject({ code: 'ERR_WINTUN_NAME_INVALID' });
    expect(r['index']).toBe(true);
    expect(r['luid']).toBeNull();
    expect(r['taken']).toMatchObject({ code: 'ERR_WINTUN_NAME_TAKEN' });
    expect(r['upInitially']).toBe(false);
    expect(r['upAfterSetUp']).toBe(true);
    expect(r['addresses']).toEqual([
      { family: 4, address: '10.95.0.1', prefixLength: 24 },
      { family: 6, address: 'fd00:95::1', prefixLength: 64 },
    ]);
    expect(r['addressesAfterRemove']).toEqual(['fd00:95::1/64']);
    expect(r['badAddress']).toMatchObject({ code: 'ERR_WINTUN_ADDRESS_INVALID' });
    expect(r['mtuDefault']).toBe(1500);
    expect(r['mtu']).toBe(1420);
    expect(r['badMtu']).toMatchObject({ code: 'ERR_WINTUN_INVALID_ARGUMENT' });
    expect(r['routes'].some((l: string) => l.startsWith('10.96.0.0/16 proto static scope link'))).toBe(true);
    expect(r['routes'].some((l: string) => l.startsWith('10.97.0.0/16 via 10.95.0.254 proto static metric 7'))).toBe(true);
    expect(r['routes6'][0]).toMatch(/^fd00:96::\/48 .*metric 5/);
    expect(r['routesAfterRemove'].some((l: string) => l.startsWith('10.96.0.0/16'))).toBe(false);
    expect(r['mixedRoute']).toMatchObject({ code: 'ERR_WINTUN_ADDRESS_INVALID' });
    expect(r['dns']).toMatchObject({ code: 'ERR_WINTUN_UNSUPPORTED_PLATFORM' });
    expect(r['dns'].message).toContain('resolvectl');
    expect(r['badCapacity']).toMatchObject({ code: 'ERR_WINTUN_INVALID_CAPACITY' });
    expect(r['list']).toEqual([{ name: 'wttl0', index: expect.any(Number), luid: null, guid: null, mtu: 1420, up: true }]);
    expect(r['driverVersion']).toBe(release());
    expect(r['upAfterDown']).toBe(false);
    expect(r['closed']).toBe(true);
    expect(r['afterClose']).toMatchObject({ code: 'ERR_WINTUN_CLOSED' });
    expect(r['closeAgain']).toBe('ok');
    expect(r['devicesAfterClose']).toEqual([]);
    expect(r['devicesAfterDelete']).toEqual([]);
    expect(r['afterDelete']).toMatchObject({ code: 'ERR_WINTUN_CLOSED' });
  });

  const drop = canDropPrivileges();
  if (!drop.ok) console.warn(`[skip] access-denied test: ${drop.reason}`);
  it.skipIf(!drop.ok)('without CAP_NET_ADMIN, Adapter.create fails with ERR_WINTUN_ACCESS_DENIED saying how to run it', async () => {
    const r = await ctx.result('denied', { name: 'wttl2' }, { wrapper: DROP_CAPABILITIES_KEEP_ROOT });
    expect(r['create']).toMatchObject({ code: 'ERR_WINTUN_ACCESS_DENIED' });
    expect(r['create'].message).toMatch(/root|setcap/);
  });
});

describe.skipIf(!env.ok).each(IO_MODES)('Adapter session lifecycle (in a test namespace, io %s)', (io) => {
  const ctx = useAdapterContext(`slife${io[0]}`, 1, io);

  it('close leaves no device and no fd, the process exits by itself; persistent adapters reopen by name; a second session is refused (same object, other object, other process)', async () => {
    const r = await ctx.result('lifecycle', { name: 'wttl1', persistentName: 'wttl1p' });
    expect(r['fdsDuring']).toBeGreaterThan(0);
    expect(r['secondSameObject']).toMatchObject({ code: 'ERR_WINTUN_ALREADY_REGISTERED' });
    expect(r['secondOtherObject']).toMatchObject({ code: 'ERR_WINTUN_ALREADY_REGISTERED' });
    // Media state mirrors Wintun: carrier (LOWER_UP) only while a session runs.
    expect(r['linkWhileSession'].flags).toContain('LOWER_UP');
    expect(r['linkWhileSession'].flags).toContain('UP');
    expect(r['linkAfterSession'].flags).not.toContain('LOWER_UP');
    expect(r['sessionOpenAfterAdapterClose']).toBe(false);
    expect(r['closedError']).toMatchObject({ code: 'ERR_WINTUN_CLOSED' });
    expect(r['startAfterClose']).toMatchObject({ code: 'ERR_WINTUN_CLOSED' });
    expect(r['poolAfterClose'].threads).toBe(r['poolAfterClose'].idle);
    expect(r['fdsAfter']).toEqual([]);
    expect(r['devicesAfterClose']).toEqual([]);
    expect(r['persistentAfterClose']).toEqual(['wttl1p']);
    expect(r['otherProcess']).toMatchObject({ start: { code: 'ERR_WINTUN_ALREADY_REGISTERED' } });
    expect(r['otherProcessAfterClose']).toEqual({ start: 'ok' });
    expect(r['afterDelete']).toEqual([]);
    expect(r['openMissing']).toMatchObject({ code: 'ERR_WINTUN_ADAPTER_NOT_FOUND' });
    expect(r['fdsEnd']).toEqual([]);
  });

  it('the device deleted under a running session: a pending receive ends with ERR_WINTUN_EOF, deviceGone is set, no fd is left', async () => {
    const r = await ctx.result('sessionDeviceGone', { name: 'wttl3' });
    expect(r['del']).toBe(0);
    expect(r['receive']).toBe('ERR_WINTUN_EOF');
    expect(r['deviceGone']).toBe(true);
    expect([false, 'ERR_WINTUN_EOF']).toContain(r['send']);
    expect(r['fdsLeft']).toBe(0);
  });

  it('Session.unref(): an open session with a receive pending lets the process exit by itself', async () => {
    const outcome = await ctx.run('unrefExit', { name: 'wttl4' }, { timeoutMs: 15_000 });
    if (!outcome.ok) throw new Error(`unrefExit failed: ${JSON.stringify(outcome.error)}\n${outcome.stderr}`);
    expect(outcome.result).toEqual({ open: true });
    expect(outcome.exit).toMatchObject({ status: 0, signal: null });
  });
});
