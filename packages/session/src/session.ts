/**
 * {@link Session}: the client side of a Wintun registration (two rings, two auto-reset events and a
 * link to whatever plays the driver) with wait/alert semantics for JavaScript.
 *
 * This file is the façade and the lifetime (construction, close, unref). The parts live in
 * `session/`: `types.ts` (the contract and everything handed out), `core.ts` (shared state and
 * argument checks), `receiver.ts` (leases, drain, waiting calls and the pump), `batches.ts` (the
 * async iterator), `sender.ts` (the send forms) and `guard.ts` (the old-driver guard).
 *
 * @module
 */
import { WintunError } from '@wintun-ts/ring';
import type { RingMemory, TunRing } from '@wintun-ts/ring';
import type { AutoResetEvent } from './events/types.js';
import type { DriverStats } from './driver/stats.js';
import { BATCH_MAX_LIMIT, BatchIterator } from './session/batches.js';
import { SessionCore, checkMax, checkOptionsBag, invalid, sessionError } from './session/core.js';
import { checkBackend, parseOptions } from './session/options.js';
import { OldDriverGuard } from './session/guard.js';
import { Receiver } from './session/receiver.js';
import type { DrainCallback } from './session/receiver.js';
import { Sender } from './session/sender.js';
import { startCapture, type CaptureHandle, type CaptureOptions } from './capture/attach.js';
import { DllPackets, checkDllBackend, isDllBackend } from './session/dll.js';
import type { DllSessionBackend } from './session/dll.js';
import type { FillCallback } from './session/sender.js';
import type {
  BatchOptions,
  DriverLink,
  PacketBatch,
  ReceiveIntoOptions,
  ReceiveOptions,
  ReceivedPacket,
  SendSlot,
  SessionBackend,
  SessionOptions,
  SessionStats,
} from './session/types.js';

export type {
  BatchOptions,
  DriverLink,
  PacketBatch,
  ReceiveIntoOptions,
  ReceiveOptions,
  ReceivedPacket,
  SendSlot,
  SessionBackend,
  SessionOptions,
  SessionStats,
} from './session/types.js';
export type { DllSessionBackend, WintunSessionCalls } from './session/dll.js';

/** How a session reaches the driver: `'rings'` (rings this process registered) or `'dll'` (wintun.dll's session exports). */
export type SessionEngine = 'rings' | 'dll';

/**
 * Sessions whose driver side may still use their ring memory (from construction until the link
 * closed). Ring memory is reclaimed by the garbage collector once no view of it is reachable; the
 * driver (a kernel driver or a worker that attached the address) is invisible to the collector, so
 * this set keeps every such session, and with it its memory, reachable.
 */
const driverHeld = new Set<Session>();

/**
 * A Wintun session over two rings: receive what the driver produced in the Send ring and send
 * into the Receive ring, with Wintun's wait/alert protocol, cancellation and an orderly close.
 *
 * Built by the adapter layer (`Adapter.startSession`) or by the test drivers of
 * `@wintun-ts/session/testing`; the constructor is for backends.
 *
 * Receiving has three forms: a lease ({@link Session.tryReceive}/{@link Session.receive}, zero-copy,
 * released by the caller, may outlive the call), a zero-allocation batch callback
 * ({@link Session.drain}/{@link Session.receiveInto}, `(bytes, offset, length)` valid during the
 * call), and one async iterator (`for await (const batch of session)` or
 * {@link Session.batches}, a reused {@link PacketBatch} valid until the loop advances). Waiting
 * calls are served in call order.
 *
 * Sending: {@link Session.send}, {@link Session.sendMany}, {@link Session.sendWith} (+
 * {@link Session.flushSends}), {@link Session.allocateSend} + `commit()`; a full ring is a return
 * value, never an error; {@link Session.waitForSpace} polls (Wintun has no space signal). Every
 * argument is checked before the ring is touched (`ERR_WINTUN_INVALID_ARGUMENT`,
 * `ERR_WINTUN_PACKET_TOO_LARGE`): a bad call changes nothing.
 *
 * Lifetime: an open session keeps the process alive, as a socket does, while a call waits on it;
 * {@link Session.unref} lets the process exit anyway. {@link Session.close} is idempotent. Memory
 * safety does not depend on the caller: ring memory is never freed while any view of it (a lease,
 * a slot, a stashed `bytes`) is reachable, so no sequence of calls, in any order, touches freed
 * memory; calls after close throw `ERR_WINTUN_CLOSED` (a lease's `release()` and a slot's
 * `discard()` do nothing then).
 *
 * Thread-safety: a session belongs to the thread that created it (normally the main thread); the
 * driver side runs elsewhere and meets it only through ring memory and events.
 *
 * Errors: `ERR_WINTUN_EOF` once the driver ended the session (final; iteration just ends),
 * `ERR_WINTUN_RING_CORRUPT` when the Send ring holds a forbidden value (sticky; close the session),
 * `ERR_WINTUN_CLOSED` after {@link Session.close}, `ERR_WINTUN_WORKER_FAILED` when the driver
 * side failed, `ERR_WINTUN_INVALID_ARGUMENT` for a bad argument.
 */
