/**
 * The driver role, as the Wintun kernel driver behaves (spec 3): produce into the Send ring,
 * consume the Receive ring. Used by the Linux backend (where a worker plays the driver over a TUN
 * fd), by tests and by benchmarks.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/abi';
import { checkPacketList, checkRing, describeValue, throwBadSize, throwState } from './internal.js';
import type { RingMemory } from './memory.js';
import { RING_EMPTY, RING_EOF, RING_FULL, RING_PAYLOAD_BIAS, throwClosed, type TunRing } from './ring.js';

/**
 * Produces packets into the Send ring like the driver (spec 3.1): records are written at a private
 * reservation tail, contiguously even across the end of `Data[capacity]` into the trailing area,
 * and become visible only on {@link SendRingProducer.publish}. There is no waiting for space: a
 * packet or batch that does not fit is dropped.
 *
 * Two ways to write: {@link SendRingProducer.reserve} + write the payload at the returned offset +
 * {@link SendRingProducer.commitRecord} (zero-copy, e.g. a `read()` from a TUN fd straight into the
 * ring), or {@link SendRingProducer.writeBatch} (copies, whole batch or nothing).
 *
 * Ownership: one producer per Send ring. Thread-safety: not thread-safe; one instance on one thread.
 * Lifetime: throws `ERR_WINTUN_CLOSED` once the ring's memory is freed.
 *
 * The Send ring's Alertable is never read: {@link SendRingProducer.publish} returns true on every
 * Tail move, and the caller signals the Send event every time (spec 3.1 step 5, edge 33).
 */
export class SendRingProducer {
  /** The ring this producer writes. */
  readonly ring: TunRing;
  private readonly mem: RingMemory | null;
  private readonly header: Int32Array;
  private readonly words: Uint32Array;
  private readonly bytes: Uint8Array;
  private readonly cap: number;
  private readonly mask: number;
  private tail: number;
  private published: number;
  private reserved = -1;
  private ended = false;
  private dropped = 0;
  private oversize = 0;

  /**
   * Starts at the ring's current Tail, which must be a valid offset (the driver refuses the
   * registration otherwise, spec 2.3 step 5.6 and edge 9).
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `ring` is not a `TunRing`, or when Tail
   *   >= capacity or is not 4-aligned; `ERR_WINTUN_CLOSED` when the memory was freed.
   */
  constructor(ring: TunRing) {
    checkRing('new SendRingProducer', ring);
    this.ring = ring;
    this.mem = ring.memory;
    this.header = ring.header;
    this.words = ring.words;
    this.bytes = ring.bytes;
    this.cap = ring.capacity;
    this.mask = ring.capacity - 1;
    const tail = ring.loadTail();
    if (tail >= this.cap || (tail & 3) !== 0) {
      throw new WintunError(
        'ERR_WINTUN_INVALID_ARGUMENT',
        `SendRingProducer: the Send ring's Tail 0x${tail.toString(16)} is not a 4-aligned offset below the capacity (ERROR_INVALID_PARAMETER at registration).`,
      );
    }
    this.tail = tail;
    this.published = tail;
  }

  /** Packets {@link SendRingProducer.writeBatch} dropped because the batch did not fit or the consumer ended. */
  get droppedPackets(): number {
    return this.dropped;
  }

  /** Packets over 0xFFFF bytes that {@link SendRingProducer.writeBatch} skipped (the driver's `ifOutErrors`). */
  get oversizePackets(): number {
    return this.oversize;
  }

