/**
 * The one async iterator of a `Session`: `for await (const batch of session)` (or
 * `session.batches({ signal, max })`) yields a reused {@link PacketBatch} of every packet that is
 * ready, zero-copy, released when the loop advances or ends. Per packet it does what `drain` does
 * (a ring read and a deferred release); a step that finds packets ready allocates nothing (the
 * batch, its result object and the fulfilled promise `next()` returns are reused): what remains is
 * the `await` of the caller's loop. Internal: not exported (users meet it through the `Session` methods and types).
 *
 * @module
 */
import { RING_EMPTY, WintunError, type SendRingReader } from '@wintun-ts/ring';
import { type SessionCore, describe, invalid, isEnd } from './core.js';
import { EPB_FLAG_OUTBOUND } from '../capture/pcapng.js';
import type { DllPacket } from './dll.js';
import type { Receiver } from './receiver.js';
import type { BatchOptions, PacketBatch } from './types.js';

/** Default and largest number of packets per batch. */
export const DEFAULT_BATCH_MAX = 1024;
/** Largest `max` of {@link BatchOptions}. */
export const BATCH_MAX_LIMIT = 65536;

function outOfRange(i: unknown, count: number): never {
  invalid(`PacketBatch: index ${describe(i)} is not in [0, ${count}) (a batch is valid only until the loop advances).`);
}

/** The reused batch object: offsets and lengths of the packets now held. */
class Batch implements PacketBatch {
  count = 0;
  /** The Send ring (rings engine), or the one packet in hand ('dll' engine). */
  bytes: Uint8Array;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;

  constructor(bytes: Uint8Array, max: number) {
    this.bytes = bytes;
    this.offsets = new Uint32Array(max);
    this.lengths = new Uint32Array(max);
  }

  offset(i: number): number {
    if (!((i >>> 0) === i && i < this.count)) outOfRange(i, this.count);
    return this.offsets[i]!;
  }

  length(i: number): number {
    if (!((i >>> 0) === i && i < this.count)) outOfRange(i, this.count);
    return this.lengths[i]!;
  }

  packet(i: number): Uint8Array {
    if (!((i >>> 0) === i && i < this.count)) outOfRange(i, this.count);
    const offset = this.offsets[i]!;
    return this.bytes.subarray(offset, offset + this.lengths[i]!);
  }

