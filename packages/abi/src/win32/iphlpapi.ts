/**
 * iphlpapi bindings for addresses, routes, interface parameters and DNS of an adapter (by LUID).
 * Bound on first use per thread by {@link iphlpapi}. Results are Win32 error numbers
 * (`NETIO_STATUS`, 0 = success) unless noted. Struct arguments are koffi struct values of the
 * types in {@link win32Types}; `_Out_` / `_Inout_` struct parameters are filled in place.
 *
 * {@link iphlpapiRaw} binds the same row functions taking their rows as raw bytes (`void *`), for
 * callers that encode rows themselves (the adapter's pure encoders).
 *
 * `SetInterfaceDnsSettings` exists only on Windows 10 2004 and later: it is bound optionally and
 * is `null` where missing.
 * Any other export the system lacks (e.g. under Wine) binds to a stand-in that throws
 * `ERR_WINTUN_UNSUPPORTED_PLATFORM` when called (see `isMissingExport`).
 *
 * @module
 */
import type { TypeObject } from 'koffi';
import { lazy, loadKoffi } from '../ffi.js';
import type { GuidStruct } from './guid.js';
import { bindStdcall, bindStdcallOrStub, loadSystemDll, type NativeFunction } from './native.js';
import { win32Types } from './types.js';

/** `AF_UNSPEC`: both families. */
export const AF_UNSPEC = 0;
/** `AF_INET`: IPv4. */
export const AF_INET = 2;
/** `AF_INET6` on Windows: IPv6 (23, not Linux's 10). */
export const AF_INET6 = 23;
/** `NL_PREFIX_ORIGIN` / `NL_SUFFIX_ORIGIN`: set manually. */
export const IpPrefixOriginManual = 1;
/** `NL_ROUTE_PROTOCOL` `MIB_IPPROTO_NETMGMT`: a static route. */
export const MIB_IPPROTO_NETMGMT = 3;
/** `DNS_INTERFACE_SETTINGS.Version` of the structure declared here. */
export const DNS_INTERFACE_SETTINGS_VERSION1 = 1;
/** `DNS_INTERFACE_SETTINGS.Flags`: the settings are for IPv6. */
export const DNS_SETTING_IPV6 = 0x0001;
/** `DNS_INTERFACE_SETTINGS.Flags`: `NameServer` is set. */
export const DNS_SETTING_NAMESERVER = 0x0002;
/** `DNS_INTERFACE_SETTINGS.Flags`: `SearchList` is set. */
export const DNS_SETTING_SEARCHLIST = 0x0004;
/** `DNS_INTERFACE_SETTINGS.Flags`: `RegistrationEnabled` is set. */
export const DNS_SETTING_REGISTRATION_ENABLED = 0x0008;
/** `DNS_INTERFACE_SETTINGS.Flags`: `RegisterAdapterName` is set. */
export const DNS_SETTING_REGISTER_ADAPTER_NAME = 0x0010;
/** `DNS_INTERFACE_SETTINGS.Flags`: `Domain` is set. */
export const DNS_SETTING_DOMAIN = 0x0020;
/** `DNS_INTERFACE_SETTINGS.Flags`: the host name is set. */
export const DNS_SETTING_HOSTNAME = 0x0040;
/** `DNS_INTERFACE_SETTINGS.Flags`: `EnableLLMNR` is set. */
export const DNS_SETTINGS_ENABLE_LLMNR = 0x0080;
/** `DNS_INTERFACE_SETTINGS.Flags`: `QueryAdapterName` is set. */
export const DNS_SETTINGS_QUERY_ADAPTER_NAME = 0x0100;
/** `DNS_INTERFACE_SETTINGS.Flags`: `ProfileNameServer` is set. */
export const DNS_SETTING_PROFILE_NAMESERVER = 0x0200;

/** A koffi struct value (an object whose keys are the struct's members). */
export type Win32StructValue = Record<string, unknown>;

