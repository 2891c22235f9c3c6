/**
 * `@wintun-ts/abi`: the raw Wintun ABI. Constants and layouts named as in C, the register
 * descriptor of every architecture, `WintunError` with stable `ERR_WINTUN_*` codes, and the
 * lazy koffi loader. Importing this package runs nothing native.
 *
 * The platform bindings are subpaths, off this page: `@wintun-ts/abi/linux` (libc, TUN and
 * interface ioctls, rtnetlink) and `@wintun-ts/abi/win32` (kernel32, advapi32, setupapi, cfgmgr32,
 * iphlpapi, wintun.dll, Win32 error numbers).
 *
 * @module @wintun-ts/abi
 * @group Package root
 */
export * from './constants.js';
export { WintunError, WintunErrorCodes, isWintunError, win32Error, errnoError } from './errors.js';
export type { WintunErrorCode, WintunErrorCodeInfo, WintunErrorOptions } from './errors.js';
export { loadKoffi, lazy } from './ffi.js';
export type { Koffi } from './ffi.js';
export {
  TUN_REGISTER_RINGS_LAYOUT,
  encodeRegisterRings,
  decodeRegisterRings,
  wintunArchOf,
} from './register.js';
export type { WintunArch, TunRegisterRingsLayout, TunRegisterRingHalf, TunRegisterRings } from './register.js';
