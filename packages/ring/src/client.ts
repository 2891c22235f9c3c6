/**
 * The client (userspace) role: read the Send ring, write the Receive ring (spec 4.3-4.6).
 *
 * @module
 */
import { WintunError } from '@wintun-ts/abi';
import { checkRing, throwBadCount, throwBadOffset, throwBadSize, throwCorrupt, throwNotHandedOut, newRecordBitmap } from './internal.js';
import type { RingMemory } from './memory.js';
import { RING_EMPTY, RING_EOF, RING_FULL, RING_PAYLOAD_BIAS, throwClosed, type TunRing } from './ring.js';

const RELEASE_BIT = 0x80000000;

/**
 * Reads packets the driver put on the Send ring (wintun.dll's `WintunReceivePacket` /
 * `WintunReleaseReceivePacket`, spec 4.3-4.4), zero-copy: {@link SendRingReader.receive} returns
 * the offset of the payload in `ring.bytes`; the payload stays valid (and may be modified in place)
 * until it is released.
 *
 * Ownership: one reader per Send ring; it keeps the private Head, so two readers on one ring break
 * the protocol. Thread-safety: not thread-safe; use one instance on one thread (the shared memory
 * itself is accessed with `Atomics`, so the driver side may run on any other thread). Lifetime:
 * throws `ERR_WINTUN_CLOSED` once the ring's memory is freed.
 *
 * Every value read from shared memory is validated before it is used as an index, so a hostile or
 * buggy producer can make the reader fail but never read or write outside the ring.
 */
export class SendRingReader {
  /** The ring this reader consumes. */
  readonly ring: TunRing;
  private readonly mem: RingMemory | null;
  private readonly header: Int32Array;
  private readonly words: Uint32Array;
  private readonly cap: number;
  private readonly mask: number;
  private readonly handedOut: Uint8Array;
  private head: number;
  private headRelease: number;
  /** The Head value last stored to shared memory (this reader is Head's only writer). */
  private headPublished: number;
  /**
   * The Tail this reader last loaded (always < capacity). Records in `[head, tailSeen)` were
   * published by that acquire load, so they are read without loading Tail again.
   */
  private tailSeen: number;
  private toRelease = 0;
  private held = 0;
  private corrupt: string | null = null;
  private size = 0;

  /**
   * Starts reading at the ring's current Head (0 for fresh memory).
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `ring` is not a `TunRing`;
   *   `ERR_WINTUN_CLOSED` when the memory was freed.
   */
  constructor(ring: TunRing) {
    checkRing('new SendRingReader', ring);
    this.ring = ring;
    this.mem = ring.memory;
    this.header = ring.header;
    this.words = ring.words;
    this.cap = ring.capacity;
    this.mask = ring.capacity - 1;
    this.handedOut = newRecordBitmap(ring.capacity);
    const head = ring.loadHead();
    this.head = head;
    this.headRelease = head;
    this.headPublished = head;
    this.tailSeen = head;
    if (head < this.cap && (head & 3) !== 0) this.corrupt = `Head 0x${head.toString(16)} is not 4-aligned`;
  }

  /** Payload size of the packet {@link SendRingReader.receive} last returned. */
  get lastSize(): number {
    return this.size;
  }

  /** Packets handed out by {@link SendRingReader.receive} and not released yet. */
  get outstanding(): number {
    return this.held;
  }

