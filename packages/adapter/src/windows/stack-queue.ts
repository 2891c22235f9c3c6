/**
 * {@link StackQueue}: a single-producer single-consumer packet queue over a SharedArrayBuffer: the
 * "network stack" side of the emulated Wintun driver (packets the driver would indicate to Windows,
 * packets Windows would route into the tunnel). Used by `emulated.ts` and its worker I/O module.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/session';

const HEAD = 0;
const TAIL = 1;
const CLOSED = 2;
const WRITE_SEQ = 3;
const READ_SEQ = 4;
const HEADER = 32;
const WRAP = 0xffffffff;

type WaitAsync = (array: Int32Array, index: number, value: number, timeoutMs: number) => { async: boolean; value: Promise<string> | string };

/**
 * SPSC queue of packets: `u32 length` + payload records, 4-aligned, never split (a wrap marker
 * sends the reader back to offset 0). Exactly one thread pushes and one thread pops; every wait is
 * bounded; `close()` wakes both sides.
 */
export class StackQueue {
  /** The shared memory: 32-byte header, then the data area. Post it to reopen the queue elsewhere. */
  readonly buffer: SharedArrayBuffer;
  /** Bytes in the data area. */
  readonly capacity: number;
  readonly #h: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;

  /**
   * @param capacityOrBuffer - data bytes for a new queue (a multiple of 4, at least 0x20000), or the
   *   buffer of an existing queue.
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a bad capacity.
   */
  constructor(capacityOrBuffer: number | SharedArrayBuffer) {
    if (typeof capacityOrBuffer === 'number') {
      if (!Number.isInteger(capacityOrBuffer) || capacityOrBuffer % 4 !== 0 || capacityOrBuffer < 0x20000) {
        throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `Queue capacity must be a multiple of 4 and >= 0x20000, got ${capacityOrBuffer}.`);
      }
      this.buffer = new SharedArrayBuffer(HEADER + capacityOrBuffer);
    } else {
      this.buffer = capacityOrBuffer;
    }
    this.capacity = this.buffer.byteLength - HEADER;
    this.#h = new Int32Array(this.buffer, 0, HEADER / 4);
    this.#bytes = new Uint8Array(this.buffer, HEADER);
    this.#view = new DataView(this.buffer, HEADER);
  }

  /** True after {@link StackQueue.close}. */
  get closed(): boolean {
    return Atomics.load(this.#h, CLOSED) === 1;
  }

  /** True when no record is waiting. */
  get empty(): boolean {
    return Atomics.load(this.#h, HEAD) === Atomics.load(this.#h, TAIL);
  }

  /** Closes the queue and wakes both sides. Idempotent; queued records stay readable. */
  close(): void {
    Atomics.store(this.#h, CLOSED, 1);
    this.#bump(WRITE_SEQ);
    this.#bump(READ_SEQ);
  }

  /**
   * Appends `source[offset, offset + length)` (producer thread only). `transform` may rewrite the
   * copied record in place before it is published.
   *
   * @returns false when full or closed (nothing written).
   */
  push(source: Uint8Array, offset = 0, length = source.byteLength - offset, transform?: (bytes: Uint8Array, offset: number, length: number) => void): boolean {
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
    this.#bump(WRITE_SEQ);
    return true;
  }

  /**
   * Copies the next packet into `target` at `targetOffset` and removes it (consumer thread only).
   * A packet longer than `maxLength` is removed and dropped.
   *
   * @returns its length; 0 when empty (or the packet was dropped); -1 when empty and closed.
   */
  popInto(target: Uint8Array, targetOffset: number, maxLength: number): number {
    const at = this.#front();
    if (at < 0) return this.closed && this.empty ? -1 : 0;
    const length = this.#view.getUint32(at, true);
    if (length <= maxLength) target.set(this.#bytes.subarray(at + 4, at + 4 + length), targetOffset);
    this.#advance(at, length);
    return length <= maxLength ? length : 0;
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

  /** Blocks (worker threads only) until a record may be there, the queue closes, or `timeoutMs` passes. */
  waitReadableSync(timeoutMs: number): void {
    const seq = Atomics.load(this.#h, WRITE_SEQ);
    if (!this.empty || this.closed) return;
    Atomics.wait(this.#h, WRITE_SEQ, seq, timeoutMs);
  }

  /** Waits without blocking the event loop until a record may be there, the queue closes, or `timeoutMs` passes. */
  async waitReadable(timeoutMs: number): Promise<void> {
    const seq = Atomics.load(this.#h, WRITE_SEQ);
    if (!this.empty || this.closed) return;
    const r = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync(this.#h, WRITE_SEQ, seq, timeoutMs);
    if (r.async) await r.value;
  }

  /** Blocks (worker threads only) until the consumer frees space, the queue closes, or `timeoutMs` passes. */
  waitWritableSync(timeoutMs: number): void {
    const seq = Atomics.load(this.#h, READ_SEQ);
    if (this.closed) return;
    Atomics.wait(this.#h, READ_SEQ, seq, timeoutMs);
  }

  #bump(slot: number): void {
    Atomics.add(this.#h, slot, 1);
    Atomics.notify(this.#h, slot);
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
    this.#bump(READ_SEQ);
  }
}

/**
 * Swaps the source and destination addresses of an IPv4 or IPv6 packet in place (anything else is
 * left alone): what a peer answering from the other end of the tunnel would send back. Pure apart
 * from mutating `bytes`.
 */
export function swapIpAddresses(bytes: Uint8Array, offset: number, length: number): void {
  const version = (bytes[offset] ?? 0) >> 4;
  let src: number;
  let size: number;
  if (version === 4 && length >= 20) {
    src = offset + 12;
    size = 4;
  } else if (version === 6 && length >= 40) {
    src = offset + 8;
    size = 16;
  } else {
    return;
  }
  for (let i = 0; i < size; i++) {
    const a = bytes[src + i] ?? 0;
    bytes[src + i] = bytes[src + size + i] ?? 0;
    bytes[src + size + i] = a;
  }
}
