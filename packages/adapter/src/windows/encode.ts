/**
 * Pure encoders and decoders of the IP Helper structures the Windows backend passes as raw bytes
 * (64-bit Windows layout): `SOCKADDR_INET`, `IP_ADDRESS_PREFIX`, `MIB_UNICASTIPADDRESS_ROW`,
 * `MIB_IPINTERFACE_ROW` and `MIB_IPFORWARD_ROW2` field offsets, NET_LUID parts, and the
 * comma-joined lists DNS settings take. No I/O: they run on any host and any thread, and the Wine
 * suite checks them byte for byte against koffi's encoding of the same structs.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/session';
import { formatIp, type IpAddress, type IpPrefix } from '../net.js';
import { isUint8Array } from 'node:util/types';

/** `AF_INET` on Windows. */
export const WIN_AF_INET = 2;
/** `AF_INET6` on Windows (23, not Linux's 10). */
export const WIN_AF_INET6 = 23;
/** `sizeof(SOCKADDR_INET)`. */
export const SOCKADDR_INET_SIZE = 28;
/** `sizeof(IP_ADDRESS_PREFIX)`. */
export const IP_ADDRESS_PREFIX_SIZE = 32;
/** `IF_TYPE_PROP_VIRTUAL`: the IfType of every Wintun adapter. */
export const IF_TYPE_PROP_VIRTUAL = 53;

/** Field offsets of `MIB_UNICASTIPADDRESS_ROW` (80 bytes on 64-bit Windows). */
export const UNICAST_ROW = {
  size: 80,
  Address: 0,
  InterfaceLuid: 32,
  InterfaceIndex: 40,
  PrefixOrigin: 44,
  SuffixOrigin: 48,
  ValidLifetime: 52,
  PreferredLifetime: 56,
  OnLinkPrefixLength: 60,
  SkipAsSource: 61,
  DadState: 64,
  ScopeId: 68,
  CreationTimeStamp: 72,
} as const;

/** Field offsets of `MIB_IPINTERFACE_ROW` (168 bytes on 64-bit Windows), the ones the backend uses. */
export const IPINTERFACE_ROW = {
  size: 168,
  Family: 0,
  InterfaceLuid: 8,
  InterfaceIndex: 16,
  SitePrefixLength: 144,
  Metric: 148,
  NlMtu: 152,
  Connected: 156,
} as const;

/** Field offsets of `MIB_IPFORWARD_ROW2` (104 bytes on 64-bit Windows), the ones the backend uses. */
export const IPFORWARD_ROW2 = {
  size: 104,
  InterfaceLuid: 0,
  InterfaceIndex: 8,
  DestinationPrefix: 12,
  NextHop: 44,
  SitePrefixLength: 72,
  ValidLifetime: 76,
  PreferredLifetime: 80,
  Metric: 84,
  Protocol: 88,
} as const;

/** Offset of the first row in a `MIB_UNICASTIPADDRESS_TABLE` (after `ULONG NumEntries` and padding). */
export const UNICAST_TABLE_ROWS_OFFSET = 8;

/** `NL_DAD_STATE` `IpDadStatePreferred`: the address is usable at once (skips duplicate address detection). */
export const IP_DAD_STATE_PREFERRED = 4;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function need(bytes: Uint8Array, offset: number, size: number, what: string): void {
  if (!isUint8Array(bytes) || !Number.isInteger(offset) || offset < 0 || offset + size > bytes.byteLength) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `${what} needs ${size} bytes at offset ${offset} of a Uint8Array.`);
  }
}

/**
 * Writes a `SOCKADDR_INET` (28 bytes, port 0, flow info and scope 0) for `address` into `target`
 * at `offset`, zeroing the whole union first.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `target` is too short.
 */
export function writeSockaddrInet(target: Uint8Array, offset: number, address: IpAddress): void {
  need(target, offset, SOCKADDR_INET_SIZE, 'SOCKADDR_INET');
  target.fill(0, offset, offset + SOCKADDR_INET_SIZE);
  const v = view(target);
  if (address.family === 4) {
    v.setUint16(offset, WIN_AF_INET, true);
    target.set(address.bytes.subarray(0, 4), offset + 4);
  } else {
    v.setUint16(offset, WIN_AF_INET6, true);
    target.set(address.bytes.subarray(0, 16), offset + 8);
  }
}

