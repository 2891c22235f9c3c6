/**
 * pcapng and classic pcap encoding for the capture tap: the section header, the interface block
 * (link type RAW: the packets are bare IPv4/IPv6, as Wintun carries them), enhanced packet blocks
 * with the direction flag, interface statistics blocks with the drop count, and a small streaming
 * reader that turns a pcapng byte stream back into packets (for tools that filter or convert).
 * Pure: no I/O. Byte order is the machine's (little-endian on every platform Wintun runs on); the
 * reader accepts both.
 *
 * @module
 */

import { WintunError } from '@wintun-ts/ring';
import { describe } from '../session/core.js';
import { isUint8Array } from 'node:util/types';

/** pcapng/pcap link type of bare IP packets (LINKTYPE_RAW). */
export const LINKTYPE_RAW = 101;

/** Which way a captured packet went, seen from the adapter as any sniffer on it would. */
export type CaptureDirection = 'in' | 'out';

/**
 * Direction values in an enhanced packet block's `epb_flags` (bits 0-1): `out` (2) is a packet the
 * system sent into the adapter (the application received it), `in` (1) a packet the application
 * injected (the system received it), the same view as `tcpdump -Q` on a Linux TUN device.
 */
export const EPB_FLAG_INBOUND = 1;
/** See {@link EPB_FLAG_INBOUND}. */
export const EPB_FLAG_OUTBOUND = 2;

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_EPB = 0x00000006;
const BT_ISB = 0x00000005;
const MAGIC = 0x1a2b3c4d;
const LE = true;

/** Default largest number of bytes kept of one packet (Wintun's largest packet). */
export const DEFAULT_SNAPLEN = 0xffff;

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Bytes of an option with a value of `n` bytes (header + padded value). */
function optionSize(n: number): number {
  return 4 + pad4(n);
}

function writeOption(view: DataView, bytes: Uint8Array, pos: number, code: number, value: Uint8Array): number {
  view.setUint16(pos, code, LE);
  view.setUint16(pos + 2, value.byteLength, LE);
  bytes.set(value, pos + 4);
  bytes.fill(0, pos + 4 + value.byteLength, pos + optionSize(value.byteLength));
  return pos + optionSize(value.byteLength);
}

function block(type: number, body: number, fill: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const total = 12 + body;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type, LE);
  view.setUint32(4, total, LE);
  fill(view, bytes);
  view.setUint32(total - 4, total, LE);
  return bytes;
}

const utf8 = new TextEncoder();

/**
 * A section header block (the start of every pcapng stream) with a `shb_userappl` option naming
 * the writer. Allocates a new array.
 */
export function pcapngSectionHeader(application = 'wintun-ts'): Uint8Array {
  const app = utf8.encode(application);
  const body = 16 + optionSize(app.byteLength) + 4;
  return block(BT_SHB, body, (view, bytes) => {
    view.setUint32(8, MAGIC, LE);
    view.setUint16(12, 1, LE);
    view.setUint16(14, 0, LE);
    view.setBigInt64(16, -1n, LE); // section length unknown (a stream)
    let pos = writeOption(view, bytes, 24, 4, app); // shb_userappl
    view.setUint32(pos, 0, LE); // opt_endofopt
    pos += 4;
  });
}

/**
 * An interface description block: link type RAW, `snaplen`, `if_name` = the adapter's name,
 * `if_tsresol` = microseconds. Allocates a new array.
 */
export function pcapngInterfaceDescription(name: string, snaplen = DEFAULT_SNAPLEN): Uint8Array {
  const n = utf8.encode(name);
  const body = 8 + optionSize(n.byteLength) + optionSize(1) + 4;
  return block(BT_IDB, body, (view, bytes) => {
    view.setUint16(8, LINKTYPE_RAW, LE);
    view.setUint16(10, 0, LE);
    view.setUint32(12, snaplen, LE);
    let pos = writeOption(view, bytes, 16, 2, n); // if_name
    pos = writeOption(view, bytes, pos, 9, Uint8Array.of(6)); // if_tsresol: 10^-6 s
    view.setUint32(pos, 0, LE);
  });
}

