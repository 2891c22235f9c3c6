import { describe, expect, it } from 'vitest';
import {
  TUN_REGISTER_RINGS_LAYOUT,
  WintunError,
  decodeRegisterRings,
  encodeRegisterRings,
  loadKoffi,
  wintunArchOf,
  type TunRegisterRings,
} from '@wintun-ts/abi';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const rings64: TunRegisterRings = {
  send: { ringSize: 0x41000c, ring: 0x0000_7ff6_1234_0000n, tailMoved: 0x1a4n },
  receive: { ringSize: 0x3000c, ring: 0x0000_7ff6_1275_000cn, tailMoved: 0x1a8n },
};

describe('TUN_REGISTER_RINGS encoders (spec 2.2), golden bytes on any host', () => {
  it('x64: 48 bytes, RingSize@0, pad@4 zero, Ring@8, TailMoved@16', () => {
    const b = encodeRegisterRings(rings64, 'x64');
    expect(b.byteLength).toBe(48);
    expect(hex(b)).toBe(
      '0c004100' + '00000000' + '00003412f67f0000' + 'a401000000000000' +
        '0c000300' + '00000000' + '0c007512f67f0000' + 'a801000000000000',
    );
  });

  it('arm64: same layout as x64', () => {
    expect(hex(encodeRegisterRings(rings64, 'arm64'))).toBe(hex(encodeRegisterRings(rings64, 'x64')));
  });

  it('x86: 24 bytes, RingSize@0, Ring@4, TailMoved@8', () => {
    const b = encodeRegisterRings(
      {
        send: { ringSize: 0x41000c, ring: 0x0234_0000n, tailMoved: 0x1a4n },
        receive: { ringSize: 0x41000c, ring: 0x0275_000cn, tailMoved: 0x1a8n },
      },
      'x86',
    );
    expect(b.byteLength).toBe(24);
    expect(hex(b)).toBe('0c004100' + '00003402' + 'a4010000' + '0c004100' + '0c007502' + 'a8010000');
  });

  it('round-trips through the decoder the emulated driver uses', () => {
    for (const arch of ['x64', 'arm64'] as const) {
      expect(decodeRegisterRings(encodeRegisterRings(rings64, arch), arch)).toEqual(rings64);
    }
  });

  it('edge 6: a descriptor of the wrong length is refused like the driver does', () => {
    expect(() => decodeRegisterRings(new Uint8Array(40), 'x64')).toThrow(WintunError);
    expect(() => decodeRegisterRings(new Uint8Array(24), 'x64')).toThrow(/48 bytes, got 24/);
    expect(() => decodeRegisterRings(new Uint8Array(48), 'x86')).toThrow(/24 bytes, got 48/);
  });

  it('refuses pointers that do not fit the architecture', () => {
    expect(() => encodeRegisterRings(rings64, 'x86')).toThrowError(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
    expect(() =>
      encodeRegisterRings({ ...rings64, send: { ...rings64.send, ringSize: -1 } }, 'x64'),
    ).toThrowError(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
  });

  it('maps Node architectures', () => {
    expect(wintunArchOf('ia32')).toBe('x86');
    expect(wintunArchOf('x64')).toBe('x64');
    expect(wintunArchOf('arm64')).toBe('arm64');
    expect(wintunArchOf('riscv64')).toBeNull();
  });
});

describe('koffi layout of the host agrees with the encoder', () => {
  it('sizeof/offsetof of { uint32_t RingSize; void *Ring; void *TailMoved } x2', () => {
    const koffi = loadKoffi();
    const half = koffi.struct('TUN_REGISTER_RING_HALF_TEST', { RingSize: 'uint32_t', Ring: 'void *', TailMoved: 'void *' });
    const full = koffi.struct('TUN_REGISTER_RINGS_TEST', { Send: half, Receive: half });
    const arch = wintunArchOf();
    if (arch === null) return;
    const layout = TUN_REGISTER_RINGS_LAYOUT[arch];
    expect(koffi.sizeof(full)).toBe(layout.size);
    expect(koffi.sizeof(half)).toBe(layout.halfSize);
    expect(koffi.offsetof(half, 'Ring')).toBe(layout.ringOffset);
    expect(koffi.offsetof(half, 'TailMoved')).toBe(layout.tailMovedOffset);
    expect(koffi.offsetof(full, 'Receive')).toBe(layout.halfSize);
    const packed = koffi.pack('TUN_REGISTER_RING_HALF_PACKED_TEST', { RingSize: 'uint32_t', Ring: 'uint32_t', TailMoved: 'uint32_t' });
    expect(koffi.sizeof(packed)).toBe(TUN_REGISTER_RINGS_LAYOUT.x86.halfSize);
  });

  it('a koffi-encoded struct has the same bytes as encodeRegisterRings', () => {
    const koffi = loadKoffi();
    const arch = wintunArchOf();
    if (arch === null || arch === 'x86') return;
    const half = koffi.struct('TUN_REGISTER_RING_HALF_TEST2', { RingSize: 'uint32_t', Ring: 'uint64_t', TailMoved: 'uint64_t' });
    const full = koffi.struct('TUN_REGISTER_RINGS_TEST2', { Send: half, Receive: half });
    const buf = new Uint8Array(koffi.sizeof(full));
    const toC = (h: TunRegisterRings['send']) => ({ RingSize: h.ringSize, Ring: h.ring, TailMoved: h.tailMoved });
    koffi.encode(buf, full, { Send: toC(rings64.send), Receive: toC(rings64.receive) });
    expect(hex(buf)).toBe(hex(encodeRegisterRings(rings64, arch)));
  });
});
