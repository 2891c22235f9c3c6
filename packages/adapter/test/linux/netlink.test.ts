/**
 * RtNetlink against the kernel, inside a network namespace the test creates: link up/down, MTU,
 * txqueuelen, IPv4 and IPv6 addresses, routes, and the error codes of each.
 */
import { describe, expect, it } from 'vitest';
import { canTun, requireAll } from '../helpers/index.js';
import { useLinuxTestContext } from './setup.js';

const tun = requireAll('Linux rtnetlink tests', canTun());

describe.skipIf(!tun.ok)('RtNetlink (in a test namespace)', () => {
  const ctx = useLinuxTestContext('nl');
  let r: Record<string, any>;

  it('configures a TUN device end to end', async () => {
    r = await ctx.result('netlinkConfig', { name: 'wttn' });
    expect(r['initial']).toMatchObject({ name: 'wttn', kind: 'tun', up: false, mtu: 1500 });
    expect(r['byIndex']).toBe('wttn');
  });

  it('link up and down', () => {
    expect(r['upAfterUp']).toBe(true);
    expect(r['upAfterDown']).toBe(false);
  });

  it('MTU set and get; a too-small MTU is ERR_WINTUN_INVALID_ARGUMENT with the kernel message', () => {
    expect(r['mtu1400']).toBe(1400);
    expect(r['mtu1280']).toBe(1280);
    expect(r['mtuTooSmall']).toMatchObject({ code: 'ERR_WINTUN_INVALID_ARGUMENT', errno: 22 });
    expect(r['txQueueLength']).toBe(4096);
  });

  it('IPv4 and IPv6 addresses add, list (IPv6 with NODAD, not tentative) and remove', () => {
    expect(r['addresses']).toEqual(
      expect.arrayContaining([
        { cidr: '10.77.0.1/24', family: 4, nodad: false, tentative: false },
        { cidr: 'fd00:77::1/64', family: 6, nodad: true, tentative: false },
      ]),
    );
    expect(r['addressesV4Only']).toEqual(['10.77.0.1/24']);
    expect(r['addressesAfterRemove']).toEqual([]);
  });

  it('address errors: duplicate (EEXIST), missing (EADDRNOTAVAIL), malformed (ERR_WINTUN_ADDRESS_INVALID)', () => {
    expect(r['duplicateAddress']).toMatchObject({ code: 'ERR_WINTUN_ALREADY_EXISTS', errno: 17 });
    expect(r['replaceAddress']).toBe('ok');
    expect(r['removeMissingAddress']).toMatchObject({ code: 'ERR_WINTUN_NOT_FOUND', errno: 99 });
    expect(r['badAddress']).toMatchObject({ code: 'ERR_WINTUN_ADDRESS_INVALID' });
    expect(r['badPrefix']).toMatchObject({ code: 'ERR_WINTUN_ADDRESS_INVALID' });
  });

  it('routes add (on-link with metric, via gateway, IPv6) and remove', () => {
    expect(r['routes']).toEqual(
      expect.arrayContaining([
        { destination: '10.78.0.0/16', gateway: null, metric: 42, family: 4 },
        { destination: '10.79.0.0/16', gateway: '10.77.0.2', metric: null, family: 4 },
        { destination: 'fd00:78::/48', gateway: null, metric: 42, family: 6 },
      ]),
    );
    expect(r['routesAfterRemove']).toEqual([]);
  });

  it('route errors: duplicate (EEXIST), missing (ESRCH), host bits or mixed families (ERR_WINTUN_ADDRESS_INVALID)', () => {
    expect(r['duplicateRoute']).toMatchObject({ code: 'ERR_WINTUN_ALREADY_EXISTS', errno: 17 });
    expect(r['removeMissingRoute']).toMatchObject({ code: 'ERR_WINTUN_NOT_FOUND', errno: 3 });
    expect(r['hostBitsRoute']).toMatchObject({ code: 'ERR_WINTUN_ADDRESS_INVALID' });
    expect(r['mixedGateway']).toMatchObject({ code: 'ERR_WINTUN_ADDRESS_INVALID' });
  });

  it('missing links are ERR_WINTUN_ADAPTER_NOT_FOUND; a closed client is ERR_WINTUN_CLOSED', () => {
    expect(r['missingLink']).toMatchObject({ code: 'ERR_WINTUN_ADAPTER_NOT_FOUND', errno: 19 });
    expect(r['missingIndex']).toMatchObject({ code: 'ERR_WINTUN_ADAPTER_NOT_FOUND', errno: 19 });
    expect(r['findMissing']).toBeNull();
    expect(r['linkCount']).toBe(2); // lo and the TUN device: the namespace is ours alone
    expect(r['afterClose']).toMatchObject({ code: 'ERR_WINTUN_CLOSED' });
  });
});
