/**
 * `@wintun-ts/ring/win32`: the Win32 and wintun.dll bindings of `@wintun-ts/abi/win32`, handed up
 * the layer chain with what Windows platform code needs from the ABI root: the FFI helpers
 * (`loadKoffi`, `lazy`, `win32Error`), the ring-registration IOCTL and the `TUN_REGISTER_RINGS`
 * encoders. Plumbing for the layers above; importing it runs nothing native.
 *
 * @module @wintun-ts/ring/win32
 * @group Plumbing (platform bindings and driver internals)
 */
export * from '@wintun-ts/abi/win32';
export {
  loadKoffi,
  lazy,
  win32Error,
  CTL_CODE,
  TUN_IOCTL_DEVICE_TYPE,
  TUN_IOCTL_REGISTER_RINGS,
  TUN_IOCTL_FORCE_CLOSE_HANDLES,
  TUN_REGISTER_RINGS_LAYOUT,
  encodeRegisterRings,
  decodeRegisterRings,
  wintunArchOf,
} from '@wintun-ts/abi';
export type { Koffi, WintunArch, TunRegisterRingsLayout, TunRegisterRingHalf, TunRegisterRings } from '@wintun-ts/abi';
