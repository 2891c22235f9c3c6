/**
 * {@link PacketQueue}: a single-producer single-consumer packet queue over a SharedArrayBuffer, used
 * by the in-memory test driver (and the adapter's emulated Wintun driver) to move packets between
 * the main thread and the driver workers; {@link queuePacketSource} and {@link queuePacketSink}
 * put a queue behind the driver loops.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/ring';
import { SOURCE_OVERSIZE } from '../driver/loops.js';
import type { PacketSink, PacketSource } from '../driver/loops.js';
import { waitAsync } from '../events/wait-async.js';
import { checkBytes, checkDuration, checkInteger, checkMethodObject, checkOptionalFunction } from '../driver/check.js';
import { describe, invalid } from '../session/core.js';

const HEAD = 0;
const TAIL = 1;
const CLOSED = 2;
const WRITE_SEQ = 3;
const READ_SEQ = 4;
const HEADER_BYTES = 32;
const WRAP = 0xffffffff;
/** Largest data area of a queue (1 GiB): far above any use, below what would fail to allocate. */
const MAX_CAPACITY = 0x40000000;

/** Checks a wait bound: a number of milliseconds in [0, 2^31 - 1] (a sync wait never blocks forever). */
function checkWait(what: string, timeoutMs: unknown): void {
  checkDuration(what, 'timeoutMs', timeoutMs, false);
}

/** The structured-clonable form of a {@link PacketQueue}, to reopen it in another thread. */
export interface PacketQueueDescriptor {
  /** Header (32 bytes) followed by the data area. */
  readonly buffer: SharedArrayBuffer;
}

/** Rewrites one packet in place: `bytes[offset, offset + length)`. See {@link PacketQueue.push}. */
export type PacketTransform = (bytes: Uint8Array, offset: number, length: number) => void;

/**
 * SPSC packet queue: records are `u32 length` + payload, 4-aligned, never split (a wrap marker
 * sends the reader back to offset 0). Exactly one thread pushes and one thread pops.
 * Every wait is bounded. Close wakes both sides.
 */
export class PacketQueue {
  /** The shared memory (header + data). */
  readonly buffer: SharedArrayBuffer;
  /** Bytes in the data area. */
  readonly capacity: number;
  readonly #h: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;

