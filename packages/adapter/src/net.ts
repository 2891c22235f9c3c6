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

/**
 * A short description of any value for an error message; never throws (a bigint, a symbol, a view
 * of a detached buffer are described, not serialized). Internal: not re-exported by the package.
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  if (typeof value === 'symbol' || typeof value === 'function') return typeof value;
  return String(value);
}

/**
 * Checks an options bag (undefined or a non-null, non-array object) and, for each listed field,
 * that it is undefined or one of its allowed values. Internal: not re-exported by the package.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` naming the function and the field.
 */
export function checkOptionsBag(what: string, options: unknown, choices: Readonly<Record<string, readonly unknown[]>> = {}): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `${what}: options must be an object, got ${describeValue(options)}.`);
  }
  for (const [field, allowed] of Object.entries(choices)) {
    const value = (options as Record<string, unknown>)[field];
    if (value !== undefined && !allowed.includes(value)) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `${what}: options.${field} must be ${allowed.map((a) => JSON.stringify(a)).join(' or ')}, got ${describeValue(value)}.`);
    }
  }
}

/** Longest adapter name per platform: 127 UTF-16 units on Windows (MAX_ADAPTER_NAME - 1), 15 bytes on Linux (IFNAMSIZ - 1). */
export const MAX_ADAPTER_NAME_LENGTH = { win32: 127, linux: 15 } as const;

/**
 * Validates an adapter name for a platform.
 *
 * @throws WintunError `ERR_WINTUN_NAME_INVALID` saying which rule the name breaks.
 */
export function validateAdapterName(name: unknown, platform: 'win32' | 'linux'): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new WintunError('ERR_WINTUN_NAME_INVALID', `An adapter name must be a non-empty string, got ${describeValue(name)}.`);
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
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `tunnelType must be a string of 1-120 characters ("<tunnelType> Tunnel" must fit in 127), got ${describeValue(tunnelType)}.`);
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
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `guid must look like {deadbabe-cafe-beef-0123-456789abcdef}, got ${describeValue(text)}.`);
  }
  return `{${m[1].toLowerCase()}}`;
}