  /**
   * Takes the next packet. Checks in this order: EOF (private Head, then the shared Tail, which
   * wins over unread packets), sticky corruption, empty, then the record itself.
   *
   * Tail is loaded (`Atomics.load`) only when the packets seen at the previous load are used up:
   * this reader is the only consumer, Tail only moves forward over fully written records, so every
   * record below the Tail it last loaded stays published. Consequence for EOF (spec 4.3 says the
   * sentinel wins over unread packets): packets that were already published when Tail was last
   * loaded are still handed out before the sentinel is seen, i.e. EOF is noticed at most one
   * Tail snapshot late (the packets of one driver batch at most, records that were complete before
   * the driver unregistered). Before loading Tail, a Head that {@link SendRingReader.releaseDeferred}
   * left unpublished is stored, so a reader that has caught up never holds back free space.
   *
   * @returns the payload offset in `ring.bytes` (size in {@link SendRingReader.lastSize}),
   *   `RING_EMPTY` (wait for the Send event and retry) or `RING_EOF` (the driver unregistered).
   * @throws WintunError `ERR_WINTUN_RING_CORRUPT` when the ring holds an impossible record; sticky:
   *   every later call throws it too (unless EOF). `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  receive(): number {
    const mem = this.mem;
    if (mem !== null && mem.freed) throwClosed('SendRingReader.receive');
    const head = this.head;
    if (head >= this.cap) return RING_EOF;
    let tail = this.tailSeen;
    // Caught up with the last snapshot (also the path of every call once corrupt: #fail keeps
    // tailSeen === head): load Tail again. Out of line, with every message of the slow paths, so
    // that this function stays small enough for V8 to inline it into the caller's loop.
    if (head === tail && (tail = this.#reload(head)) < 0) return tail;
    const mask = this.mask;
    const content = (tail - head) & mask;
    const size = this.words[head >>> 2] as number;
    const aligned = (size + 7) & ~3;
    if (content < 4 || size > 0xffff || aligned > content || ((head - this.headRelease) & mask) + aligned > this.cap - 4) {
      return this.#badRecord(content, size);
    }
    const unit = head >>> 2;
    this.handedOut[unit >>> 3]! |= 1 << (unit & 7);
    this.head = (head + aligned) & mask;
    this.toRelease++;
    this.held++;
    this.size = size;
    return head + RING_PAYLOAD_BIAS;
  }

  /**
   * The reader caught up with its Tail snapshot: publishes a deferred Head, then loads Tail.
   *
   * @returns the new Tail (> `head` in ring order), `RING_EOF` or `RING_EMPTY`.
   * @throws WintunError `ERR_WINTUN_RING_CORRUPT` when the ring was found corrupt before.
   */
  #reload(head: number): number {
    if (this.headRelease !== this.headPublished) {
      this.headPublished = this.headRelease;
      Atomics.store(this.header, 0, this.headRelease);
    }
    const tail = Atomics.load(this.header, 1) >>> 0;
    if (tail >= this.cap) return RING_EOF;
    if (this.corrupt !== null) throwCorrupt('SendRingReader.receive', this.corrupt);
    if (head === tail) return RING_EMPTY;
    this.tailSeen = tail;
    return tail;
  }

  /** The record at Head failed a check of {@link SendRingReader.receive}: says which, and fails. */
  #badRecord(content: number, size: number): never {
    const aligned = (size + 7) & ~3;
    if (content < 4) return this.#fail(`content ${content} < 4 bytes`);
    if (size > 0xffff) return this.#fail(`record Size 0x${size.toString(16)} > 0xFFFF`);
    if (aligned > content) return this.#fail(`record of ${aligned} bytes > content ${content}`);
    return this.#fail('unreleased packets would exceed the capacity');
  }

  #fail(reason: string): never {
    this.corrupt = reason;
    // Every later call takes the slow path, which checks EOF first and then throws again.
    this.tailSeen = this.head;
    throwCorrupt('SendRingReader.receive', reason);
  }

  /**
   * Releases a packet {@link SendRingReader.receive} returned; any order. Sets the release bit
   * (bit 31 of the record's Size), walks the released prefix (bounded by the number of packets
   * handed out, so stale bits in free space are never consumed), then stores the shared Head when
   * it moved. The payload must not be used afterwards.
   *
   * @throws WintunError `ERR_WINTUN_INVALID_STATE` for an offset that is not an outstanding packet
   *   (double or unknown release); `ERR_WINTUN_RING_CORRUPT` when the producer overwrote the Size
   *   of a handed-out record; `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  release(payloadOffset: number): void {
    const hr = this.#walkRelease(payloadOffset, 'SendRingReader.release');
    if (hr !== this.headPublished) {
      this.headPublished = hr;
      Atomics.store(this.header, 0, hr);
    }
  }

  /**
   * Releases a packet like {@link SendRingReader.release} but leaves the shared Head where it is:
   * the batch form, for a caller that releases several packets in a row and then calls
   * {@link SendRingReader.publishHead} once (one atomic store per batch instead of one per
   * packet). A deferred Head is also published by the next {@link SendRingReader.release}, and
   * by {@link SendRingReader.receive} before it loads Tail, so a reader that keeps reading never
   * holds back space; until then the driver sees the released space as still in use (it drops
   * packets that do not fit, it never waits).
   *
   * @throws WintunError as {@link SendRingReader.release}.
   */
  releaseDeferred(payloadOffset: number): void {
    this.#walkRelease(payloadOffset, 'SendRingReader.releaseDeferred');
  }

  /**
   * Releases, deferred, `count` packets that lie one after the other in the ring, the first at
   * `payloadOffset`: what `count` calls of {@link SendRingReader.releaseDeferred} in ring order do,
   * in one call that steps from record to record (the batch form `Session.drain` uses: the packets
   * one `receive` loop took in a row). Head is not stored; publish it as after `releaseDeferred`.
   * All or nothing: when one of the packets is not outstanding, nothing is released.
   *
   * @param payloadOffset - the offset {@link SendRingReader.receive} returned for the first packet.
   * @param count - how many packets, an integer >= 1; the run ends at the reader's Head at most.
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `count` is not an integer >= 1;
   *   `ERR_WINTUN_INVALID_STATE` (nothing released) for an offset that is not an outstanding
   *   packet, or a run that reaches a packet that is not outstanding or passes the last one
   *   received; `ERR_WINTUN_RING_CORRUPT` when the producer overwrote the Size of one of them
   *   (sticky); `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  releaseDeferredRun(payloadOffset: number, count: number): void {
    const what = 'SendRingReader.releaseDeferredRun';
    const mem = this.mem;
    if (mem !== null && mem.freed) throwClosed(what);
    const first = typeof payloadOffset === 'number' ? payloadOffset - RING_PAYLOAD_BIAS : -1;
    if ((first >>> 0) !== first || first >= this.cap || (first & 3) !== 0) throwBadOffset(what, payloadOffset, 'the offset of a received packet');
    if (typeof count !== 'number' || !(count >= 1) || count > 0x7fffffff || (count | 0) !== count) throwBadCount(what, count);
    const words = this.words;
    const handed = this.handedOut;
    const mask = this.mask;
    const head = this.head;
    const hr = this.headRelease;
    // The oldest packet first (the usual case): the run is consumed at once, nothing is marked.
    const inOrder = first === hr;
    let off = first;
    for (let i = 0; i < count; i++) {
      const unit = off >>> 2;
      const bit = 1 << (unit & 7);
      const b = handed[unit >>> 3] as number;
      const sz = (words[unit] as number) & 0x7fffffff;
      const aligned = (sz + 7) & ~3;
      if ((b & bit) === 0 || sz > 0xffff || aligned > ((head - off) & mask)) {
        this.#undoRun(first, i, inOrder);
        if ((b & bit) === 0) throwNotHandedOut(what, off + RING_PAYLOAD_BIAS, 'outstanding (released twice, never received, or past the last packet received)');
        this.#overwritten(what);
      }
      handed[unit >>> 3] = b & ~bit;
      if (!inOrder) words[unit] = (words[unit] as number) | RELEASE_BIT;
      off = (off + aligned) & mask;
    }
    this.held -= count;
    // Then every packet behind the run that was released out of order.
    if (inOrder) this.#walkReleased(off, this.toRelease - count, what);
  }

  /** Puts back the first `done` packets of a run that {@link SendRingReader.releaseDeferredRun} refused. */
  #undoRun(first: number, done: number, inOrder: boolean): void {
    const words = this.words;
    let off = first;
    for (let i = 0; i < done; i++) {
      const unit = off >>> 2;
      this.handedOut[unit >>> 3]! |= 1 << (unit & 7);
      const s = (words[unit] as number) & 0x7fffffff;
      if (!inOrder) words[unit] = s;
      off = (off + ((s + 7) & ~3)) & this.mask;
    }
  }

  /**
   * Stores the shared Head if released space was not published yet (after
   * {@link SendRingReader.releaseDeferred}).
   *
   * @returns true when Head was stored.
   * @throws WintunError `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  publishHead(): boolean {
    const mem = this.mem;
    if (mem !== null && mem.freed) throwClosed('SendRingReader.publishHead');
    const hr = this.headRelease;
    if (hr === this.headPublished) return false;
    this.headPublished = hr;
    Atomics.store(this.header, 0, hr);
    return true;
  }

  /** The producer overwrote the Size of a handed-out record: the ring is corrupt (sticky). */
  #overwritten(what: string): never {
    this.corrupt = 'the Size of a handed-out record was overwritten';
    this.tailSeen = this.head;
    throwCorrupt(what, this.corrupt);
  }

  /** Marks a packet released and walks the released prefix; returns the new release Head. */
  #walkRelease(payloadOffset: number, what: string): number {
    const mem = this.mem;
    if (mem !== null && mem.freed) throwClosed(what);
    const off = typeof payloadOffset === 'number' ? payloadOffset - RING_PAYLOAD_BIAS : -1;
    if ((off >>> 0) !== off || off >= this.cap || (off & 3) !== 0) {
      throwBadOffset(what, payloadOffset, 'the offset of a received packet');
    }
    const unit = off >>> 2;
    const bit = 1 << (unit & 7);
    const handed = this.handedOut;
    const b = handed[unit >>> 3] as number;
    if ((b & bit) === 0) throwNotHandedOut(what, payloadOffset, 'outstanding (released twice, or never received)');
    handed[unit >>> 3] = b & ~bit;
    this.held--;
    const words = this.words;
    const mask = this.mask;
    const head = this.head;
    let hr = this.headRelease;
    let n = this.toRelease;
    if (off === hr) {
      // The oldest packet (in-order release, the usual case): step over it at once, without
      // marking its Size in shared memory and reading it back.
      const sz = (words[unit] as number) & 0x7fffffff;
      const aligned = (sz + 7) & ~3;
      if (sz > 0xffff || aligned > ((head - hr) & mask)) this.#overwritten(what);
      hr = (hr + aligned) & mask;
      n--;
    } else {
      words[unit] = (words[unit] as number) | RELEASE_BIT;
    }
    // Then every packet behind it that was released out of order.
    return this.#walkReleased(hr, n, what);
  }

  /**
   * Steps the release Head from `hr` over the packets marked released there (at most `n`, the
   * packets still to release), checking each Size; stores both and returns the new release Head.
   */
  #walkReleased(hr: number, n: number, what: string): number {
    const words = this.words;
    const mask = this.mask;
    const head = this.head;
    while (n > 0) {
      const s = words[hr >>> 2] as number;
      if ((s & RELEASE_BIT) === 0) break;
      const sz = s & 0x7fffffff;
      const aligned = (sz + 7) & ~3;
      if (sz > 0xffff || aligned > ((head - hr) & mask)) this.#overwritten(what);
      hr = (hr + aligned) & mask;
      n--;
    }
    this.toRelease = n;
    this.headRelease = hr;
    return hr;
  }
}