/** A `NET_LUID` value as koffi takes it. */
export interface NetLuidStruct {
  /** The 64-bit LUID (`(IfType << 48) | (NetLuidIndex << 24)`). */
  Value: bigint | number;
}

/** The iphlpapi functions wintun-ts uses. */
export interface Iphlpapi {
  /** `void InitializeUnicastIpAddressEntry(PMIB_UNICASTIPADDRESS_ROW)`: fills defaults into `row`. */
  readonly InitializeUnicastIpAddressEntry: NativeFunction<(row: Win32StructValue) => void>;
  /** `NETIO_STATUS CreateUnicastIpAddressEntry(const MIB_UNICASTIPADDRESS_ROW *)`. */
  readonly CreateUnicastIpAddressEntry: NativeFunction<(row: Win32StructValue) => number>;
  /** `NETIO_STATUS DeleteUnicastIpAddressEntry(const MIB_UNICASTIPADDRESS_ROW *)`. */
  readonly DeleteUnicastIpAddressEntry: NativeFunction<(row: Win32StructValue) => number>;
  /** `NETIO_STATUS GetUnicastIpAddressTable(ADDRESS_FAMILY, PMIB_UNICASTIPADDRESS_TABLE *)`: `table[0]` receives the table's address; free it with `FreeMibTable`. Rows start at offset 8, 80 bytes each, after a u32 `NumEntries`. */
  readonly GetUnicastIpAddressTable: NativeFunction<(family: number, table: (bigint | null)[]) => number>;
  /** `void FreeMibTable(PVOID)`. */
  readonly FreeMibTable: NativeFunction<(table: bigint) => void>;
  /** `void InitializeIpInterfaceEntry(PMIB_IPINTERFACE_ROW)`. */
  readonly InitializeIpInterfaceEntry: NativeFunction<(row: Win32StructValue) => void>;
  /** `NETIO_STATUS GetIpInterfaceEntry(PMIB_IPINTERFACE_ROW)`: `Family` and `InterfaceLuid` (or index) in, the rest out. */
  readonly GetIpInterfaceEntry: NativeFunction<(row: Win32StructValue) => number>;
  /** `NETIO_STATUS SetIpInterfaceEntry(PMIB_IPINTERFACE_ROW)`. */
  readonly SetIpInterfaceEntry: NativeFunction<(row: Win32StructValue) => number>;
  /** `void InitializeIpForwardEntry(PMIB_IPFORWARD_ROW2)`. */
  readonly InitializeIpForwardEntry: NativeFunction<(row: Win32StructValue) => void>;
  /** `NETIO_STATUS CreateIpForwardEntry2(const MIB_IPFORWARD_ROW2 *)`. */
  readonly CreateIpForwardEntry2: NativeFunction<(row: Win32StructValue) => number>;
  /** `NETIO_STATUS DeleteIpForwardEntry2(const MIB_IPFORWARD_ROW2 *)`. */
  readonly DeleteIpForwardEntry2: NativeFunction<(row: Win32StructValue) => number>;
  /** `NETIO_STATUS ConvertInterfaceLuidToIndex(const NET_LUID *, PNET_IFINDEX)`: `index[0]` receives the index. */
  readonly ConvertInterfaceLuidToIndex: NativeFunction<(luid: NetLuidStruct, index: number[]) => number>;
  /** `NETIO_STATUS ConvertInterfaceIndexToLuid(NET_IFINDEX, PNET_LUID)`: `luid` is filled. */
  readonly ConvertInterfaceIndexToLuid: NativeFunction<(index: number, luid: Partial<NetLuidStruct>) => number>;
  /** `NETIO_STATUS ConvertInterfaceLuidToGuid(const NET_LUID *, GUID *)`: `guid` is filled. */
  readonly ConvertInterfaceLuidToGuid: NativeFunction<(luid: NetLuidStruct, guid: Partial<GuidStruct>) => number>;
  /** `NETIO_STATUS ConvertInterfaceNameToLuidW(const WCHAR *, PNET_LUID)`: `luid` is filled. */
  readonly ConvertInterfaceNameToLuidW: NativeFunction<(name: string, luid: Partial<NetLuidStruct>) => number>;
  /** `NETIO_STATUS ConvertInterfaceLuidToNameW(const NET_LUID *, PWSTR, SIZE_T chars)`; the buffer is a Uint16Array. */
  readonly ConvertInterfaceLuidToNameW: NativeFunction<(luid: NetLuidStruct, name: Uint16Array, chars: number) => number>;
  /** `NETIO_STATUS SetInterfaceDnsSettings(GUID Interface, const DNS_INTERFACE_SETTINGS *)` (GUID by value); `null` before Windows 10 2004. */
  readonly SetInterfaceDnsSettings: NativeFunction<(interfaceGuid: GuidStruct, settings: Win32StructValue) => number> | null;
}