/** Bytes of the enhanced packet block {@link writeEnhancedPacket} writes for `captured` bytes of payload. */
export function enhancedPacketSize(captured: number): number {
  // header 28 + data + epb_flags option (8) + end of options (4) + trailing length (4)
  return 28 + pad4(captured) + 8 + 4 + 4;
}

/**
 * Writes one enhanced packet block (interface 0) into `target` at `pos`: the timestamp in
 * microseconds since the epoch, the packet (cut to `snaplen`), its original length and the direction
 * flag. The caller made room ({@link enhancedPacketSize}). The one copy of the packet on the
 * capture path happens here.
 *
 * @returns the position after the block.
 */
export function writeEnhancedPacket(
  target: Uint8Array,
  view: DataView,
  pos: number,
  timestampUs: number,
  direction: number,
  src: Uint8Array,
  offset: number,
  length: number,
  snaplen: number,
): number {
  const captured = length < snaplen ? length : snaplen;
  const total = enhancedPacketSize(captured);
  view.setUint32(pos, BT_EPB, LE);
  view.setUint32(pos + 4, total, LE);
  view.setUint32(pos + 8, 0, LE);
  view.setUint32(pos + 12, Math.floor(timestampUs / 0x100000000), LE);
  view.setUint32(pos + 16, timestampUs >>> 0, LE);
  view.setUint32(pos + 20, captured, LE);
  view.setUint32(pos + 24, length, LE);
  target.set(src.subarray(offset, offset + captured), pos + 28);
  let p = pos + 28 + captured;
  const end = pos + 28 + pad4(captured);
  while (p < end) target[p++] = 0;
  view.setUint16(p, 2, LE); // epb_flags
  view.setUint16(p + 2, 4, LE);
  view.setUint32(p + 4, direction, LE);
  view.setUint32(p + 8, 0, LE); // opt_endofopt
  view.setUint32(p + 12, total, LE);
  return pos + total;
}

/** Counters written into an interface statistics block. */
export interface CaptureCounts {
  /** Records offered to this reader (captured packets, including the dropped ones). */
  readonly received: number;
  /** Records dropped for this reader (full buffer or a stalled reader). */
  readonly dropped: number;
}

/**
 * An interface statistics block for interface 0: `isb_ifrecv` = records offered, `isb_osdrop` =
 * records the capture dropped, and an `opt_comment` saying so in words. Allocates a new array.
 */
export function pcapngInterfaceStatistics(timestampUs: number, counts: CaptureCounts): Uint8Array {
  const comment = utf8.encode(`wintun-ts: ${counts.dropped} of ${counts.received} packets dropped by the capture (buffer full or reader too slow)`);
  const body = 12 + optionSize(comment.byteLength) + optionSize(8) * 2 + 4;
  return block(BT_ISB, body, (view, bytes) => {
    view.setUint32(8, 0, LE);
    view.setUint32(12, Math.floor(timestampUs / 0x100000000), LE);
    view.setUint32(16, timestampUs >>> 0, LE);
    let pos = writeOption(view, bytes, 20, 1, comment); // opt_comment
    const u64 = new Uint8Array(8);
    const u64v = new DataView(u64.buffer);
    u64v.setBigUint64(0, BigInt(counts.received), LE);
    pos = writeOption(view, bytes, pos, 4, u64); // isb_ifrecv
    u64v.setBigUint64(0, BigInt(counts.dropped), LE);
    pos = writeOption(view, bytes, pos, 7, u64); // isb_osdrop
    view.setUint32(pos, 0, LE);
  });
}

/**
 * The classic pcap file header (microsecond timestamps, link type RAW).
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` unless `snaplen` is an integer in [1, 262144].
 */
