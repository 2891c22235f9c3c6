/**
 * A minimal pcap writer for raw IP packets (link type RAW = 101: Wireshark and tcpdump read each
 * record as IPv4 or IPv6 by its first nibble).
 */
import type { WriteStream } from 'node:fs';

/** Link type of raw IPv4/IPv6 packets. */
export const LINKTYPE_RAW = 101;

/** The 24-byte file header: magic, version 2.4, snaplen 65535, link type RAW. */
export function pcapHeader(): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeUInt32LE(0xffff, 16);
  b.writeUInt32LE(LINKTYPE_RAW, 20);
  return b;
}

/** One record: 16-byte header (time, captured and original length) plus a copy of the packet. */
export function pcapRecord(packet: Uint8Array, timeMs: number = Date.now()): Buffer {
  const b = Buffer.alloc(16 + packet.length);
  b.writeUInt32LE(Math.floor(timeMs / 1000), 0);
  b.writeUInt32LE(Math.floor((timeMs % 1000) * 1000), 4);
  b.writeUInt32LE(packet.length, 8);
  b.writeUInt32LE(packet.length, 12);
  b.set(packet, 16);
  return b;
}

/** Writes the header, then one record per `write`. */
export class PcapFile {
  readonly #out: WriteStream;
  /** Packets written. */
  count = 0;

  /** @param out - an open file stream. */
  constructor(out: WriteStream) {
    this.#out = out;
    out.write(pcapHeader());
  }

  /** Appends a packet (copied: the caller may release its lease right away). */
  write(packet: Uint8Array): void {
    this.#out.write(pcapRecord(packet));
    this.count++;
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve) => this.#out.end(resolve));
  }
}