/**
 * Returns the iphlpapi bindings, binding them on first use in this thread.
 *
 * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` off Windows.
 */
export const iphlpapi: () => Iphlpapi = lazy(() => {
  const koffi = loadKoffi();
  const lib = loadSystemDll('iphlpapi.dll');
  const t = win32Types();
  const f = <F extends (...args: never[]) => unknown>(name: string, result: Parameters<typeof bindStdcall>[3], params: Parameters<typeof bindStdcall>[4]) =>
    bindStdcallOrStub<F>(lib, 'iphlpapi.dll', name, result, params);
  const inout = (type: TypeObject | string) => koffi.inout(koffi.pointer(type));
  const out = (type: TypeObject | string) => koffi.out(koffi.pointer(type));
  const ptr = (type: TypeObject | string) => koffi.pointer(type);
  return {
    InitializeUnicastIpAddressEntry: f('InitializeUnicastIpAddressEntry', 'void', [inout(t.MIB_UNICASTIPADDRESS_ROW)]),
    CreateUnicastIpAddressEntry: f('CreateUnicastIpAddressEntry', 'uint32_t', [ptr(t.MIB_UNICASTIPADDRESS_ROW)]),
    DeleteUnicastIpAddressEntry: f('DeleteUnicastIpAddressEntry', 'uint32_t', [ptr(t.MIB_UNICASTIPADDRESS_ROW)]),
    GetUnicastIpAddressTable: f('GetUnicastIpAddressTable', 'uint32_t', ['uint16_t', out('void *')]),
    FreeMibTable: f('FreeMibTable', 'void', ['void *']),
    InitializeIpInterfaceEntry: f('InitializeIpInterfaceEntry', 'void', [inout(t.MIB_IPINTERFACE_ROW)]),
    GetIpInterfaceEntry: f('GetIpInterfaceEntry', 'uint32_t', [inout(t.MIB_IPINTERFACE_ROW)]),
    SetIpInterfaceEntry: f('SetIpInterfaceEntry', 'uint32_t', [ptr(t.MIB_IPINTERFACE_ROW)]),
    InitializeIpForwardEntry: f('InitializeIpForwardEntry', 'void', [inout(t.MIB_IPFORWARD_ROW2)]),
    CreateIpForwardEntry2: f('CreateIpForwardEntry2', 'uint32_t', [ptr(t.MIB_IPFORWARD_ROW2)]),
    DeleteIpForwardEntry2: f('DeleteIpForwardEntry2', 'uint32_t', [ptr(t.MIB_IPFORWARD_ROW2)]),
    ConvertInterfaceLuidToIndex: f('ConvertInterfaceLuidToIndex', 'uint32_t', [ptr(t.NET_LUID), out('uint32_t')]),
    ConvertInterfaceIndexToLuid: f('ConvertInterfaceIndexToLuid', 'uint32_t', ['uint32_t', out(t.NET_LUID)]),
    ConvertInterfaceLuidToGuid: f('ConvertInterfaceLuidToGuid', 'uint32_t', [ptr(t.NET_LUID), out(t.GUID)]),
    ConvertInterfaceNameToLuidW: f('ConvertInterfaceNameToLuidW', 'uint32_t', ['str16', out(t.NET_LUID)]),
    ConvertInterfaceLuidToNameW: f('ConvertInterfaceLuidToNameW', 'uint32_t', [ptr(t.NET_LUID), 'void *', 'size_t']),
    SetInterfaceDnsSettings:
      bindStdcall<(interfaceGuid: GuidStruct, settings: Win32StructValue) => number>(
        lib,
        'iphlpapi.dll',
        'SetInterfaceDnsSettings',
        'uint32_t',
        [t.GUID, ptr(t.DNS_INTERFACE_SETTINGS)],
        true,
      ),
  };
});

