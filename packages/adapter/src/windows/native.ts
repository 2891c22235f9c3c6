/**
 * Win32 bindings the Windows backend needs beyond `@wintun-ts/abi`'s: IP Helper functions taking
 * their rows as raw bytes (`void *`, so the pure encoders of `encode.ts` build them), the registry
 * writes of the DNS fallback, and the SetupAPI device removal. Bound on first use per thread; an
 * export the system lacks (older Windows, Wine) binds to a stand-in that throws
 * `ERR_WINTUN_UNSUPPORTED_PLATFORM` when called.
 *
 * @module
 */
import { bindStdcallOrStub, lazy, loadKoffi, loadSystemDll, win32Types, type NativeFunction } from '@wintun-ts/session';

/** `HKEY_LOCAL_MACHINE`: `(HKEY)(LONG)0x80000002`, sign-extended to the pointer width. */
export function hkeyLocalMachine(): bigint {
  return process.arch === 'ia32' || process.arch === 'arm' ? 0x80000002n : 0xffffffff80000002n;
}

/** Registry access: set values. */
export const KEY_SET_VALUE = 0x2;
/** Registry access: read values. */
export const KEY_READ = 0x20019;
/** `DIF_REMOVE`: the class-installer request that removes a device. */
export const DIF_REMOVE = 0x5;

/** IP Helper functions with raw-byte rows. Results are Win32 error numbers (0 = success). */
export interface RawIphlpapi {
  /** `void InitializeUnicastIpAddressEntry(PMIB_UNICASTIPADDRESS_ROW)` (80 bytes). */
  readonly InitializeUnicastIpAddressEntry: NativeFunction<(row: Uint8Array) => void>;
  /** `NETIO_STATUS CreateUnicastIpAddressEntry(const MIB_UNICASTIPADDRESS_ROW *)`. */
  readonly CreateUnicastIpAddressEntry: NativeFunction<(row: Uint8Array) => number>;
  /** `NETIO_STATUS DeleteUnicastIpAddressEntry(const MIB_UNICASTIPADDRESS_ROW *)`. */
  readonly DeleteUnicastIpAddressEntry: NativeFunction<(row: Uint8Array) => number>;
  /** `NETIO_STATUS GetUnicastIpAddressTable(ADDRESS_FAMILY, PMIB_UNICASTIPADDRESS_TABLE *)`: `table[0]` receives the table. */
  readonly GetUnicastIpAddressTable: NativeFunction<(family: number, table: (bigint | null)[]) => number>;
  /** `void FreeMibTable(PVOID)`. */
  readonly FreeMibTable: NativeFunction<(table: bigint) => void>;
  /** `NETIO_STATUS GetIpInterfaceEntry(PMIB_IPINTERFACE_ROW)` (168 bytes, Family and InterfaceLuid in). */
  readonly GetIpInterfaceEntry: NativeFunction<(row: Uint8Array) => number>;
  /** `NETIO_STATUS SetIpInterfaceEntry(PMIB_IPINTERFACE_ROW)`. */
  readonly SetIpInterfaceEntry: NativeFunction<(row: Uint8Array) => number>;
  /** `void InitializeIpForwardEntry(PMIB_IPFORWARD_ROW2)` (104 bytes). */
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
}

/** Registry functions of the DNS fallback. Results are Win32 error numbers (0 = success). */
export interface RegistryApi {
  /** `LSTATUS RegCreateKeyExW(HKEY, LPCWSTR SubKey, DWORD 0, LPWSTR Class, DWORD Options, REGSAM, LPSECURITY_ATTRIBUTES, PHKEY, LPDWORD Disposition)`. */
  readonly RegCreateKeyExW: NativeFunction<
    (key: bigint, subKey: string, reserved: number, klass: null, options: number, access: number, security: null, result: (bigint | null)[], disposition: null) => number
  >;
  /** `LSTATUS RegSetValueExW(HKEY, LPCWSTR Name, DWORD 0, DWORD Type, const BYTE *Data, DWORD cbData)`. */
  readonly RegSetValueExW: NativeFunction<(key: bigint, name: string, reserved: number, type: number, data: Uint8Array, size: number) => number>;
  /** `LSTATUS RegQueryValueExW(HKEY, LPCWSTR, LPDWORD, LPDWORD Type, LPBYTE Data, LPDWORD cbData)`. */
  readonly RegQueryValueExW: NativeFunction<(key: bigint, name: string, reserved: null, type: number[], data: Uint8Array | null, size: number[]) => number>;
  /** `LSTATUS RegCloseKey(HKEY)`. */
  readonly RegCloseKey: NativeFunction<(key: bigint) => number>;
}

/** SetupAPI functions to remove a device. */
export interface DeviceRemovalApi {
  /** `BOOL SetupDiCallClassInstaller(DI_FUNCTION, HDEVINFO, PSP_DEVINFO_DATA)`. */
  readonly SetupDiCallClassInstaller: NativeFunction<(fn: number, set: bigint, data: Record<string, unknown>) => number>;
}

/**
 * The raw-row IP Helper bindings, bound on first use in this thread.
 *
 * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` off Windows.
 */