export class Session implements AsyncDisposable {
  /** Live counters; see {@link SessionStats}. */
  readonly stats: SessionStats;
  /** Resolves once {@link Session.close} has finished (driver stopped, memory released). Never rejects. */
  readonly closed: Promise<void>;

  readonly #core = new SessionCore();
  readonly #receiver: Receiver;
  readonly #sender: Sender;
  readonly #guard: OldDriverGuard;
  readonly #send: TunRing | null;
  readonly #readEvent: AutoResetEvent;
  readonly #writeEvent: AutoResetEvent | null;
  readonly #dll: DllPackets | null;
  readonly #link: DriverLink;
  readonly #memory: RingMemory | undefined;
  readonly #ownsEvents: boolean;
  readonly #driverStats: DriverStats | null;
  #resolveClosed!: () => void;
  #closing: Promise<void> | null = null;

  /**
   * Builds a session over a registered ring pair (the rings engine), or over a session of
   * wintun.dll (a {@link DllSessionBackend}, the 'dll' engine). The session owns the backend from now on.
   *
   * @param backend - rings, events, driver link and (optionally) the memory to release; or the
   *   DLL session's calls, handle, view function, read event and link.
   * @param options - wait bound, spin policy, old-driver guard.
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a malformed backend or option (nothing
   *   is taken over then); `ERR_WINTUN_CLOSED` when the ring memory was already freed.
   */
  constructor(backend: SessionBackend | DllSessionBackend, options: SessionOptions = {}) {
    const core = this.#core;
    this.stats = core.stats;
    if (isDllBackend(backend)) {
      checkDllBackend(backend);
      const { waitMs } = parseOptions(options);
      const dll = new DllPackets(backend);
      this.#dll = dll;
      this.#send = null;
      this.#readEvent = backend.readEvent;
      this.#writeEvent = null;
      this.#link = backend.link;
      this.#memory = undefined;
      this.#ownsEvents = false;
      this.#driverStats = null;
      // The DLL signals its driver itself; the rings are the DLL's: no spin, no guard.
      this.#guard = new OldDriverGuard(core, null, backend.readEvent, 0, 0);
      this.#receiver = new Receiver(core, null, backend.readEvent, { waitMs, gate: null, spinGate: null }, dll);
      this.#sender = new Sender(core, null, backend.readEvent, this.#guard, dll);
    } else {
      checkBackend(backend);
      const { waitMs, gate, spinGate, stallMs, intervalMs } = parseOptions(options);
      this.#dll = null;
      this.#send = backend.rings.send;
      this.#readEvent = backend.readEvent;
      this.#writeEvent = backend.writeEvent;
      this.#link = backend.link;
      this.#memory = backend.memory;
      this.#ownsEvents = backend.ownsEvents ?? true;
      this.#driverStats = backend.driverStats ?? null;
      this.#guard = new OldDriverGuard(core, backend.rings.receive, backend.writeEvent, stallMs, intervalMs);
      this.#receiver = new Receiver(core, backend.rings.send, backend.readEvent, { waitMs, gate, spinGate });
      this.#sender = new Sender(core, backend.rings.receive, backend.writeEvent, this.#guard);
    }
    core.enterFinal = (state, error) => this.#enterFinal(state, error);
    this.closed = new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });
    driverHeld.add(this);
    if (backend.link.failed !== undefined) {
      backend.link.failed.catch((cause: unknown) => {
        if (core.state !== 'open' && core.state !== 'eof') return;
        const error =
          cause instanceof WintunError ? cause : sessionError('ERR_WINTUN_WORKER_FAILED', 'The driver side of the session failed.', cause);
        this.#enterFinal('failed', error);
      });
    }
  }

  /**
   * The engine in use: `'rings'` (rings this process registered with the driver) or `'dll'`
   * (wintun.dll's session exports; `Adapter.startSession({ engine: 'auto' })` falls back to it).
   */
  get engine(): SessionEngine {
    return this.#dll === null ? 'rings' : 'dll';
  }

  /** True while the session accepts calls (not closed, not ended by the driver). */
  get isOpen(): boolean {
    return this.#core.state === 'open';
  }

  /** The read event (Send ring `TailMoved`), for callers that integrate their own waits. Owned by the session. */
  get readEvent(): AutoResetEvent {
    return this.#readEvent;
  }

  /**
   * Live counters of the driver side (the workers that play the driver on Linux and in the test
   * driver), or null where the platform keeps none of its own (Windows).
   */
  get driverStats(): DriverStats | null {
    return this.#driverStats;
  }

  /** Leases handed out by {@link Session.tryReceive}/{@link Session.receive} and not released yet. */
  get outstandingPackets(): number {
    return this.#receiver.outstanding;
  }

  // ---------------------------------------------------------------- lifetime of the process

  /**
   * Lets the process exit while this session is open, as `socket.unref()` does: the session's own
   * waits (the read-event wait behind pending receive calls and loops, their timeouts,
   * `waitForSpace` polls) stop keeping the event loop alive, and the driver link is asked to do
   * the same (`DriverLink.unref`). Idempotent; {@link Session.ref} undoes it. Applies to waits and
   * timers started from now on (a wait in progress ends within one wait bound, `waitTimeoutMs`).
   *
   * @returns this session.
   */
  unref(): this {
    this.#core.keepAlive = false;
    this.#link.unref?.();
    return this;
  }

  /**
   * Undoes {@link Session.unref}: waits on the session keep the process alive again. Idempotent.
   *
   * @returns this session.
   */
  ref(): this {
    this.#core.keepAlive = true;
    this.#link.ref?.();
    return this;
  }

  // ---------------------------------------------------------------- receive

  /**
   * Takes the next packet without waiting (zero-copy lease; release it, or use `using`).
   *
   * @returns the packet, or null when the ring is empty (nothing changes) or while waiting receive
   *   calls are queued (they are served first, in call order).
   * @throws WintunError `ERR_WINTUN_EOF` (driver ended the session), `ERR_WINTUN_RING_CORRUPT`
   *   (sticky), `ERR_WINTUN_CLOSED`, `ERR_WINTUN_WORKER_FAILED`.
   */
  tryReceive(): ReceivedPacket | null {
    return this.#receiver.tryReceive();
  }

  /**
   * Waits for the next packet (zero-copy lease; release it). Waiting calls are served in call order.
   * A cancelled or timed-out call takes no packet: the next packet stays in the ring for the next call.
   *
   * @param options - `signal` (an `AbortSignal`) and `timeout` (ms); checked first.
   * @throws WintunError (rejection) `ERR_WINTUN_INVALID_ARGUMENT` (bad options),
   *   `ERR_WINTUN_ABORTED`, `ERR_WINTUN_TIMEOUT`, `ERR_WINTUN_EOF`, `ERR_WINTUN_RING_CORRUPT`,
   *   `ERR_WINTUN_CLOSED` (close() rejects pending calls at once), `ERR_WINTUN_WORKER_FAILED`.
   */
  receive(options?: ReceiveOptions): Promise<ReceivedPacket> {
    return this.#receiver.receive(options);
  }

  /**
   * Zero-allocation receive: calls `fn(bytes, offset, length)` for up to `max` packets that are
   * ready now, then releases each one when `fn` returns. `bytes` is the whole Send ring; the packet
   * is `bytes[offset .. offset + length)`, valid only during the call (a stashed `bytes` stays
   * memory-safe, but the driver reuses the space). `fn` may close the session: the call then stops
   * after that packet.
   *
   * @param fn - called once per packet, synchronously. If it throws, that packet is still released
   *   and the error propagates.
   * @param max - most packets to hand out, an integer >= 1 (default: all that are ready).
   * @returns the number of packets handed out (0 when the ring is empty).
   * @throws WintunError as {@link Session.tryReceive}; `ERR_WINTUN_INVALID_ARGUMENT` for a bad `fn`/`max`.
   */
  drain(fn: (bytes: Uint8Array, offset: number, length: number) => void, max: number = Infinity): number {
    return this.#receiver.drain(fn as DrainCallback, max);
  }

  /**
   * Waits until at least one packet is there, then behaves as {@link Session.drain}.
   *
   * @param options - `signal`, `timeout` and `max` (default `Infinity`).
   * @returns a promise for the number of packets handed out (>= 1).
   * @throws WintunError (rejection) as {@link Session.receive}.
   */
  receiveInto(fn: (bytes: Uint8Array, offset: number, length: number) => void, options?: ReceiveIntoOptions): Promise<number> {
    return this.#receiver.receiveInto(fn as DrainCallback, options);
  }

  /**
   * The async iterator: `for await (const batch of session.batches({ signal }))`. Each step yields
   * the same {@link PacketBatch} object holding every packet ready now (up to `max`; waits for at
   * least one), zero-copy; the packets are released when the loop advances or ends. Allocation-free
   * per packet (the only allocation per step is the promise `next()` returns).
   *
   * The loop ends normally when the driver ends the session, on close, and when `signal` aborts;
   * corruption and driver failure throw. One loop at a time per iterator; several iterators (and
   * other waiting calls) on one session are served in call order.
   *
   * @param options - `signal` ends the loop, `max` bounds a batch (1..65536, default 1024).
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for bad options (at once, not at the first step).
   */
  batches(options?: BatchOptions): AsyncIterableIterator<PacketBatch> {
    checkOptionsBag('Session.batches', options);
    const signal = options?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) invalid('Session.batches: options.signal must be an AbortSignal.');
    if (options?.max !== undefined) checkMax('Session.batches', options.max, BATCH_MAX_LIMIT);
    return new BatchIterator(this.#core, this.#receiver, this.#send?.bytes ?? new Uint8Array(0), options);
  }

  /** `for await (const batch of session)`: {@link Session.batches} with default options. */
  [Symbol.asyncIterator](): AsyncIterableIterator<PacketBatch> {
    return this.batches();
  }

  // ---------------------------------------------------------------- send

  /**
   * Allocates a slot for a packet of `size` bytes in the Receive ring (zero-copy send). Fill
   * `slot.data`, then `slot.commit()` (or `slot.discard()`). Allocation order is wire order; an
   * unsettled slot holds back every later one and counts as used space.
   *
   * @param size - payload length, an integer in [0, 0xFFFF].
   * @returns the slot, or null when the ring is full (counted in `stats.sendFull`).
   * @throws WintunError `ERR_WINTUN_PACKET_TOO_LARGE` / `ERR_WINTUN_INVALID_ARGUMENT` for a bad size
   *   (before touching the ring), `ERR_WINTUN_EOF` when the driver ended the Receive ring,
   *   `ERR_WINTUN_CLOSED`, `ERR_WINTUN_WORKER_FAILED`.
   */
  allocateSend(size: number): SendSlot | null {
    return this.#sender.allocateSend(size);
  }

  /**
   * Copies `packet` into the Receive ring and commits it.
   *
   * @param packet - a `Uint8Array` (or `Buffer`) of at most 0xFFFF bytes, not detached.
   * @returns true when queued for the driver; false when the ring is full (the packet is dropped
   *   and counted in `stats.sendDrops`).
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` (not a `Uint8Array`, detached),
   *   `ERR_WINTUN_PACKET_TOO_LARGE`, and as {@link Session.allocateSend}.
   */
  send(packet: Uint8Array): boolean {
    return this.#sender.send(packet);
  }

  /**
   * Zero-allocation send: allocates `size` bytes, calls `fill(bytes, offset, size)` to write the
   * packet straight into the ring (`bytes` is the whole Receive ring), then commits.
   *
   * @param size - payload length, an integer in [0, 0xFFFF].
   * @param fill - writes the packet; checked to be a function before anything happens.
   * @param more - `true` to commit without publishing yet (like `MSG_MORE`): the packet becomes
   *   visible to the driver with the next `sendWith` without `more`, any other send call, or
   *   {@link Session.flushSends}. Saves the Tail store, fence and Alertable check per packet when
   *   several packets are sent in a row; always end such a run with one of those.
   * @returns false when the ring is full (dropped, counted in `stats.sendDrops`), or when `fill`
   *   closed the session.
   * @throws WintunError as {@link Session.allocateSend}; `ERR_WINTUN_INVALID_ARGUMENT` for a bad
   *   `fill` or `more`. If `fill` throws, its error propagates and the reserved record is published
   *   as one the driver discards (first byte zeroed; counted in `stats.sendDiscards`): the ring
   *   stays usable and no stale byte reaches the wire.
   */
  sendWith(size: number, fill: (bytes: Uint8Array, offset: number, length: number) => void, more?: boolean): boolean {
    return this.#sender.sendWith(size, fill as FillCallback, more);
  }

  /**
   * Publishes the packets that `sendWith(..., true)` committed without publishing, and wakes the
   * driver when it is alertable. Cheap when there is nothing to publish.
   *
   * @throws WintunError `ERR_WINTUN_CLOSED` after close, `ERR_WINTUN_EOF` after the driver ended.
   */
  flushSends(): void {
    this.#sender.flushSends();
  }

  /**
   * Sends packets in order until the ring is full; the rest are dropped (counted). Wakes the driver
   * at most once for the whole batch. Every element is checked before the first is written.
   *
   * @param packets - an array of `Uint8Array`s, each as {@link Session.send} takes.
   * @returns the number of packets queued (a prefix of `packets`).
   * @throws WintunError as {@link Session.send}; nothing is sent when any element is bad.
   */
  sendMany(packets: readonly Uint8Array[]): number {
    return this.#sender.sendMany(packets);
  }

  /** Bytes free in the Receive ring now (unsettled slots count as used); 0 once closed; NaN with the 'dll' engine (the DLL does not show its ring). */
  get sendFreeBytes(): number {
    return this.#sender.freeBytes;
  }

  /**
   * Waits until a packet of `size` bytes fits in the Receive ring. Wintun has no space signal, so
   * this polls with back-off: a short spin, then event-loop yields, then 1 ms sleeps. Cancellable.
   * Space may be taken by another caller between the promise resolving and the next allocation.
   *
   * @param size - payload length, an integer in [0, 0xFFFF].
   * @param options - `signal` and `timeout` (ms), checked first.
   * @throws WintunError (rejection) `ERR_WINTUN_INVALID_ARGUMENT`, `ERR_WINTUN_PACKET_TOO_LARGE`,
   *   `ERR_WINTUN_ABORTED`, `ERR_WINTUN_TIMEOUT`, `ERR_WINTUN_EOF`, `ERR_WINTUN_CLOSED`.
   */
  waitForSpace(size: number, options?: ReceiveOptions): Promise<void> {
    return this.#sender.waitForSpace(size, options);
  }

  // ---------------------------------------------------------------- capture

  /**
   * Starts a capture: every packet of this session from now on, both directions (or one, see
   * `options.direction`), written as pcapng to `target` (a file path, created with mode 0600 and
   * overwritten, or a Node `Writable`): a section header, an interface block named
   * `options.interfaceName`, one enhanced packet block per packet with its timestamp and its
   * direction flag (`outbound`: the system sent it into the adapter and this session received it;
   * `inbound`: this session sent it), and an interface statistics block with the drop count
   * whenever records were lost and at the end. Several captures may run at once.
   *
   * Cost: nothing while no capture runs; while one runs, one copy of each packet into a bounded
   * buffer, handed to the streams on the next turn of the event loop. The packet path never waits
   * for a stream: a full buffer or a stream that is not keeping up loses records instead, counted in
   * the capture's `stats.dropped` and the session's `stats.captureDrops`. Main thread only.
   *
   * @returns the running capture; it ends on `close()`, when its stream closes or fails, or when
   *   the session closes (the stream is ended then, unless `end: false`).
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a bad target or option;
   *   `ERR_WINTUN_CLOSED` (or the final error) when the session is not open.
   */
  capture(target: string | NodeJS.WritableStream, options?: CaptureOptions): CaptureHandle {
    return startCapture(this.#core, target, options);
  }

  // ---------------------------------------------------------------- close

  /**
   * Closes the session. Idempotent (every call returns the same promise); safe from inside any
   * callback. Order: reject every pending call with `ERR_WINTUN_CLOSED` and wake the pump, wait for
   * it to leave the ring, stop the driver link, close the events, then mark the ring memory freed
   * (ring objects refuse further use; the memory itself is reclaimed by the garbage collector once
   * no lease, slot or stashed view of it is reachable, so nothing handed out ever dangles).
   *
   * @returns a promise that settles when all of that is done; it rejects only when stopping the
   *   driver link failed (the session is closed anyway; {@link Session.closed} still resolves).
   */
  close(): Promise<void> {
    this.#closing ??= this.#doClose();
    return this.#closing;
  }

  async #doClose(): Promise<void> {
    const core = this.#core;
    const error = sessionError('ERR_WINTUN_CLOSED', 'The session was closed.');
    core.state = 'closing';
    core.error = error;
    this.#guard.stop();
    this.#failAll(error);
    core.tap?.end();
    // Wake the internal pump so it leaves the ring before anything is torn down.
    this.#readEvent.set();
    const pump = this.#receiver.pump;
    if (pump !== null) await pump;
    // 'dll' engine: no call is in flight now; detach every view before the DLL frees its rings.
    this.#dll?.end();
    let linkError: unknown;
    try {
      await this.#link.close();
    } catch (e) {
      linkError = e;
    }
    if (this.#ownsEvents) {
      this.#readEvent.close();
      this.#writeEvent?.close();
    }
    core.state = 'closed';
    this.#memory?.free();
    // A link that failed to stop may still have a driver on the memory: keep it reachable then
    // (a leak, never a use after free).
    if (linkError === undefined) driverHeld.delete(this);
    this.#resolveClosed();
    if (linkError !== undefined) throw linkError;
  }

  /** `await using session = ...` closes the session. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #enterFinal(state: 'eof' | 'failed', error: WintunError): void {
    const core = this.#core;
    if (core.state !== 'open' && !(core.state === 'eof' && state === 'failed')) return;
    core.state = state;
    core.error = error;
    this.#guard.stop();
    this.#failAll(error);
    this.#readEvent.set();
  }

  #failAll(error: unknown): void {
    this.#receiver.failAll(error);
    this.#sender.failAll(error);
  }
}
