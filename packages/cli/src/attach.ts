/**
 * Attaching to a running application's capture endpoint (served by
 * `Adapter.startSession({ captureEndpoint: true })`): used by `capture` (when the application
 * exists), `extcap --capture` (Wireshark) and `status`. The endpoint sends pcapng; this module
 * passes it on, converts it to classic pcap, and stops after a count, a duration, an interrupt,
 * or when the application or the reader goes away.
 *
 * @module
 */
import { readdirSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { PcapngReader, captureEndpointDirs, connectCaptureEndpoint, pcapFileHeader, pcapRecord, type CaptureFilter } from '@wintun-ts/adapter/capture';

/** What an attached capture writes and when it stops. */
export interface AttachOptions {
  /** Adapter name (the endpoint path is derived from it). */
  readonly name: string;
  /** Where the capture goes. */
  readonly out: Writable;
  /** `pcapng` (with direction flags; the default) or `pcap` (no direction). */
  readonly format: 'pcapng' | 'pcap';
  /** Which packets. */
  readonly direction: CaptureFilter;
  /** Stop after this many packets. */
  readonly count?: number | undefined;
  /** Stop after this many milliseconds. */
  readonly durationMs?: number | undefined;
  /** Stops the capture (Ctrl-C). */
  readonly signal: AbortSignal;
  /** Called per packet written. */
  readonly onPacket?: ((captured: number) => void) | undefined;
}

/** How an attached capture ended. */
export interface AttachResult {
  /** Packets written. */
  readonly packets: number;
  /** Packets the application's capture dropped for this reader (last statistics block), or 0. */
  readonly dropped: number;
  /** Why it stopped: `count`, `duration`, `signal`, `ended` (the application went away), `output` (the reader went away). */
  readonly reason: 'count' | 'duration' | 'signal' | 'ended' | 'output';
}

/** Adapter names of the endpoints found in the endpoint directories (live or stale). */
export function endpointNames(): string[] {
  const names = new Set<string>();
  for (const dir of captureEndpointDirs()) {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      continue;
    }
    for (const e of entries) {
      if (!e.endsWith('.sock')) continue;
      try {
        names.add(decodeURIComponent(e.slice(0, -'.sock'.length)));
      } catch {
        // a name this version cannot decode: skip it
      }
    }
  }
  return [...names].sort();
}

/**
 * Connects to the endpoint of `options.name`.
 *
 * @returns the connected capture socket, or null when no application serves that adapter.
 * @throws WintunError `ERR_WINTUN_ACCESS_DENIED` when the endpoint refuses this user.
 */
export function openCapture(name: string, direction: CaptureFilter): Promise<Socket | null> {
  return connectCaptureEndpoint(name, { op: 'capture', direction });
}

/**
 * Copies the capture from `socket` to `options.out` until a stop condition. Never buffers without
 * bound: when the output is slower than the application, the socket is paused and the
 * application's endpoint drops (and counts) records for this reader instead.
 */
export function runAttachedCapture(socket: Socket, options: AttachOptions): Promise<AttachResult> {
  const { out, format, count } = options;
  const reader = new PcapngReader();
  let packets = 0;
  let dropped = 0;
  let headerWritten = false;
  let head: Buffer = Buffer.alloc(0); // the stream's first bytes, until its interface block is complete
  return new Promise<AttachResult>((resolve) => {
    let done = false;
    const timer = options.durationMs === undefined ? undefined : setTimeout(() => finish('duration'), options.durationMs);
    const onAbort = (): void => finish('signal');
    const finish = (reason: AttachResult['reason']): void => {
      if (done) return;
      done = true;
      if (timer !== undefined) clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      out.off('error', onOutError);
      socket.destroy();
      resolve({ packets, dropped, reason });
    };
    const onOutError = (): void => finish('output');
    options.signal.addEventListener('abort', onAbort, { once: true });
    if (options.signal.aborted) return finish('signal');
    out.on('error', onOutError);
    socket.on('error', () => finish('ended'));
    socket.on('close', () => finish('ended'));
    socket.on('data', (chunk: Buffer) => {
      if (done) return;
      let parsed;
      try {
        parsed = reader.push(chunk);
      } catch {
        return finish('ended'); // not pcapng: not an endpoint of ours
      }
      if (parsed.dropped !== null) dropped = parsed.dropped;
      let ok = true;
      if (format === 'pcapng' && count === undefined) {
        // Pass the stream through as it is (statistics blocks and all).
        ok = out.write(chunk);
        packets += parsed.packets.length;
        options.onPacket?.(packets);
      } else {
        if (!headerWritten) {
          if (format === 'pcapng') head = Buffer.concat([head, chunk]);
          if (reader.interfaces.length === 0) return; // header blocks still incomplete
          headerWritten = true;
          out.write(format === 'pcap' ? pcapFileHeader() : sectionOf(head));
        }
        for (const p of parsed.packets) {
          ok = out.write(format === 'pcap' ? pcapRecord(p) : enhancedBlockOf(p)) && ok;
          packets++;
          options.onPacket?.(packets);
          if (count !== undefined && packets >= count) {
            out.write('', () => finish('count'));
            return;
          }
        }
      }
      if (!ok) {
        socket.pause();
        out.once('drain', () => socket.resume());
      }
    });
  });
}

/** The section header and interface block at the start of a pcapng stream (both complete in `chunk`). */
function sectionOf(chunk: Buffer): Buffer {
  // The endpoint writes them as the first two blocks; their lengths are at offset 4 of each.
  const shb = chunk.readUInt32LE(4);
  const idb = chunk.readUInt32LE(shb + 4);
  return chunk.subarray(0, shb + idb);
}

/** An enhanced packet block for a packet read back (interface 0, direction kept). */
function enhancedBlockOf(p: import('@wintun-ts/adapter/capture').CapturedPacket): Buffer {
  const captured = p.data.byteLength;
  const padded = (captured + 3) & ~3;
  const hasFlags = p.direction !== null;
  const total = 32 + padded + (hasFlags ? 12 : 0);
  const b = Buffer.alloc(total);
  b.writeUInt32LE(6, 0);
  b.writeUInt32LE(total, 4);
  b.writeUInt32LE(0, 8);
  b.writeUInt32LE(Math.floor(p.timestampUs / 0x100000000), 12);
  b.writeUInt32LE(p.timestampUs >>> 0, 16);
  b.writeUInt32LE(captured, 20);
  b.writeUInt32LE(p.originalLength, 24);
  b.set(p.data, 28);
  let pos = 28 + padded;
  if (hasFlags) {
    b.writeUInt16LE(2, pos);
    b.writeUInt16LE(4, pos + 2);
    b.writeUInt32LE(p.direction === 'in' ? 1 : 2, pos + 4);
    b.writeUInt32LE(0, pos + 8);
    pos += 12;
  }
  b.writeUInt32LE(total, pos);
  return b;
}
