/**
 * IP address and CIDR parsing for the Linux backend (pure, no native code).
 *
 * @module
 */
import { WintunError } from '@wintun-ts/session';

/** An IP address in network byte order. */
export interface IpAddress {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
  /** Canonical text (IPv6 compressed, lower case). */
  readonly text: string;
}

/** An address with a prefix length, e.g. `10.6.7.7/24`. */
export interface IpPrefix extends IpAddress {
  /** Prefix length: 0-32 (IPv4) or 0-128 (IPv6). */
  readonly prefixLength: number;
  /** `text/prefixLength`. */
  readonly cidr: string;
}

function invalid(text: string, why: string): WintunError {
  return new WintunError('ERR_WINTUN_ADDRESS_INVALID', `"${text}" is not a valid address: ${why}. Use CIDR notation such as 10.6.7.7/24 or fd00::1/64.`);
}

function parseIPv4(text: string, original: string): Uint8Array {
  const parts = text.split('.');
  if (parts.length !== 4) throw invalid(original, 'an IPv4 address has four dotted decimal parts');
  const bytes = new Uint8Array(4);
  parts.forEach((part, i) => {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) throw invalid(original, `"${part}" is not a number from 0 to 255`);
    bytes[i] = Number(part);
  });
  return bytes;
}

function parseIPv6(text: string, original: string): Uint8Array {
  if (text.includes('%')) throw invalid(original, 'zone ids (%...) are not accepted');
  const halves = text.split('::');
  if (halves.length > 2) throw invalid(original, '"::" may appear only once');
  const groups = (half: string): number[] => {
    if (half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    parts.forEach((part, i) => {
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = parseIPv4(part, original);
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
        return;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(part)) throw invalid(original, `"${part}" is not a 1-4 digit hex group`);
      out.push(parseInt(part, 16));
    });
    return out;
  };
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (halves.length === 2 ? head.length + tail.length > 7 : head.length !== 8) {
    throw invalid(original, 'an IPv6 address has eight 16-bit groups');
  }
  const all = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

/** Formats 4 or 16 network-order bytes as canonical text (RFC 5952 for IPv6). */
export function formatIpAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * Parses an IPv4 or IPv6 address (no prefix).
 *
 * @throws WintunError `ERR_WINTUN_ADDRESS_INVALID` when malformed.
 */
export function parseIpAddress(text: string): IpAddress {
  if (typeof text !== 'string' || text.length === 0) throw invalid(String(text), 'empty');
  const trimmed = text.trim();
  const bytes = trimmed.includes(':') ? parseIPv6(trimmed, text) : parseIPv4(trimmed, text);
  return { family: bytes.length === 4 ? 4 : 6, bytes, text: formatIpAddress(bytes) };
}

/**
 * Parses `address/prefix` (e.g. `10.6.7.7/24`, `fd00::1/64`). Without `/prefix` the address is a
 * host prefix (/32 or /128), like `ip addr add` does.
 *
 * @throws WintunError `ERR_WINTUN_ADDRESS_INVALID` when malformed or the prefix is out of range.
 */
export function parseCidr(text: string): IpPrefix {
  if (typeof text !== 'string') throw invalid(String(text), 'not a string');
  const slash = text.indexOf('/');
  const address = parseIpAddress(slash < 0 ? text : text.slice(0, slash));
  const max = address.family === 4 ? 32 : 128;
  let prefixLength = max;
  if (slash >= 0) {
    const prefix = text.slice(slash + 1).trim();
    if (!/^[0-9]{1,3}$/.test(prefix) || Number(prefix) > max) throw invalid(text, `the prefix length must be 0-${max}`);
    prefixLength = Number(prefix);
  }
  return { ...address, prefixLength, cidr: `${address.text}/${prefixLength}` };
}

/** True when every bit after the prefix is zero (a network address, as a route destination needs). */
export function isNetworkPrefix(prefix: IpPrefix): boolean {
  for (let bit = prefix.prefixLength; bit < prefix.bytes.length * 8; bit++) {
    if ((((prefix.bytes[bit >> 3] as number) >> (7 - (bit & 7))) & 1) !== 0) return false;
  }
  return true;
}

/**
 * Parses a route destination: a CIDR whose host bits are zero (`10.6.0.0/16`, `::/0`), or
 * `default` / `default6` for `0.0.0.0/0` / `::/0`.
 *
 * @throws WintunError `ERR_WINTUN_ADDRESS_INVALID` when malformed or host bits are set.
 */
export function parseRouteDestination(text: string): IpPrefix {
  if (text === 'default') return parseCidr('0.0.0.0/0');
  if (text === 'default6') return parseCidr('::/0');
  const prefix = parseCidr(text);
  if (!isNetworkPrefix(prefix)) {
    throw invalid(text, `bits are set after the /${prefix.prefixLength} prefix; a route destination is a network address`);
  }
  return prefix;
}
