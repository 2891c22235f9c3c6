/**
 * Constants and arithmetic of the Wintun ring protocol, named as in C (`api/session.c`,
 * `driver/wintun.c`, `api/wintun.h`; spec sections 1-2). Pure values and pure functions: safe on any
 * platform and any thread.
 *
 * @module
 */
import { badArgument } from './check.js';

/** Alignment of every packet record and of Head/Tail, in bytes (`sizeof(ULONG)`). */
export const TUN_ALIGNMENT = 4;

/** Largest IP packet payload a record may carry: 0xFFFF bytes. */
export const TUN_MAX_IP_PACKET_SIZE = 0xffff;

/** Same value under wintun.h's public name. */
export const WINTUN_MAX_IP_PACKET_SIZE = TUN_MAX_IP_PACKET_SIZE;

/** Size of a `TUN_PACKET` header: one little-endian u32 `Size`. */
export const TUN_PACKET_HEADER_SIZE = 4;

/** Largest record, `align4(4 + 0xFFFF)` = 0x10004 bytes. */
export const TUN_MAX_PACKET_SIZE = 0x10004;

/** Size of a `TUN_RING` header (Head, Tail, Alertable). */
export const TUN_RING_HEADER_SIZE = 12;

/** Byte offset of `TUN_RING.Head` (u32, written only by the ring's consumer). */
export const TUN_RING_HEAD_OFFSET = 0;

/** Byte offset of `TUN_RING.Tail` (u32, written only by the ring's producer). */
export const TUN_RING_TAIL_OFFSET = 4;

/** Byte offset of `TUN_RING.Alertable` (i32, written only by the driver, on the Receive ring). */
export const TUN_RING_ALERTABLE_OFFSET = 8;

/** Byte offset of `TUN_RING.Data[]`, where records start. */
export const TUN_RING_DATA_OFFSET = 12;

/** Smallest ring capacity the driver accepts: 128 KiB. */
export const WINTUN_MIN_RING_CAPACITY = 0x20000;

/** Largest ring capacity the driver accepts: 64 MiB. */
export const WINTUN_MAX_RING_CAPACITY = 0x4000000;

/** Same value under the driver's name. */
export const TUN_MIN_RING_CAPACITY = WINTUN_MIN_RING_CAPACITY;

/** Same value under the driver's name. */
export const TUN_MAX_RING_CAPACITY = WINTUN_MAX_RING_CAPACITY;

/**
 * Bytes after `Data[capacity]` so that a record starting just below the capacity can be written
 * contiguously: `TUN_MAX_PACKET_SIZE - TUN_ALIGNMENT` = 0x10000.
 */
export const TUN_RING_TRAILING_SIZE = TUN_MAX_PACKET_SIZE - TUN_ALIGNMENT;

/**
 * The deliberate invalid index (`MAXULONG`). Receive-ring Head = sentinel: the driver aborted
 * injection. Send-ring Tail = sentinel: the registration is gone.
 */
export const TUN_RING_SENTINEL = 0xffffffff;

/** Bit 31 of a record's `Size`: released (Send ring) or allocated-not-committed (Receive ring). */
export const TUN_PACKET_RELEASE = 0x80000000;

/**
 * The arithmetic helpers below take numbers; anything else is a caller bug reported as
 * `ERR_WINTUN_INVALID_ARGUMENT` (checked on the cold path: one `typeof` per argument).
 */
function checkNumbers(what: string, ...values: unknown[]): void {
  values.forEach((v, i) => {
    if (typeof v !== 'number') badArgument(what, `argument ${i + 1}`, 'a number', v);
  });
}

/** The capacity wintun's README and example use: 4 MiB. */
export const WINTUN_DEFAULT_RING_CAPACITY = 0x400000;

/** Rounds `n` up to a multiple of {@link TUN_ALIGNMENT}. `n` must be a non-negative safe integer. */
export function tunAlign(n: number): number {
  if (typeof n !== 'number') checkNumbers('tunAlign', n);
  return (n + (TUN_ALIGNMENT - 1)) & ~(TUN_ALIGNMENT - 1);
}

/**
 * Bytes a record with a payload of `size` bytes occupies in the ring: `align4(4 + size)`.
 * Size 1 takes 8, 20 takes 24, 65535 takes 65540.
 */
