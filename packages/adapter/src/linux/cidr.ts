/**
 * The Linux backend's view of IP addresses and CIDR prefixes: thin adapters over the one parser in
 * `../net.ts` (the public `parseIp`/`parseCidr`/`networkOf`/`formatIp`), adding the `text`/`cidr`
 * fields and the route-destination rules the rtnetlink client uses. Pure, no native code.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/session';
import { formatIp, networkOf, parseCidr as parsePublicCidr, parseIp, type IpAddress as PublicIpAddress, type IpPrefix as PublicIpPrefix } from '../net.js';

/** An IP address in network byte order (the public `IpAddress` plus its text under `text`). */
export interface IpAddress extends PublicIpAddress {
  /** Canonical text (IPv6 compressed, lower case); same as `address`. */
  readonly text: string;
}

/** An address with a prefix length, e.g. `10.6.7.7/24`. */
export interface IpPrefix extends IpAddress, PublicIpPrefix {
  /** `text/prefixLength`. */
  readonly cidr: string;
}

/** Formats 4 or 16 network-order bytes as canonical text (RFC 5952 for IPv6); same as `formatIp`. */
export function formatIpAddress(bytes: Uint8Array): string {
  return formatIp(bytes);
}

/**
 * Parses an IPv4 or IPv6 address (no prefix; surrounding whitespace ignored).
 *
 * @throws WintunError `ERR_WINTUN_ADDRESS_INVALID` when malformed.
 */
export function parseIpAddress(text: string): IpAddress {
  const ip = parseIp(typeof text === 'string' ? text.trim() : text);
  return { ...ip, text: ip.address };
}

/** Adds the `text`/`cidr` fields to a public prefix. */
export function toLinuxPrefix(prefix: PublicIpPrefix): IpPrefix {
  return { ...prefix, text: prefix.address, cidr: `${prefix.address}/${prefix.prefixLength}` };
}

/**
 * Parses `address/prefix` (e.g. `10.6.7.7/24`, `fd00::1/64`). Without `/prefix` the address is a
 * host prefix (/32 or /128), like `ip addr add` does.
 *
 * @throws WintunError `ERR_WINTUN_ADDRESS_INVALID` when malformed or the prefix is out of range.
 */
export function parseCidr(text: string): IpPrefix {
  return toLinuxPrefix(parsePublicCidr(typeof text === 'string' ? text.trim() : text));
}

/** True when every bit after the prefix is zero (a network address, as a route destination needs). */
export function isNetworkPrefix(prefix: PublicIpPrefix): boolean {
  const network = networkOf(prefix);
  return network.bytes.every((b, i) => b === prefix.bytes[i]);
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
    throw new WintunError(
      'ERR_WINTUN_ADDRESS_INVALID',
      `"${text}" is not a valid route destination: bits are set after the /${prefix.prefixLength} prefix; a route destination is a network address such as ${networkOf(prefix).address}/${prefix.prefixLength}.`,
    );
  }
  return prefix;
}
