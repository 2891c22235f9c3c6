/**
 * Ring memory: the region that holds the two `TUN_RING`s. Native memory (a JavaScript `ArrayBuffer`
 * with a native address, see {@link allocateRingMemory}) is preferred, because V8 copies into and
 * out of it at plain-ArrayBuffer speed and the driver can lock it; a `SharedArrayBuffer` works for
 * pure-JS use and tests.
 *
 * Lifetime rule: owned memory is reclaimed by the garbage collector, never while any view of it is
 * reachable on this thread, so JavaScript cannot touch freed memory. {@link RingMemory.free} ends
 * the rings' use: ring objects built on a {@link RingMemory} check {@link RingMemory.freed} on every
 * call and throw `ERR_WINTUN_CLOSED` afterwards. A *different* thread that attached the same address
 * ({@link attachRingMemory}), and the kernel driver, are invisible to the collector: the owner keeps
 * its {@link RingMemory} reachable until they have stopped.
 *
 * @module
 */
import { WintunError, loadKoffi } from '@wintun-ts/abi';
import { checkOptions, describeValue } from './internal.js';

/**
 * Where a {@link RingMemory} comes from.
 * - `'native'`: memory with a native address: a zeroed, non-moving JavaScript `ArrayBuffer` whose
 *   backing-store address koffi reports (reclaimed by the garbage collector once no view of it is
 *   reachable); or a non-owned `koffi.view` of such memory ({@link attachRingMemory}).
 * - `'shared'`: a `SharedArrayBuffer` (no native address; cannot be registered with a driver).
 * - `'external'`: a caller-supplied buffer ({@link wrapRingMemory}); for hosts where koffi views
 *   of foreign memory are not allowed (Electron's V8 memory cage): allocate a JS `ArrayBuffer`
 *   there, obtain its backing-store address through your own FFI call, and wrap both.
 */
export type RingMemoryKind = 'native' | 'shared' | 'external';

/**
 * A region of memory holding rings. Create with {@link allocateRingMemory},
 * {@link attachRingMemory} or {@link wrapRingMemory}; lay rings out with `createRingPair`.
 *
 * Thread-safety: the object itself is per thread (a worker attaches its own view); the memory it
 * describes is shared and accessed with `Atomics` by the ring classes.
 */
export interface RingMemory {
  /** Where the memory comes from; see {@link RingMemoryKind}. */
  readonly kind: RingMemoryKind;
  /** The whole region: a `koffi.view` for native memory, the SharedArrayBuffer, or the wrapped buffer. */
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** The native address of byte 0, or null when there is none (`'shared'`, or `'external'` without one). */
  readonly address: bigint | null;
  /** Length of the region in bytes. */
  readonly byteLength: number;
  /** True when {@link RingMemory.free} releases the memory; false for attached or wrapped memory. */
  readonly owned: boolean;
  /** True after {@link RingMemory.free}; ring objects built on this memory then throw `ERR_WINTUN_CLOSED`. */
  readonly freed: boolean;
  /**
   * Marks the memory freed: every ring object built on it throws `ERR_WINTUN_CLOSED` from then on.
   * Idempotent. Owned memory is reclaimed by the garbage collector once no view of it is reachable
   * (never earlier, so a stale view can never reach freed memory). Call only when no other thread
   * and no driver uses the memory any more, and keep this object reachable until then.
   */
  free(): void;
}

/** Options of {@link allocateRingMemory}. */
export interface AllocateRingMemoryOptions {
  /**
   * `'native'` (default when koffi loads) or `'shared'` (default otherwise). `'native'` throws
   * `ERR_WINTUN_FFI_UNAVAILABLE` when koffi cannot load.
   */
  readonly kind?: 'native' | 'shared' | undefined;
}

/** Largest region this module allocates: 1 GiB (two maximal rings need about 128 MiB). */
const MAX_REGION = 0x40000000;

class RingMemoryImpl implements RingMemory {
  freed = false;
  constructor(
    readonly kind: RingMemoryKind,
    readonly buffer: ArrayBuffer | SharedArrayBuffer,
    readonly address: bigint | null,
    readonly byteLength: number,
    readonly owned: boolean,
    private readonly release: (() => void) | null,
  ) {}

  free(): void {
    if (this.freed) return;
    this.freed = true;
    if (this.release !== null) this.release();
  }
}

function checkLength(byteLength: number, what: string): void {
  if (!Number.isSafeInteger(byteLength) || byteLength <= 0 || byteLength > MAX_REGION) {
    throw new WintunError(
      'ERR_WINTUN_INVALID_ARGUMENT',
      `${what}: byteLength must be an integer in [1, ${MAX_REGION}], got ${describeValue(byteLength)}.`,
    );
  }
}