export const rawIphlpapi: () => RawIphlpapi = lazy(() => {
  const koffi = loadKoffi();
  const lib = loadSystemDll('iphlpapi.dll');
  const f = <F extends (...args: never[]) => unknown>(name: string, result: string, params: readonly unknown[]) =>
    bindStdcallOrStub<F>(lib, 'iphlpapi.dll', name, result, params as Parameters<typeof bindStdcallOrStub>[4]);
  return {
    InitializeUnicastIpAddressEntry: f('InitializeUnicastIpAddressEntry', 'void', ['void *']),
    CreateUnicastIpAddressEntry: f('CreateUnicastIpAddressEntry', 'uint32_t', ['void *']),
    DeleteUnicastIpAddressEntry: f('DeleteUnicastIpAddressEntry', 'uint32_t', ['void *']),
    GetUnicastIpAddressTable: f('GetUnicastIpAddressTable', 'uint32_t', ['uint16_t', koffi.out(koffi.pointer('void *'))]),
    FreeMibTable: f('FreeMibTable', 'void', ['void *']),
    GetIpInterfaceEntry: f('GetIpInterfaceEntry', 'uint32_t', ['void *']),
    SetIpInterfaceEntry: f('SetIpInterfaceEntry', 'uint32_t', ['void *']),
    InitializeIpForwardEntry: f('InitializeIpForwardEntry', 'void', ['void *']),
    CreateIpForwardEntry2: f('CreateIpForwardEntry2', 'uint32_t', ['void *']),
    DeleteIpForwardEntry2: f('DeleteIpForwardEntry2', 'uint32_t', ['void *']),
    ConvertInterfaceLuidToIndex: f('ConvertInterfaceLuidToIndex', 'uint32_t', ['void *', koffi.out(koffi.pointer('uint32_t'))]),
    ConvertInterfaceLuidToGuid: f('ConvertInterfaceLuidToGuid', 'uint32_t', ['void *', 'void *']),
    ConvertInterfaceLuidToAlias: f('ConvertInterfaceLuidToAlias', 'uint32_t', ['void *', 'void *', 'size_t']),
    ConvertInterfaceLuidToNameW: f('ConvertInterfaceLuidToNameW', 'uint32_t', ['void *', 'void *', 'size_t']),
  };
});

/**
 * The registry bindings of the DNS fallback, bound on first use in this thread.
 *
 * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` off Windows.
 */
export const registryApi: () => RegistryApi = lazy(() => {
  const koffi = loadKoffi();
  const lib = loadSystemDll('advapi32.dll');
  const { HANDLE } = win32Types();
  const f = <F extends (...args: never[]) => unknown>(name: string, result: string, params: readonly unknown[]) =>
    bindStdcallOrStub<F>(lib, 'advapi32.dll', name, result, params as Parameters<typeof bindStdcallOrStub>[4]);
  return {
    RegCreateKeyExW: f('RegCreateKeyExW', 'int32_t', [
      HANDLE,
      'str16',
      'uint32_t',
      'void *',
      'uint32_t',
      'uint32_t',
      'void *',
      koffi.out(koffi.pointer(HANDLE)),
      'void *',
    ]),
    RegSetValueExW: f('RegSetValueExW', 'int32_t', [HANDLE, 'str16', 'uint32_t', 'uint32_t', 'void *', 'uint32_t']),
    RegQueryValueExW: f('RegQueryValueExW', 'int32_t', [
      HANDLE,
      'str16',
      'void *',
      koffi.out(koffi.pointer('uint32_t')),
      'void *',
      koffi.inout(koffi.pointer('uint32_t')),
    ]),
    RegCloseKey: f('RegCloseKey', 'int32_t', [HANDLE]),
  };
});

/**
 * The SetupAPI removal binding, bound on first use in this thread.
 *
 * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` off Windows.
 */
export const deviceRemovalApi: () => DeviceRemovalApi = lazy(() => {
  const koffi = loadKoffi();
  const lib = loadSystemDll('setupapi.dll');
  const { HANDLE, SP_DEVINFO_DATA } = win32Types();
  return {
    SetupDiCallClassInstaller: bindStdcallOrStub(lib, 'setupapi.dll', 'SetupDiCallClassInstaller', 'int', [
      'uint32_t',
      HANDLE,
      koffi.pointer(SP_DEVINFO_DATA),
    ]),
  };
});

/** Decodes a NUL-terminated UTF-16 string from a buffer. Pure. */
export function utf16z(buffer: Uint16Array): string {
  const end = buffer.indexOf(0);
  return new TextDecoder('utf-16le').decode(buffer.subarray(0, end < 0 ? buffer.length : end));
}

/** Encodes a string as `REG_SZ` data: UTF-16LE with the terminating NUL. Pure. */
export function regSzBytes(text: string): Uint8Array {
  const out = new Uint8Array((text.length + 1) * 2);
  const v = new DataView(out.buffer);
  for (let i = 0; i < text.length; i++) v.setUint16(i * 2, text.charCodeAt(i), true);
  return out;
}
