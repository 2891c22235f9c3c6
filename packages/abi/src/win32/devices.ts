/**
 * setupapi, cfgmgr32 and advapi32 bindings used to find a Wintun adapter's device object
 * (spec 6.3-6.4): enumerate present Net-class devices of enumerator `SWD\Wintun`, read
 * `NetLuidIndex` / `*IfType` from each device's driver key, take the instance ID, then ask cfgmgr32
 * for the `GUID_DEVINTERFACE_NET` interface path to open with `CreateFileW`; plus the device removal
 * (`SetupDiCallClassInstaller(DIF_REMOVE)`) and the registry writes of the DNS fallback. Bound on first use per
 * thread by {@link setupapi}, {@link cfgmgr32} and {@link advapi32}. An export the system lacks
 * (e.g. under Wine) binds to a stand-in that throws `ERR_WINTUN_UNSUPPORTED_PLATFORM` when called
 * (see `isMissingExport`).
 *
 * @module
 */
import { lazy, loadKoffi } from '../ffi.js';
import type { GuidStruct } from './guid.js';
import type { Win32Handle } from './kernel32.js';
import { bindStdcall, bindStdcallOrStub, loadSystemDll, type NativeFunction } from './native.js';
import { win32Types } from './types.js';
import { badArgument, checkString } from '../check.js';

/** `GUID_DEVCLASS_NET`: the Net device setup class. */
export const GUID_DEVCLASS_NET = '{4D36E972-E325-11CE-BFC1-08002BE10318}';
/** `GUID_DEVINTERFACE_NET`: the device interface class of network adapters. */
export const GUID_DEVINTERFACE_NET = '{CAC88484-7515-4C03-82E6-71A87ABAC361}';
/** The enumerator of Wintun's software devices. */
export const WINTUN_ENUMERATOR = 'SWD\\Wintun';
/** `SetupDiGetClassDevsExW` flag: only devices that are present. */
export const DIGCF_PRESENT = 0x2;
/** `SetupDiOpenDevRegKey` scope: global (not per hardware profile). */
export const DICS_FLAG_GLOBAL = 0x1;
/** `SetupDiOpenDevRegKey` key type: the driver (software) key. */
export const DIREG_DRV = 0x2;
/** Registry access: query values. */
export const KEY_QUERY_VALUE = 0x1;
/** Registry access: set values. */
export const KEY_SET_VALUE = 0x2;
/** Registry access: `KEY_READ` (query values, enumerate subkeys, notify, read control). */
export const KEY_READ = 0x20019;
/** `DIF_REMOVE`: the class-installer request that removes a device (`SetupDiCallClassInstaller`). */
export const DIF_REMOVE = 0x5;

/** `HKEY_LOCAL_MACHINE`: `(HKEY)(LONG)0x80000002`, sign-extended to the pointer width of this process. Pure. */
export function hkeyLocalMachine(): bigint {
  return process.arch === 'ia32' || process.arch === 'arm' ? 0x80000002n : 0xffffffff80000002n;
}
/** Registry value type: `REG_SZ`. */
export const REG_SZ = 1;
/** Registry value type: `REG_DWORD`. */
export const REG_DWORD = 4;
/** Registry value type: `REG_MULTI_SZ`. */
export const REG_MULTI_SZ = 7;
/** `CM_Get_Device_Interface_List*` flag: only interfaces of present devices. */
export const CM_GET_DEVICE_INTERFACE_LIST_PRESENT = 0;
/** CONFIGRET success. */
export const CR_SUCCESS = 0;
/** CONFIGRET: the buffer was too small (the list grew in between: retry). */
export const CR_BUFFER_SMALL = 0x1a;
/** Size of a Windows `MAX_DEVICE_ID_LEN` instance ID buffer, in characters. */
export const MAX_DEVICE_ID_LEN = 200;

/** An `SP_DEVINFO_DATA` value as koffi encodes and decodes it (`cbSize` must be 32 on 64-bit Windows). */
export interface SpDevinfoData {
  /** `sizeof(SP_DEVINFO_DATA)`: 32 on 64-bit, 28 on 32-bit Windows. */
  cbSize: number;
  /** The device's setup class. */
  ClassGuid: GuidStruct;
  /** The devnode handle. */
  DevInst: number;
  /** Reserved. */
  Reserved: number | bigint;
}

