/**
 * The capture tap of a session: the receive and send paths hand it every packet (one copy, into a
 * pcapng enhanced packet block in a bounded buffer); a flush on the next turn of the event loop
 * hands the encoded blocks to every reader (a Node `Writable`: a file, a stream, an endpoint
 * socket). Nothing here blocks or throws into the packet path: a full buffer or a reader whose
 * stream is not keeping up loses records, counted per reader and in the session's
 * `stats.captureDrops`, and written into that reader's stream as an interface statistics block.
 * Internal: the public face is `Session.capture` and `@wintun-ts/session/capture`.
 *
 * @module
 */
import type { Writable } from 'node:stream';
import { WintunError } from '@wintun-ts/ring';
import type { SessionStats } from '../session/types.js';
import {
  DEFAULT_SNAPLEN,
  EPB_FLAG_INBOUND,
  EPB_FLAG_OUTBOUND,
  enhancedPacketSize,
  pcapngInterfaceDescription,
  pcapngInterfaceStatistics,
  pcapngSectionHeader,
  writeEnhancedPacket,
} from './pcapng.js';

/** Default bound of the tap's buffer of encoded records not yet handed to the readers. */
export const DEFAULT_CAPTURE_BUFFER_BYTES = 4 * 1024 * 1024;
/** Default bound of the bytes a reader's stream may hold unwritten before its records are dropped. */
export const DEFAULT_READER_PENDING_BYTES = 1024 * 1024;
const CHUNK_BYTES = 256 * 1024;

/** Which packets a reader takes: `in` (injected by the application), `out` (sent by the system), or both. */
export type CaptureFilter = 'in' | 'out' | 'both';

/** Counters of one capture reader, live. */
export interface CaptureStats {
  /** Records handed to this reader's stream. */
  packets: number;
  /** Records this reader lost: the tap's buffer was full, or its stream was not keeping up. */
  dropped: number;
}