/**
 * Native ring memory is a plain, non-resizable JavaScript `ArrayBuffer` whose backing store koffi
 * reports the address of. V8 allocates it zeroed (as the protocol requires), off the JS heap, and
 * never moves it; V8 frees it only when no `ArrayBuffer`, typed array or subarray of it is reachable
 * any more. That is the use-after-free guard of the whole stack: a view handed to user code (a
 * lease's `data`, a send slot's `data`, the `bytes` a drain callback got and stashed) keeps its
 * memory alive, so no sequence of JavaScript calls can touch freed native memory, and
 * {@link RingMemory.free} only has to end the rings' use of it. The one party GC cannot see is the
 * driver (the kernel, or a worker that attached the address): the owner keeps the memory reachable
 * until the driver has stopped (a `Session` holds it while open and until its driver link closed).
 */
function allocateNative(byteLength: number): RingMemory {
  const koffi = loadKoffi();
  let buffer: ArrayBuffer;
  try {
    buffer = new ArrayBuffer(byteLength);
  } catch (cause) {
    throw new WintunError('ERR_WINTUN_OS', `allocateRingMemory: the runtime refused ${byteLength} bytes of memory.`, { cause, syscall: 'ArrayBuffer' });
  }
  const address = koffi.address(buffer);
  if (typeof address !== 'bigint' || address === 0n) {
    throw new WintunError('ERR_WINTUN_OS', `allocateRingMemory: no native address for ${byteLength} bytes of ring memory.`, {
      syscall: 'koffi.address',
    });
  }
  return new RingMemoryImpl('native', buffer, address, byteLength, true, null);
}

/**
 * Allocates zeroed ring memory of `byteLength` bytes (use `ringPairSize` for the size). The caller
 * owns it and calls {@link RingMemory.free} once the driver and every thread are done with it.
 *
 * @param byteLength - bytes to allocate, 1..1 GiB.
 * @param options - the kind of memory.
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a bad length; `ERR_WINTUN_FFI_UNAVAILABLE`
 *   when `kind: 'native'` is asked for and koffi cannot load; `ERR_WINTUN_OS` when the OS refuses.
 */
export function allocateRingMemory(byteLength: number, options: AllocateRingMemoryOptions = {}): RingMemory {
  checkLength(byteLength, 'allocateRingMemory');
  checkOptions('allocateRingMemory', options);
  const kind = options.kind;
  if (kind !== undefined && kind !== 'native' && kind !== 'shared') {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `allocateRingMemory: kind must be 'native' or 'shared', got ${describeValue(kind)}.`);
  }
  if (kind === 'shared') {
    return new RingMemoryImpl('shared', new SharedArrayBuffer(byteLength), null, byteLength, true, null);
  }
  if (kind === undefined) {
    try {
      loadKoffi();
    } catch {
      return new RingMemoryImpl('shared', new SharedArrayBuffer(byteLength), null, byteLength, true, null);
    }
  }
  return allocateNative(byteLength);
}

/**
 * Views native ring memory that another thread allocated (pass the `address` and `byteLength` of
 * the owner's {@link RingMemory}, e.g. through `workerData`). The result is not owned: its
 * {@link RingMemory.free} only marks it freed. The owner must outlive every attached view.
 *
 * @param address - native address of byte 0 (non-zero).
 * @param byteLength - length of the region.
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a zero address or bad length;
 *   `ERR_WINTUN_FFI_UNAVAILABLE` when koffi cannot load.
 */
export function attachRingMemory(address: bigint, byteLength: number): RingMemory {
  checkLength(byteLength, 'attachRingMemory');
  if (typeof address !== 'bigint' || address <= 0n) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'attachRingMemory: address must be a non-zero bigint.');
  }
  const koffi = loadKoffi();
  return new RingMemoryImpl('native', koffi.view(address, byteLength), address, byteLength, false, null);
}

/** Options of {@link wrapRingMemory}. */
export interface WrapRingMemoryOptions {
  /** The native address of the buffer's first byte, when the caller knows it (needed to register with a driver). */
  readonly address?: bigint | null | undefined;
}

/**
 * Wraps a caller-owned buffer as `'external'` ring memory. This is the door for hosts that cannot
 * view foreign native memory (Electron): allocate a zeroed, non-resizable `ArrayBuffer` in JS, get
 * its address with your own FFI call, and wrap it. The buffer must stay reachable and must not be
 * transferred or detached while rings use it; {@link RingMemory.free} only marks it freed.
 *
 * @param buffer - the memory; its content is used as is (headers must be zero for a fresh ring).
 * @param options - the native address, if known.
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for an empty buffer or a bad address.
 */
export function wrapRingMemory(buffer: ArrayBuffer | SharedArrayBuffer, options: WrapRingMemoryOptions = {}): RingMemory {
  if (!(buffer instanceof ArrayBuffer) && !(buffer instanceof SharedArrayBuffer)) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `wrapRingMemory: buffer must be an ArrayBuffer or SharedArrayBuffer, got ${describeValue(buffer)}.`);
  }
  checkLength(buffer.byteLength, 'wrapRingMemory');
  checkOptions('wrapRingMemory', options);
  const address = options.address ?? null;
  if (address !== null && (typeof address !== 'bigint' || address <= 0n)) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'wrapRingMemory: address must be a non-zero bigint or null.');
  }
  return new RingMemoryImpl('external', buffer, address, buffer.byteLength, false, null);
}