/**
 * The iphlpapi functions with their rows, LUIDs and GUIDs as raw bytes (`void *`): the caller
 * encodes and decodes them (64-bit Windows layouts: `MIB_UNICASTIPADDRESS_ROW` 80 bytes,
 * `MIB_IPINTERFACE_ROW` 168, `MIB_IPFORWARD_ROW2` 104, `MIB_IF_ROW2` 1352, `NET_LUID` 8, `GUID` 16). Results are Win32
 * error numbers (0 = success).
 */
export interface IphlpapiRaw {
  /** `void InitializeUnicastIpAddressEntry(PMIB_UNICASTIPADDRESS_ROW)`: fills defaults into `row`. */
  readonly InitializeUnicastIpAddressEntry: NativeFunction<(row: Uint8Array) => void>;
  /** `NETIO_STATUS CreateUnicastIpAddressEntry(const MIB_UNICASTIPADDRESS_ROW *)`. */
  readonly CreateUnicastIpAddressEntry: NativeFunction<(row: Uint8Array) => number>;
  /** `NETIO_STATUS DeleteUnicastIpAddressEntry(const MIB_UNICASTIPADDRESS_ROW *)`. */
  readonly DeleteUnicastIpAddressEntry: NativeFunction<(row: Uint8Array) => number>;
  /** The same binding as {@link Iphlpapi.GetUnicastIpAddressTable} (its prototype has no row). */
  readonly GetUnicastIpAddressTable: Iphlpapi['GetUnicastIpAddressTable'];
  /** The same binding as {@link Iphlpapi.FreeMibTable}. */
  readonly FreeMibTable: Iphlpapi['FreeMibTable'];
  /** `NETIO_STATUS GetIpInterfaceEntry(PMIB_IPINTERFACE_ROW)` (Family and InterfaceLuid in, the rest out). */
  readonly GetIpInterfaceEntry: NativeFunction<(row: Uint8Array) => number>;
  /** `NETIO_STATUS SetIpInterfaceEntry(PMIB_IPINTERFACE_ROW)`. */
  readonly SetIpInterfaceEntry: NativeFunction<(row: Uint8Array) => number>;
  /** `void InitializeIpForwardEntry(PMIB_IPFORWARD_ROW2)`. */
  readonly InitializeIpForwardEntry: NativeFunction<(row: Uint8Array) => void>;
  /** `NETIO_STATUS CreateIpForwardEntry2(const MIB_IPFORWARD_ROW2 *)`. */
  readonly CreateIpForwardEntry2: NativeFunction<(row: Uint8Array) => number>;
  /** `NETIO_STATUS DeleteIpForwardEntry2(const MIB_IPFORWARD_ROW2 *)`. */
  readonly DeleteIpForwardEntry2: NativeFunction<(row: Uint8Array) => number>;
  /** `NETIO_STATUS ConvertInterfaceLuidToIndex(const NET_LUID *, PNET_IFINDEX)`: `index[0]` receives it. */
  readonly ConvertInterfaceLuidToIndex: NativeFunction<(luid: Uint8Array, index: number[]) => number>;
  /** `NETIO_STATUS ConvertInterfaceLuidToGuid(const NET_LUID *, GUID *)`: 16 bytes out. */
  readonly ConvertInterfaceLuidToGuid: NativeFunction<(luid: Uint8Array, guid: Uint8Array) => number>;
  /** `NETIO_STATUS ConvertInterfaceLuidToAlias(const NET_LUID *, PWSTR, SIZE_T chars)`. */
  readonly ConvertInterfaceLuidToAlias: NativeFunction<(luid: Uint8Array, alias: Uint16Array, chars: number) => number>;
  /** `NETIO_STATUS ConvertInterfaceLuidToNameW(const NET_LUID *, PWSTR, SIZE_T chars)`. */
  readonly ConvertInterfaceLuidToNameW: NativeFunction<(luid: Uint8Array, name: Uint16Array, chars: number) => number>;
  /** `NETIO_STATUS ConvertInterfaceAliasToLuid(const WCHAR *alias, PNET_LUID)`: 8 bytes out. */
  readonly ConvertInterfaceAliasToLuid: NativeFunction<(alias: string, luid: Uint8Array) => number>;
  /** `NETIO_STATUS GetIfEntry2(PMIB_IF_ROW2)`: `InterfaceLuid` (or index) in, the 1352-byte row out (name, MTU, counters). */
  readonly GetIfEntry2: NativeFunction<(row: Uint8Array) => number>;
}

