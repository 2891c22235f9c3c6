/**
 * The send path of a `Session`: `allocateSend` + commit (zero-copy), `send`, `sendWith` +
 * `flushSends`, `sendMany`, `waitForSpace`. Every argument is checked before the Receive ring is
 * touched, so a bad call changes nothing; a reserved record is always settled: committed, or
 * published as a record the driver discards (its first byte zeroed, so it is not an IP packet),
 * never left to wedge the ring and never carrying stale ring bytes to the wire. Internal: not
 * exported.
 *
 * @module
 */
import { RING_EOF, RING_FULL, ReceiveRingWriter, WintunError, tunPacketAlign } from '@wintun-ts/ring';
import type { TunRing } from '@wintun-ts/ring';
import type { AutoResetEvent } from '../events/types.js';
import { EPB_FLAG_INBOUND } from '../capture/pcapng.js';
import { type SessionCore, checkFunction, checkPacket, checkSize, checkWaitOptions, invalid, now, sessionError } from './core.js';
import type { DllPacket, DllPackets } from './dll.js';
import type { OldDriverGuard } from './guard.js';
import type { ReceiveOptions, SendSlot } from './types.js';

/** Throws the argument error of a `sendWith` call whose arguments failed the one-test check. */
function badSendWith(size: unknown, fill: unknown, more: unknown): never {
  checkSize('Session.sendWith', size);
  checkFunction('Session.sendWith', 'fill', fill);
  invalid(`Session.sendWith: more must be a boolean, got ${typeof more}.`);
}

/** The callback of `sendWith`: write the packet into `bytes[offset .. offset + length)`. */
export type FillCallback = (bytes: Uint8Array, offset: number, length: number) => void;

/**
 * The send path. One per session; main thread only. Slots are settled exactly once: `commit()`,
 * `discard()`, or, for a slot the user dropped unsettled, a discard when the garbage collector finds
 * it (so a forgotten slot cannot hold every later packet back for ever).
 */