/** Encodes `address` as a fresh 28-byte `SOCKADDR_INET`. Pure. */
export function encodeSockaddrInet(address: IpAddress): Uint8Array {
  const out = new Uint8Array(SOCKADDR_INET_SIZE);
  writeSockaddrInet(out, 0, address);
  return out;
}

/**
 * Reads a `SOCKADDR_INET` at `offset`.
 *
 * @returns the address, or `null` when the family is neither AF_INET nor AF_INET6.
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `source` is too short.
 */
export function decodeSockaddrInet(source: Uint8Array, offset = 0): IpAddress | null {
  need(source, offset, SOCKADDR_INET_SIZE, 'SOCKADDR_INET');
  const family = view(source).getUint16(offset, true);
  if (family === WIN_AF_INET) {
    const bytes = source.slice(offset + 4, offset + 8);
    return { family: 4, address: formatIp(bytes), bytes };
  }
  if (family === WIN_AF_INET6) {
    const bytes = source.slice(offset + 8, offset + 24);
    return { family: 6, address: formatIp(bytes), bytes };
  }
  return null;
}

/**
 * Writes an `IP_ADDRESS_PREFIX` (`SOCKADDR_INET Prefix; UINT8 PrefixLength;` padded to 32 bytes)
 * into `target` at `offset`.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `target` is too short.
 */
export function writeIpAddressPrefix(target: Uint8Array, offset: number, prefix: IpPrefix): void {
  need(target, offset, IP_ADDRESS_PREFIX_SIZE, 'IP_ADDRESS_PREFIX');
  target.fill(0, offset, offset + IP_ADDRESS_PREFIX_SIZE);
  writeSockaddrInet(target, offset, prefix);
  target[offset + SOCKADDR_INET_SIZE] = prefix.prefixLength;
}

/** Encodes `prefix` as a fresh 32-byte `IP_ADDRESS_PREFIX`. Pure. */
export function encodeIpAddressPrefix(prefix: IpPrefix): Uint8Array {
  const out = new Uint8Array(IP_ADDRESS_PREFIX_SIZE);
  writeIpAddressPrefix(out, 0, prefix);
  return out;
}

/** Writes a NET_LUID (u64 little-endian) at `offset`. */
export function writeLuid(target: Uint8Array, offset: number, luid: bigint): void {
  need(target, offset, 8, 'NET_LUID');
  view(target).setBigUint64(offset, BigInt.asUintN(64, luid), true);
}

/** Reads a NET_LUID (u64 little-endian) at `offset`. */
export function readLuid(source: Uint8Array, offset: number): bigint {
  need(source, offset, 8, 'NET_LUID');
  return view(source).getBigUint64(offset, true);
}

/** A NET_LUID's parts: `IfType` (bits 48-63) and `NetLuidIndex` (bits 24-47). */
export interface LuidParts {
  /** Interface type (53 for Wintun). */
  readonly ifType: number;
  /** The per-type index from the driver key's `NetLuidIndex`. */
  readonly netLuidIndex: number;
}

/** Splits a NET_LUID into `IfType` and `NetLuidIndex`. Pure. */
export function luidParts(luid: bigint): LuidParts {
  return { ifType: Number((luid >> 48n) & 0xffffn), netLuidIndex: Number((luid >> 24n) & 0xffffffn) };
}

/** Builds a NET_LUID from `IfType` and `NetLuidIndex`, as `WintunGetAdapterLUID` does. Pure. */
export function luidFromParts(ifType: number, netLuidIndex: number): bigint {
  return (BigInt(ifType & 0xffff) << 48n) | (BigInt(netLuidIndex & 0xffffff) << 24n);
}

/**
 * Patches a `MIB_UNICASTIPADDRESS_ROW` (already filled with defaults by
 * `InitializeUnicastIpAddressEntry`, or zeroed) for adding `prefix` to the interface `luid`:
 * Address, InterfaceLuid, OnLinkPrefixLength and `DadState = IpDadStatePreferred` (no duplicate
 * address detection, as Wintun's example does).
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `row` is shorter than 80 bytes.
 */
export function fillUnicastRow(row: Uint8Array, luid: bigint, prefix: IpPrefix): void {
  need(row, 0, UNICAST_ROW.size, 'MIB_UNICASTIPADDRESS_ROW');
  writeSockaddrInet(row, UNICAST_ROW.Address, prefix);
  writeLuid(row, UNICAST_ROW.InterfaceLuid, luid);
  row[UNICAST_ROW.OnLinkPrefixLength] = prefix.prefixLength;
  view(row).setInt32(UNICAST_ROW.DadState, IP_DAD_STATE_PREFERRED, true);
}

