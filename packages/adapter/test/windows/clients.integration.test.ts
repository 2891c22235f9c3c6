/**
 * What users of other Wintun clients hit, against the real Wintun driver (elevated Windows,
 * `WINTUN_INTEGRATION=1`, wintun.dll at `WINTUN_DLL` or next to node; windows.yml runs it as its
 * own step). Skips elsewhere with a printed reason. Wine cannot show these: it has no
 * GetIpInterfaceEntry and no driver.
 *
 * - Configuring at once after create: the first address, route and MTU calls wait for the IP
 *   interfaces instead of failing with ERROR_NOT_FOUND (1168), and `index` is set afterwards.
 * - IPv6 disabled on the adapter (`Disable-NetAdapterBinding -ComponentID ms_tcpip6`, which
 *   removes its IPv6 interface at once, as `DisabledComponents` does after a reboot): IPv4
 *   configuration succeeds, IPv6 requests fail with `ERR_WINTUN_FAMILY_DISABLED`.
 * - An existing name: `ifExists` default fails, 'open' opens, 'replace' recreates.
 * - `Adapter.interfaceCounters` (GetIfEntry2) of the adapter.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Adapter } from '@wintun-ts/adapter';

const reason =
  process.platform !== 'win32'
    ? `not Windows (${process.platform})`
    : process.env['WINTUN_INTEGRATION'] !== '1'
      ? 'WINTUN_INTEGRATION is not 1 (needs an elevated Windows runner with wintun.dll)'
      : '';
if (reason !== '') console.warn(`windows client-issue integration tests skipped: ${reason}`);

const dllPath = process.env['WINTUN_DLL'];

function powershell(script: string): void {
  const r = spawnSync('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', script], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`powershell failed (${r.status}): ${r.stderr}`);
}

describe.skipIf(reason !== '')('Wintun client issues on Windows (real driver)', () => {
  it('configures at once after create (waits out ERROR_NOT_FOUND); index is known afterwards', async () => {
    const a = await Adapter.create({ name: 'wtts-ci-race', dllPath });
    try {
      await a.addAddress('10.89.1.1/24');
      await a.setMtu(1400);
      await a.addRoute({ destination: '10.89.2.0/24' });
      expect(a.index).toBeGreaterThan(0);
      expect(await a.getMtu()).toBe(1400);
    } finally {
      await a.close();
    }
  }, 60_000);

  it('IPv6 disabled on the adapter: IPv4 configuration works, IPv6 requests fail with ERR_WINTUN_FAMILY_DISABLED', async () => {
    const a = await Adapter.create({ name: 'wtts-ci-nov6', dllPath });
    try {
      await a.addAddress('10.89.3.1/24'); // the interfaces exist from here
      powershell(`Disable-NetAdapterBinding -Name 'wtts-ci-nov6' -ComponentID ms_tcpip6 -Confirm:$false`);
      await a.setMtu(1380);
      await a.setDns(['10.89.3.53'], ['ci.test']);
      await a.addRoute({ destination: '10.89.4.0/24' });
      await expect(a.addAddress('fd89::1/64')).rejects.toMatchObject({ code: 'ERR_WINTUN_FAMILY_DISABLED' });
      await expect(a.addRoute({ destination: 'fd89:1::/64' })).rejects.toMatchObject({ code: 'ERR_WINTUN_FAMILY_DISABLED' });
      await expect(a.setDns(['fd89::53'])).rejects.toMatchObject({ code: 'ERR_WINTUN_FAMILY_DISABLED' });
    } finally {
      await a.close();
    }
  }, 120_000);

  it('ifExists: fail (default), open, replace', async () => {
    const a = await Adapter.create({ name: 'wtts-ci-dup', dllPath });
    try {
      await expect(Adapter.create({ name: 'wtts-ci-dup', dllPath })).rejects.toMatchObject({ code: 'ERR_WINTUN_NAME_TAKEN' });
      const opened = await Adapter.create({ name: 'wtts-ci-dup', dllPath, ifExists: 'open' });
      expect(opened.luid).toBe(a.luid);
      await opened.close();
      const replaced = await Adapter.create({ name: 'wtts-ci-dup', dllPath, ifExists: 'replace' });
      try {
        expect(replaced.name).toBe('wtts-ci-dup');
        expect((await Adapter.list({ dllPath })).filter((x) => x.name === 'wtts-ci-dup')).toHaveLength(1);
      } finally {
        await replaced.close();
      }
    } finally {
      await a.close();
    }
  }, 120_000);

  it('Adapter.interfaceCounters reads GetIfEntry2 of the adapter', async () => {
    const a = await Adapter.create({ name: 'wtts-ci-cnt', dllPath });
    try {
      const c = await Adapter.interfaceCounters('wtts-ci-cnt');
      expect(c).toMatchObject({ name: 'wtts-ci-cnt', source: 'GetIfEntry2' });
      expect(c.rxPackets).toBeGreaterThanOrEqual(0);
    } finally {
      await a.close();
    }
  }, 60_000);
});