export class Sender {
  /** The Receive ring writer (rings engine); null with the 'dll' engine. */
  readonly writer: ReceiveRingWriter | null;
  /** The DLL's packets ('dll' engine); null with the rings engine. */
  readonly #dll: DllPackets | null;
  readonly #core: SessionCore;
  readonly #ring: TunRing | null;
  /** `ring.bytes` (null with the 'dll' engine). */
  readonly #bytes: Uint8Array | null;
  readonly #writeEvent: AutoResetEvent;
  readonly #guard: OldDriverGuard;
  readonly #spaceWaiters = new Set<(error: unknown) => void>();
  /** Discards a slot the user dropped unsettled (held value: `offset * 0x10000 + size`). */
  readonly #dropped = new FinalizationRegistry<number>((held) => {
    if (this.#core.state !== 'open') return;
    try {
      this.#discard(Math.floor(held / 0x10000), held % 0x10000, true);
    } catch {
      // The ring ended: nothing to settle.
    }
  });
  /** 'dll' engine: discards a slot the user dropped unsettled. */
  readonly #droppedDll = new FinalizationRegistry<DllPacket>((p) => {
    if (this.#core.state !== 'open') return;
    this.#dll?.discard(p);
    this.#core.stats.sendDiscards++;
  });

  /** Exactly one of `ring` (rings engine) and `dll` ('dll' engine) is given. */
  constructor(core: SessionCore, ring: TunRing | null, writeEvent: AutoResetEvent, guard: OldDriverGuard, dll: DllPackets | null = null) {
    this.#core = core;
    this.#ring = ring;
    this.#bytes = ring === null ? null : ring.bytes;
    this.#dll = dll;
    this.writer = ring === null ? null : new ReceiveRingWriter(ring);
    this.#writeEvent = writeEvent;
    this.#guard = guard;
  }

  allocateSend(size: number): SendSlot | null {
    checkSize('Session.allocateSend', size);
    this.#core.checkOpen();
    if (this.#dll !== null) {
      const p = this.#dllAllocate(this.#dll, size);
      if (p === null) {
        this.#core.stats.sendFull++;
        return null;
      }
      return this.#dllSlot(this.#dll, p);
    }
    const offset = this.#allocate(size);
    if (offset === RING_FULL) {
      this.#core.stats.sendFull++;
      return null;
    }
    return this.#slot(offset, size);
  }

  send(packet: Uint8Array): boolean {
    checkPacket('Session.send', packet);
    this.#core.checkOpen();
    const size = packet.byteLength;
    if (this.#dll !== null) return this.#dllSend(this.#dll, packet);
    const offset = this.#allocate(size);
    if (offset === RING_FULL) {
      this.#core.stats.sendDrops++;
      return false;
    }
    if (size > 0) this.#ring!.bytes.set(packet, offset);
    this.#commit(offset, size);
    return true;
  }

  sendWith(size: number, fill: FillCallback, more: boolean | undefined): boolean {
    // One test for the usual arguments; the checks that name the bad one run only when it fails.
    if (typeof size !== 'number' || (size & 0xffff) !== size || typeof fill !== 'function' || (more !== undefined && typeof more !== 'boolean')) {
      badSendWith(size, fill, more);
    }
    const core = this.#core;
    if (core.state !== 'open') core.checkOpen();
    if (this.#dll !== null) return this.#dllSendWith(this.#dll, size, fill);
    const offset = this.#allocate(size);
    if (offset === RING_FULL) {
      core.stats.sendDrops++;
      return false;
    }
    const bytes = this.#bytes!;
    try {
      fill(bytes, offset, size);
    } catch (error) {
      // The ring cannot take an allocation back: publish the record as one the driver discards.
      if (core.usable) this.#discard(offset, size, more !== true);
      throw error;
    }
    if (core.state === 'closed') return false; // fill closed the session and its ring
    if (more === true) {
      const tap = core.tap;
      if (tap !== null) tap.record(EPB_FLAG_INBOUND, bytes, offset, size);
      this.writer!.commitDeferred(offset);
      const stats = core.stats;
      stats.packetsSent++;
      stats.bytesSent += size;
    } else {
      this.#commit(offset, size);
    }
    return true;
  }

  flushSends(): void {
    this.#core.checkOpen();
    // 'dll' engine: WintunSendPacket publishes every packet at once; nothing is deferred.
    if (this.writer === null) return;
    if (this.writer.publish()) {
      this.#core.stats.writeSignals++;
      this.#writeEvent.set();
    }
    this.#guard.afterCommit();
  }

  sendMany(packets: readonly Uint8Array[]): number {
    if (!Array.isArray(packets)) invalid(`Session.sendMany: packets must be an array of Uint8Array, got ${packets === null ? 'null' : typeof packets}.`);
    // Every packet is checked before the first one is written: a bad element changes nothing.
    for (let i = 0; i < packets.length; i++) checkPacket(`Session.sendMany (packet ${i})`, packets[i]);
    this.#core.checkOpen();
    if (this.#dll !== null) {
      let n = 0;
      while (n < packets.length && this.#dllSend(this.#dll, packets[n]!)) n++;
      // #dllSend counted the drop of the packet that found the ring full.
      this.#core.stats.sendDrops += packets.length - n - (n < packets.length ? 1 : 0);
      return n;
    }
    let sent = 0;
    const writer = this.writer!;
    const bytes = this.#ring!.bytes;
    const tap = this.#core.tap;
    let total = 0;
    try {
      for (let i = 0; i < packets.length; i++) {
        const packet = packets[i]!;
        const size = packet.byteLength;
        const offset = this.#allocate(size);
        if (offset === RING_FULL) break;
        if (size > 0) bytes.set(packet, offset);
        if (tap !== null) tap.record(EPB_FLAG_INBOUND, bytes, offset, size);
        // Commit now, publish once for the whole batch (one Tail store, fence and Alertable load).
        writer.commitDeferred(offset);
        total += size;
        sent++;
      }
    } finally {
      const stats = this.#core.stats;
      if (sent > 0 && writer.publish()) {
        stats.writeSignals++;
        this.#writeEvent.set();
      }
      stats.packetsSent += sent;
      stats.bytesSent += total;
    }
    this.#core.stats.sendDrops += packets.length - sent;
    if (sent > 0) this.#guard.afterCommit();
    return sent;
  }

  /** Free bytes of the Receive ring; NaN with the 'dll' engine (the DLL does not show its ring). */
  get freeBytes(): number {
    if (this.writer === null) return Number.NaN;
    return this.#core.usable ? this.writer.freeBytes : 0;
  }

  waitForSpace(size: number, options: ReceiveOptions | undefined): Promise<void> {
    try {
      checkSize('Session.waitForSpace', size);
      checkWaitOptions('Session.waitForSpace', options);
      this.#core.checkOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    const need = this.#dll === null ? tunPacketAlign(size) : size;
    try {
      if (this.#spaceFor(need)) return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
    const core = this.#core;
    return new Promise<void>((resolve, reject) => {
      const signal = options?.signal;
      const timeout = options?.timeout;
      const deadline = timeout === undefined ? Infinity : now() + timeout;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let immediate: ReturnType<typeof setImmediate> | undefined;
      let done = false;
      const finish = (error?: unknown): void => {
        if (done) return;
        done = true;
        if (timer !== undefined) clearTimeout(timer);
        if (immediate !== undefined) clearImmediate(immediate);
        signal?.removeEventListener('abort', onAbort);
        this.#spaceWaiters.delete(finish);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = (): void => finish(sessionError('ERR_WINTUN_ABORTED', 'waitForSpace was aborted.', signal?.reason));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#spaceWaiters.add(finish);
      let round = 0;
      const poll = (): void => {
        immediate = undefined;
        timer = undefined;
        if (done) return;
        try {
          core.checkOpen();
          if (this.#spaceFor(need)) return finish();
        } catch (error) {
          return finish(error);
        }
        if (now() >= deadline) return finish(sessionError('ERR_WINTUN_TIMEOUT', `No room for a ${size}-byte packet within ${String(timeout)} ms.`));
        round++;
        if (round <= 16) immediate = core.timer(setImmediate(poll));
        else timer = core.timer(setTimeout(poll, 1));
      };
      // First a short spin: the driver usually frees space within microseconds under load.
      const spinEnd = now() + 0.02;
      try {
        while (now() < spinEnd) {
          if (this.#spaceFor(need)) return finish();
        }
      } catch (error) {
        return finish(error);
      }
      poll();
    });
  }

  /** Rejects every pending `waitForSpace` with `error`. */
  failAll(error: unknown): void {
    for (const finish of [...this.#spaceWaiters]) finish(error);
  }

  #allocate(size: number): number {
    const offset = this.writer!.allocate(size);
    if (offset === RING_EOF) {
      const e = sessionError('ERR_WINTUN_EOF', 'The driver ended the Receive ring (Head = 0xFFFFFFFF): restart the session.');
      this.#core.enterFinal('eof', e);
      throw e;
    }
    return offset;
  }

  #slot(offset: number, size: number): SendSlot {
    let settled = false;
    const settle = (): void => {
      if (settled) throw sessionError('ERR_WINTUN_INVALID_STATE', 'This slot was already committed or discarded.');
      settled = true;
      this.#dropped.unregister(slot);
    };
    const slot: SendSlot = {
      data: this.#ring!.bytes.subarray(offset, offset + size),
      length: size,
      commit: () => {
        settle();
        if (!this.#core.usable || this.#core.state === 'closing') throw sessionError('ERR_WINTUN_CLOSED', 'The session was closed; the slot was not sent.');
        this.#commit(offset, size);
      },
      discard: () => {
        if (settled) return;
        settle();
        if (this.#core.state === 'open') this.#discard(offset, size, true);
      },
    };
    this.#dropped.register(slot, offset * 0x10000 + size, slot);
    return slot;
  }

  /** Publishes a reserved record as one the driver discards (first byte 0: not IP). */
  #discard(offset: number, size: number, publish: boolean): void {
    if (size > 0) this.#ring!.bytes[offset] = 0;
    this.#core.stats.sendDiscards++;
    if (!publish) {
      this.writer!.commitDeferred(offset);
      return;
    }
    if (this.writer!.commit(offset)) {
      this.#core.stats.writeSignals++;
      this.#writeEvent.set();
    }
    this.#guard.afterCommit();
  }

  #commit(offset: number, size: number): void {
    const core = this.#core;
    const stats = core.stats;
    const tap = core.tap;
    if (tap !== null) tap.record(EPB_FLAG_INBOUND, this.#bytes!, offset, size);
    if (this.writer!.commit(offset)) {
      stats.writeSignals++;
      this.#writeEvent.set();
    }
    stats.packetsSent++;
    stats.bytesSent += size;
    this.#guard.afterCommit();
  }

  /**
   * Room for `need` bytes? The 'dll' engine cannot look at the ring: it probes with
   * `WintunAllocateSendPacket(need)` and gives a successful probe back as a record the driver
   * drops (counted in `sendDiscards`).
   */
  #spaceFor(need: number): boolean {
    const dll = this.#dll;
    if (dll === null) return this.writer!.freeBytes >= need;
    const p = this.#dllAllocate(dll, need);
    if (p === null) return false;
    dll.discard(p);
    this.#core.stats.sendDiscards++;
    return true;
  }

  /** 'dll' engine allocation: null when full; the DLL's EOF becomes the session's final state. */
  #dllAllocate(dll: DllPackets, size: number): DllPacket | null {
    try {
      return dll.allocate(size);
    } catch (error) {
      if (error instanceof WintunError && error.code === 'ERR_WINTUN_EOF') {
        const e = sessionError('ERR_WINTUN_EOF', 'The driver ended the session (WintunAllocateSendPacket: ERROR_HANDLE_EOF): restart the session.', error);
        this.#core.enterFinal('eof', e);
        throw e;
      }
      throw error;
    }
  }

  /** 'dll' engine: hands a filled packet to `WintunSendPacket` (the capture tap sees it first). */
  #dllPublish(dll: DllPackets, p: DllPacket): void {
    const tap = this.#core.tap;
    if (tap !== null) tap.record(EPB_FLAG_INBOUND, p.bytes, 0, p.bytes.byteLength);
    dll.send(p);
  }

  /** 'dll' engine `send`: allocate, copy, `WintunSendPacket`. */
  #dllSend(dll: DllPackets, packet: Uint8Array): boolean {
    const size = packet.byteLength;
    const p = this.#dllAllocate(dll, size);
    if (p === null) {
      this.#core.stats.sendDrops++;
      return false;
    }
    if (size > 0) p.bytes.set(packet);
    this.#dllPublish(dll, p);
    this.#core.stats.packetsSent++;
    this.#core.stats.bytesSent += size;
    return true;
  }

  /** 'dll' engine `sendWith`: `more` changes nothing (the DLL publishes every packet). */
  #dllSendWith(dll: DllPackets, size: number, fill: FillCallback): boolean {
    const p = this.#dllAllocate(dll, size);
    if (p === null) {
      this.#core.stats.sendDrops++;
      return false;
    }
    try {
      fill(p.bytes, 0, size);
    } catch (error) {
      if (this.#core.usable) {
        dll.discard(p);
        this.#core.stats.sendDiscards++;
      }
      throw error;
    }
    if (!this.#core.usable || this.#core.state === 'closing') {
      dll.discard(p);
      return false;
    }
    this.#dllPublish(dll, p);
    this.#core.stats.packetsSent++;
    this.#core.stats.bytesSent += size;
    return true;
  }

  /** 'dll' engine slot: `data` is the DLL's packet memory (detached once settled or closed). */
  #dllSlot(dll: DllPackets, p: DllPacket): SendSlot {
    let settled = false;
    const size = p.bytes.byteLength;
    const settle = (): void => {
      if (settled) throw sessionError('ERR_WINTUN_INVALID_STATE', 'This slot was already committed or discarded.');
      settled = true;
      this.#droppedDll.unregister(slot);
    };
    const slot: SendSlot = {
      data: p.bytes,
      length: size,
      commit: () => {
        settle();
        if (!this.#core.usable || this.#core.state === 'closing') {
          dll.discard(p);
          throw sessionError('ERR_WINTUN_CLOSED', 'The session was closed; the slot was not sent.');
        }
        this.#dllPublish(dll, p);
        this.#core.stats.packetsSent++;
        this.#core.stats.bytesSent += size;
      },
      discard: () => {
        if (settled) return;
        settle();
        if (this.#core.state === 'open') {
          dll.discard(p);
          this.#core.stats.sendDiscards++;
        }
      },
    };
    this.#droppedDll.register(slot, p, slot);
    return slot;
  }
}