/** One row of a unicast address table, as {@link decodeUnicastRow} reads it. */
export interface UnicastRowInfo {
  /** The interface the address belongs to. */
  readonly luid: bigint;
  /** The address, or `null` for an unknown family. */
  readonly address: IpAddress | null;
  /** `OnLinkPrefixLength`. */
  readonly prefixLength: number;
}

/** Reads the fields the backend needs from a `MIB_UNICASTIPADDRESS_ROW` at `offset`. Pure. */
export function decodeUnicastRow(source: Uint8Array, offset: number): UnicastRowInfo {
  need(source, offset, UNICAST_ROW.size, 'MIB_UNICASTIPADDRESS_ROW');
  return {
    luid: readLuid(source, offset + UNICAST_ROW.InterfaceLuid),
    address: decodeSockaddrInet(source, offset + UNICAST_ROW.Address),
    prefixLength: source[offset + UNICAST_ROW.OnLinkPrefixLength] ?? 0,
  };
}

/**
 * Prepares a `MIB_IPINTERFACE_ROW` for `GetIpInterfaceEntry`: Family and InterfaceLuid set, the
 * rest zero (a fresh 168-byte row). Pure.
 */
export function encodeIpInterfaceKey(family: 4 | 6, luid: bigint): Uint8Array {
  const row = new Uint8Array(IPINTERFACE_ROW.size);
  view(row).setUint16(IPINTERFACE_ROW.Family, family === 4 ? WIN_AF_INET : WIN_AF_INET6, true);
  writeLuid(row, IPINTERFACE_ROW.InterfaceLuid, luid);
  return row;
}

/** `NlMtu` of a `MIB_IPINTERFACE_ROW`. */
export function readInterfaceMtu(row: Uint8Array): number {
  need(row, 0, IPINTERFACE_ROW.size, 'MIB_IPINTERFACE_ROW');
  return view(row).getUint32(IPINTERFACE_ROW.NlMtu, true);
}

/** `Connected` of a `MIB_IPINTERFACE_ROW` (media connected: a ring registration exists). */
export function readInterfaceConnected(row: Uint8Array): boolean {
  need(row, 0, IPINTERFACE_ROW.size, 'MIB_IPINTERFACE_ROW');
  return row[IPINTERFACE_ROW.Connected] !== 0;
}

/**
 * Sets `NlMtu` in a row read by `GetIpInterfaceEntry`, ready for `SetIpInterfaceEntry`. For IPv4
 * it also zeroes `SitePrefixLength`, which `SetIpInterfaceEntry` rejects otherwise (a documented
 * quirk: Get returns 64 there, Set wants 0 for AF_INET).
 */
export function setInterfaceMtu(row: Uint8Array, mtu: number): void {
  need(row, 0, IPINTERFACE_ROW.size, 'MIB_IPINTERFACE_ROW');
  const v = view(row);
  v.setUint32(IPINTERFACE_ROW.NlMtu, mtu >>> 0, true);
  if (v.getUint16(IPINTERFACE_ROW.Family, true) === WIN_AF_INET) v.setUint32(IPINTERFACE_ROW.SitePrefixLength, 0, true);
}

/**
 * Patches a `MIB_IPFORWARD_ROW2` (filled with defaults by `InitializeIpForwardEntry`, or zeroed)
 * for a route through `luid`: destination prefix, next hop (the unspecified address of the
 * destination's family = on-link when `gateway` is null), metric when given, and
 * `Protocol = MIB_IPPROTO_NETMGMT` (a static route).
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `row` is shorter than 104 bytes.
 */
export function fillForwardRow(row: Uint8Array, luid: bigint, destination: IpPrefix, gateway: IpAddress | null, metric: number | null): void {
  need(row, 0, IPFORWARD_ROW2.size, 'MIB_IPFORWARD_ROW2');
  writeLuid(row, IPFORWARD_ROW2.InterfaceLuid, luid);
  writeIpAddressPrefix(row, IPFORWARD_ROW2.DestinationPrefix, destination);
  const hop: IpAddress =
    gateway ?? (destination.family === 4 ? { family: 4, address: '0.0.0.0', bytes: new Uint8Array(4) } : { family: 6, address: '::', bytes: new Uint8Array(16) });
  writeSockaddrInet(row, IPFORWARD_ROW2.NextHop, hop);
  const v = view(row);
  if (metric !== null) v.setUint32(IPFORWARD_ROW2.Metric, metric >>> 0, true);
  v.setInt32(IPFORWARD_ROW2.Protocol, 3, true);
}