export function pcapFileHeader(snaplen = DEFAULT_SNAPLEN): Uint8Array {
  if (typeof snaplen !== 'number' || !Number.isInteger(snaplen) || snaplen < 1 || snaplen > 262144) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `pcapFileHeader: snaplen must be an integer in [1, 262144], got ${describe(snaplen)}.`);
  }
  const bytes = new Uint8Array(24);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0xa1b2c3d4, LE);
  view.setUint16(4, 2, LE);
  view.setUint16(6, 4, LE);
  view.setUint32(16, snaplen, LE);
  view.setUint32(20, LINKTYPE_RAW, LE);
  return bytes;
}

/**
 * One classic pcap record (no direction: pcap has none). Allocates a new array.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` unless `packet` is a {@link CapturedPacket}
 *   (a `Uint8Array` `data`, a timestamp in [0, 2^52], an original length >= the data length).
 */
export function pcapRecord(packet: CapturedPacket): Uint8Array {
  const p = packet as Partial<CapturedPacket> | null;
  if (
    typeof p !== 'object' || p === null || !isUint8Array(p.data) || typeof p.timestampUs !== 'number' || !Number.isInteger(p.timestampUs) ||
    p.timestampUs < 0 || p.timestampUs > 2 ** 52 || typeof p.originalLength !== 'number' || !Number.isInteger(p.originalLength) ||
    p.originalLength < p.data.byteLength || p.originalLength > 0xffffffff || p.data.byteLength > 262144
  ) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'pcapRecord: packet must be a CapturedPacket as PcapngReader.push returns ({ timestampUs, direction, data, originalLength }).');
  }
  const bytes = new Uint8Array(16 + packet.data.byteLength);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, Math.floor(packet.timestampUs / 1e6), LE);
  view.setUint32(4, packet.timestampUs % 1e6, LE);
  view.setUint32(8, packet.data.byteLength, LE);
  view.setUint32(12, packet.originalLength, LE);
  bytes.set(packet.data, 16);
  return bytes;
}

/** A packet read back from a pcapng stream. */
export interface CapturedPacket {
  /** Microseconds since the epoch. */
  readonly timestampUs: number;
  /** `in`, `out`, or null when the block carried no direction. */
  readonly direction: CaptureDirection | null;
  /** The captured bytes (a copy; owned by the caller). */
  readonly data: Uint8Array;
  /** The packet's length on the wire (>= `data.byteLength`). */
  readonly originalLength: number;
}

/** What {@link PcapngReader.push} found: packets, and the latest drop count of a statistics block. */
export interface PcapngChunk {
  readonly packets: CapturedPacket[];
  /** `isb_osdrop` of the last statistics block in this chunk, or null when there was none. */
  readonly dropped: number | null;
}

/**
 * A streaming pcapng reader: `push()` any slice of the stream, get back the enhanced packet blocks
 * it completed. Handles both byte orders and several sections. Single-threaded; keeps at most one
 * partial block.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` from `push` for a chunk that is not a
 *   `Uint8Array`, or a stream that is not pcapng (no section header first, bad magic, a block length
 *   that is not a multiple of 4 or less than 12); the reader is unusable after that.
 */
export class PcapngReader {
  #pending: Uint8Array = new Uint8Array(0);
  #le = true;
  #first = true;
  #tsDivisor = 1; // converts the interface's units to microseconds
  #tsMultiplier = 1;
  /** Interface names seen so far in the current section, by interface id. */
  readonly interfaces: string[] = [];

