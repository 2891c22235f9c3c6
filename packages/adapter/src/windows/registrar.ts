/**
 * The seam between a Windows session and whatever takes its ring registration: the Wintun kernel
 * driver through `CreateFileW` + `DeviceIoControl(TUN_IOCTL_REGISTER_RINGS)` + `CloseHandle`
 * ({@link kernelRegistrar}), or the emulated driver of the Wine tests (`emulated.ts`). Also the
 * mapping of the driver's registration errors (spec 2.3) to {@link WintunError}.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/session';
import { type DriverLink } from '@wintun-ts/session/driver';
import {
  FILE_SHARE_DELETE,
  FILE_SHARE_READ,
  FILE_SHARE_WRITE,
  GENERIC_READ,
  GENERIC_WRITE,
  OPEN_EXISTING,
  TUN_IOCTL_REGISTER_RINGS,
  getLastError,
  isInvalidHandle,
  kernel32,
  win32Error,
} from '@wintun-ts/session/win32';
import { findDeviceObjectPath } from './devices.js';

/** The adapter a registration is for. */
export interface RegistrationTarget {
  /** The adapter's NET_LUID. */
  readonly luid: bigint;
  /** The interface GUID (`{...}`), when known: the shortcut to the device instance. */
  readonly guid: string | null;
  /** The adapter name, for messages. */
  readonly name: string;
}

/**
 * A live ring registration: the session's {@link DriverLink}. `close()` unregisters (the driver
 * stores Send Tail = 0xFFFFFFFF, sets the read event and stops touching the rings) and settles once
 * the ring memory and the events are no longer used; it may take as long as the network stack
 * needs to return injected packets, but never blocks the event loop.
 */
export interface RingRegistration extends DriverLink {
  /** Where the registration went: the device object path, or `emulated:<luid>`. */
  readonly device: string;
}

/**
 * Registers rings for one adapter. `register` takes the encoded `TUN_REGISTER_RINGS` descriptor
 * (see `encodeRegisterRings`); the ring memory and both events must stay valid until the returned
 * registration's `close()` settles.
 */
export interface RingRegistrar {
  /**
   * Registers the rings the descriptor names.
   *
   * @throws WintunError (rejection) from `registrationError`: `ERR_WINTUN_ACCESS_DENIED`,
   *   `ERR_WINTUN_ALREADY_REGISTERED`, `ERR_WINTUN_INVALID_CAPACITY`, `ERR_WINTUN_INVALID_ARGUMENT`,
   *   `ERR_WINTUN_INVALID_USER_BUFFER`, `ERR_WINTUN_DEVICE_NOT_AVAILABLE`.
   */
  register(descriptor: Uint8Array, target: RegistrationTarget): Promise<RingRegistration>;
}

/**
 * Maps a failed registration step (spec 2.3) to a {@link WintunError}: 5 -> `ERR_WINTUN_ACCESS_DENIED`
 * (run elevated), 1247 -> `ERR_WINTUN_ALREADY_REGISTERED`, 87 -> `ERR_WINTUN_INVALID_CAPACITY` when
 * `capacityValid` is false else `ERR_WINTUN_INVALID_ARGUMENT`, 1784 -> `ERR_WINTUN_INVALID_USER_BUFFER`,
 * 6 -> `ERR_WINTUN_INVALID_ARGUMENT` (an event handle is invalid); anything else as `win32Error` maps it.
 * Pure.
 *
 * @param syscall - `CreateFileW` or `DeviceIoControl`.
 * @param code - the Win32 error number.
 * @param name - the adapter name, for the message.
 * @param capacityValid - whether the requested capacity is valid (decides what 87 means).
 * @param holder - for 1247: `'this-process'` when a registration of this process holds the
 *   adapter, `'unknown'` otherwise (Windows does not say which process holds a device's
 *   registration: no documented API maps a device's open handles to processes, short of
 *   enumerating every handle in the system with SeDebugPrivilege, so the message says how to look).
 */
