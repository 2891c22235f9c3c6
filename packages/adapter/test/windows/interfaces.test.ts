// The wait for a new adapter's IP interfaces and the IPv6-disabled rule, driven by scripted
// GetIpInterfaceEntry results and a virtual clock (Wine's iphlpapi has no GetIpInterfaceEntry, so
// this logic only has these tests and the real runner). Also the MIB_IF_ROW2 counter decoder.
import { describe, expect, it } from 'vitest';
import { WintunErrorCodes } from '@wintun-ts/adapter';
import { familyDisabledError, waitForIpInterfaces, type InterfaceProbe } from '../../src/windows/interfaces.js';
import { IF_ROW2, decodeIfRow2Counters, encodeIfRow2Key } from '../../src/windows/encode.js';
import { registrationError } from '../../src/windows/registrar.js';

const NOT_FOUND = 1168;

/** A virtual clock whose sleep advances time; `probe` sees the current time. */
function harness(probe: (family: 4 | 6, t: number) => number) {
  let t = 0;
  const calls: number[] = [];
  const p: InterfaceProbe = (family) => {
    calls.push(t);
    return probe(family, t);
  };
  return {
    probe: p,
    calls,
    opts: {
      timeoutMs: 1000,
      settleMs: 200,
      pollMs: 25,
      name: 'wt-i',
      now: () => t,
      sleep: async (ms: number) => {
        t += ms;
      },
    },
    now: () => t,
  };
}

describe('waitForIpInterfaces', () => {
  it('waits through ERROR_NOT_FOUND until the interface appears (the create race), then returns both families', async () => {
    const h = harness((_f, t) => (t >= 300 ? 0 : NOT_FOUND));
    await expect(waitForIpInterfaces(h.probe, 'all', h.opts)).resolves.toEqual({ v4: true, v6: true });
    expect(h.now()).toBe(300);
  });

  it('returns at once when the interfaces exist', async () => {
    const h = harness(() => 0);
    await expect(waitForIpInterfaces(h.probe, 4, h.opts)).resolves.toEqual({ v4: true, v6: true });
    expect(h.now()).toBe(0);
  });

  it('IPv6 disabled: an IPv4 request returns as soon as IPv4 exists; an IPv6 request settles and reports IPv6 absent', async () => {
    const h = harness((f, t) => (f === 4 && t >= 100 ? 0 : NOT_FOUND));
    await expect(waitForIpInterfaces(h.probe, 4, h.opts)).resolves.toEqual({ v4: true, v6: false });
    expect(h.now()).toBe(100);
    await expect(waitForIpInterfaces(h.probe, 6, h.opts)).resolves.toEqual({ v4: true, v6: false });
    expect(h.now()).toBe(100 + 200); // settleMs after IPv4 was seen
    // Once known absent, no settle wait again.
    await expect(waitForIpInterfaces(h.probe, 'all', { ...h.opts, knownAbsent: { v4: false, v6: true } })).resolves.toEqual({ v4: true, v6: false });
    expect(h.now()).toBe(300);
  });

  it('an IPv6 interface arriving later than IPv4 (within settleMs) is waited for', async () => {
    const h = harness((f, t) => (f === 4 ? (t >= 50 ? 0 : NOT_FOUND) : t >= 150 ? 0 : NOT_FOUND));
    await expect(waitForIpInterfaces(h.probe, 'all', h.opts)).resolves.toEqual({ v4: true, v6: true });
    expect(h.now()).toBe(150);
  });

  it('no interface within timeoutMs -> ERR_WINTUN_TIMEOUT naming the option', async () => {
    const h = harness(() => NOT_FOUND);
    await expect(waitForIpInterfaces(h.probe, 'any', h.opts)).rejects.toMatchObject({ code: 'ERR_WINTUN_TIMEOUT', win32Code: NOT_FOUND, message: /interfaceTimeoutMs/ });
    expect(h.now()).toBe(1000);
  });

  it('an AbortSignal ends the wait with ERR_WINTUN_ABORTED', async () => {
    const controller = new AbortController();
    const h = harness((_f, t) => {
      if (t >= 75) controller.abort(new Error('closing'));
      return NOT_FOUND;
    });
    await expect(waitForIpInterfaces(h.probe, 'any', { ...h.opts, signal: controller.signal })).rejects.toMatchObject({ code: 'ERR_WINTUN_ABORTED' });
    expect(h.now()).toBe(100);
  });

  it('real timers: a probe that succeeds after a few polls resolves without blocking the loop', async () => {
    let n = 0;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await expect(waitForIpInterfaces(() => (++n > 8 ? 0 : NOT_FOUND), 'any', { timeoutMs: 5000, settleMs: 100, pollMs: 5, name: 'wt-i' })).resolves.toEqual({ v4: true, v6: true });
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });

  it('another status is a failure, mapped from the Win32 code (5 -> ERR_WINTUN_ACCESS_DENIED)', async () => {
    const h = harness(() => 5);
    await expect(waitForIpInterfaces(h.probe, 'any', h.opts)).rejects.toMatchObject({ code: 'ERR_WINTUN_ACCESS_DENIED', syscall: 'GetIpInterfaceEntry' });
  });

  it('familyDisabledError: ERR_WINTUN_FAMILY_DISABLED with a table entry, naming the family and the way out', () => {
    const e = familyDisabledError(6, 'wt-i', 'Adding fd00::1/64 to wt-i');
    expect(e.code).toBe('ERR_WINTUN_FAMILY_DISABLED');
    expect(e.message).toMatch(/no IPv6 interface.*Configure IPv4 only/);
    expect(WintunErrorCodes.ERR_WINTUN_FAMILY_DISABLED.fix).toMatch(/DisabledComponents/);
  });
});

