/**
 * TunDevice against the real /dev/net/tun, inside a network namespace the test creates (each
 * scenario runs in a child under `ip netns exec`, see ../helpers/README.md).
 */
import { describe, expect, it } from 'vitest';
import { canDropPrivileges, canRunAsNobody, canTun, DROP_ALL_PRIVILEGES, DROP_CAPABILITIES_KEEP_ROOT, requireAll } from '../helpers/index.js';
import { useLinuxTestContext } from './setup.js';

const tun = requireAll('Linux TUN device tests', canTun());

describe.skipIf(!tun.ok)('TunDevice (real TUN, in a test namespace)', () => {
  const ctx = useLinuxTestContext('dev');

  it('open then close leaves no device; close is idempotent; the kernel names unnamed devices', async () => {
    const r = await ctx.result<Record<string, unknown>>('openClose', { name: 'wtt0' });
    expect(r['before']).toEqual([]);
    expect(r['whileOpen']).toEqual(['wtt0']);
    expect(r['after']).toEqual([]);
    expect(r['fdWhileOpen']).toBeGreaterThan(2);
    expect(r['fdAfterClose']).toBe(-1);
    expect(r['closed']).toBe(true);
    expect(r['index']).toBe(r['linkIndex']);
    expect(r['type']).toBe(0xfffe);
    expect(r['kind']).toBe('tun');
    expect(r['tun']).toMatchObject({ tap: false, persistent: false });
    expect(r['autoName']).toMatch(/^tun\d+$/);
  });

  it('a persistent device survives close, opens by name, and is removed by deleteLink or delete()', async () => {
    const r = await ctx.result<Record<string, any>>('persist', { name: 'wttp' });
    expect(r['secondWhileAttached']).toMatchObject({ code: 'ERR_WINTUN_NAME_TAKEN', errno: 16 });
    expect(r['afterClose']).toMatchObject({ name: 'wttp', kind: 'tun', tun: { persistent: true } });
    expect(r['createExisting']).toMatchObject({ code: 'ERR_WINTUN_NAME_TAKEN' });
    expect(r['reopenedPersistent']).toBe(true);
    expect(r['afterDelete']).toBeNull();
    expect(r['openMissing']).toMatchObject({ code: 'ERR_WINTUN_ADAPTER_NOT_FOUND' });
    expect(r['afterSelfDelete']).toBeNull();
    expect(r['deleteMissing']).toMatchObject({ code: 'ERR_WINTUN_ADAPTER_NOT_FOUND' });
    expect(r['left']).toEqual([]);
  });

  it('a name held by a non-TUN interface gives ERR_WINTUN_NAME_TAKEN', async () => {
    const r = await ctx.result<Record<string, any>>('nameTaken');
    expect(r['loopback']).toMatchObject({ code: 'ERR_WINTUN_NAME_TAKEN', errno: 22 });
    expect(r['loopbackCreate']).toMatchObject({ code: 'ERR_WINTUN_NAME_TAKEN' });
    expect(r['openNonTun']).toMatchObject({ code: 'ERR_WINTUN_NAME_TAKEN' });
  });

  const drop = canDropPrivileges();
  if (!drop.ok) console.warn(`[skip] access-denied tests: ${drop.reason}`);

  it.skipIf(!drop.ok)('root without capabilities: TUNSETIFF and netlink changes give ERR_WINTUN_ACCESS_DENIED saying how to run', async () => {
    const r = await ctx.result<Record<string, any>>('accessDenied', { name: 'wttdenied' }, { wrapper: DROP_CAPABILITIES_KEEP_ROOT });
    expect(r['uid']).toBe(0);
    expect(r['open']).toMatchObject({ code: 'ERR_WINTUN_ACCESS_DENIED', errno: 1, syscall: 'ioctl(TUNSETIFF)' });
    expect(r['open'].message).toContain('setcap cap_net_admin+ep $(readlink -f $(which node))');
    expect(r['open'].message).toMatch(/root/);
    expect(r['netlink']).toMatchObject({ code: 'ERR_WINTUN_ACCESS_DENIED', errno: 1 });
    expect(r['netlink'].message).toContain('setcap cap_net_admin+ep');
    expect(r['listWorks']).toBe(true); // reading configuration needs no privilege
  });

  const nobody = canRunAsNobody();
  if (drop.ok && !nobody.ok) console.warn(`[skip] unprivileged-user test: ${nobody.reason}`);

  it.skipIf(!nobody.ok)('an unprivileged user (nobody, no capabilities): ERR_WINTUN_ACCESS_DENIED', async () => {
    const r = await ctx.result<Record<string, any>>('accessDenied', { name: 'wttdenied' }, { wrapper: DROP_ALL_PRIVILEGES });
    expect(r['uid']).toBe(65534);
    // EACCES when /dev/net/tun is 0600 (as here), EPERM from TUNSETIFF when it is 0666.
    expect(r['open'].code).toBe('ERR_WINTUN_ACCESS_DENIED');
    expect([1, 13]).toContain(r['open'].errno);
    expect(r['open'].message).toContain('setcap cap_net_admin+ep $(readlink -f $(which node))');
    expect(r['netlink']).toMatchObject({ code: 'ERR_WINTUN_ACCESS_DENIED', errno: 1 });
  });
});
