/**
 * `@wintun-ts/abi/win32`: the Win32 bindings (kernel32, advapi32, setupapi, cfgmgr32, iphlpapi)
 * and the wintun.dll binding, bound on first use; Win32 error numbers as in `winerror.h`; pure
 * helpers (PE header, GUID) that work on every platform. Plumbing: an application uses
 * `@wintun-ts/adapter`, not these.
 *
 * @module @wintun-ts/abi/win32
 * @group Plumbing (platform bindings and driver internals)
 */
export * from '../win32-errors.js';
export {
  IMAGE_FILE_MACHINE_AMD64,
  IMAGE_FILE_MACHINE_ARM64,
  IMAGE_FILE_MACHINE_ARMNT,
  IMAGE_FILE_MACHINE_I386,
  PE_HEADER_PROBE_SIZE,
  checkPeArch,
  peMachineForNodeArch,
  peMachineName,
  readPeMachine,
  wintunZipDirForNodeArch,
} from './pe.js';
export type { PeMachineResult } from './pe.js';
export { formatGuid, guidBytesToStruct, guidStructToBytes, parseGuid } from './guid.js';
export type { GuidStruct } from './guid.js';
export { win32Types } from './types.js';
export type { Win32Types } from './types.js';
export { bindStdcall, bindStdcallOrStub, isMissingExport, loadSystemDll, requireWindows } from './native.js';
export type { NativeFunction, Win32TypeSpec } from './native.js';
export {
  DUPLICATE_SAME_ACCESS,
  FILE_SHARE_DELETE,
  FILE_SHARE_READ,
  FILE_SHARE_WRITE,
  GENERIC_READ,
  GENERIC_WRITE,
  INFINITE,
  LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR,
  LOAD_LIBRARY_SEARCH_SYSTEM32,
  MEM_COMMIT,
  MEM_RELEASE,
  MEM_RESERVE,
  OPEN_EXISTING,
  PAGE_READWRITE,
  WAIT_ABANDONED,
  WAIT_FAILED,
  WAIT_OBJECT_0,
  getLastError,
  invalidHandleValue,
  isInvalidHandle,
  kernel32,
} from './kernel32.js';
export type { Kernel32, Win32Handle } from './kernel32.js';
export {
  CM_GET_DEVICE_INTERFACE_LIST_PRESENT,
  CR_BUFFER_SMALL,
  CR_SUCCESS,
  DICS_FLAG_GLOBAL,
  DIF_REMOVE,
  DIGCF_PRESENT,
  DIREG_DRV,
  GUID_DEVCLASS_NET,
  GUID_DEVINTERFACE_NET,
  KEY_QUERY_VALUE,
  KEY_READ,
  KEY_SET_VALUE,
  MAX_DEVICE_ID_LEN,
  REG_DWORD,
  REG_MULTI_SZ,
  REG_SZ,
  WINTUN_ENUMERATOR,
  advapi32,
  cfgmgr32,
  hkeyLocalMachine,
  regSzBytes,
  setupapi,
  splitMultiSz,
  utf16z,
} from './devices.js';
export type { Advapi32, CfgMgr32, SetupApi, SpDevinfoData } from './devices.js';
export {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  DNS_INTERFACE_SETTINGS_VERSION1,
  DNS_SETTINGS_ENABLE_LLMNR,
  DNS_SETTINGS_QUERY_ADAPTER_NAME,
  DNS_SETTING_DOMAIN,
  DNS_SETTING_HOSTNAME,
  DNS_SETTING_IPV6,
  DNS_SETTING_NAMESERVER,
  DNS_SETTING_PROFILE_NAMESERVER,
  DNS_SETTING_REGISTER_ADAPTER_NAME,
  DNS_SETTING_REGISTRATION_ENABLED,
  DNS_SETTING_SEARCHLIST,
  IpPrefixOriginManual,
  MIB_IPPROTO_NETMGMT,
  iphlpapi,
  iphlpapiRaw,
} from './iphlpapi.js';
export type { Iphlpapi, IphlpapiRaw, NetLuidStruct, Win32StructValue } from './iphlpapi.js';
export {
  WINTUN_DLL_NAME,
  WINTUN_DOWNLOAD_URL,
  WINTUN_EXPORTS,
  WINTUN_LOG_ERR,
  WINTUN_LOG_INFO,
  WINTUN_LOG_WARN,
  WINTUN_MAX_ADAPTER_NAME,
  WintunLibrary,
  describeLuid,
  loadWintun,
  resolveWintunDllPath,
  wintunDllCandidates,
  wintunInstanceIdForGuid,
} from './wintun.js';
export type { WintunFunctions, WintunLoadOptions, WintunLogLevel, WintunLogger, WintunReceivedPacket } from './wintun.js';