/** The setupapi functions wintun-ts uses. */
export interface SetupApi {
  /** `HDEVINFO SetupDiGetClassDevsExW(const GUID *ClassGuid, PCWSTR Enumerator, HWND, DWORD Flags, HDEVINFO, PCWSTR MachineName, PVOID)`; INVALID_HANDLE_VALUE on failure. */
  readonly SetupDiGetClassDevsExW: NativeFunction<
    (classGuid: GuidStruct | null, enumerator: string | null, parent: null, flags: number, set: null, machine: string | null, reserved: null) => Win32Handle
  >;
  /** `BOOL SetupDiEnumDeviceInfo(HDEVINFO, DWORD MemberIndex, PSP_DEVINFO_DATA)`; ERROR_NO_MORE_ITEMS (259) after the last one. `data.cbSize` must be set. */
  readonly SetupDiEnumDeviceInfo: NativeFunction<(set: Win32Handle, index: number, data: SpDevinfoData) => number>;
  /** `HKEY SetupDiOpenDevRegKey(HDEVINFO, PSP_DEVINFO_DATA, DWORD Scope, DWORD HwProfile, DWORD KeyType, REGSAM)`; INVALID_HANDLE_VALUE on failure. */
  readonly SetupDiOpenDevRegKey: NativeFunction<
    (set: Win32Handle, data: SpDevinfoData, scope: number, profile: number, keyType: number, access: number) => Win32Handle
  >;
  /** `BOOL SetupDiGetDeviceInstanceIdW(HDEVINFO, PSP_DEVINFO_DATA, PWSTR Buffer, DWORD BufferSize (chars), PDWORD RequiredSize)`; the buffer is a Uint16Array. */
  readonly SetupDiGetDeviceInstanceIdW: NativeFunction<
    (set: Win32Handle, data: SpDevinfoData, buffer: Uint16Array, bufferChars: number, required: [number] | number[]) => number
  >;
  /** `BOOL SetupDiDestroyDeviceInfoList(HDEVINFO)`. */
  readonly SetupDiDestroyDeviceInfoList: NativeFunction<(set: Win32Handle) => number>;
  /** `BOOL SetupDiCallClassInstaller(DI_FUNCTION, HDEVINFO, PSP_DEVINFO_DATA)`, e.g. {@link DIF_REMOVE} (needs elevation). */
  readonly SetupDiCallClassInstaller: NativeFunction<(fn: number, set: Win32Handle, data: SpDevinfoData) => number>;
}

/** The cfgmgr32 functions wintun-ts uses. CONFIGRET results; map with `CM_MapCrToWin32Err`. */
export interface CfgMgr32 {
  /** `CONFIGRET CM_Get_Device_Interface_List_SizeW(PULONG Len (chars), LPGUID InterfaceClassGuid, DEVINSTID_W DeviceID, ULONG Flags)`. */
  readonly CM_Get_Device_Interface_List_SizeW: NativeFunction<(length: [number] | number[], interfaceClass: GuidStruct, deviceId: string | null, flags: number) => number>;
  /** `CONFIGRET CM_Get_Device_Interface_ListW(LPGUID, DEVINSTID_W, PZZWSTR Buffer, ULONG BufferLen (chars), ULONG Flags)`; the buffer is a Uint16Array holding a multi-string. */
  readonly CM_Get_Device_Interface_ListW: NativeFunction<
    (interfaceClass: GuidStruct, deviceId: string | null, buffer: Uint16Array, bufferChars: number, flags: number) => number
  >;
  /** `DWORD CM_MapCrToWin32Err(CONFIGRET, DWORD Default)`. */
  readonly CM_MapCrToWin32Err: NativeFunction<(cr: number, fallback: number) => number>;
}

/** The advapi32 registry functions wintun-ts uses. Results are Win32 error numbers (0 = success). */
export interface Advapi32 {
  /**
   * `LSTATUS RegCreateKeyExW(HKEY, LPCWSTR SubKey, DWORD 0, LPWSTR Class, DWORD Options, REGSAM, LPSECURITY_ATTRIBUTES, PHKEY, LPDWORD Disposition)`;
   * `result[0]` receives the key (close it with `RegCloseKey`).
   */
  readonly RegCreateKeyExW: NativeFunction<
    (key: Win32Handle, subKey: string, reserved: number, klass: null, options: number, access: number, security: null, result: Win32Handle[], disposition: null) => number
  >;
  /** `LSTATUS RegSetValueExW(HKEY, LPCWSTR Name, DWORD 0, DWORD Type, const BYTE *Data, DWORD cbData)`. */
  readonly RegSetValueExW: NativeFunction<(key: Win32Handle, name: string, reserved: number, type: number, data: Uint8Array, size: number) => number>;
  /** `LSTATUS RegQueryValueExW(HKEY, LPCWSTR, LPDWORD Reserved, LPDWORD Type, LPBYTE Data, LPDWORD cbData)`; `type` and `size` are one-element arrays (`size` in and out, bytes). */
  readonly RegQueryValueExW: NativeFunction<
    (key: Win32Handle, name: string, reserved: null, type: [number] | number[], data: Uint8Array | null, size: [number] | number[]) => number
  >;
  /** `LSTATUS RegCloseKey(HKEY)`. */
  readonly RegCloseKey: NativeFunction<(key: Win32Handle) => number>;
}

/**
 * Returns the setupapi bindings, binding them on first use in this thread.
 *
 * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` off Windows.
 */
