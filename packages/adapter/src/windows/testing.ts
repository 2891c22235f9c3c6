/**
 * Internal test entry of the Windows backend (`dist/windows/testing.js`, not part of the package's
 * exports) for the Wine suite: the backend's pure encoders and helpers, the emulated driver, and
 * `createEmulatedWindowsPlatform` (also public on `@wintun-ts/adapter/testing`), whose platform
 * is passed to `Adapter.create({ platform })` so that `startSession` registers its rings with an
 * in-process emulation while everything else (wintun.dll or its stand-in, VirtualAlloc'd rings,
 * Win32 events, waits) runs for real.
 *
 * @module
 */
import { KEY_READ, advapi32, hkeyLocalMachine, utf16z } from '@wintun-ts/session/win32';
import { tcpipInterfaceKey } from './encode.js';

export { createEmulatedWindowsPlatform } from '../testing.js';

export { createEmulatedDriver, emulatedIoUrl } from './emulated.js';
export type { EmulatedDriver, EmulatedDriverOptions, EmulatedRegistration, EmulatedStack } from './emulated.js';
export { kernelRegistrar, registrationError } from './registrar.js';
export type { RegistrationTarget, RingRegistrar, RingRegistration } from './registrar.js';
export { swapIpAddresses } from './emulated-io.js';
export { WindowsAdapter, windowsPlatform, createWindowsPlatform, DEFAULT_TUNNEL_TYPE } from './backend.js';
export { listWintunDevices, findWintunDevice, deviceInterfacePath, findDeviceObjectPath } from './devices.js';
export type { WintunDevice } from './devices.js';
export * from './encode.js';

/**
 * Reads a `REG_SZ` value under an interface's Tcpip (4) or Tcpip6 (6) parameters key, as the DNS
 * fallback writes it; `null` when absent.
 */
export function readTcpipValue(family: 4 | 6, guid: string, name: string): string | null {
  const reg = advapi32();
  const out: (bigint | null)[] = [null];
  const status = reg.RegCreateKeyExW(hkeyLocalMachine(), tcpipInterfaceKey(family, guid), 0, null, 0, KEY_READ, null, out, null);
  const key = out[0];
  if (status !== 0 || key === null || key === undefined) return null;
  try {
    const type = [0];
    const data = new Uint8Array(1024);
    const size = [data.byteLength];
    if (reg.RegQueryValueExW(key, name, null, type, data, size) !== 0) return null;
    return utf16z(new Uint16Array(data.buffer, 0, Math.floor((size[0] ?? 0) / 2)));
  } finally {
    reg.RegCloseKey(key);
  }
}
