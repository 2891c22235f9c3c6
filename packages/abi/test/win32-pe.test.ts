import { describe, expect, it } from 'vitest';
import { isWintunError } from '@wintun-ts/abi';
import {
  IMAGE_FILE_MACHINE_AMD64,
  IMAGE_FILE_MACHINE_ARM64,
  IMAGE_FILE_MACHINE_I386,
  checkPeArch,
  formatGuid,
  guidBytesToStruct,
  guidStructToBytes,
  parseGuid,
  peMachineForNodeArch,
  peMachineName,
  readPeMachine,
  splitMultiSz,
  wintunDllCandidates,
  wintunInstanceIdForGuid,
} from '@wintun-ts/abi/win32';

/** A minimal PE header: MZ, e_lfanew at 0x3C, 'PE\0\0' and the COFF Machine. */
function pe(machine: number, lfanew = 0x80, length = 0x200): Uint8Array {
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x4d;
  bytes[1] = 0x5a;
  view.setUint32(0x3c, lfanew, true);
  if (lfanew + 6 <= length) {
    bytes.set([0x50, 0x45, 0, 0], lfanew);
    view.setUint16(lfanew + 4, machine, true);
  }
  return bytes;
}

describe('PE header', () => {
  it('reads the machine of x86, x64 and arm64 images', () => {
    expect(readPeMachine(pe(0x14c))).toEqual({ ok: true, machine: IMAGE_FILE_MACHINE_I386 });
    expect(readPeMachine(pe(0x8664))).toEqual({ ok: true, machine: IMAGE_FILE_MACHINE_AMD64 });
    expect(readPeMachine(pe(0xaa64, 0xf8))).toEqual({ ok: true, machine: IMAGE_FILE_MACHINE_ARM64 });
  });

  it('rejects non-PE bytes with a reason', () => {
    expect(readPeMachine(new Uint8Array(10))).toMatchObject({ ok: false, reason: expect.stringContaining('too short') });
    const noMz = pe(0x8664);
    noMz[0] = 0x7f;
    expect(readPeMachine(noMz)).toMatchObject({ ok: false, reason: 'no MZ signature' });
    expect(readPeMachine(pe(0x8664, 0x1000))).toMatchObject({ ok: false, reason: expect.stringContaining('e_lfanew') });
    expect(readPeMachine(pe(0x8664, 0x10))).toMatchObject({ ok: false, reason: expect.stringContaining('e_lfanew') });
    const noSig = pe(0x8664);
    noSig[0x81] = 0x46;
    expect(readPeMachine(noSig)).toMatchObject({ ok: false, reason: expect.stringContaining('PE') });
  });

  it('handles a header in a subarray (byteOffset)', () => {
    const outer = new Uint8Array(0x300);
    outer.set(pe(0xaa64), 0x40);
    expect(readPeMachine(outer.subarray(0x40))).toEqual({ ok: true, machine: 0xaa64 });
  });

  it('maps Node architectures to machines and names', () => {
    expect(peMachineForNodeArch('x64')).toBe(0x8664);
    expect(peMachineForNodeArch('ia32')).toBe(0x14c);
    expect(peMachineForNodeArch('arm64')).toBe(0xaa64);
    expect(peMachineForNodeArch('riscv64')).toBeNull();
    expect(peMachineName(0x8664)).toBe('x64');
    expect(peMachineName(0x1234)).toBe('machine 0x1234');
  });

  it('checkPeArch accepts the matching DLL and names both architectures otherwise', () => {
    expect(checkPeArch(pe(0x8664), 'C:\\x\\wintun.dll', 'x64')).toBe(0x8664);
    expect(checkPeArch(pe(0x14c), 'C:\\x\\wintun.dll', 'ia32')).toBe(0x14c);
    try {
      checkPeArch(pe(0x14c), 'C:\\x\\wintun.dll', 'x64');
      expect.unreachable();
    } catch (error) {
      expect(isWintunError(error, 'ERR_WINTUN_DLL_ARCH')).toBe(true);
      expect((error as Error).message).toMatch(/x86.*x64/);
      expect((error as Error).message).toContain('bin/amd64/wintun.dll');
    }
    expect(() => checkPeArch(pe(0xaa64), 'w.dll', 'x64')).toThrow(/arm64/);
    expect(() => checkPeArch(new Uint8Array(64), 'w.dll', 'x64')).toThrow(/not a Windows DLL/);
  });
});

describe('GUID encoding', () => {
  const text = '{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}';
  const bytes = [0x10, 0xb8, 0xa7, 0x6b, 0xad, 0x9d, 0xd1, 0x11, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8];

  it('parses into the Windows mixed-endian byte layout', () => {
    expect(Array.from(parseGuid(text))).toEqual(bytes);
    expect(Array.from(parseGuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8'))).toEqual(bytes);
  });

  it('formats back upper case with braces, or without', () => {
    expect(formatGuid(Uint8Array.from(bytes))).toBe(text);
    expect(formatGuid(Uint8Array.from(bytes), { braces: false })).toBe(text.slice(1, -1));
  });

  it('round-trips random GUIDs and the struct form', () => {
    for (let i = 0; i < 200; i++) {
      const b = new Uint8Array(16).map(() => Math.floor(Math.random() * 256));
      expect(parseGuid(formatGuid(b))).toEqual(b);
      expect(guidStructToBytes(guidBytesToStruct(b))).toEqual(b);
    }
    expect(guidBytesToStruct(Uint8Array.from(bytes))).toEqual({ Data1: 0x6ba7b810, Data2: 0x9dad, Data3: 0x11d1, Data4: bytes.slice(8) });
  });

  it('rejects malformed strings and lengths', () => {
    for (const bad of ['', '{6BA7B810-9DAD-11D1-80B4-00C04FD430C8', '6BA7B810-9DAD-11D1-80B4-00C04FD430C', 'zzzzzzzz-9DAD-11D1-80B4-00C04FD430C8']) {
      expect(() => parseGuid(bad)).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
    }
    expect(() => formatGuid(new Uint8Array(15))).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
  });

  it('builds the Wintun instance ID of a requested GUID', () => {
    expect(wintunInstanceIdForGuid(text.toLowerCase())).toBe(`SWD\\Wintun\\${text}`);
  });
});

describe('pure Win32 helpers', () => {
  it('splits a multi-string', () => {
    const enc = (s: string) => Uint16Array.from(s, (c) => c.charCodeAt(0));
    expect(splitMultiSz(enc('ab\0cde\0\0junk'))).toEqual(['ab', 'cde']);
    expect(splitMultiSz(enc('\0\0'))).toEqual([]);
  });

  it('an explicit DLL path is the only candidate and is made absolute with Windows rules', () => {
    expect(wintunDllCandidates({ dllPath: 'C:\\apps\\vpn\\wintun.dll' })).toEqual(['C:\\apps\\vpn\\wintun.dll']);
    const [only, ...rest] = wintunDllCandidates({ dllPath: 'wintun.dll' });
    expect(rest).toEqual([]);
    expect(only).toMatch(/[\\/]wintun\.dll$/);
    expect(only).not.toBe('wintun.dll');
  });
});
