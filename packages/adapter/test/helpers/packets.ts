/**
 * The ICMP echo packets the Linux tests send through TUN devices, in the byte-level shape the
 * scenarios use, built and checked by the one packet toolkit (`@wintun-ts/adapter/packet`): no
 * second checksum implementation lives in the tests.
 *
 * @module
 */
import { buildIcmpEcho, formatIp, parseIp, parsePacket } from '@wintun-ts/adapter/packet';

/** The fields of an ICMP / ICMPv6 echo request or reply. */
export interface IcmpEcho {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** Source address bytes (4 or 16). */
  readonly source: Uint8Array;
  /** Destination address bytes (4 or 16). */
  readonly destination: Uint8Array;
  /** True for a request (type 8 / 128), false for a reply (0 / 129). */
  readonly request: boolean;
  /** Echo identifier. */
  readonly id: number;
  /** Echo sequence number. */
  readonly seq: number;
  /** Payload after the 8-byte ICMP header. */
  readonly payload: Uint8Array;
}

function build(source: Uint8Array, destination: Uint8Array, id: number, seq: number, payload: Uint8Array, request: boolean): Uint8Array {
  return buildIcmpEcho({ source: formatIp(source), destination: formatIp(destination), id, sequence: seq, payload, kind: request ? 'request' : 'reply' });
}

/** Builds an IPv4 ICMP echo request (or reply) with valid checksums; TTL 64. */
export function buildIcmpEchoV4(source: Uint8Array, destination: Uint8Array, id: number, seq: number, payload: Uint8Array, request = true): Uint8Array {
  return build(source, destination, id, seq, payload, request);
}

/** Builds an IPv6 ICMPv6 echo request (or reply) with a valid checksum; hop limit 64. */
export function buildIcmpEchoV6(source: Uint8Array, destination: Uint8Array, id: number, seq: number, payload: Uint8Array, request = true): Uint8Array {
  return build(source, destination, id, seq, payload, request);
}

/**
 * Parses an ICMP/ICMPv6 echo packet, verifying the IPv4 header checksum and the ICMP checksum.
 * Returns `undefined` for anything else (other protocols, other ICMP types, bad checksums).
 */
export function parseIcmpEcho(packet: Uint8Array): IcmpEcho | undefined {
  const parsed = parsePacket(packet);
  if (parsed === null || parsed.echo === undefined || !parsed.checksumOk) return undefined;
  return {
    family: parsed.family,
    source: parseIp(parsed.source).bytes,
    destination: parseIp(parsed.destination).bytes,
    request: parsed.echo.kind === 'request',
    id: parsed.echo.id,
    seq: parsed.echo.sequence,
    payload: parsed.echo.payload.slice(),
  };
}
