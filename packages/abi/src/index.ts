/**
 * `@wintun-ts/abi`: the raw Wintun ABI. Constants and layouts named as in C, the register
 * descriptor of every architecture, Win32 error numbers, {@link WintunError} with stable
 * `ERR_WINTUN_*` codes, and lazy koffi bindings. Importing this package runs nothing native.
 *
 * @packageDocumentation
 */
export * from './constants.js';
export * from './win32-errors.js';
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
export * from './linux/index.js';
export * from './win32/index.js';