export function registrationError(syscall: string, code: number, name: string, capacityValid = true, holder: 'this-process' | 'unknown' = 'unknown'): WintunError {
  const opts = { win32Code: code >>> 0, syscall };
  switch (code >>> 0) {
    case 5:
      return new WintunError(
        'ERR_WINTUN_ACCESS_DENIED',
        `Registering rings on adapter ${name}: ${syscall} failed with ERROR_ACCESS_DENIED. The Wintun driver accepts sessions only from an elevated process (Administrator or SYSTEM at High integrity): run elevated.`,
        opts,
      );
    case 1247:
      return new WintunError(
        'ERR_WINTUN_ALREADY_REGISTERED',
        holder === 'this-process'
          ? `Adapter ${name} already has a session held by this process (ERROR_ALREADY_INITIALIZED): the driver allows one ring registration per adapter. Close the other Session first (another Adapter object of the same adapter, or one not closed yet).`
          : `Adapter ${name} already has a session held by another process (ERROR_ALREADY_INITIALIZED): the driver allows one ring registration per adapter, and Windows does not report which process holds it. End the other program's session (look for a VPN client or another wintun-ts; Sysinternals handle.exe or Resource Monitor's Associated Handles can search open handles for the adapter's GUID), then retry.`,
        opts,
      );
    case 87:
      return capacityValid
        ? new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `Registering rings on adapter ${name}: the driver rejected the descriptor (ERROR_INVALID_PARAMETER).`, opts)
        : new WintunError(
            'ERR_WINTUN_INVALID_CAPACITY',
            `Registering rings on adapter ${name}: the ring capacity must be a power of two between 0x20000 and 0x4000000 (ERROR_INVALID_PARAMETER).`,
            opts,
          );
    case 1784:
      return new WintunError(
        'ERR_WINTUN_INVALID_USER_BUFFER',
        `Registering rings on adapter ${name}: the driver could not lock the ring memory (ERROR_INVALID_USER_BUFFER); it must be committed and writable.`,
        opts,
      );
    case 6:
      return new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `Registering rings on adapter ${name}: an event handle is invalid (ERROR_INVALID_HANDLE).`, opts);
    default:
      return win32Error(syscall, code, `Registering rings on adapter ${name}`);
  }
}

function closeHandleAsync(handle: bigint): Promise<void> {
  return new Promise<void>((resolve) => {
    kernel32().CloseHandle.async(handle, () => resolve());
  });
}

/** Live registrations of this process's {@link kernelRegistrar}, by LUID (to tell who holds an adapter on 1247). */
const registeredHere = new Map<bigint, number>();

/**
 * The real registrar: resolves the adapter's device object path (spec 6.3-6.4), opens it with
 * `CreateFileW(GENERIC_READ | GENERIC_WRITE, share all, OPEN_EXISTING, flags 0)` (not inheritable:
 * no security attributes), and issues `TUN_IOCTL_REGISTER_RINGS`. Closing the registration closes
 * the device handle on libuv's pool (`CloseHandle.async`), because unregistration waits for the
 * network stack to return injected packets.
 */
export const kernelRegistrar: RingRegistrar = {
  async register(descriptor: Uint8Array, target: RegistrationTarget): Promise<RingRegistration> {
    const path = findDeviceObjectPath(target.luid, target.guid);
    const k = kernel32();
    const handle = k.CreateFileW(path, (GENERIC_READ | GENERIC_WRITE) >>> 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, null, OPEN_EXISTING, 0, null);
    if (isInvalidHandle(handle)) throw registrationError('CreateFileW', getLastError(), target.name);
    const device = handle as bigint;
    const returned = [0];
    if (k.DeviceIoControl(device, TUN_IOCTL_REGISTER_RINGS >>> 0, descriptor, descriptor.byteLength, null, 0, returned, null) === 0) {
      const code = getLastError();
      await closeHandleAsync(device);
      throw registrationError('DeviceIoControl', code, target.name, true, registeredHere.has(target.luid) ? 'this-process' : 'unknown');
    }
    registeredHere.set(target.luid, (registeredHere.get(target.luid) ?? 0) + 1);
    let closing: Promise<void> | null = null;
    return {
      device: path,
      close(): Promise<void> {
        closing ??= closeHandleAsync(device).finally(() => {
          const n = (registeredHere.get(target.luid) ?? 1) - 1;
          if (n <= 0) registeredHere.delete(target.luid);
          else registeredHere.set(target.luid, n);
        });
        return closing;
      },
    };
  },
};