  /**
   * @param capacityOrDescriptor - data bytes for a new queue (multiple of 4, 0x20000..0x40000000),
   *   or the descriptor of an existing queue to open another view of it.
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for another capacity or a malformed descriptor.
   */
  constructor(capacityOrDescriptor: number | PacketQueueDescriptor) {
    if (typeof capacityOrDescriptor === 'number') {
      const capacity = capacityOrDescriptor;
      if (!Number.isInteger(capacity) || capacity % 4 !== 0 || capacity < 0x20000 || capacity > MAX_CAPACITY) {
        throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `Queue capacity must be a multiple of 4 in [0x20000, 0x40000000], got ${describe(capacity)}.`);
      }
      this.buffer = new SharedArrayBuffer(HEADER_BYTES + capacity);
    } else {
      let buffer: unknown;
      try {
        buffer = (capacityOrDescriptor as { buffer?: unknown } | null)?.buffer;
      } catch {
        // A typed array's own 'buffer' getter throws on a Proxy or a fake: not a descriptor either.
        buffer = undefined;
      }
      const data = buffer instanceof SharedArrayBuffer ? buffer.byteLength - HEADER_BYTES : -1;
      if (typeof capacityOrDescriptor !== 'object' || !(buffer instanceof SharedArrayBuffer) || data < 8 || data % 4 !== 0) {
        invalid(`new PacketQueue: pass a capacity (a multiple of 4 in [0x20000, 0x40000000]) or the descriptor of a queue (queue.describe()), got ${describe(capacityOrDescriptor)}.`);
      }
      this.buffer = buffer;
    }
    this.capacity = this.buffer.byteLength - HEADER_BYTES;
    this.#h = new Int32Array(this.buffer, 0, HEADER_BYTES / 4);
    this.#bytes = new Uint8Array(this.buffer, HEADER_BYTES);
    this.#view = new DataView(this.buffer, HEADER_BYTES);
  }

  /** The descriptor to open this queue in another thread. */
  describe(): PacketQueueDescriptor {
    return { buffer: this.buffer };
  }

  /** True after {@link PacketQueue.close}. */
  get closed(): boolean {
    return Atomics.load(this.#h, CLOSED) === 1;
  }

  /** True when no record is waiting. */
  get empty(): boolean {
    return Atomics.load(this.#h, HEAD) === Atomics.load(this.#h, TAIL);
  }

  /** Closes the queue and wakes both sides. Idempotent. Records already queued stay readable. */
  close(): void {
    Atomics.store(this.#h, CLOSED, 1);
    Atomics.add(this.#h, WRITE_SEQ, 1);
    Atomics.add(this.#h, READ_SEQ, 1);
    Atomics.notify(this.#h, WRITE_SEQ);
    Atomics.notify(this.#h, READ_SEQ);
  }

  /** Wakes a consumer blocked in a wait without adding a record (it re-checks its own flags). */
  wake(): void {
    Atomics.add(this.#h, WRITE_SEQ, 1);
    Atomics.notify(this.#h, WRITE_SEQ);
  }

  /**
   * Appends `source[offset, offset + length)` as one packet (producer thread only). `transform`, if
   * given, may rewrite the copied record in place (`bytes[offset, offset + length)` of the queue's
   * data area) before it is published.
   *
   * @returns false when the queue is full or closed (nothing written).
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` (nothing written) when `source` is not a live
   *   `Uint8Array`, the range is not inside it, or `transform` is not a function.
   */
  push(source: Uint8Array, offset = 0, length?: number, transform?: PacketTransform): boolean {
    checkBytes('PacketQueue.push', 'source', source);
    checkInteger('PacketQueue.push', 'offset', offset, 0, source.byteLength);
    length ??= source.byteLength - offset;
    checkInteger('PacketQueue.push', 'length', length, 0, source.byteLength - offset);
    checkOptionalFunction('PacketQueue.push', 'transform', transform);
    if (this.closed) return false;
    const cap = this.capacity;
    const head = Atomics.load(this.#h, HEAD);
    const tail = Atomics.load(this.#h, TAIL);
    const record = (4 + length + 3) & ~3;
    const free = (head - tail - 4 + cap) % cap;
    let at = tail;
    if (tail + record > cap) {
      if (cap - tail + record > free) return false;
      this.#view.setUint32(tail, WRAP, true);
      at = 0;
    } else if (record > free) {
      return false;
    }
    this.#view.setUint32(at, length, true);
    this.#bytes.set(source.subarray(offset, offset + length), at + 4);
    transform?.(this.#bytes, at + 4, length);
    Atomics.store(this.#h, TAIL, (at + record) % cap);
    Atomics.add(this.#h, WRITE_SEQ, 1);
    Atomics.notify(this.#h, WRITE_SEQ);
    return true;
  }

  /**
   * Copies the next packet into `target` at `targetOffset` and removes it (consumer thread only).
   *
   * @returns its length; 0 when the queue is empty; -1 when it is empty and closed.
   * @throws WintunError `ERR_WINTUN_PACKET_TOO_LARGE` when the packet exceeds `maxLength` (the
   *   packet is dropped); `ERR_WINTUN_INVALID_ARGUMENT` (nothing removed) when `target` is not a live
   *   `Uint8Array` or `[targetOffset, targetOffset + maxLength)` is not inside it.
   */
  popInto(target: Uint8Array, targetOffset: number, maxLength: number): number {
    checkBytes('PacketQueue.popInto', 'target', target);
    checkInteger('PacketQueue.popInto', 'targetOffset', targetOffset, 0, target.byteLength);
    checkInteger('PacketQueue.popInto', 'maxLength', maxLength, 0, target.byteLength - targetOffset);
    const at = this.#front();
    if (at < 0) return this.closed && this.empty ? -1 : 0;
    const length = this.#view.getUint32(at, true);
    if (length > maxLength) {
      this.#advance(at, length);
      throw new WintunError('ERR_WINTUN_PACKET_TOO_LARGE', `Queued packet of ${length} bytes exceeds ${maxLength}.`);
    }
    target.set(this.#bytes.subarray(at + 4, at + 4 + length), targetOffset);
    this.#advance(at, length);
    return length;
  }

  /** Removes the next packet and returns a copy; null when empty (consumer thread only). */
  shift(): Uint8Array | null {
    const at = this.#front();
    if (at < 0) return null;
    const length = this.#view.getUint32(at, true);
    const copy = this.#bytes.slice(at + 4, at + 4 + length);
    this.#advance(at, length);
    return copy;
  }

  /** Blocks (worker threads) until a record may be there, the queue closes, or `timeoutMs` passes. */
  waitReadableSync(timeoutMs: number): void {
    checkWait('PacketQueue.waitReadableSync', timeoutMs);
    const seq = Atomics.load(this.#h, WRITE_SEQ);
    if (!this.empty || this.closed) return;
    Atomics.wait(this.#h, WRITE_SEQ, seq, timeoutMs);
  }

  /** Waits on the event loop until a record may be there, the queue closes, or `timeoutMs` passes. */
  async waitReadable(timeoutMs: number): Promise<void> {
    checkWait('PacketQueue.waitReadable', timeoutMs);
    const seq = Atomics.load(this.#h, WRITE_SEQ);
    if (!this.empty || this.closed) return;
    const result = waitAsync(this.#h, WRITE_SEQ, seq, timeoutMs);
    if (result.async) await result.value;
  }

  /** Blocks (worker threads) until the consumer frees space, the queue closes, or `timeoutMs` passes. */
  waitWritableSync(timeoutMs: number): void {
    checkWait('PacketQueue.waitWritableSync', timeoutMs);
    const seq = Atomics.load(this.#h, READ_SEQ);
    if (this.closed) return;
    Atomics.wait(this.#h, READ_SEQ, seq, timeoutMs);
  }

  #front(): number {
    const head = Atomics.load(this.#h, HEAD);
    if (head === Atomics.load(this.#h, TAIL)) return -1;
    if (this.#view.getUint32(head, true) === WRAP) {
      Atomics.store(this.#h, HEAD, 0);
      return Atomics.load(this.#h, TAIL) === 0 ? -1 : 0;
    }
    return head;
  }

  #advance(at: number, length: number): void {
    Atomics.store(this.#h, HEAD, (at + ((4 + length + 3) & ~3)) % this.capacity);
    Atomics.add(this.#h, READ_SEQ, 1);
    Atomics.notify(this.#h, READ_SEQ);
  }
}

/**
 * A driver-loop {@link PacketSource} over `queue` (for an I/O module's `createPacketSource`, inside
 * the producer worker, which must be the queue's only consumer): reads the next packet straight
 * into the Send ring, waiting at most `timeoutMs` once when the queue is empty. A packet larger than
 * the reservation is dropped (read returns 0).
 */
export function queuePacketSource(queue: PacketQueue): PacketSource {
  if (!(queue instanceof PacketQueue)) invalid(`queuePacketSource: queue must be a PacketQueue, got ${describe(queue)}.`);
  const pop = (bytes: Uint8Array, offset: number, max: number): number => {
    try {
      return queue.popInto(bytes, offset, max);
    } catch (error) {
      // Longer than the loop's room: popInto dropped it whole; the loop counts it.
      if (error instanceof WintunError && error.code === 'ERR_WINTUN_PACKET_TOO_LARGE') return SOURCE_OVERSIZE;
      throw error;
    }
  };
  return {
    read(bytes, offset, max, timeoutMs) {
      const n = pop(bytes, offset, max);
      if (n !== 0 || timeoutMs <= 0) return n;
      queue.waitReadableSync(timeoutMs);
      return pop(bytes, offset, max);
    },
  };
}

/**
 * A driver-loop {@link PacketSink} over `queue` (for an I/O module's `createPacketSink`, inside the
 * consumer worker, which must be the queue's only producer): pushes each packet (through
 * `transform`, if given), waiting in bounded 10 ms steps while the queue is full; gives the packet
 * up once the queue is closed or `context.stopped()`.
 */
export function queuePacketSink(queue: PacketQueue, context: { stopped(): boolean }, transform?: PacketTransform): PacketSink {
  if (!(queue instanceof PacketQueue)) invalid(`queuePacketSink: queue must be a PacketQueue, got ${describe(queue)}.`);
  checkMethodObject('queuePacketSink', 'context', context, 'stopped');
  checkOptionalFunction('queuePacketSink', 'transform', transform);
  return {
    write(bytes, offset, length) {
      while (!queue.push(bytes, offset, length, transform)) {
        if (queue.closed || context.stopped()) return;
        queue.waitWritableSync(10);
      }
    },
  };
}