/** Microseconds since the epoch, from the monotonic clock. */
function nowUs(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/** One reader of the tap. */
export class TapReader {
  readonly stats: CaptureStats = { packets: 0, dropped: 0 };
  readonly stream: Writable;
  readonly filter: CaptureFilter;
  readonly maxPending: number;
  readonly #end: boolean;
  #reported = 0;
  #done = false;
  readonly #onGone: () => void;
  readonly closed: Promise<void>;
  #resolveClosed!: () => void;

  constructor(stream: Writable, filter: CaptureFilter, maxPending: number, end: boolean, interfaceName: string, onGone: (r: TapReader) => void) {
    this.stream = stream;
    this.filter = filter;
    this.maxPending = maxPending;
    this.#end = end;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#onGone = () => onGone(this);
    stream.once('close', this.#gone);
    stream.once('error', this.#gone);
    try {
      stream.write(pcapngSectionHeader());
      stream.write(pcapngInterfaceDescription(interfaceName, DEFAULT_SNAPLEN));
    } catch (cause) {
      this.#done = true;
      stream.off('close', this.#gone);
      stream.off('error', this.#gone);
      throw new WintunError(
        'ERR_WINTUN_INVALID_ARGUMENT',
        `Session.capture: the target stream threw on its first write (${String((cause as Error)?.message ?? cause)}); pass a working Writable or a file path.`,
        { cause },
      );
    }
  }

  /**
   * Runs one call into the user's stream. A stream that throws (instead of emitting 'error') ends
   * this reader as a failed stream would: the throw never reaches the packet path or the event
   * loop (it would be an uncaught exception on the deferred flush).
   */
  #guard(call: () => unknown): boolean {
    try {
      call();
      return true;
    } catch {
      this.#gone();
      return false;
    }
  }

  get done(): boolean {
    return this.#done;
  }

  readonly #gone = (): void => {
    if (this.#done) return;
    this.#done = true;
    this.#onGone();
    this.#resolveClosed();
  };

  /** Counts `n` records lost for this reader. */
  drop(n: number, stats: SessionStats): void {
    this.stats.dropped += n;
    stats.captureDrops += n;
  }

  /** Hands `data` (`n` records) to the stream, or drops it when the stream holds too much. */
  deliver(data: Uint8Array, n: number, stats: SessionStats): void {
    if (n === 0 || this.#done) return;
    const s = this.stream;
    if (s.destroyed || s.writableEnded || s.writableLength + data.byteLength > this.maxPending) {
      this.drop(n, stats);
      return;
    }
    if (this.stats.dropped !== this.#reported && !this.#writeStatistics()) return;
    if (!this.#guard(() => s.write(data))) return;
    this.stats.packets += n;
  }

  #writeStatistics(): boolean {
    this.#reported = this.stats.dropped;
    const block = pcapngInterfaceStatistics(nowUs(), { received: this.stats.packets + this.stats.dropped, dropped: this.stats.dropped });
    return this.#guard(() => this.stream.write(block));
  }

  /** Writes the final statistics block and ends the stream (when it owns it); idempotent. */
  finish(): void {
    if (this.#done) return;
    const s = this.stream;
    this.#done = true;
    s.off('close', this.#gone);
    s.off('error', this.#gone);
    if (!s.destroyed && !s.writableEnded) {
      this.#writeStatistics();
      if (this.#end) {
        s.once('error', () => undefined);
        s.once('close', () => this.#resolveClosed());
        try {
          s.end(() => this.#resolveClosed());
        } catch {
          this.#resolveClosed();
        }
      } else this.#resolveClosed();
    } else this.#resolveClosed();
    this.#onGone();
  }
}

/**
 * The tap: one per session while at least one reader is attached (the session's hooks test one
 * field for null when nobody captures). Main thread only.
 */
export class CaptureTap {
  readonly #stats: SessionStats;
  readonly #limit: number;
  readonly #readers = new Set<TapReader>();
  readonly #onEmpty: () => void;
  #chunk: Uint8Array = new Uint8Array(0);
  #view: DataView = new DataView(new ArrayBuffer(0));
  #start = 0;
  #pos = 0;
  /** Filled chunks not flushed yet, with their record counts. */
  readonly #full: { data: Uint8Array; count: number }[] = [];
  #count = 0;
  #pendingBytes = 0;
  #flushScheduled = false;

  constructor(stats: SessionStats, limit: number, onEmpty: () => void) {
    this.#stats = stats;
    this.#limit = limit;
    this.#onEmpty = onEmpty;
  }

  get readerCount(): number {
    return this.#readers.size;
  }

  /** Attaches a reader (writes its section and interface headers at once). */
  add(stream: Writable, filter: CaptureFilter, maxPending: number, end: boolean, interfaceName: string): TapReader {
    let reader: TapReader;
    try {
      reader = new TapReader(stream, filter, maxPending, end, interfaceName, (r) => this.#remove(r));
    } catch (error) {
      if (this.#readers.size === 0) this.#onEmpty();
      throw error;
    }
    this.#readers.add(reader);
    return reader;
  }

  #remove(reader: TapReader): void {
    if (!this.#readers.delete(reader)) return;
    if (this.#readers.size === 0) this.#onEmpty();
  }

  /**
   * Captures one packet (called by the session's receive and send paths). `direction` is
   * {@link EPB_FLAG_INBOUND} or {@link EPB_FLAG_OUTBOUND}. Never throws, never waits.
   */
  record(direction: number, bytes: Uint8Array, offset: number, length: number): void {
    const need = enhancedPacketSize(length < DEFAULT_SNAPLEN ? length : DEFAULT_SNAPLEN);
    if (this.#pendingBytes + need > this.#limit) {
      for (const r of this.#readers) if (wants(r.filter, direction)) r.drop(1, this.#stats);
      return;
    }
    if (this.#chunk.byteLength - this.#pos < need) this.#newChunk(need);
    this.#pos = writeEnhancedPacket(this.#chunk, this.#view, this.#pos, nowUs(), direction, bytes, offset, length, DEFAULT_SNAPLEN);
    this.#count++;
    this.#pendingBytes += need;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.flush).unref();
    }
  }

  #newChunk(need: number): void {
    if (this.#pos > this.#start) this.#full.push({ data: this.#chunk.subarray(this.#start, this.#pos), count: this.#count });
    this.#chunk = new Uint8Array(Math.max(CHUNK_BYTES, need));
    this.#view = new DataView(this.#chunk.buffer);
    this.#start = 0;
    this.#pos = 0;
    this.#count = 0;
  }

  /** Hands every record encoded so far to the readers (runs by itself on the next turn of the loop). */
  readonly flush = (): void => {
    this.#flushScheduled = false;
    if (this.#pos > this.#start) this.#full.push({ data: this.#chunk.subarray(this.#start, this.#pos), count: this.#count });
    this.#start = this.#pos;
    this.#count = 0;
    this.#pendingBytes = 0;
    const chunks = this.#full.splice(0);
    for (const { data, count } of chunks) {
      for (const reader of this.#readers) {
        if (reader.filter === 'both') reader.deliver(data, count, this.#stats);
        else {
          const { bytes, n } = select(data, reader.filter === 'in' ? EPB_FLAG_INBOUND : EPB_FLAG_OUTBOUND);
          reader.deliver(bytes, n, this.#stats);
        }
      }
    }
  };

  /** Flushes, then finishes every reader (session close). */
  end(): void {
    this.flush();
    for (const reader of [...this.#readers]) reader.finish();
  }
}

function wants(filter: CaptureFilter, direction: number): boolean {
  return filter === 'both' || (filter === 'in') === (direction === EPB_FLAG_INBOUND);
}

/** The enhanced packet blocks of `data` with direction `flag` (a copy), and their count. */
function select(data: Uint8Array, flag: number): { bytes: Uint8Array; n: number } {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const parts: Uint8Array[] = [];
  let n = 0;
  let size = 0;
  for (let pos = 0; pos < data.byteLength; ) {
    const total = view.getUint32(pos + 4, true);
    if ((view.getUint32(pos + total - 12, true) & 3) === flag) {
      parts.push(data.subarray(pos, pos + total));
      size += total;
      n++;
    }
    pos += total;
  }
  const bytes = new Uint8Array(size);
  let p = 0;
  for (const part of parts) {
    bytes.set(part, p);
    p += part.byteLength;
  }
  return { bytes, n };
}
