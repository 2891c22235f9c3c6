/**
 * The packet toolkit: the Internet checksum, ICMP echo and UDP builders, a parser, and the in-place
 * echo rewrite the echo responder and the CLI's `up` are built from. Pure functions over bytes:
 * no I/O, no session, safe on any thread.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/ring';
import { parseIp, formatIp } from './address.js';
import { checkObject, checkSpan, invalid } from './check.js';
import { isUint8Array } from 'node:util/types';

const PROTO_ICMP = 1;
const PROTO_UDP = 17;
const PROTO_ICMPV6 = 58;

/**
 * The Internet checksum (RFC 1071) of `bytes[offset .. offset + length)`, folded with `initial`
 * (a partial 32-bit sum, e.g. of a pseudo-header). Returns the 16-bit one's-complement value to
 * store in a header (0 when the data already contains a correct checksum).
 */
export function internetChecksum(bytes: Uint8Array, offset: number, length: number, initial = 0): number {
  checkSpan('internetChecksum', bytes, offset, length);
  if (typeof initial !== 'number' || (initial >>> 0) !== initial) invalid('internetChecksum', 'initial', 'a 32-bit unsigned integer');
  let sum = initial;
  const end = offset + length;
  let i = offset;
  for (; i + 1 < end; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  if (i < end) sum += (bytes[i] as number) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** The partial sum of a pseudo-header (RFC 768 / RFC 8200 8.1) for a transport checksum. */
function pseudoSum(bytes: Uint8Array, offset: number, family: 4 | 6, protocol: number, length: number): number {
  let sum = protocol + (length >>> 16) + (length & 0xffff);
  const [start, count] = family === 4 ? [offset + 12, 8] : [offset + 8, 32];
  for (let i = start; i < start + count; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  return sum;
}

function writeU16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = (value >>> 8) & 0xff;
  bytes[at + 1] = value & 0xff;
}

function readU16(bytes: Uint8Array, at: number): number {
  return (((bytes[at] as number) << 8) | (bytes[at + 1] as number)) >>> 0;
}

function ipHeader(family: 4 | 6, protocol: number, source: Uint8Array, destination: Uint8Array, payloadLength: number, ttl: number): Uint8Array {
  if (family === 4) {
    const packet = new Uint8Array(20 + payloadLength);
    packet[0] = 0x45;
    writeU16(packet, 2, 20 + payloadLength);
    packet[6] = 0x40; // DF
    packet[8] = ttl;
    packet[9] = protocol;
    packet.set(source, 12);
    packet.set(destination, 16);
    writeU16(packet, 10, internetChecksum(packet, 0, 20));
    return packet;
  }
  const packet = new Uint8Array(40 + payloadLength);
  packet[0] = 0x60;
  writeU16(packet, 4, payloadLength);
  packet[6] = protocol;
  packet[7] = ttl;
  packet.set(source, 8);
  packet.set(destination, 24);
  return packet;
}

function addressBytes(text: string, family?: 4 | 6): Uint8Array {
  const ip = parseIp(text);
  if (family !== undefined && ip.family !== family) {
    throw new WintunError('ERR_WINTUN_ADDRESS_INVALID', `${text} is IPv${ip.family}; both addresses of a packet must be of one family.`);
  }
  return ip.bytes;
}

/** Fields of {@link buildIcmpEcho}. */
export interface IcmpEchoFields {
  /** Source address (IPv4 or IPv6 text). */
  readonly source: string;
  /** Destination address, same family. */
  readonly destination: string;
  /** Echo identifier (0-65535). */
  readonly id: number;
  /** Echo sequence number (0-65535). */
  readonly sequence: number;
  /** Echo data. Default: empty. */
  readonly payload?: Uint8Array | undefined;
  /** `'request'` (default) or `'reply'`. */
  readonly kind?: 'request' | 'reply' | undefined;
  /** TTL / hop limit. Default 64. */
  readonly ttl?: number | undefined;
}

/**
 * Builds a complete ICMPv4 or ICMPv6 echo request/reply packet (IP header included) with correct
 * checksums; the family follows the addresses.
 *
 * @throws WintunError `ERR_WINTUN_ADDRESS_INVALID` for bad or mixed-family addresses.
 */
export function buildIcmpEcho(fields: IcmpEchoFields): Uint8Array {
  checkObject('buildIcmpEcho', 'fields', fields);
  checkU16('buildIcmpEcho', 'fields.id', fields.id);
  checkU16('buildIcmpEcho', 'fields.sequence', fields.sequence);
  checkCommon('buildIcmpEcho', fields.payload, fields.ttl, true);
  if (fields.kind !== undefined && fields.kind !== 'request' && fields.kind !== 'reply') invalid('buildIcmpEcho', 'fields.kind', "'request' or 'reply'");
  const family = parseIp(fields.source).family;
  const source = addressBytes(fields.source);
  const destination = addressBytes(fields.destination, family);
  const payload = fields.payload ?? new Uint8Array(0);
  const reply = fields.kind === 'reply';
  const packet = ipHeader(family, family === 4 ? PROTO_ICMP : PROTO_ICMPV6, source, destination, 8 + payload.byteLength, fields.ttl ?? 64);
  const at = family === 4 ? 20 : 40;
  packet[at] = family === 4 ? (reply ? 0 : 8) : reply ? 129 : 128;
  writeU16(packet, at + 4, fields.id);
  writeU16(packet, at + 6, fields.sequence);
  packet.set(payload, at + 8);
  const initial = family === 4 ? 0 : pseudoSum(packet, 0, 6, PROTO_ICMPV6, 8 + payload.byteLength);
  writeU16(packet, at + 2, internetChecksum(packet, at, 8 + payload.byteLength, initial));
  return packet;
}

/** Fields of {@link buildUdpPacket}. */
export interface UdpFields {
  /** Source address (IPv4 or IPv6 text). */
  readonly source: string;
  /** Destination address, same family. */
  readonly destination: string;
  /** Source port. */
  readonly sourcePort: number;
  /** Destination port. */
  readonly destinationPort: number;
  /** Datagram payload. */
  readonly payload: Uint8Array;
  /** TTL / hop limit. Default 64. */
  readonly ttl?: number | undefined;
}

/**
 * Builds a complete UDP/IPv4 or UDP/IPv6 packet with correct checksums (pseudo-header included).
 *
 * @throws WintunError `ERR_WINTUN_ADDRESS_INVALID` for bad or mixed-family addresses;
 *   `ERR_WINTUN_PACKET_TOO_LARGE` when the packet would exceed 65535 bytes.
 */
export function buildUdpPacket(fields: UdpFields): Uint8Array {
  checkObject('buildUdpPacket', 'fields', fields);
  checkU16('buildUdpPacket', 'fields.sourcePort', fields.sourcePort);
  checkU16('buildUdpPacket', 'fields.destinationPort', fields.destinationPort);
  checkCommon('buildUdpPacket', fields.payload, fields.ttl, false);
  const family = parseIp(fields.source).family;
  const source = addressBytes(fields.source);
  const destination = addressBytes(fields.destination, family);
  const udpLength = 8 + fields.payload.byteLength;
  if (udpLength + (family === 4 ? 20 : 40) > 0xffff) {
    throw new WintunError('ERR_WINTUN_PACKET_TOO_LARGE', `A UDP payload of ${fields.payload.byteLength} bytes does not fit in one IP packet.`);
  }
  const packet = ipHeader(family, PROTO_UDP, source, destination, udpLength, fields.ttl ?? 64);
  const at = family === 4 ? 20 : 40;
  writeU16(packet, at, fields.sourcePort);
  writeU16(packet, at + 2, fields.destinationPort);
  writeU16(packet, at + 4, udpLength);
  packet.set(fields.payload, at + 8);
  const sum = internetChecksum(packet, at, udpLength, pseudoSum(packet, 0, family, PROTO_UDP, udpLength));
  writeU16(packet, at + 6, sum === 0 ? 0xffff : sum);
  return packet;
}

/** An IP packet as {@link parsePacket} sees it. */
export interface ParsedPacket {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** IP protocol / IPv6 next header (1 ICMP, 17 UDP, 58 ICMPv6, 6 TCP, ...). */
  readonly protocol: number;
  /** Source address text. */
  readonly source: string;
  /** Destination address text. */
  readonly destination: string;
  /** TTL / hop limit. */
  readonly ttl: number;
  /** IP header length in bytes. */
  readonly headerLength: number;
  /** Total packet length from the IP header (may be less than the bytes given). */
  readonly totalLength: number;
  /** For ICMP/ICMPv6 echo request and reply: the echo fields. */
  readonly echo?: { readonly kind: 'request' | 'reply'; readonly id: number; readonly sequence: number; readonly payload: Uint8Array } | undefined;
  /** For UDP: ports and payload. */
  readonly udp?: { readonly sourcePort: number; readonly destinationPort: number; readonly payload: Uint8Array } | undefined;
  /** True when the transport checksum (and the IPv4 header checksum) verify. */
  readonly checksumOk: boolean;
}

/**
 * Parses an IPv4/IPv6 packet (no IPv6 extension headers, no fragments for the echo/UDP fields).
 * Payload views share memory with `bytes`.
 *
 * @returns the parsed packet, or `null` when `bytes` is not a well-formed IP packet.
 */
export function parsePacket(bytes: Uint8Array): ParsedPacket | null {
  if (!isUint8Array(bytes)) invalid('parsePacket', 'bytes', 'a Uint8Array');
  const family = bytes.byteLength > 0 ? ((bytes[0] as number) >>> 4) : 0;
  let headerLength: number;
  let totalLength: number;
  let protocol: number;
  let ttl: number;
  let source: Uint8Array;
  let destination: Uint8Array;
  let headerOk = true;
  let fragment = false;
  if (family === 4) {
    if (bytes.byteLength < 20) return null;
    headerLength = ((bytes[0] as number) & 0x0f) * 4;
    totalLength = readU16(bytes, 2);
    if (headerLength < 20 || totalLength < headerLength || totalLength > bytes.byteLength) return null;
    protocol = bytes[9] as number;
    ttl = bytes[8] as number;
    source = bytes.subarray(12, 16);
    destination = bytes.subarray(16, 20);
    headerOk = internetChecksum(bytes, 0, headerLength) === 0;
    fragment = (readU16(bytes, 6) & 0x3fff) !== 0;
  } else if (family === 6) {
    if (bytes.byteLength < 40) return null;
    headerLength = 40;
    totalLength = 40 + readU16(bytes, 4);
    if (totalLength > bytes.byteLength) return null;
    protocol = bytes[6] as number;
    ttl = bytes[7] as number;
    source = bytes.subarray(8, 24);
    destination = bytes.subarray(24, 40);
  } else {
    return null;
  }
  const base = { family: family as 4 | 6, protocol, source: formatIp(source), destination: formatIp(destination), ttl, headerLength, totalLength };
  const l4 = totalLength - headerLength;
  const at = headerLength;
  if (fragment) return { ...base, checksumOk: headerOk };
  if ((protocol === PROTO_ICMP && family === 4) || (protocol === PROTO_ICMPV6 && family === 6)) {
    if (l4 < 8) return { ...base, checksumOk: false };
    const initial = family === 4 ? 0 : pseudoSum(bytes, 0, 6, PROTO_ICMPV6, l4);
    const checksumOk = headerOk && internetChecksum(bytes, at, l4, initial) === 0;
    const type = bytes[at] as number;
    const request = family === 4 ? 8 : 128;
    const reply = family === 4 ? 0 : 129;
    if ((type === request || type === reply) && bytes[at + 1] === 0) {
      const echo = { kind: type === request ? ('request' as const) : ('reply' as const), id: readU16(bytes, at + 4), sequence: readU16(bytes, at + 6), payload: bytes.subarray(at + 8, totalLength) };
      return { ...base, echo, checksumOk };
    }
    return { ...base, checksumOk };
  }
  if (protocol === PROTO_UDP) {
    if (l4 < 8 || readU16(bytes, at + 4) !== l4) return { ...base, checksumOk: false };
    const stored = readU16(bytes, at + 6);
    const checksumOk = headerOk && ((family === 4 && stored === 0) || internetChecksum(bytes, at, l4, pseudoSum(bytes, 0, family, PROTO_UDP, l4)) === 0);
    return { ...base, udp: { sourcePort: readU16(bytes, at), destinationPort: readU16(bytes, at + 2), payload: bytes.subarray(at + 8, totalLength) }, checksumOk };
  }
  return { ...base, checksumOk: headerOk };
}

/** What {@link echoReplyInPlace} answered. */
export type EchoKind = 'icmp4' | 'icmp6' | 'udp';

/** Which packets {@link echoReplyInPlace} answers. */
export interface EchoFilter {
  /** Destination addresses to answer for (4 or 16 bytes each); `null` = any. */
  readonly addresses: readonly Uint8Array[] | null;
  /** UDP destination ports to echo; `null` = any. */
  readonly udpPorts: ReadonlySet<number> | null;
}

function addressMatches(bytes: Uint8Array, at: number, length: number, addresses: readonly Uint8Array[] | null): boolean {
  if (addresses === null) return true;
  outer: for (const a of addresses) {
    if (a.byteLength !== length) continue;
    for (let i = 0; i < length; i++) if (a[i] !== bytes[at + i]) continue outer;
    return true;
  }
  return false;
}

function checkU16(what: string, name: string, value: unknown): void {
  if (typeof value !== 'number' || (value & 0xffff) !== value) invalid(what, name, 'an integer in [0, 65535]');
}

function checkCommon(what: string, payload: unknown, ttl: unknown, optionalPayload: boolean): void {
  if (!isUint8Array(payload) && !(optionalPayload && payload === undefined)) invalid(what, 'fields.payload', 'a Uint8Array');
  if (ttl !== undefined && (typeof ttl !== 'number' || (ttl & 0xff) !== ttl)) invalid(what, 'fields.ttl', 'an integer in [0, 255]');
}

/** The span and the filter (`addresses`: null or an array of address bytes; `udpPorts`: null or a Set). */
function checkEchoArgs(what: string, bytes: unknown, offset: unknown, length: unknown, filter: unknown): void {
  checkSpan(what, bytes, offset, length);
  checkObject(what, 'filter', filter);
  const f = filter as { addresses?: unknown; udpPorts?: unknown };
  if (f.addresses !== null && (!Array.isArray(f.addresses) || !f.addresses.every((a) => isUint8Array(a)))) {
    invalid(what, 'filter.addresses', 'null or an array of Uint8Array');
  }
  if (f.udpPorts !== null && !(f.udpPorts instanceof Set)) invalid(what, 'filter.udpPorts', 'null or a Set of ports');
}

function swap(bytes: Uint8Array, a: number, b: number, length: number): void {
  for (let i = 0; i < length; i++) {
    const t = bytes[a + i] as number;
    bytes[a + i] = bytes[b + i] as number;
    bytes[b + i] = t;
  }
}

/**
 * Classifies the IP packet at `bytes[offset .. offset + length)` and, when it is an ICMPv4 echo
 * request, an ICMPv6 echo request or a UDP datagram matching `filter`, turns it into the answer in
 * place: addresses (and UDP ports) swapped, type changed, TTL/hop limit 64, every checksum
 * recomputed. Use it on a copy, e.g. inside a `Session.sendWith` fill callback.
 *
 * @returns the kind of answer and its length (the IP total length), or `null` (left untouched) for
 *   anything else: other protocols, fragments, IPv6 extension headers, malformed packets.
 */
export function echoReplyInPlace(bytes: Uint8Array, offset: number, length: number, filter: EchoFilter): { kind: EchoKind; length: number } | null {
  checkEchoArgs('echoReplyInPlace', bytes, offset, length, filter);
  return echo(bytes, offset, length, filter, false);
}

/**
 * Like {@link echoReplyInPlace} but changes nothing: whether (and how) the packet would be answered.
 *
 * @returns the kind and length of the answer, or `null`.
 */
export function classifyEcho(bytes: Uint8Array, offset: number, length: number, filter: EchoFilter): { kind: EchoKind; length: number } | null {
  checkEchoArgs('classifyEcho', bytes, offset, length, filter);
  return echo(bytes, offset, length, filter, true);
}

function echo(bytes: Uint8Array, offset: number, length: number, filter: EchoFilter, dryRun: boolean): { kind: EchoKind; length: number } | null {
  if (length < 20) return null;
  const version = (bytes[offset] as number) >>> 4;
  if (version === 4) {
    const ihl = ((bytes[offset] as number) & 0x0f) * 4;
    const total = readU16(bytes, offset + 2);
    if (ihl < 20 || total < ihl + 8 || total > length) return null;
    if ((readU16(bytes, offset + 6) & 0x3fff) !== 0) return null;
    if (!addressMatches(bytes, offset + 16, 4, filter.addresses)) return null;
    const protocol = bytes[offset + 9] as number;
    const at = offset + ihl;
    const l4 = total - ihl;
    let kind: EchoKind;
    if (protocol === PROTO_ICMP && bytes[at] === 8 && bytes[at + 1] === 0) kind = 'icmp4';
    else if (protocol === PROTO_UDP && readU16(bytes, at + 4) === l4 && (filter.udpPorts === null || filter.udpPorts.has(readU16(bytes, at + 2)))) kind = 'udp';
    else return null;
    if (dryRun) return { kind, length: total };
    if (kind === 'icmp4') {
      bytes[at] = 0;
      writeU16(bytes, at + 2, 0);
      writeU16(bytes, at + 2, internetChecksum(bytes, at, l4));
    } else {
      swap(bytes, at, at + 2, 2);
    }
    swap(bytes, offset + 12, offset + 16, 4);
    bytes[offset + 8] = 64;
    writeU16(bytes, offset + 10, 0);
    writeU16(bytes, offset + 10, internetChecksum(bytes, offset, ihl));
    if (kind === 'udp') {
      writeU16(bytes, at + 6, 0);
      const sum = internetChecksum(bytes, at, l4, pseudoSum(bytes, offset, 4, PROTO_UDP, l4));
      writeU16(bytes, at + 6, sum === 0 ? 0xffff : sum);
    }
    return { kind, length: total };
  }
  if (version === 6) {
    if (length < 48) return null;
    const l4 = readU16(bytes, offset + 4);
    const total = 40 + l4;
    if (l4 < 8 || total > length) return null;
    if (!addressMatches(bytes, offset + 24, 16, filter.addresses)) return null;
    const next = bytes[offset + 6] as number;
    const at = offset + 40;
    let kind: EchoKind;
    if (next === PROTO_ICMPV6 && bytes[at] === 128 && bytes[at + 1] === 0) kind = 'icmp6';
    else if (next === PROTO_UDP && readU16(bytes, at + 4) === l4 && (filter.udpPorts === null || filter.udpPorts.has(readU16(bytes, at + 2)))) kind = 'udp';
    else return null;
    if (dryRun) return { kind, length: total };
    if (kind === 'icmp6') bytes[at] = 129;
    else swap(bytes, at, at + 2, 2);
    swap(bytes, offset + 8, offset + 24, 16);
    bytes[offset + 7] = 64;
    const checksumAt = kind === 'udp' ? at + 6 : at + 2;
    writeU16(bytes, checksumAt, 0);
    const sum = internetChecksum(bytes, at, l4, pseudoSum(bytes, offset, 6, next, l4));
    writeU16(bytes, checksumAt, kind === 'udp' && sum === 0 ? 0xffff : sum);
    return { kind, length: total };
  }
  return null;
}