describe('MIB_IF_ROW2 counters', () => {
  it('key: the LUID at 0 in a 1352-byte row; decode reads the ULONG64 counters at their offsets', () => {
    const row = encodeIfRow2Key(0x0035_0000_0100_0000n);
    expect(row.byteLength).toBe(1352);
    const v = new DataView(row.buffer);
    expect(v.getBigUint64(0, true)).toBe(0x0035_0000_0100_0000n);
    v.setUint32(IF_ROW2.InterfaceIndex, 7, true);
    v.setUint32(IF_ROW2.Mtu, 1420, true);
    const set = (field: keyof typeof IF_ROW2, n: number) => v.setBigUint64(IF_ROW2[field], BigInt(n), true);
    set('OutUcastPkts', 10);
    set('OutNUcastPkts', 2);
    set('OutOctets', 1000);
    set('OutDiscards', 3);
    set('OutErrors', 4);
    set('InUcastPkts', 20);
    set('InNUcastPkts', 1);
    set('InOctets', 2000);
    set('InDiscards', 5);
    set('InErrors', 6);
    expect(decodeIfRow2Counters(row)).toEqual({
      index: 7,
      mtu: 1420,
      txPackets: 12,
      txBytes: 1000,
      txDropped: 3,
      txErrors: 4,
      rxPackets: 21,
      rxBytes: 2000,
      rxDropped: 5,
      rxErrors: 6,
    });
    // The layout: 8-aligned ULONG64 block after ConnectionType, OutQLen last.
    expect(IF_ROW2.InOctets % 8).toBe(0);
    expect(IF_ROW2.OutErrors + 8 * 4 + 8).toBe(IF_ROW2.size);
  });

  it('a short row -> ERR_WINTUN_INVALID_ARGUMENT', () => {
    expect(() => decodeIfRow2Counters(new Uint8Array(1000))).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
  });
});

describe('ERROR_ALREADY_INITIALIZED (1247): who holds the adapter', () => {
  it('names this process when its own registration holds it, else says Windows does not tell and how to look', () => {
    const here = registrationError('DeviceIoControl', 1247, 'wt-i', true, 'this-process');
    expect(here).toMatchObject({ code: 'ERR_WINTUN_ALREADY_REGISTERED', win32Code: 1247 });
    expect(here.message).toMatch(/held by this process/);
    const other = registrationError('DeviceIoControl', 1247, 'wt-i');
    expect(other.message).toMatch(/held by another process.*Windows does not report which process.*handle\.exe/);
  });
});
