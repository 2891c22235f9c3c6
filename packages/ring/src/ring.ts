/**
 * One `TUN_RING` over any buffer, and the layout of the Send/Receive pair (spec 1, 2.3 placement).
 *
 * @module
 */
import {
  TUN_RING_ALERTABLE_OFFSET,
  TUN_RING_DATA_OFFSET,
  TUN_RING_HEADER_SIZE,
  TUN_RING_TRAILING_SIZE,
  WintunError,
  isValidRingCapacity,
  ringSizeFromCapacity,
} from '@wintun-ts/abi';
import type { RingMemory } from './memory.js';
import { describeValue } from './internal.js';

/** Status: the ring has nothing to read. Offsets are >= 0; statuses are negative. */
export const RING_EMPTY = -1;
/** Status: the ring has no room for the record; the packet should be dropped (or retried later). */
export const RING_FULL = -2;
/**
 * Status: the other side ended the ring (a Head or Tail >= capacity, normally the 0xFFFFFFFF
 * sentinel: driver abort or unregistration). Final: the session must be restarted.
 */
export const RING_EOF = -3;

/**
 * Distance from a record's start (offset in `Data[]`) to its payload offset in {@link TunRing.bytes}:
 * the 12-byte ring header plus the 4-byte `Size` field.
 */
export const RING_PAYLOAD_BIAS = TUN_RING_DATA_OFFSET + 4;

let littleEndian: boolean | undefined;

/** @internal */
export function assertLittleEndian(): void {
  if (littleEndian === undefined) littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  if (!littleEndian) {
    throw new WintunError('ERR_WINTUN_UNSUPPORTED_PLATFORM', 'The Wintun ring layout is little-endian; this host is big-endian.');
  }
}

/** Checks a header value to store: an integer that fits 32 bits (signed or unsigned). */
function checkWord(what: string, v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0xffffffff) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `${what}: the value must be a 32-bit integer, got ${describeValue(v)}.`);
  }
}

/** @internal */
export function throwClosed(what: string): never {
  throw new WintunError('ERR_WINTUN_CLOSED', `${what}: the ring memory was freed; create new rings on new memory.`);
}

/**
 * One `TUN_RING` (header + `Data[capacity]` + 0x10000 trailing bytes) at `byteOffset` inside a
 * buffer. It only gives typed views and atomic header accessors; the protocol logic lives in
 * `SendRingReader`, `ReceiveRingWriter` (client role), `SendRingProducer` and
 * `ReceiveRingConsumer` (driver role).
 *
 * Ownership: the ring does not own its buffer. Lifetime: as long as the buffer; when built on a
 * {@link RingMemory} (4th argument, as `createRingPair` does), every accessor throws
 * `ERR_WINTUN_CLOSED` once that memory is freed. Thread-safety: the header accessors are atomic and
 * may be used from any thread holding a view of the same memory.
 */
export class TunRing {
  /** Ring capacity in bytes: a power of two in [0x20000, 0x4000000]. */
  readonly capacity: number;
  /** Offset of the ring header inside the buffer (a multiple of 4). */
  readonly byteOffset: number;
  /** Bytes the ring occupies: `capacity + 0x1000C`. */
  readonly ringSize: number;
  /** The whole ring: header, `Data[]` and trailing area. Payload offsets index this array. */
  readonly bytes: Uint8Array;
  /** The memory this ring lives in, when known; null when built from a bare buffer. */
  readonly memory: RingMemory | null;
  /** @internal Head, Tail, Alertable as int32. */
  readonly header: Int32Array;
  /** @internal `Data[]` plus trailing area as u32 words: record at data offset `o` has its Size at `[o >> 2]`. */
  readonly words: Uint32Array;