export function tunPacketAlign(size: number): number {
  if (typeof size !== 'number') checkNumbers('tunPacketAlign', size);
  return (TUN_PACKET_HEADER_SIZE + size + (TUN_ALIGNMENT - 1)) & ~(TUN_ALIGNMENT - 1);
}

/** True when `capacity` is a power of two within [128 KiB, 64 MiB]. */
export function isValidRingCapacity(capacity: number): boolean {
  return (
    Number.isInteger(capacity) &&
    capacity >= WINTUN_MIN_RING_CAPACITY &&
    capacity <= WINTUN_MAX_RING_CAPACITY &&
    (capacity & (capacity - 1)) === 0
  );
}

/**
 * Bytes of memory a ring of `capacity` needs: header + capacity + trailing area
 * (`capacity + 0x1000C`). No validation: pair with {@link isValidRingCapacity}.
 */
export function ringSizeFromCapacity(capacity: number): number {
  if (typeof capacity !== 'number') checkNumbers('ringSizeFromCapacity', capacity);
  return (TUN_RING_HEADER_SIZE + capacity + TUN_RING_TRAILING_SIZE) >>> 0;
}

/**
 * The capacity the driver derives from a `RingSize`, in u32 arithmetic as the driver does: a too
 * small RingSize underflows to a huge value that fails {@link isValidRingCapacity}.
 */
export function capacityFromRingSize(ringSize: number): number {
  if (typeof ringSize !== 'number') checkNumbers('capacityFromRingSize', ringSize);
  return (ringSize - TUN_RING_HEADER_SIZE - TUN_RING_TRAILING_SIZE) >>> 0;
}

/** `x & (capacity - 1)` on u32 values; `capacity` must be a power of two. */
export function tunRingWrap(x: number, capacity: number): number {
  if (typeof x !== 'number' || typeof capacity !== 'number') checkNumbers('tunRingWrap', x, capacity);
  return (x & (capacity - 1)) >>> 0;
}

/** Bytes readable in a ring: `wrap(Tail - Head)`. */
export function tunRingContent(head: number, tail: number, capacity: number): number {
  if (typeof head !== 'number' || typeof tail !== 'number' || typeof capacity !== 'number') checkNumbers('tunRingContent', head, tail, capacity);
  return (tail - head) & (capacity - 1);
}

/** Bytes free for records: `wrap(Head - Tail - 4)`; one alignment unit always stays unused. */
export function tunRingFree(head: number, tail: number, capacity: number): number {
  if (typeof head !== 'number' || typeof tail !== 'number' || typeof capacity !== 'number') checkNumbers('tunRingFree', head, tail, capacity);
  return (head - tail - TUN_ALIGNMENT) & (capacity - 1);
}

/** Win32 `CTL_CODE(DeviceType, Function, Method, Access)`, as an unsigned 32-bit number. */
export function CTL_CODE(deviceType: number, func: number, method: number, access: number): number {
  checkNumbers('CTL_CODE', deviceType, func, method, access);
  return ((deviceType << 16) | (access << 14) | (func << 2) | method) >>> 0;
}

/** `METHOD_BUFFERED` transfer type. */
export const METHOD_BUFFERED = 0;
/** `METHOD_NEITHER` transfer type. */
export const METHOD_NEITHER = 3;
/** `FILE_READ_DATA` access bit for CTL_CODE. */
export const FILE_READ_DATA = 1;
/** `FILE_WRITE_DATA` access bit for CTL_CODE. */
export const FILE_WRITE_DATA = 2;
/** Wintun's device type for its IOCTLs: 51820 (0xCA6C). */
export const TUN_IOCTL_DEVICE_TYPE = 51820;

/** Registers the two rings with the driver: CTL_CODE(51820, 0x970, METHOD_BUFFERED, READ|WRITE). */
export const TUN_IOCTL_REGISTER_RINGS = CTL_CODE(TUN_IOCTL_DEVICE_TYPE, 0x970, METHOD_BUFFERED, FILE_READ_DATA | FILE_WRITE_DATA);

/**
 * Removed from the driver in 2021 (`d8fe141`); current drivers forward it to NDIS. Kept only so
 * code can refuse to send it.
 *
 * @deprecated Never issue this IOCTL.
 */
export const TUN_IOCTL_FORCE_CLOSE_HANDLES = CTL_CODE(TUN_IOCTL_DEVICE_TYPE, 0x971, METHOD_NEITHER, FILE_READ_DATA | FILE_WRITE_DATA);