  /**
   * Checks that a record for `size` bytes fits at the private tail. Nothing advances until
   * {@link SendRingProducer.commitRecord}; a second reserve replaces the first.
   *
   * @param size - the most payload bytes that will be written, in [0, 0xFFFF].
   * @returns the payload offset in `ring.bytes`, `RING_FULL` (drop the packet: the driver never
   *   waits) or `RING_EOF` (the consumer's Head is invalid, or {@link SendRingProducer.close} ran).
   * @throws WintunError `ERR_WINTUN_PACKET_TOO_LARGE`, `ERR_WINTUN_INVALID_ARGUMENT` (bad size),
   *   `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  reserve(size: number): number {
    if (typeof size !== 'number' || (size & 0xffff) !== size) throwBadSize('SendRingProducer.reserve', size);
    const mem = this.mem;
    if (mem !== null && mem.freed) throwClosed('SendRingProducer.reserve');
    if (this.ended) return RING_EOF;
    const cap = this.cap;
    const head = Atomics.load(this.header, 0) >>> 0;
    if (head >= cap) return RING_EOF;
    const tail = this.tail;
    if (((size + 7) & ~3) > ((head - tail - 4) & this.mask)) return RING_FULL;
    this.reserved = size;
    return tail + RING_PAYLOAD_BIAS;
  }

  /**
   * Completes the record {@link SendRingProducer.reserve} returned: writes its Size and advances the
   * private tail by `align4(4 + size)`. The record becomes visible on the next publish.
   *
   * @param payloadOffset - the offset reserve returned.
   * @param size - bytes actually written, at most the reserved size.
   * @throws WintunError `ERR_WINTUN_INVALID_STATE` when `payloadOffset` is not the current
   *   reservation; `ERR_WINTUN_INVALID_ARGUMENT` when `size` is not an integer in [0, reserved];
   *   `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  commitRecord(payloadOffset: number, size: number): void {
    const mem = this.mem;
    if (mem !== null && mem.freed) throwClosed('SendRingProducer.commitRecord');
    const tail = this.tail;
    if (this.reserved < 0 || payloadOffset !== tail + RING_PAYLOAD_BIAS) {
      throwState(`SendRingProducer.commitRecord: ${describeValue(payloadOffset)} is not the pending reservation.`);
    }
    if (typeof size !== 'number' || (size & 0xffff) !== size || size > this.reserved) {
      throw new WintunError(
        'ERR_WINTUN_INVALID_ARGUMENT',
        `SendRingProducer.commitRecord: size must be an integer in [0, ${this.reserved}], got ${describeValue(size)}.`,
      );
    }
    this.words[tail >>> 2] = size;
    this.tail = (tail + ((size + 7) & ~3)) & this.mask;
    this.reserved = -1;
  }

  /**
   * Copies a batch into the ring, whole or not at all (spec 3.1 steps 1-4): the sum of
   * `align4(4 + length)` over packets of at most 0xFFFF bytes must fit, otherwise every packet of
   * the batch is dropped and counted. Packets over 0xFFFF take no space and are skipped (counted
   * in {@link SendRingProducer.oversizePackets}). Cancels a pending reservation. Call
   * {@link SendRingProducer.publish} afterwards.
   *
   * @returns true when the batch was written (an empty batch is written trivially).
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` unless `packets` is an array of `Uint8Array`s
   *   (checked before anything changes); `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  writeBatch(packets: readonly Uint8Array[]): boolean {
    checkPacketList('SendRingProducer.writeBatch', packets);
    const mem = this.mem;
    if (mem !== null && mem.freed) throwClosed('SendRingProducer.writeBatch');
    this.reserved = -1;
    const count = packets.length;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const len = (packets[i] as Uint8Array).length;
      if (len <= 0xffff) total += (len + 7) & ~3;
    }
    if (count === 0) return true;
    const cap = this.cap;
    const head = Atomics.load(this.header, 0) >>> 0;
    let tail = this.tail;
    if (this.ended || head >= cap || total > ((head - tail - 4) & this.mask)) {
      this.dropped += count;
      return false;
    }
    const words = this.words;
    const bytes = this.bytes;
    const mask = this.mask;
    for (let i = 0; i < count; i++) {
      const packet = packets[i] as Uint8Array;
      const len = packet.length;
      if (len > 0xffff) {
        this.oversize++;
        continue;
      }
      words[tail >>> 2] = len;
      bytes.set(packet, tail + RING_PAYLOAD_BIAS);
      tail = (tail + ((len + 7) & ~3)) & mask;
    }
    this.tail = tail;
    return true;
  }

  /**
   * Publishes every completed record: stores the shared Tail, only when it moved.
   *
   * @returns true when Tail moved: signal the Send ring's TailMoved event (every time; the reader
   *   may be about to sleep and the Send ring has no Alertable handshake).
   * @throws WintunError `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  publish(): boolean {
    const mem = this.mem;
    if (mem !== null && mem.freed) throwClosed('SendRingProducer.publish');
    if (this.ended) return false;
    const tail = this.tail;
    if (tail === this.published) return false;
    this.published = tail;
    Atomics.store(this.header, 1, tail);
    return true;
  }

  /**
   * Ends the ring as unregistration does: Tail = 0xFFFFFFFF. The reader then gets `RING_EOF`, even
   * with unread packets. Signal the Send event afterwards to wake it. Idempotent; a no-op after the
   * memory was freed.
   */
  close(): void {
    const mem = this.mem;
    if (mem !== null && mem.freed) return;
    this.ended = true;
    Atomics.store(this.header, 1, -1);
  }
}