  /**
   * @param buffer - the memory (native view, SharedArrayBuffer or ArrayBuffer).
   * @param byteOffset - where the ring header starts; a multiple of 4.
   * @param capacity - power of two in [0x20000, 0x4000000].
   * @param memory - the {@link RingMemory} `buffer` belongs to, so that use after free is refused.
   * @throws WintunError `ERR_WINTUN_INVALID_CAPACITY` for a bad capacity; `ERR_WINTUN_INVALID_ARGUMENT`
   *   when the offset is unaligned or the ring does not fit; `ERR_WINTUN_UNSUPPORTED_PLATFORM` on a
   *   big-endian host.
   */
  constructor(buffer: ArrayBufferLike, byteOffset: number, capacity: number, memory?: RingMemory | null | undefined) {
    assertLittleEndian();
    if (!(buffer instanceof ArrayBuffer) && !(typeof SharedArrayBuffer === 'function' && buffer instanceof SharedArrayBuffer)) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `TunRing: buffer must be an ArrayBuffer or SharedArrayBuffer, got ${describeValue(buffer)}.`);
    }
    if (memory !== undefined && memory !== null && (typeof memory !== 'object' || typeof (memory as RingMemory).freed !== 'boolean')) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `TunRing: memory must be a RingMemory or null, got ${describeValue(memory)}.`);
    }
    if (!isValidRingCapacity(capacity)) {
      throw new WintunError(
        'ERR_WINTUN_INVALID_CAPACITY',
        `Ring capacity ${describeValue(capacity)} is not a power of two in [0x20000, 0x4000000].`,
      );
    }
    const ringSize = ringSizeFromCapacity(capacity);
    if (typeof byteOffset !== 'number' || !Number.isSafeInteger(byteOffset) || byteOffset < 0 || byteOffset % 4 !== 0) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `Ring byteOffset must be a non-negative multiple of 4, got ${describeValue(byteOffset)}.`);
    }
    if (byteOffset + ringSize > buffer.byteLength) {
      throw new WintunError(
        'ERR_WINTUN_INVALID_ARGUMENT',
        `A ring of capacity 0x${capacity.toString(16)} needs 0x${ringSize.toString(16)} bytes at offset ${byteOffset}, but the buffer has ${buffer.byteLength}.`,
      );
    }
    this.capacity = capacity;
    this.byteOffset = byteOffset;
    this.ringSize = ringSize;
    this.memory = memory ?? null;
    this.bytes = new Uint8Array(buffer, byteOffset, ringSize);
    this.header = new Int32Array(buffer, byteOffset, TUN_RING_HEADER_SIZE >> 2);
    this.words = new Uint32Array(buffer, byteOffset + TUN_RING_DATA_OFFSET, (capacity + TUN_RING_TRAILING_SIZE) >> 2);
  }

  /** True once the ring's {@link RingMemory} was freed (never for a bare buffer). */
  get closed(): boolean {
    return this.memory !== null && this.memory.freed;
  }

  /** @internal */
  #check(): void {
    if (this.memory !== null && this.memory.freed) throwClosed('TunRing');
  }

  /**
   * Atomically loads `Head` as u32.
   *
   * @throws WintunError `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  loadHead(): number {
    this.#check();
    return Atomics.load(this.header, 0) >>> 0;
  }

  /**
   * Atomically stores `Head` (u32; 0xFFFFFFFF is the abort sentinel).
   *
   * @throws WintunError `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  storeHead(v: number): void {
    checkWord('TunRing.storeHead', v);
    this.#check();
    Atomics.store(this.header, 0, v | 0);
  }

  /**
   * Atomically loads `Tail` as u32.
   *
   * @throws WintunError `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  loadTail(): number {
    this.#check();
    return Atomics.load(this.header, 1) >>> 0;
  }

  /**
   * Atomically stores `Tail` (u32; 0xFFFFFFFF is the unregistration sentinel).
   *
   * @throws WintunError `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  storeTail(v: number): void {
    checkWord('TunRing.storeTail', v);
    this.#check();
    Atomics.store(this.header, 1, v | 0);
  }

  /**
   * Atomically loads `Alertable` (i32).
   *
   * @throws WintunError `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  loadAlertable(): number {
    this.#check();
    return Atomics.load(this.header, TUN_RING_ALERTABLE_OFFSET >> 2);
  }

  /**
   * Atomically stores `Alertable` (i32).
   *
   * @throws WintunError `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  storeAlertable(v: number): void {
    checkWord('TunRing.storeAlertable', v);
    this.#check();
    Atomics.store(this.header, TUN_RING_ALERTABLE_OFFSET >> 2, v | 0);
  }
}

/** Capacities of the two rings of a registration (spec 2.2; they may differ, spec 8 edge 37). */
export interface RingPairLayout {
  /** Capacity of the Send ring (driver -> userspace). */
  readonly sendCapacity: number;
  /** Capacity of the Receive ring (userspace -> driver). */
  readonly receiveCapacity: number;
}

function checkLayout(layout: RingPairLayout): void {
  if (typeof layout !== 'object' || layout === null) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `The ring layout must be { sendCapacity, receiveCapacity }, got ${describeValue(layout)}.`);
  }
  for (const [name, capacity] of [
    ['sendCapacity', layout.sendCapacity],
    ['receiveCapacity', layout.receiveCapacity],
  ] as const) {
    if (!isValidRingCapacity(capacity)) {
      throw new WintunError('ERR_WINTUN_INVALID_CAPACITY', `${name} ${describeValue(capacity)} is not a power of two in [0x20000, 0x4000000].`);
    }
  }
}

/**
 * Bytes a Send + Receive ring pair needs: `ringSize(send) + ringSize(receive)`.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_CAPACITY` when a capacity is invalid.
 */
export function ringPairSize(layout: RingPairLayout): number {
  checkLayout(layout);
  return ringSizeFromCapacity(layout.sendCapacity) + ringSizeFromCapacity(layout.receiveCapacity);
}

/** The two rings of a registration. */
export interface RingPair {
  /** Send ring (driver produces, userspace consumes). */
  readonly send: TunRing;
  /** Receive ring (userspace produces, driver consumes). */
  readonly receive: TunRing;
}

/**
 * Lays out the Send ring at `byteOffset` and the Receive ring right after it, as wintun.dll does.
 * The rings refuse use (`ERR_WINTUN_CLOSED`) once `memory` is freed.
 *
 * @param memory - the region; at least `byteOffset + ringPairSize(layout)` bytes.
 * @param layout - the two capacities.
 * @param byteOffset - a multiple of 4.
 * @throws WintunError `ERR_WINTUN_INVALID_CAPACITY`, `ERR_WINTUN_INVALID_ARGUMENT` (offset or size),
 *   `ERR_WINTUN_CLOSED` (memory already freed).
 */
export function createRingPair(memory: RingMemory, layout: RingPairLayout, byteOffset = 0): RingPair {
  if (typeof memory !== 'object' || memory === null || typeof memory.freed !== 'boolean' || memory.buffer === undefined) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `createRingPair: memory must be a RingMemory, got ${describeValue(memory)}.`);
  }
  checkLayout(layout);
  if (memory.freed) throwClosed('createRingPair');
  const send = new TunRing(memory.buffer, byteOffset, layout.sendCapacity, memory);
  const receive = new TunRing(memory.buffer, byteOffset + send.ringSize, layout.receiveCapacity, memory);
  return { send, receive };
}
