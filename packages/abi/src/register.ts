/**
 * `TUN_REGISTER_RINGS`: the descriptor handed to `DeviceIoControl(TUN_IOCTL_REGISTER_RINGS)`, for
 * each Windows architecture (spec 2.2). Pure encoders and decoders: they run on any host, so the
 * golden bytes of all three layouts are tested everywhere.
 *
 * @module
 */
import { WintunError } from './errors.js';
import { badArgument, describeValue } from './check.js';
import { isUint8Array } from 'node:util/types';

/** The Windows architectures the driver's descriptor layouts exist for. */
export type WintunArch = 'x86' | 'x64' | 'arm64';

/** Where the fields of one descriptor half sit, for one architecture. */
export interface TunRegisterRingsLayout {
  /** Size of one half (`Send` or `Receive`). */
  readonly halfSize: number;
  /** Offset of the u32 `RingSize` in a half. */
  readonly ringSizeOffset: number;
  /** Offset of the `Ring` pointer in a half. */
  readonly ringOffset: number;
  /** Offset of the `TailMoved` HANDLE in a half. */
  readonly tailMovedOffset: number;
  /** Pointer and HANDLE size. */
  readonly pointerSize: 4 | 8;
  /** Total descriptor size: two halves. */
  readonly size: number;
}

/** Descriptor layouts by architecture: 24 bytes on x86 (and WoW64 callers), 48 on x64 and arm64. */
export const TUN_REGISTER_RINGS_LAYOUT: Readonly<Record<WintunArch, TunRegisterRingsLayout>> = {
  x86: { halfSize: 12, ringSizeOffset: 0, ringOffset: 4, tailMovedOffset: 8, pointerSize: 4, size: 24 },
  x64: { halfSize: 24, ringSizeOffset: 0, ringOffset: 8, tailMovedOffset: 16, pointerSize: 8, size: 48 },
  arm64: { halfSize: 24, ringSizeOffset: 0, ringOffset: 8, tailMovedOffset: 16, pointerSize: 8, size: 48 },
};

/** One half of the descriptor: a ring and the event its producer sets when Tail moves. */
export interface TunRegisterRingHalf {
  /** Bytes of ring memory: capacity + 0x1000C. */
  readonly ringSize: number;
  /** Address of the `TUN_RING` in the caller's address space. */
  readonly ring: bigint;
  /** HANDLE of an auto-reset event in the caller's handle table. */
  readonly tailMoved: bigint;
}

/** The whole descriptor: `Send` (driver -> user) then `Receive` (user -> driver). */
export interface TunRegisterRings {
  /** The ring the driver produces into. */
  readonly send: TunRegisterRingHalf;
  /** The ring the driver consumes from. */
  readonly receive: TunRegisterRingHalf;
}

/**
 * The descriptor architecture of a Node `process.arch`, or `null` when Wintun has no layout for it.
 * `ia32` is x86 (a 32-bit process: the 24-byte layout, also what a 64-bit driver expects from WoW64).
 */
export function wintunArchOf(nodeArch: string = process.arch): WintunArch | null {
  if (typeof nodeArch !== 'string') badArgument('wintunArchOf', 'nodeArch', 'a string', nodeArch);
  switch (nodeArch) {
    case 'ia32':
      return 'x86';
    case 'x64':
      return 'x64';
    case 'arm64':
      return 'arm64';
    default:
      return null;
  }
}

function layoutOf(what: string, arch: unknown): TunRegisterRingsLayout {
  if (typeof arch !== 'string' || !Object.prototype.hasOwnProperty.call(TUN_REGISTER_RINGS_LAYOUT, arch)) {
    badArgument(what, 'arch', "'x86', 'x64' or 'arm64'", arch);
  }
  return TUN_REGISTER_RINGS_LAYOUT[arch as WintunArch];
}

function checkHalf(name: string, half: TunRegisterRingHalf, layout: TunRegisterRingsLayout): void {
  if (typeof half !== 'object' || half === null) badArgument('encodeRegisterRings', `rings.${name}`, '{ ringSize, ring, tailMoved }', half);
  const max = layout.pointerSize === 4 ? 0xffffffffn : 0xffffffffffffffffn;
  if (!Number.isInteger(half.ringSize) || half.ringSize < 0 || half.ringSize > 0xffffffff) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `${name}.ringSize must be a u32, got ${describeValue(half.ringSize)}.`);
  }
  for (const field of ['ring', 'tailMoved'] as const) {
    const v = half[field];
    if (typeof v !== 'bigint' || v < 0n || v > max) {
      throw new WintunError(
        'ERR_WINTUN_INVALID_ARGUMENT',
        `${name}.${field} must be a bigint that fits in ${layout.pointerSize * 8} bits, got ${String(v)}.`,
      );
    }
  }
}

/**
 * Encodes a `TUN_REGISTER_RINGS` descriptor for `arch` (little-endian; x64/arm64 padding is zero).
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when a size is not a u32 or a pointer does not
 *   fit the architecture's pointer width.
 */
export function encodeRegisterRings(rings: TunRegisterRings, arch: WintunArch): Uint8Array {
  const layout = layoutOf('encodeRegisterRings', arch);
  if (typeof rings !== 'object' || rings === null) badArgument('encodeRegisterRings', 'rings', '{ send, receive }', rings);
  checkHalf('send', rings.send, layout);
  checkHalf('receive', rings.receive, layout);
  const bytes = new Uint8Array(layout.size);
  const view = new DataView(bytes.buffer);
  [rings.send, rings.receive].forEach((half, i) => {
    const base = i * layout.halfSize;
    view.setUint32(base + layout.ringSizeOffset, half.ringSize, true);
    if (layout.pointerSize === 4) {
      view.setUint32(base + layout.ringOffset, Number(half.ring), true);
      view.setUint32(base + layout.tailMovedOffset, Number(half.tailMoved), true);
    } else {
      view.setBigUint64(base + layout.ringOffset, half.ring, true);
      view.setBigUint64(base + layout.tailMovedOffset, half.tailMoved, true);
    }
  });
  return bytes;
}

/**
 * Decodes a descriptor as the driver reads it (used by the emulated driver). The length must be
 * exactly the layout's size, as the driver demands (spec 2.3 step 4).
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` on a wrong length (the driver's
 *   ERROR_INVALID_PARAMETER).
 */
export function decodeRegisterRings(bytes: Uint8Array, arch: WintunArch): TunRegisterRings {
  const layout = layoutOf('decodeRegisterRings', arch);
  if (!isUint8Array(bytes)) badArgument('decodeRegisterRings', 'bytes', 'a Uint8Array', bytes);
  if (bytes.byteLength !== layout.size) {
    throw new WintunError(
      'ERR_WINTUN_INVALID_ARGUMENT',
      `A ${arch} TUN_REGISTER_RINGS descriptor is ${layout.size} bytes, got ${bytes.byteLength}.`,
      { win32Code: 87 },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const half = (i: number): TunRegisterRingHalf => {
    const base = i * layout.halfSize;
    const ptr = (off: number): bigint =>
      layout.pointerSize === 4 ? BigInt(view.getUint32(base + off, true)) : view.getBigUint64(base + off, true);
    return {
      ringSize: view.getUint32(base + layout.ringSizeOffset, true),
      ring: ptr(layout.ringOffset),
      tailMoved: ptr(layout.tailMovedOffset),
    };
  };
  return { send: half(0), receive: half(1) };
}