/**
 * Consumes the Receive ring like the driver's receive thread (spec 3.2): validates every record,
 * discards (and counts) records that are not IPv4 (size >= 20, version nibble 4) or IPv6
 * (size >= 40, nibble 6), aborts on corruption (Head = 0xFFFFFFFF, {@link ReceiveRingConsumer.abortReason}
 * set, `RING_EOF` from then on), and advances the shared Head only on in-order
 * {@link ReceiveRingConsumer.release}: a packet's bytes stay valid until it is released.
 *
 * Discarded records are retired together with the packets handed out before them (the driver waits
 * for in-flight packets before moving Head past a discard; this class never blocks, so it moves Head
 * past the discards when the last earlier packet is released).
 *
 * Ownership: one consumer per Receive ring. Thread-safety: not thread-safe; one instance on one
 * thread. Lifetime: throws `ERR_WINTUN_CLOSED` once the ring's memory is freed.
 */
export class ReceiveRingConsumer {
  /** The ring this consumer reads. */
  readonly ring: TunRing;
  private readonly mem: RingMemory | null;
  private readonly header: Int32Array;
  private readonly words: Uint32Array;
  private readonly bytes: Uint8Array;
  private readonly cap: number;
  private readonly mask: number;
  private head: number;
  private ends: Uint32Array = new Uint32Array(1024);
  private endsStart = 0;
  private endsCount = 0;
  private aborted = false;
  private reason: string | null = null;
  private discarded = 0;
  private size = 0;
  private version: 4 | 6 = 4;

  /**
   * Starts at the ring's current Head. A Head >= capacity (or unaligned) aborts at once, as the
   * driver's receive thread exits at once (spec 3.2 step 1, edge 9).
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `ring` is not a `TunRing`;
   *   `ERR_WINTUN_CLOSED` when the memory was freed.
   */
  constructor(ring: TunRing) {
    checkRing('new ReceiveRingConsumer', ring);
    this.ring = ring;
    this.mem = ring.memory;
    this.header = ring.header;
    this.words = ring.words;
    this.bytes = ring.bytes;
    this.cap = ring.capacity;
    this.mask = ring.capacity - 1;
    const head = ring.loadHead();
    this.head = head;
    if (head >= this.cap) this.#abortWith(`Head 0x${head.toString(16)} >= capacity at start`);
    else if ((head & 3) !== 0) this.#abortWith(`Head 0x${head.toString(16)} is not 4-aligned at start`);
  }

  /** Payload size of the packet {@link ReceiveRingConsumer.next} last returned. */
  get lastSize(): number {
    return this.size;
  }

  /** IP version of the packet {@link ReceiveRingConsumer.next} last returned. */
  get lastVersion(): 4 | 6 {
    return this.version;
  }

  /** Records discarded because they were not IPv4/IPv6 (the driver's `ifInDiscards`). */
  get discardedPackets(): number {
    return this.discarded;
  }

  /** Why the ring was aborted, or null while it runs. */
  get abortReason(): string | null {
    return this.reason;
  }

  /** Packets handed out by {@link ReceiveRingConsumer.next} and not released yet. */
  get outstanding(): number {
    return this.endsCount;
  }