  *[Symbol.iterator](): Iterator<Uint8Array> {
    const count = this.count;
    for (let i = 0; i < count && i < this.count; i++) yield this.packet(i);
  }
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * The iterator behind `Session.batches()`. `next()` first releases the batch in hand, then takes
 * every packet that is ready (up to `max`) or waits (in the session's queue of waiting calls) for
 * at least one. Ends normally on EOF, close and abort; other errors (corruption, driver failure)
 * reject `next()`. Not restartable: once ended, `next()` is always done.
 */
export class BatchIterator implements AsyncIterableIterator<PacketBatch> {
  readonly #core: SessionCore;
  readonly #receiver: Receiver;
  readonly #reader: SendRingReader | null;
  /** 'dll' engine: the packet in hand (a batch holds one packet there: each has its own view). */
  #dllPacket: DllPacket | null = null;
  readonly #batch: Batch;
  readonly #max: number;
  readonly #signal: AbortSignal | undefined;
  readonly #result: IteratorYieldResult<PacketBatch>;
  /** A promise already fulfilled with `#result`: reused by every step that finds packets ready. */
  readonly #ready: Promise<IteratorResult<PacketBatch>>;
  readonly #take = (resolve: (value: IteratorResult<PacketBatch>) => void): boolean => {
    if (this.#fill() === 0) return false;
    resolve(this.#result);
    return true;
  };
  #done = false;
  #pending = false;

  /** `bytes` is the Send ring (rings engine) or an empty array ('dll' engine: replaced per step). */
  constructor(core: SessionCore, receiver: Receiver, bytes: Uint8Array, options: BatchOptions | undefined) {
    this.#core = core;
    this.#receiver = receiver;
    this.#reader = receiver.reader;
    this.#max = options?.max ?? DEFAULT_BATCH_MAX;
    this.#signal = options?.signal;
    this.#batch = new Batch(bytes, this.#max);
    this.#result = { done: false, value: this.#batch };
    this.#ready = Promise.resolve(this.#result);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<PacketBatch>> {
    this.#release();
    if (this.#done) return Promise.resolve(DONE);
    if (this.#pending) {
      return Promise.reject(new WintunError('ERR_WINTUN_INVALID_STATE', 'Session.batches: next() was called again before the previous next() settled; await each step.'));
    }
    if (this.#signal?.aborted === true || this.#core.state === 'closing' || this.#core.state === 'closed') return this.#finish();
    try {
      if (!this.#receiver.hasWaiters && this.#take(noop)) return this.#ready;
    } catch (error) {
      return this.#finish(error);
    }
    this.#pending = true;
    return this.#receiver.wait<IteratorResult<PacketBatch>>({ signal: this.#signal }, this.#take).then(
      (result) => {
        this.#pending = false;
        return result;
      },
      (error: unknown) => {
        this.#pending = false;
        return this.#finish(error);
      },
    );
  }

  /** Ends the loop (`break`): releases the batch in hand. */
  return(): Promise<IteratorResult<PacketBatch>> {
    this.#release();
    this.#done = true;
    return Promise.resolve(DONE);
  }

  /** Ends the loop after an exception in its body: releases the batch in hand. */
  throw(error?: unknown): Promise<IteratorResult<PacketBatch>> {
    this.#release();
    this.#done = true;
    return Promise.reject(error);
  }

  /** Takes every ready packet (up to max) into the batch. Throws on EOF/corruption of the first. */
  #fill(): number {
    const reader = this.#reader;
    if (reader === null) return this.#fillDll();
    const batch = this.#batch;
    const offsets = batch.offsets;
    const lengths = batch.lengths;
    const max = this.#max;
    let offset = this.#receiver.receiveFirst();
    if (offset === RING_EMPTY) return 0;
    let n = 0;
    let total = 0;
    for (;;) {
      const size = reader.lastSize;
      offsets[n] = offset;
      lengths[n] = size;
      total += size;
      n++;
      if (n >= max) break;
      try {
        offset = reader.receive();
      } catch {
        break; // an end condition is left for the next step
      }
      if (offset < 0) break;
    }
    batch.count = n;
    this.#receiver.countReceived(n, total);
    const tap = this.#core.tap;
    if (tap !== null) for (let i = 0; i < n; i++) tap.record(EPB_FLAG_OUTBOUND, batch.bytes, offsets[i]!, lengths[i]!);
    return n;
  }

  /**
   * 'dll' engine: one packet per step, since each packet the DLL hands out is its own view (the
   * batch's `bytes` is that packet, offset 0).
   */
  #fillDll(): number {
    const receiver = this.#receiver;
    const p = receiver.dllFirst(receiver.dll!);
    if (p === null) return 0;
    const batch = this.#batch;
    this.#dllPacket = p;
    batch.bytes = p.bytes;
    batch.offsets[0] = 0;
    batch.lengths[0] = p.bytes.byteLength;
    batch.count = 1;
    receiver.countReceived(1, p.bytes.byteLength);
    return 1;
  }

  /** Gives the batch in hand back to the driver (one Head store for the whole batch). */
  #release(): void {
    const batch = this.#batch;
    const n = batch.count;
    if (n === 0) return;
    batch.count = 0;
    const p = this.#dllPacket;
    if (p !== null) {
      this.#dllPacket = null;
      this.#receiver.dll!.release(p);
      return;
    }
    if (!this.#core.usable) return;
    const reader = this.#reader!;
    // #fill took the batch's packets in one synchronous loop: they lie one after the other.
    reader.releaseDeferredRun(batch.offsets[0]!, n);
    reader.publishHead();
  }

  #finish(error?: unknown): Promise<IteratorResult<PacketBatch>> {
    this.#release();
    this.#done = true;
    if (error === undefined || isEnd(error)) return Promise.resolve(DONE);
    return Promise.reject(error);
  }
}

function noop(): void {}
