/**
 * A pcap (libpcap classic format) writer for raw IP packets: link type LINKTYPE_RAW (101), which
 * Wireshark and tcpdump read as IPv4 or IPv6 by the version nibble. Pure encoding plus a small
 * stream-backed writer.
 *
 * @module
 */
import type { Writable } from 'node:stream';
import { badArgument, checkBytes, checkInteger, checkOptionsBag, checkWritable } from './check.js';

/** libpcap magic for microsecond timestamps, written little-endian. */
export const PCAP_MAGIC = 0xa1b2c3d4;
/** Link type for raw IPv4/IPv6 packets with no link-layer header. */
export const LINKTYPE_RAW = 101;
/** Default snapshot length: the largest packet a Wintun ring carries. */
export const PCAP_DEFAULT_SNAPLEN = 0xffff;

/** Microseconds in 2^32 seconds: the pcap timestamp's range. */
const MAX_TIME_MICROS = 0x100000000n * 1_000_000n;

function checkSnaplen(what: string, snaplen: unknown): asserts snaplen is number {
  checkInteger(what, 'snaplen', snaplen, 1, 0x7fffffff);
}

function checkTime(what: string, timeMicros: unknown): asserts timeMicros is bigint {
  if (typeof timeMicros !== 'bigint' || timeMicros < 0n || timeMicros >= MAX_TIME_MICROS) {
    badArgument(what, 'timeMicros', 'a bigint of microseconds since the Unix epoch (e.g. nowMicros())', timeMicros);
  }
}

/**
 * The 24-byte pcap global header.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `snaplen` is not an integer in
 *   [1, 0x7FFFFFFF] or `linktype` not one in [0, 0xFFFFFFFF].
 */
export function pcapGlobalHeader(snaplen: number = PCAP_DEFAULT_SNAPLEN, linktype: number = LINKTYPE_RAW): Uint8Array {
  checkSnaplen('pcapGlobalHeader', snaplen);
  checkInteger('pcapGlobalHeader', 'linktype', linktype, 0, 0xffffffff);
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setUint32(0, PCAP_MAGIC, true);
  v.setUint16(4, 2, true); // version major
  v.setUint16(6, 4, true); // version minor
  v.setInt32(8, 0, true); // thiszone
  v.setUint32(12, 0, true); // sigfigs
  v.setUint32(16, snaplen, true);
  v.setUint32(20, linktype, true);
  return b;
}

/**
 * The 16-byte record header of one packet.
 *
 * @param timeMicros - capture time in microseconds since the Unix epoch.
 * @param capturedLength - bytes stored (at most the snapshot length).
 * @param originalLength - the packet's real length.
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `timeMicros` is not a bigint in
 *   [0, 2^32 seconds), or a length is not an integer in [0, 0xFFFFFFFF] with
 *   `capturedLength <= originalLength`.
 */
export function pcapRecordHeader(timeMicros: bigint, capturedLength: number, originalLength: number): Uint8Array {
  checkTime('pcapRecordHeader', timeMicros);
  checkInteger('pcapRecordHeader', 'originalLength', originalLength, 0, 0xffffffff);
  checkInteger('pcapRecordHeader', 'capturedLength', capturedLength, 0, originalLength);
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint32(0, Number(timeMicros / 1_000_000n), true);
  v.setUint32(4, Number(timeMicros % 1_000_000n), true);
  v.setUint32(8, capturedLength, true);
  v.setUint32(12, originalLength, true);
  return b;
}

/** Microseconds since the Unix epoch, from the high-resolution clock anchored to wall time. */
export function nowMicros(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
}

/** Default bound of the records a {@link PcapWriter} keeps queued for a slow reader: 4 MiB. */
export const PCAP_DEFAULT_MAX_BUFFERED = 4 * 1024 * 1024;

/** Options of a {@link PcapWriter}. */
export interface PcapWriterOptions {
  /**
   * Most bytes queued in the stream for a slow reader (an empty queue takes one record of any
   * size); a record that would exceed it is dropped and counted ({@link PcapWriter.dropped}), so a stalled reader never blocks the caller and
   * memory stays bounded. Default {@link PCAP_DEFAULT_MAX_BUFFERED}.
   */
  readonly maxBufferedBytes?: number;
  /**
   * Write the pcap global header (default true). False when another writer fills the stream (the
   * session's pcapng capture) and this one only tracks its failure and bounds its close.
   */
  readonly header?: boolean | undefined;
}

/** What {@link PcapWriter.close} achieved. */
export interface PcapCloseResult {
  /** True when every queued byte reached the OS before the deadline. */
  readonly flushed: boolean;
  /** Queued bytes given up on because the reader did not take them in time (0 when flushed). */
  readonly unwrittenBytes: number;
}

/**
 * Writes packets to a stream in pcap format, never blocking and never buffering without bound:
 * records queue in the stream up to `maxBufferedBytes`; beyond that (a reader that stopped
 * reading, a slow disk) they are dropped and counted. Copies each packet (the caller may release
 * its lease right after {@link PcapWriter.write} returns). Main thread only; not thread-safe.
 *
 * A stream error (a closed pipe, a full disk) is kept: later writes are dropped and
 * {@link PcapWriter.failed} resolves with it.
 *
 * @since 0.1.0
 */