  /**
   * Feeds the next slice of the stream.
   *
   * @param chunk - any number of bytes of the stream (copied when a block spans chunks).
   * @returns the packets of the blocks this chunk completed, in order, and the latest drop count.
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` (see the class).
   */
  push(chunk: Uint8Array): PcapngChunk {
    if (!isUint8Array(chunk) || (chunk.byteLength === 0 && chunk.buffer.byteLength === 0 && isDetached(chunk))) throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'PcapngReader.push: chunk must be a Uint8Array (or Buffer) of the stream.');
    let buf = chunk;
    if (this.#pending.byteLength > 0) {
      buf = new Uint8Array(this.#pending.byteLength + chunk.byteLength);
      buf.set(this.#pending);
      buf.set(chunk, this.#pending.byteLength);
    }
    const packets: CapturedPacket[] = [];
    let dropped: number | null = null;
    let pos = 0;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    if (this.#first && buf.byteLength >= 4 && view.getUint32(0, true) !== BT_SHB) throw notPcapng('no section header block first');
    while (buf.byteLength - pos >= 12) {
      let type = view.getUint32(pos, this.#le);
      if (view.getUint32(pos, true) === BT_SHB) {
        const magic = view.getUint32(pos + 8, true);
        if (magic === MAGIC) this.#le = true;
        else if (magic === 0x4d3c2b1a) this.#le = false;
        else throw notPcapng('bad byte-order magic');
        type = BT_SHB;
        this.interfaces.length = 0;
      }
      const total = view.getUint32(pos + 4, this.#le);
      if (total < 12 || total % 4 !== 0 || (pos === 0 && this.#first && type !== BT_SHB)) throw notPcapng(`block length ${total}`);
      if (buf.byteLength - pos < total) break;
      const le = this.#le;
      if (type === BT_IDB) {
        let name = `interface ${this.interfaces.length}`;
        for (const [code, value] of options(view, buf, pos + 16, pos + total - 4, le)) {
          if (code === 2) name = new TextDecoder().decode(value);
          if (code === 9 && value.byteLength >= 1) {
            const r = value[0]!;
            const units = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
            this.#tsDivisor = units >= 1e6 ? units / 1e6 : 1;
            this.#tsMultiplier = units < 1e6 ? 1e6 / units : 1;
          }
        }
        this.interfaces.push(name);
      } else if (type === BT_EPB) {
        const hi = view.getUint32(pos + 12, le);
        const lo = view.getUint32(pos + 16, le);
        const captured = view.getUint32(pos + 20, le);
        const original = view.getUint32(pos + 24, le);
        let direction: CaptureDirection | null = null;
        for (const [code, value] of options(view, buf, pos + 28 + pad4(captured), pos + total - 4, le)) {
          if (code === 2 && value.byteLength >= 4) {
            const d = new DataView(value.buffer, value.byteOffset, 4).getUint32(0, le) & 3;
            direction = d === EPB_FLAG_INBOUND ? 'in' : d === EPB_FLAG_OUTBOUND ? 'out' : null;
          }
        }
        const raw = hi * 0x100000000 + lo;
        packets.push({
          timestampUs: Math.floor((raw * this.#tsMultiplier) / this.#tsDivisor),
          direction,
          data: buf.slice(pos + 28, pos + 28 + captured),
          originalLength: original,
        });
      } else if (type === BT_ISB) {
        for (const [code, value] of options(view, buf, pos + 20, pos + total - 4, le)) {
          if (code === 7 && value.byteLength === 8) dropped = Number(new DataView(value.buffer, value.byteOffset, 8).getBigUint64(0, le));
        }
      }
      pos += total;
      this.#first = false;
    }
    this.#pending = buf.slice(pos);
    return { packets, dropped };
  }
}

function isDetached(view: Uint8Array): boolean {
  try {
    new DataView(view.buffer);
    return false;
  } catch {
    return true;
  }
}

function notPcapng(what: string): WintunError {
  return new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `PcapngReader.push: the data is not a pcapng stream (${what}); it must start with a section header block.`);
}

function* options(view: DataView, buf: Uint8Array, start: number, end: number, le: boolean): Generator<[number, Uint8Array]> {
  let pos = start;
  while (pos + 4 <= end) {
    const code = view.getUint16(pos, le);
    const len = view.getUint16(pos + 2, le);
    if (code === 0) return;
    yield [code, buf.subarray(pos + 4, pos + 4 + len)];
    pos += optionSize(len);
  }
}

/** The `epb_flags` direction value of a direction. */
export function directionFlag(direction: CaptureDirection): number {
  return direction === 'in' ? EPB_FLAG_INBOUND : EPB_FLAG_OUTBOUND;
}
