/**
 * GUIDs as strings, as the 16 bytes of the Windows `GUID` struct, and as the koffi struct value.
 * Pure functions: any host, any thread.
 *
 * Byte layout (Windows, little-endian): `Data1` u32 LE, `Data2` u16 LE, `Data3` u16 LE, then the
 * 8 bytes of `Data4` in order. `{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}` is
 * `10 B8 A7 6B AD 9D D1 11 80 B4 00 C0 4F D4 30 C8`.
 *
 * @module
 */
import { WintunError } from '../errors.js';
import { badArgument, checkBytes, checkInt, checkObject, checkString } from '../check.js';

/** The `GUID` struct as koffi encodes and decodes it. */
export interface GuidStruct {
  /** First 32 bits. */
  Data1: number;
  /** Next 16 bits. */
  Data2: number;
  /** Next 16 bits. */
  Data3: number;
  /** Last 8 bytes. */
  Data4: ArrayLike<number>;
}

const GUID_RE = /^\{?([0-9a-fA-F]{8})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{12})\}?$/;

/**
 * Parses `XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX`, with or without braces, any case, into the 16 bytes
 * of a Windows `GUID`.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when the string is not a GUID (unbalanced
 *   braces included).
 */
export function parseGuid(text: string): Uint8Array {
  checkString('parseGuid', 'text', text);
  const m = GUID_RE.exec(text);
  if (m === null || text.startsWith('{') !== text.endsWith('}')) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `Not a GUID: ${JSON.stringify(text)}; expected e.g. {6BA7B810-9DAD-11D1-80B4-00C04FD430C8}.`);
  }
  const [, d1, d2, d3, d4a, d4b] = m as unknown as [string, string, string, string, string, string];
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, Number.parseInt(d1, 16), true);
  view.setUint16(4, Number.parseInt(d2, 16), true);
  view.setUint16(6, Number.parseInt(d3, 16), true);
  const tail = d4a + d4b;
  for (let i = 0; i < 8; i++) bytes[8 + i] = Number.parseInt(tail.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/**
 * Formats the 16 bytes of a Windows `GUID` as `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` (upper case
 * with braces, as `StringFromGUID2` and the registry write it).
 *
 * @param options.braces - false to leave the braces out.
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `bytes` is not 16 bytes long.
 */
export function formatGuid(bytes: Uint8Array, options: { braces?: boolean | undefined } = {}): string {
  checkBytes('formatGuid', 'bytes', bytes);
  checkObject('formatGuid', 'options', options);
  if (bytes.byteLength !== 16) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `A GUID is 16 bytes, got ${bytes.byteLength}.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');
  let tail = '';
  for (let i = 8; i < 16; i++) tail += hex(bytes[i] as number, 2);
  const body = `${hex(view.getUint32(0, true), 8)}-${hex(view.getUint16(4, true), 4)}-${hex(view.getUint16(6, true), 4)}-${tail.slice(0, 4)}-${tail.slice(4)}`;
  return options.braces === false ? body : `{${body}}`;
}

/** Converts the 16 bytes of a `GUID` into the struct value koffi takes for a `GUID` parameter. */
export function guidBytesToStruct(bytes: Uint8Array): GuidStruct {
  checkBytes('guidBytesToStruct', 'bytes', bytes);
  if (bytes.byteLength !== 16) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `A GUID is 16 bytes, got ${bytes.byteLength}.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  return { Data1: view.getUint32(0, true), Data2: view.getUint16(4, true), Data3: view.getUint16(6, true), Data4: Array.from(bytes.subarray(8, 16)) };
}

/** Converts a `GUID` struct value (as koffi decodes it) back into its 16 bytes. */
export function guidStructToBytes(guid: GuidStruct): Uint8Array {
  checkObject('guidStructToBytes', 'guid', guid, false);
  for (const field of ['Data1', 'Data2', 'Data3'] as const) checkInt('guidStructToBytes', `guid.${field}`, guid[field], 0, 0xffffffff);
  if (!Array.isArray(guid.Data4) && !ArrayBuffer.isView(guid.Data4)) badArgument('guidStructToBytes', 'guid.Data4', 'an array of 8 bytes', guid.Data4);
  for (let i = 0; i < 8; i++) if (guid.Data4[i] !== undefined) checkInt('guidStructToBytes', `guid.Data4[${i}]`, guid.Data4[i], 0, 0xff);
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, guid.Data1 >>> 0, true);
  view.setUint16(4, guid.Data2 & 0xffff, true);
  view.setUint16(6, guid.Data3 & 0xffff, true);
  for (let i = 0; i < 8; i++) bytes[8 + i] = (guid.Data4[i] ?? 0) & 0xff;
  return bytes;
}
