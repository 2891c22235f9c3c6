/**
 * IP address text: parsing (IPv4, IPv6, CIDR) into bytes in network order, and canonical
 * formatting (RFC 5952 for IPv6). Pure; safe on any thread.
 *
 * @module
 */
import { isIPv4, isIPv6 } from 'node:net';
import { WintunError } from '@wintun-ts/ring';
import { checkAddressBytes, checkObject, invalid } from './check.js';
import { isUint8Array } from 'node:util/types';

/** An IP address with its family and its bytes in network order. */
export interface IpAddress {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** Canonical text form (IPv6 compressed, lowercase). */
  readonly address: string;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

/** An address with a prefix length, e.g. `10.6.7.7/24`. */
export interface IpPrefix extends IpAddress {
  /** 0-32 for IPv4, 0-128 for IPv6. */
  readonly prefixLength: number;
}

function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

function ipv6Bytes(text: string): Uint8Array {
  let head = text;
  let tailV4: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const maybeV4 = text.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    tailV4 = Array.from(ipv4Bytes(maybeV4));
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const [left = '', right] = head.split('::');
  const l = left === '' ? [] : left.split(':');
  const r = right === undefined || right === '' ? [] : right.split(':');
  const groups = right === undefined ? l : [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  if (tailV4.length === 4) out.set(tailV4, 12);
  return out;
}

/** Canonical text for 16 IPv6 bytes (RFC 5952: lowercase, longest zero run compressed). */
export function formatIpv6(bytes: Uint8Array): string {
  if (!isUint8Array(bytes) || bytes.length !== 16) invalid('formatIpv6', 'bytes', 'a Uint8Array of 16 bytes');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Text for 4 or 16 address bytes. */
export function formatIp(bytes: Uint8Array): string {
  checkAddressBytes('formatIp', 'bytes', bytes);
  return bytes.length === 4 ? Array.from(bytes).join('.') : formatIpv6(bytes);
}

/**
 * Parses an IPv4 or IPv6 address (no prefix, no zone).
 *
 * @throws WintunError `ERR_WINTUN_ADDRESS_INVALID` when `text` is not an address.
 */
export function parseIp(text: string): IpAddress {
  if (typeof text === 'string' && isIPv4(text)) {
    const bytes = ipv4Bytes(text);
    return { family: 4, address: formatIp(bytes), bytes };
  }
  if (typeof text === 'string' && isIPv6(text) && !text.includes('%')) {
    const bytes = ipv6Bytes(text);
    return { family: 6, address: formatIpv6(bytes), bytes };
  }
  const shown = typeof text === 'string' ? JSON.stringify(text) : `a ${typeof text}`;
  throw new WintunError('ERR_WINTUN_ADDRESS_INVALID', `${shown} is not an IPv4 or IPv6 address; write e.g. 10.6.7.7 or fd00::1.`);
}

/**
 * Parses `address/prefix` (CIDR). A bare address gets the full-length prefix (/32 or /128).
 *
 * @throws WintunError `ERR_WINTUN_ADDRESS_INVALID` when the address or the prefix is malformed.
 */
export function parseCidr(text: string): IpPrefix {
  if (typeof text !== 'string') {
    throw new WintunError('ERR_WINTUN_ADDRESS_INVALID', `Expected a CIDR string such as 10.6.7.7/24, got ${typeof text}.`);
  }
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  const max = ip.family === 4 ? 32 : 128;
  if (slash < 0) return { ...ip, prefixLength: max };
  const p = text.slice(slash + 1);
  const prefixLength = /^\d{1,3}$/.test(p) ? Number(p) : NaN;
  if (!(prefixLength >= 0 && prefixLength <= max)) {
    throw new WintunError('ERR_WINTUN_ADDRESS_INVALID', `${JSON.stringify(text)} has an invalid prefix length; use 0-${max} for IPv${ip.family}.`);
  }
  return { ...ip, prefixLength };
}

/** The network address of a prefix (host bits cleared), e.g. `10.6.7.0/24` for `10.6.7.7/24`. */
export function networkOf(prefix: IpPrefix): IpPrefix {
  checkObject('networkOf', 'prefix', prefix);
  checkAddressBytes('networkOf', 'prefix.bytes', prefix.bytes);
  const bits = prefix.bytes.length * 8;
  if (typeof prefix.prefixLength !== 'number' || !Number.isInteger(prefix.prefixLength) || prefix.prefixLength < 0 || prefix.prefixLength > bits) {
    invalid('networkOf', 'prefix.prefixLength', `an integer in [0, ${bits}]`);
  }
  const bytes = Uint8Array.from(prefix.bytes);
  for (let bit = prefix.prefixLength; bit < bytes.length * 8; bit++) {
    const i = bit >> 3;
    bytes[i] = (bytes[i] ?? 0) & ~(0x80 >> (bit & 7));
  }
  return { family: prefix.family, address: formatIp(bytes), bytes, prefixLength: prefix.prefixLength };
}
