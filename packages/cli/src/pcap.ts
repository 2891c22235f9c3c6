/**
 * A pcap (libpcap classic format) writer for raw IP packets: link type LINKTYPE_RAW (101), which
 * Wireshark and tcpdump read as IPv4 or IPv6 by the version nibble. Pure encoding plus a small
 * stream-backed writer.
 *
 * @module
 */
import type { Writable } from 'node:stream';

/** libpcap magic for microsecond timestamps, written little-endian. */
export const PCAP_MAGIC = 0xa1b2c3d4;
/** Link type for raw IPv4/IPv6 packets with no link-layer header. */
export const LINKTYPE_RAW = 101;
/** Default snapshot length: the largest packet a Wintun ring carries. */
export const PCAP_DEFAULT_SNAPLEN = 0xffff;

/** The 24-byte pcap global header. */
export function pcapGlobalHeader(snaplen: number = PCAP_DEFAULT_SNAPLEN, linktype: number = LINKTYPE_RAW): Uint8Array {
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
 */
export function pcapRecordHeader(timeMicros: bigint, capturedLength: number, originalLength: number): Uint8Array {
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

/**
 * Writes packets to a stream in pcap format. Copies each packet (the caller may release its
 * lease right after {@link PcapWriter.write} returns). Not thread-safe.
 */
export class PcapWriter {
  readonly #out: Writable;
  readonly #snaplen: number;
  #count = 0;

  /** Writes the global header immediately. */
  constructor(out: Writable, snaplen: number = PCAP_DEFAULT_SNAPLEN) {
    this.#out = out;
    this.#snaplen = snaplen;
    out.write(pcapGlobalHeader(snaplen));
  }

  /** Packets written so far. */
  get count(): number {
    return this.#count;
  }

  /**
   * Appends one packet. Returns the stream's backpressure answer (false: wait for 'drain' before
   * writing much more).
   */
  write(packet: Uint8Array, timeMicros: bigint = nowMicros()): boolean {
    const captured = Math.min(packet.length, this.#snaplen);
    const record = new Uint8Array(16 + captured);
    record.set(pcapRecordHeader(timeMicros, captured, packet.length), 0);
    record.set(packet.subarray(0, captured), 16);
    this.#count++;
    return this.#out.write(record);
  }
}
