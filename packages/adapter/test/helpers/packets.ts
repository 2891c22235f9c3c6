/**
 * Builders and parsers for the ICMP echo packets the tests send through TUN devices, with
 * correct IPv4 header, ICMP and ICMPv6 (pseudo-header) checksums.
 *
 * @module
 */

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

/** The Internet checksum (RFC 1071) of `bytes`, continuing from `initial` (unfolded sum). */
export function ipChecksum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  if (bytes.length % 2 === 1) sum += (bytes[bytes.length - 1] as number) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function icmpHeader(type: number, id: number, seq: number, payload: Uint8Array): Uint8Array {
  const icmp = new Uint8Array(8 + payload.length);
  const view = new DataView(icmp.buffer);
  view.setUint8(0, type);
  view.setUint16(4, id);
  view.setUint16(6, seq);
  icmp.set(payload, 8);
  return icmp;
}

/** Builds an IPv4 ICMP echo request (or reply) with valid checksums; TTL 64. */
export function buildIcmpEchoV4(source: Uint8Array, destination: Uint8Array, id: number, seq: number, payload: Uint8Array, request = true): Uint8Array {
  const icmp = icmpHeader(request ? 8 : 0, id, seq, payload);
  new DataView(icmp.buffer).setUint16(2, ipChecksum(icmp));
  const packet = new Uint8Array(20 + icmp.length);
  const view = new DataView(packet.buffer);
  view.setUint8(0, 0x45);
  view.setUint16(2, packet.length);
  view.setUint16(4, id);
  view.setUint16(6, 0x4000); // don't fragment
  view.setUint8(8, 64);
  view.setUint8(9, 1); // ICMP
  packet.set(source, 12);
  packet.set(destination, 16);
  view.setUint16(10, ipChecksum(packet.subarray(0, 20)));
  packet.set(icmp, 20);
  return packet;
}

function pseudoSumV6(source: Uint8Array, destination: Uint8Array, length: number): number {
  const pseudo = new Uint8Array(40);
  pseudo.set(source, 0);
  pseudo.set(destination, 16);
  new DataView(pseudo.buffer).setUint32(32, length);
  pseudo[39] = 58;
  return (~ipChecksum(pseudo) & 0xffff);
}

/** Builds an IPv6 ICMPv6 echo request (or reply) with a valid checksum; hop limit 64. */
export function buildIcmpEchoV6(source: Uint8Array, destination: Uint8Array, id: number, seq: number, payload: Uint8Array, request = true): Uint8Array {
  const icmp = icmpHeader(request ? 128 : 129, id, seq, payload);
  new DataView(icmp.buffer).setUint16(2, ipChecksum(icmp, pseudoSumV6(source, destination, icmp.length)));
  const packet = new Uint8Array(40 + icmp.length);
  const view = new DataView(packet.buffer);
  view.setUint32(0, 0x60000000);
  view.setUint16(4, icmp.length);
  view.setUint8(6, 58); // ICMPv6
  view.setUint8(7, 64);
  packet.set(source, 8);
  packet.set(destination, 24);
  packet.set(icmp, 40);
  return packet;
}

/**
 * Parses an ICMP/ICMPv6 echo packet, verifying the IPv4 header checksum and the ICMP checksum.
 * Returns `undefined` for anything else (other protocols, other ICMP types, bad checksums).
 */
export function parseIcmpEcho(packet: Uint8Array): IcmpEcho | undefined {
  if (packet.length < 1) return undefined;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const version = (packet[0] as number) >> 4;
  if (version === 4) {
    const headerLength = ((packet[0] as number) & 0xf) * 4;
    if (packet.length < headerLength + 8 || packet[9] !== 1) return undefined;
    if (ipChecksum(packet.subarray(0, headerLength)) !== 0) return undefined;
    const total = view.getUint16(2);
    const icmp = packet.subarray(headerLength, total);
    if (ipChecksum(icmp) !== 0) return undefined;
    const type = icmp[0];
    if (type !== 8 && type !== 0) return undefined;
    const icmpView = new DataView(icmp.buffer, icmp.byteOffset, icmp.byteLength);
    return { family: 4, source: packet.slice(12, 16), destination: packet.slice(16, 20), request: type === 8, id: icmpView.getUint16(4), seq: icmpView.getUint16(6), payload: icmp.slice(8) };
  }
  if (version === 6) {
    if (packet.length < 48 || packet[6] !== 58) return undefined;
    const icmp = packet.subarray(40, 40 + view.getUint16(4));
    const source = packet.slice(8, 24);
    const destination = packet.slice(24, 40);
    if (ipChecksum(icmp, pseudoSumV6(source, destination, icmp.length)) !== 0) return undefined;
    const type = icmp[0];
    if (type !== 128 && type !== 129) return undefined;
    const icmpView = new DataView(icmp.buffer, icmp.byteOffset, icmp.byteLength);
    return { family: 6, source, destination, request: type === 128, id: icmpView.getUint16(4), seq: icmpView.getUint16(6), payload: icmp.slice(8) };
  }
  return undefined;
}