/**
 * Writes packets for the driver into the Receive ring (wintun.dll's `WintunAllocateSendPacket` /
 * `WintunSendPacket`, spec 4.5-4.6), zero-copy: {@link ReceiveRingWriter.allocate} returns the
 * payload offset in `ring.bytes`, the caller writes the packet there, then
 * {@link ReceiveRingWriter.commit}s it. Allocation order is wire order; commits may come in any
 * order.
 *
 * Ownership: one writer per Receive ring (it keeps the private Tail). Thread-safety: not
 * thread-safe; one instance on one thread. Lifetime: throws `ERR_WINTUN_CLOSED` once the ring's
 * memory is freed.
 *
 * Memory ordering: commit publishes Tail with `Atomics.exchange`, a sequentially consistent
 * read-modify-write (x64 `xchg`, ARM64 `swpal`/`ldaxr`+`stlxr`), which is a full barrier, and only
 * then loads Alertable: this is the userspace half of the Dekker handshake of spec 4.7.
 */
export class ReceiveRingWriter {
  /** The ring this writer produces into. */
  readonly ring: TunRing;
  private readonly mem: RingMemory | null;
  private readonly header: Int32Array;
  private readonly words: Uint32Array;
  private readonly cap: number;
  private readonly mask: number;
  private readonly allocated: Uint8Array;
  private tail: number;
  private tailRelease: number;
  private published: number;
  private toRelease = 0;
  private uncommitted = 0;
  private corrupt: string | null = null;

