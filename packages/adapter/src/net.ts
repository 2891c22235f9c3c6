/**
 * Pure parsing and validation of IP addresses, CIDR prefixes and adapter names, shared by both
 * platform backends. No I/O; safe on any thread.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/session';
import { formatIp, formatIpv6, networkOf, parseCidr, parseIp, type IpAddress, type IpPrefix } from '@wintun-ts/session/packet';

// Address parsing lives with the packet toolkit in `@wintun-ts/session/packet`; the backends
// import it from here with the name checks.
export { formatIp, formatIpv6, networkOf, parseCidr, parseIp };
export type { IpAddress, IpPrefix };

/** Longest adapter name per platform: 127 UTF-16 units on Windows (MAX_ADAPTER_NAME - 1), 15 bytes on Linux (IFNAMSIZ - 1). */
export const MAX_ADAPTER_NAME_LENGTH = { win32: 127, linux: 15 } as const;

/**
 * Validates an adapter name for a platform.
 *
 * @throws WintunError `ERR_WINTUN_NAME_INVALID` saying which rule the name breaks.
 */
export function validateAdapterName(name: unknown, platform: 'win32' | 'linux'): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new WintunError('ERR_WINTUN_NAME_INVALID', `An adapter name must be a non-empty string, got ${JSON.stringify(name)}.`);
  }
  const max = MAX_ADAPTER_NAME_LENGTH[platform];
  const length = platform === 'linux' ? Buffer.byteLength(name, 'utf8') : name.length;
  if (length > max) {
    throw new WintunError(
      'ERR_WINTUN_NAME_INVALID',
      `Adapter name ${JSON.stringify(name)} is ${length} ${platform === 'linux' ? 'bytes' : 'characters'}; at most ${max} on ${platform}.`,
    );
  }
  if (/[\u0000-\u001f\u007f/:\\\s]/.test(name) || (platform === 'linux' && (name === '.' || name === '..'))) {
    throw new WintunError(
      'ERR_WINTUN_NAME_INVALID',
      `Adapter name ${JSON.stringify(name)} contains a character that is not allowed (whitespace, control characters, "/", "\\" or ":"); use letters, digits, "-", "_" or ".".`,
    );
  }
  return name;
}

/**
 * Validates a Wintun tunnel type. Wintun makes the device description "<tunnelType> Tunnel" and
 * fails when that exceeds 127 characters, so the type may have at most 120; spaces are allowed,
 * control characters are not.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` saying which rule the value breaks.
 */
export function validateTunnelType(tunnelType: unknown): string {
  if (typeof tunnelType !== 'string' || tunnelType.length === 0 || tunnelType.length > 120) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `tunnelType must be a string of 1-120 characters ("<tunnelType> Tunnel" must fit in 127), got ${JSON.stringify(tunnelType)}.`);
  }
  if (/[\u0000-\u001f\u007f-\u009f]/.test(tunnelType)) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `tunnelType ${JSON.stringify(tunnelType)} contains control characters; use printable text such as "WireGuard".`);
  }
  return tunnelType;
}

/** Canonical lowercase `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}` form of a GUID string (braces optional on input). */
export function normalizeGuid(text: unknown): string {
  const m = typeof text === 'string' ? /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i.exec(text) : null;
  if (m === null || m[1] === undefined) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `guid must look like {deadbabe-cafe-beef-0123-456789abcdef}, got ${JSON.stringify(text)}.`);
  }
  return `{${m[1].toLowerCase()}}`;
}
