/**
 * A user's packet logic: answer ICMPv4 echo requests (ping) and count everything else. Written
 * against the `Session` API only, so it runs on a real adapter and, in tests, on the in-memory
 * driver of `@wintun-ts/adapter/testing`.
 */
import type { Session } from '@wintun-ts/adapter';

/** What {@link answerPings} did. */
export interface PingStats {
  /** Echo replies sent. */
  replies: number;
  /** Packets that were not IPv4 echo requests. */
  others: number;
}

/** RFC 1071 checksum over `bytes[start, end)`. */
export function checksum(bytes: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i += 2) sum += ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Builds the reply to an IPv4 ICMP echo request in place in `out` (a copy of the request). */
export function toEchoReply(out: Uint8Array): void {
  const ihl = (out[0]! & 0x0f) * 4;
  const src = out.slice(12, 16);
  out.copyWithin(12, 16, 20);
  out.set(src, 16);
  out[ihl] = 0; // echo reply
  out[ihl + 2] = 0;
  out[ihl + 3] = 0;
  const sum = checksum(out, ihl, out.length);
  out[ihl + 2] = sum >> 8;
  out[ihl + 3] = sum & 0xff;
}

/** Whether `packet` is an IPv4 ICMP echo request. */
export function isEchoRequest(packet: Uint8Array): boolean {
  return packet.length >= 28 && packet[0]! >> 4 === 4 && packet[9] === 1 && packet[(packet[0]! & 0x0f) * 4] === 8;
}

/**
 * Answers pings on `session` until `signal` fires or the session ends.
 *
 * @returns the counters.
 */
export async function answerPings(session: Session, signal: AbortSignal): Promise<PingStats> {
  const stats: PingStats = { replies: 0, others: 0 };
  for await (const batch of session.batches({ signal })) {
    for (const packet of batch) {
      if (!isEchoRequest(packet)) {
        stats.others++;
        continue;
      }
      toEchoReply(packet); // in place: the view is ours until the loop advances
      if (session.send(packet)) stats.replies++;
    }
  }
  return stats;
}