  /**
   * Starts writing at the ring's current Tail (0 for fresh memory).
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when the Tail is not 4-aligned;
   *   `ERR_WINTUN_CLOSED` when the memory was freed; `ERR_WINTUN_INVALID_ARGUMENT` when `ring` is
   *   not a `TunRing`.
   */
  constructor(ring: TunRing) {
    checkRing('new ReceiveRingWriter', ring);
    this.ring = ring;
    this.mem = ring.memory;
    this.header = ring.header;
    this.words = ring.words;
    this.cap = ring.capacity;
    this.mask = ring.capacity - 1;
    this.allocated = newRecordBitmap(ring.capacity);
    const tail = ring.loadTail();
    if (tail < this.cap && (tail & 3) !== 0) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `ReceiveRingWriter: the ring's Tail 0x${tail.toString(16)} is not 4-aligned.`);
    }
    this.tail = tail;
    this.tailRelease = tail;
    this.published = tail;
  }

  /** Packets allocated and not committed yet. */
  get outstanding(): number {
    return this.uncommitted;
  }

  /**
   * Bytes available for records now: `wrap(Head - Tail - 4)`; 0 once the ring ended. A packet of
   * `n` bytes needs `align4(4 + n)`.
   *
   * @throws WintunError `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  get freeBytes(): number {
    const mem = this.mem;
    if (mem !== null && mem.freed) throwClosed('ReceiveRingWriter.freeBytes');
    const head = Atomics.load(this.header, 0) >>> 0;
    if (head >= this.cap || this.tail >= this.cap) return 0;
    return (head - this.tail - 4) & this.mask;
  }

  /**
   * Reserves a record for a packet of `size` bytes. The size is checked before the ring is
   * touched. The record counts as used (and blocks later packets from being published) until it
   * is committed.
   *
   * @param size - payload length, an integer in [0, 0xFFFF].
   * @returns the payload offset in `ring.bytes`, `RING_FULL` (drop the packet) or `RING_EOF`
   *   (the driver aborted or unregistered: restart the session).
   * @throws WintunError `ERR_WINTUN_PACKET_TOO_LARGE` (size > 0xFFFF), `ERR_WINTUN_INVALID_ARGUMENT`
   *   (negative, fractional, not a number), `ERR_WINTUN_RING_CORRUPT` (sticky, after a commit found
   *   an overwritten record), `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  allocate(size: number): number {
    if (typeof size !== 'number' || (size & 0xffff) !== size) throwBadSize('ReceiveRingWriter.allocate', size);
    const mem = this.mem;
    if (mem !== null && mem.freed) throwClosed('ReceiveRingWriter.allocate');
    if (this.corrupt !== null) throwCorrupt('ReceiveRingWriter.allocate', this.corrupt);
    const tail = this.tail;
    const cap = this.cap;
    if (tail >= cap) return RING_EOF;
    const head = Atomics.load(this.header, 0) >>> 0;
    if (head >= cap) return RING_EOF;
    const mask = this.mask;
    const aligned = (size + 7) & ~3;
    if (aligned > ((head - tail - 4) & mask)) return RING_FULL;
    // Never lap our own uncommitted records, whatever Head says.
    if (((tail - this.tailRelease) & mask) + aligned > cap - 4) return RING_FULL;
    this.words[tail >>> 2] = size | RELEASE_BIT;
    const unit = tail >>> 2;
    this.allocated[unit >>> 3]! |= 1 << (unit & 7);
    this.tail = (tail + aligned) & mask;
    this.toRelease++;
    this.uncommitted++;
    return tail + RING_PAYLOAD_BIAS;
  }

  /**
   * Commits an allocated packet (clears bit 31 of its Size) and publishes the committed prefix:
   * only when the published Tail changes (this writer is Tail's only writer, so it compares with the
   * value it last stored), it stores Tail, fences and loads Alertable. A packet behind
   * an uncommitted earlier one stays invisible until that one is committed.
   *
   * @returns true when the driver is alertable: set the Receive ring's TailMoved event now.
   * @throws WintunError `ERR_WINTUN_INVALID_STATE` for an offset that is not an allocated,
   *   uncommitted packet; `ERR_WINTUN_RING_CORRUPT` when the Size of an allocated record was
   *   overwritten (sticky); `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  commit(payloadOffset: number): boolean {
    const tr = this.#walkCommit(payloadOffset, 'ReceiveRingWriter.commit');
    // This writer is the only writer of Tail, so its last published value stands for the shared one.
    if (tr === this.published) return false;
    this.published = tr;
    const header = this.header;
    Atomics.exchange(header, 1, tr);
    return Atomics.load(header, 2) !== 0;
  }

  /**
   * Commits an allocated packet like {@link ReceiveRingWriter.commit} but does not publish Tail:
   * the batch form. Commit the packets of a batch with this, then call
   * {@link ReceiveRingWriter.publish} once: one Tail store, fence and Alertable load per batch
   * instead of one per packet. Until then the driver does not see the packets (a later
   * {@link ReceiveRingWriter.commit} publishes them too).
   *
   * @throws WintunError as {@link ReceiveRingWriter.commit}.
   */
  commitDeferred(payloadOffset: number): void {
    this.#walkCommit(payloadOffset, 'ReceiveRingWriter.commitDeferred');
  }

  /**
   * Publishes every committed packet not published yet (after
   * {@link ReceiveRingWriter.commitDeferred}): when the committed prefix moved, stores Tail, fences
   * (the store is an `Atomics.exchange`) and loads Alertable, as {@link ReceiveRingWriter.commit}.
   *
   * @returns true when the driver is alertable: set the Receive ring's TailMoved event now.
   * @throws WintunError `ERR_WINTUN_CLOSED` after the memory was freed.
   */
  publish(): boolean {
    const mem = this.mem;
    if (mem !== null && mem.freed) throwClosed('ReceiveRingWriter.publish');
    const tr = this.tailRelease;
    if (tr === this.published) return false;
    this.published = tr;
    const header = this.header;
    Atomics.exchange(header, 1, tr);
    return Atomics.load(header, 2) !== 0;
  }

  /** Clears a packet's allocated bit and walks the committed prefix; returns the new release Tail. */
  #walkCommit(payloadOffset: number, what: string): number {
    const mem = this.mem;
    if (mem !== null && mem.freed) throwClosed(what);
    const off = typeof payloadOffset === 'number' ? payloadOffset - RING_PAYLOAD_BIAS : -1;
    if ((off >>> 0) !== off || off >= this.cap || (off & 3) !== 0) {
      throwBadOffset(what, payloadOffset, 'the offset of an allocated packet');
    }
    const unit = off >>> 2;
    const bit = 1 << (unit & 7);
    const allocated = this.allocated;
    const b = allocated[unit >>> 3] as number;
    if ((b & bit) === 0) throwNotHandedOut(what, payloadOffset, 'allocated (committed twice, or never allocated)');
    allocated[unit >>> 3] = b & ~bit;
    this.uncommitted--;
    const words = this.words;
    words[unit] = (words[unit] as number) & 0x7fffffff;
    const mask = this.mask;
    const tail = this.tail;
    let tr = this.tailRelease;
    let n = this.toRelease;
    while (n > 0) {
      const s = words[tr >>> 2] as number;
      if ((s & RELEASE_BIT) !== 0) break;
      const aligned = (s + 7) & ~3;
      if (s > 0xffff || aligned > ((tail - tr) & mask)) {
        this.corrupt = 'the Size of an allocated record was overwritten';
        throwCorrupt(what, this.corrupt);
      }
      tr = (tr + aligned) & mask;
      n--;
    }
    this.toRelease = n;
    this.tailRelease = tr;
    return tr;
  }
}