export const setupapi: () => SetupApi = lazy(() => {
  const koffi = loadKoffi();
  const lib = loadSystemDll('setupapi.dll');
  const { HANDLE, GUID, SP_DEVINFO_DATA } = win32Types();
  const f = <F extends (...args: never[]) => unknown>(name: string, result: Parameters<typeof bindStdcall>[3], params: Parameters<typeof bindStdcall>[4]) =>
    bindStdcallOrStub<F>(lib, 'setupapi.dll', name, result, params);
  return {
    SetupDiGetClassDevsExW: f('SetupDiGetClassDevsExW', HANDLE, [koffi.pointer(GUID), 'str16', 'void *', 'uint32_t', HANDLE, 'str16', 'void *']),
    SetupDiEnumDeviceInfo: f('SetupDiEnumDeviceInfo', 'int', [HANDLE, 'uint32_t', koffi.inout(koffi.pointer(SP_DEVINFO_DATA))]),
    SetupDiOpenDevRegKey: f('SetupDiOpenDevRegKey', HANDLE, [HANDLE, koffi.pointer(SP_DEVINFO_DATA), 'uint32_t', 'uint32_t', 'uint32_t', 'uint32_t']),
    SetupDiGetDeviceInstanceIdW: f('SetupDiGetDeviceInstanceIdW', 'int', [
      HANDLE,
      koffi.pointer(SP_DEVINFO_DATA),
      'void *',
      'uint32_t',
      koffi.out(koffi.pointer('uint32_t')),
    ]),
    SetupDiDestroyDeviceInfoList: f('SetupDiDestroyDeviceInfoList', 'int', [HANDLE]),
    SetupDiCallClassInstaller: f('SetupDiCallClassInstaller', 'int', ['uint32_t', HANDLE, koffi.pointer(SP_DEVINFO_DATA)]),
  };
});

/**
 * Returns the cfgmgr32 bindings, binding them on first use in this thread.
 *
 * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` off Windows.
 */
export const cfgmgr32: () => CfgMgr32 = lazy(() => {
  const koffi = loadKoffi();
  const lib = loadSystemDll('cfgmgr32.dll');
  const { GUID } = win32Types();
  const f = <F extends (...args: never[]) => unknown>(name: string, result: Parameters<typeof bindStdcall>[3], params: Parameters<typeof bindStdcall>[4]) =>
    bindStdcallOrStub<F>(lib, 'cfgmgr32.dll', name, result, params);
  return {
    CM_Get_Device_Interface_List_SizeW: f('CM_Get_Device_Interface_List_SizeW', 'uint32_t', [
      koffi.out(koffi.pointer('uint32_t')),
      koffi.pointer(GUID),
      'str16',
      'uint32_t',
    ]),
    CM_Get_Device_Interface_ListW: f('CM_Get_Device_Interface_ListW', 'uint32_t', [koffi.pointer(GUID), 'str16', 'void *', 'uint32_t', 'uint32_t']),
    CM_MapCrToWin32Err: f('CM_MapCrToWin32Err', 'uint32_t', ['uint32_t', 'uint32_t']),
  };
});

/**
 * Returns the advapi32 registry bindings, binding them on first use in this thread.
 *
 * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` off Windows.
 */
export const advapi32: () => Advapi32 = lazy(() => {
  const koffi = loadKoffi();
  const lib = loadSystemDll('advapi32.dll');
  const { HANDLE } = win32Types();
  const f = <F extends (...args: never[]) => unknown>(name: string, result: Parameters<typeof bindStdcall>[3], params: Parameters<typeof bindStdcall>[4]) =>
    bindStdcallOrStub<F>(lib, 'advapi32.dll', name, result, params);
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

function checkUint16Array(what: string, buffer: unknown): void {
  if (!(buffer instanceof Uint16Array)) badArgument(what, 'buffer', 'a Uint16Array', buffer);
}

/** Decodes a NUL-terminated UTF-16 string from a buffer (the whole buffer when it has no NUL). Pure. */
export function utf16z(buffer: Uint16Array): string {
  checkUint16Array('utf16z', buffer);
  const end = buffer.indexOf(0);
  return new TextDecoder('utf-16le').decode(buffer.subarray(0, end < 0 ? buffer.length : end));
}

/** Encodes a string as `REG_SZ` data: UTF-16LE with the terminating NUL. Pure. */
export function regSzBytes(text: string): Uint8Array {
  checkString('regSzBytes', 'text', text);
  const out = new Uint8Array((text.length + 1) * 2);
  const v = new DataView(out.buffer);
  for (let i = 0; i < text.length; i++) v.setUint16(i * 2, text.charCodeAt(i), true);
  return out;
}

/**
 * Splits a `REG_MULTI_SZ` / `PZZWSTR` buffer (UTF-16 strings, each NUL-terminated, an empty one
 * ending the list) into its strings. Pure.
 */
export function splitMultiSz(buffer: Uint16Array): string[] {
  checkUint16Array('splitMultiSz', buffer);
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < buffer.length; i++) {
    if (buffer[i] === 0) {
      if (i === start) break;
      out.push(new TextDecoder('utf-16le').decode(buffer.subarray(start, i)));
      start = i + 1;
    }
  }
  return out;
}