export class PcapWriter {
  readonly #out: Writable;
  readonly #snaplen: number;
  readonly #max: number;
  readonly #failed: Promise<unknown>;
  #error: unknown;
  #count = 0;
  #dropped = 0;
  #droppedBytes = 0;

  /**
   * Writes the global header immediately (it is never dropped).
   *
   * @param out - the stream; the writer adds an `error` listener and never ends a stream it is
   *   not asked to ({@link PcapWriter.close}).
   * @param snaplen - bytes kept per packet (default 65535).
   * @param options - the buffer bound.
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `out` is not a writable stream,
   *   `snaplen` not an integer in [1, 0x7FFFFFFF], or `maxBufferedBytes` not a positive integer
   *   (nothing is written then).
   */
  constructor(out: Writable, snaplen: number = PCAP_DEFAULT_SNAPLEN, options: PcapWriterOptions = {}) {
    checkWritable('new PcapWriter', 'out', out);
    checkSnaplen('new PcapWriter', snaplen);
    checkOptionsBag('new PcapWriter', options);
    const max = options.maxBufferedBytes ?? PCAP_DEFAULT_MAX_BUFFERED;
    checkInteger('new PcapWriter', 'options.maxBufferedBytes', max, 1, Number.MAX_SAFE_INTEGER);
    this.#out = out;
    this.#snaplen = snaplen;
    this.#max = max;
    this.#failed = new Promise((resolve) =>
      out.on('error', (error) => {
        this.#error ??= error;
        resolve(this.#error);
      }),
    );
    if (options.header !== false) out.write(pcapGlobalHeader(snaplen));
  }

  /** Records written (queued to the stream) so far. */
  get count(): number {
    return this.#count;
  }

  /** Records dropped because the reader was too slow (or the stream had failed). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Bytes of the dropped records (record headers included). */
  get droppedBytes(): number {
    return this.#droppedBytes;
  }

  /** Bytes queued in the stream, not yet taken by the OS. */
  get buffered(): number {
    return this.#out.writableLength;
  }

  /** Resolves with the stream's first error (never rejects); pending forever while it works. */
  get failed(): Promise<unknown> {
    return this.#failed;
  }

  /**
   * Appends one packet, or drops it when the queue would pass `maxBufferedBytes` or the stream
   * failed. Never blocks. Returns true when written, false when dropped (and counted).
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` (nothing written or counted) when `packet`
   *   is not a live `Uint8Array` or `timeMicros` not a bigint of microseconds.
   */
  write(packet: Uint8Array, timeMicros: bigint = nowMicros()): boolean {
    checkBytes('PcapWriter.write', 'packet', packet);
    checkTime('PcapWriter.write', timeMicros);
    const captured = Math.min(packet.length, this.#snaplen);
    const size = 16 + captured;
    const queued = this.#out.writableLength;
    // An empty queue always takes one record, so a record larger than the bound is never refused.
    if (this.#error !== undefined || this.#out.destroyed || this.#out.writableEnded || (queued > 0 && queued + size > this.#max)) {
      this.#dropped++;
      this.#droppedBytes += size;
      return false;
    }
    const record = new Uint8Array(size);
    record.set(pcapRecordHeader(timeMicros, captured, packet.length), 0);
    record.set(packet.subarray(0, captured), 16);
    this.#count++;
    this.#out.write(record);
    return true;
  }

  /**
   * Waits, at most `timeoutMs`, for the queued records to reach the OS; with `end`, ends the
   * stream first (a file) and destroys it when the deadline passes. Never rejects; bounded.
   *
   * @param options - `end`: end (and on timeout destroy) the stream; `timeoutMs` (default 2000).
   * @throws WintunError (rejection) `ERR_WINTUN_INVALID_ARGUMENT` for malformed options (the
   *   stream is left as it is).
   */
  async close(options: { end?: boolean; timeoutMs?: number } = {}): Promise<PcapCloseResult> {
    checkOptionsBag('PcapWriter.close', options);
    if (options.end !== undefined && typeof options.end !== 'boolean') badArgument('PcapWriter.close', 'options.end', 'a boolean', options.end);
    if (options.timeoutMs !== undefined) checkInteger('PcapWriter.close', 'options.timeoutMs', options.timeoutMs, 0, 0x7fffffff);
    const out = this.#out;
    const timeoutMs = options.timeoutMs ?? 2000;
    if (out.destroyed) return { flushed: out.writableLength === 0 && this.#error === undefined, unwrittenBytes: out.writableLength };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = await Promise.race([
      new Promise<boolean>((resolve) => {
        const finish = (): void => resolve(this.#error === undefined);
        if (options.end === true) {
          out.once('finish', finish);
          out.once('close', finish);
          if (!out.writableEnded) out.end();
        } else {
          out.write(new Uint8Array(0), finish);
        }
        void this.#failed.then(() => resolve(false));
      }),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    const unwrittenBytes = done ? 0 : out.writableLength;
    if (!done && options.end === true) out.destroy();
    return { flushed: done, unwrittenBytes };
  }
}