/**
 * Returns the raw-bytes iphlpapi bindings ({@link IphlpapiRaw}), binding them on first use in this
 * thread. Functions whose prototype has no struct are shared with {@link iphlpapi}; the others are a
 * second prototype (`void *` in place of the struct pointer) of the same export.
 *
 * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` off Windows.
 */
export const iphlpapiRaw: () => IphlpapiRaw = lazy(() => {
  const koffi = loadKoffi();
  const lib = loadSystemDll('iphlpapi.dll');
  const typed = iphlpapi();
  const f = <F extends (...args: never[]) => unknown>(name: string, result: Parameters<typeof bindStdcall>[3], params: Parameters<typeof bindStdcall>[4]) =>
    bindStdcallOrStub<F>(lib, 'iphlpapi.dll', name, result, params);
  return {
    InitializeUnicastIpAddressEntry: f('InitializeUnicastIpAddressEntry', 'void', ['void *']),
    CreateUnicastIpAddressEntry: f('CreateUnicastIpAddressEntry', 'uint32_t', ['void *']),
    DeleteUnicastIpAddressEntry: f('DeleteUnicastIpAddressEntry', 'uint32_t', ['void *']),
    GetUnicastIpAddressTable: typed.GetUnicastIpAddressTable,
    FreeMibTable: typed.FreeMibTable,
    GetIpInterfaceEntry: f('GetIpInterfaceEntry', 'uint32_t', ['void *']),
    SetIpInterfaceEntry: f('SetIpInterfaceEntry', 'uint32_t', ['void *']),
    InitializeIpForwardEntry: f('InitializeIpForwardEntry', 'void', ['void *']),
    CreateIpForwardEntry2: f('CreateIpForwardEntry2', 'uint32_t', ['void *']),
    DeleteIpForwardEntry2: f('DeleteIpForwardEntry2', 'uint32_t', ['void *']),
    ConvertInterfaceLuidToIndex: f('ConvertInterfaceLuidToIndex', 'uint32_t', ['void *', koffi.out(koffi.pointer('uint32_t'))]),
    ConvertInterfaceLuidToGuid: f('ConvertInterfaceLuidToGuid', 'uint32_t', ['void *', 'void *']),
    ConvertInterfaceLuidToAlias: f('ConvertInterfaceLuidToAlias', 'uint32_t', ['void *', 'void *', 'size_t']),
    ConvertInterfaceLuidToNameW: f('ConvertInterfaceLuidToNameW', 'uint32_t', ['void *', 'void *', 'size_t']),
    ConvertInterfaceAliasToLuid: f('ConvertInterfaceAliasToLuid', 'uint32_t', ['str16', 'void *']),
    GetIfEntry2: f('GetIfEntry2', 'uint32_t', ['void *']),
  };
});