  /**
   * Takes the next IP packet, discarding non-IP records on the way.
   *
   * @returns the payload offset in `ring.bytes` (size in {@link ReceiveRingConsumer.lastSize},
   *   version in {@link ReceiveRingConsumer.lastVersion}), `RING_EMPTY`, or `RING_EOF` once aborted
   *   (by corruption found here, or by {@link ReceiveRingConsumer.abort}).
   * @throws WintunError `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  next(): number {
    const mem = this.mem;
    if (mem !== null && mem.freed) throwClosed('ReceiveRingConsumer.next');
    if (this.aborted) return RING_EOF;
    const header = this.header;
    const words = this.words;
    const cap = this.cap;
    const mask = this.mask;
    let head = this.head;
    let moved = -1;
    for (;;) {
      const tail = Atomics.load(header, 1) >>> 0;
      if (tail === head) break;
      if (tail >= cap) return this.#corrupt(`Tail 0x${tail.toString(16)} >= capacity`);
      const content = (tail - head) & mask;
      if (content < 4) return this.#corrupt(`content ${content} < 4 bytes`);
      const size = words[head >>> 2] as number;
      if (size > 0xffff) return this.#corrupt(`record Size 0x${size.toString(16)} > 0xFFFF`);
      const aligned = (size + 7) & ~3;
      if (aligned > content) return this.#corrupt(`record of ${aligned} bytes > content ${content}`);
      const start = head;
      head = (head + aligned) & mask;
      let version: 0 | 4 | 6 = 0;
      if (size >= 20) {
        const nibble = (this.bytes[start + RING_PAYLOAD_BIAS] as number) >>> 4;
        if (nibble === 4) version = 4;
        else if (nibble === 6 && size >= 40) version = 6;
      }
      if (version === 0) {
        this.discarded++;
        if (this.endsCount === 0) moved = head;
        else this.ends[(this.endsStart + this.endsCount - 1) & (this.ends.length - 1)] = head;
        continue;
      }
      if (this.endsCount === this.ends.length) this.#grow();
      this.ends[(this.endsStart + this.endsCount) & (this.ends.length - 1)] = head;
      this.endsCount++;
      this.head = head;
      this.size = size;
      this.version = version;
      if (moved >= 0) Atomics.store(header, 0, moved);
      return start + RING_PAYLOAD_BIAS;
    }
    this.head = head;
    if (moved >= 0) Atomics.store(header, 0, moved);
    return RING_EMPTY;
  }

  #grow(): void {
    const old = this.ends;
    const next = new Uint32Array(old.length * 2);
    for (let i = 0; i < this.endsCount; i++) next[i] = old[(this.endsStart + i) & (old.length - 1)] as number;
    this.ends = next;
    this.endsStart = 0;
  }

  #corrupt(reason: string): number {
    this.#abortWith(reason);
    return RING_EOF;
  }

  #abortWith(reason: string): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    if (this.endsCount === 0) Atomics.store(this.header, 0, -1);
  }

  /**
   * Retires the oldest packet {@link ReceiveRingConsumer.next} returned (in order, like NDIS
   * returning NBLs) and stores the shared Head past it (and past any discards behind it). After an
   * abort, the last release stores the 0xFFFFFFFF sentinel instead.
   *
   * @throws WintunError `ERR_WINTUN_INVALID_STATE` when no packet is outstanding;
   *   `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  release(): void {
    const mem = this.mem;
    if (mem !== null && mem.freed) throwClosed('ReceiveRingConsumer.release');
    if (this.endsCount === 0) throwState('ReceiveRingConsumer.release: no packet is outstanding.');
    const end = this.ends[this.endsStart] as number;
    this.endsStart = (this.endsStart + 1) & (this.ends.length - 1);
    this.endsCount--;
    Atomics.store(this.header, 0, this.aborted && this.endsCount === 0 ? -1 : end);
  }

  /**
   * The driver's half of the Dekker handshake (spec 3.2 step 2.1.2): stores Alertable = 1 with
   * `Atomics.exchange` (a full barrier), then reloads Tail.
   *
   * @returns true when the ring is still empty: wait on the Receive TailMoved event (bounded), then
   *   call {@link ReceiveRingConsumer.endWait}. False when data arrived (or the ring aborted):
   *   Alertable is already back to 0; call {@link ReceiveRingConsumer.next} again (a pending event
   *   signal is redundant and may be cleared).
   * @throws WintunError `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  prepareWait(): boolean {
    const mem = this.mem;
    if (mem !== null && mem.freed) throwClosed('ReceiveRingConsumer.prepareWait');
    if (this.aborted) return false;
    const header = this.header;
    Atomics.exchange(header, 2, 1);
    if (Atomics.load(header, 1) >>> 0 === this.head) return true;
    Atomics.store(header, 2, 0);
    return false;
  }

  /**
   * Stores Alertable = 0 after a wait.
   *
   * @throws WintunError `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  endWait(): void {
    const mem = this.mem;
    if (mem !== null && mem.freed) throwClosed('ReceiveRingConsumer.endWait');
    Atomics.store(this.header, 2, 0);
  }

  /**
   * Ends the receive direction: {@link ReceiveRingConsumer.next} returns `RING_EOF` from now on and
   * Head becomes 0xFFFFFFFF (at once, or when the last outstanding packet is released), so the
   * writer's allocate returns `RING_EOF`. Idempotent; a no-op after the memory was freed.
   */
  abort(): void {
    const mem = this.mem;
    if (mem !== null && mem.freed) return;
    this.#abortWith('aborted by the caller');
  }
}