/**
 * Joins DNS servers or search domains the way `SetInterfaceDnsSettings` and the Tcpip registry
 * values take them: comma-separated, no spaces.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when an entry contains a comma, whitespace or NUL.
 */
export function joinDnsList(items: readonly string[]): string {
  for (const item of items) {
    if (typeof item !== 'string' || item === '' || /[,\s\0]/.test(item)) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `A DNS server or search domain must be non-empty without commas or whitespace, got ${JSON.stringify(item)}.`);
    }
  }
  return items.join(',');
}

/** The registry key (under HKLM) of an interface's Tcpip (IPv4) or Tcpip6 parameters. Pure. */
export function tcpipInterfaceKey(family: 4 | 6, guid: string): string {
  return `SYSTEM\\CurrentControlSet\\Services\\${family === 4 ? 'Tcpip' : 'Tcpip6'}\\Parameters\\Interfaces\\${guid}`;
}

/**
 * Field offsets of `MIB_IF_ROW2` (1352 bytes, the same on x64, x86 and arm64: no pointers, ULONG64
 * counters 8-aligned), the ones `stats` reads. Checked under Wine against `GetIfEntry2` on loopback.
 */
export const IF_ROW2 = {
  size: 1352,
  InterfaceLuid: 0,
  InterfaceIndex: 8,
  Alias: 28,
  Mtu: 1124,
  InOctets: 1208,
  InUcastPkts: 1216,
  InNUcastPkts: 1224,
  InDiscards: 1232,
  InErrors: 1240,
  OutOctets: 1280,
  OutUcastPkts: 1288,
  OutNUcastPkts: 1296,
  OutDiscards: 1304,
  OutErrors: 1312,
} as const;

/** An interface's counters as `GetIfEntry2` keeps them, seen from the system (see {@link decodeIfRow2Counters}). */
export interface IfRow2Counters {
  /** `InterfaceIndex`. */
  readonly index: number;
  /** `Mtu`. */
  readonly mtu: number;
  /** Packets the system sent out through the interface (`OutUcastPkts + OutNUcastPkts`). */
  readonly txPackets: number;
  /** `OutOctets`. */
  readonly txBytes: number;
  /** `OutDiscards`. */
  readonly txDropped: number;
  /** `OutErrors`. */
  readonly txErrors: number;
  /** Packets delivered into the system (`InUcastPkts + InNUcastPkts`). */
  readonly rxPackets: number;
  /** `InOctets`. */
  readonly rxBytes: number;
  /** `InDiscards`. */
  readonly rxDropped: number;
  /** `InErrors`. */
  readonly rxErrors: number;
}

/** A fresh `MIB_IF_ROW2` keyed by `luid`, ready for `GetIfEntry2`. Pure. */
export function encodeIfRow2Key(luid: bigint): Uint8Array {
  const row = new Uint8Array(IF_ROW2.size);
  writeLuid(row, IF_ROW2.InterfaceLuid, luid);
  return row;
}

/**
 * Reads the counters of a `MIB_IF_ROW2` filled by `GetIfEntry2`. ULONG64 counters become numbers
 * (exact below 2^53). Pure.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `row` is shorter than 1352 bytes.
 */
export function decodeIfRow2Counters(row: Uint8Array): IfRow2Counters {
  need(row, 0, IF_ROW2.size, 'MIB_IF_ROW2');
  const v = view(row);
  const u64 = (offset: number): number => Number(v.getBigUint64(offset, true));
  return {
    index: v.getUint32(IF_ROW2.InterfaceIndex, true),
    mtu: v.getUint32(IF_ROW2.Mtu, true),
    txPackets: u64(IF_ROW2.OutUcastPkts) + u64(IF_ROW2.OutNUcastPkts),
    txBytes: u64(IF_ROW2.OutOctets),
    txDropped: u64(IF_ROW2.OutDiscards),
    txErrors: u64(IF_ROW2.OutErrors),
    rxPackets: u64(IF_ROW2.InUcastPkts) + u64(IF_ROW2.InNUcastPkts),
    rxBytes: u64(IF_ROW2.InOctets),
    rxDropped: u64(IF_ROW2.InDiscards),
    rxErrors: u64(IF_ROW2.InErrors),
  };
}
