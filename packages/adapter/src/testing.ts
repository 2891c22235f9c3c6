/**
 * `@wintun-ts/adapter/testing`: test code built on the adapter without an adapter, root or
 * Windows. The in-memory Wintun driver of `@wintun-ts/session/testing` (a `Session` whose
 * far side your test plays), and injectable platform backends for `Adapter`: pass
 * `platform` in the options of `Adapter.create`, `open`, `list` or `driverVersion`.
 *
 * - {@link createMemoryPlatform}: adapters that live in memory (addresses, MTU, routes, DNS kept
 *   in a table) and whose sessions run against the in-memory driver, on every OS.
 * - {@link createEmulatedWindowsPlatform}: the real Windows backend (wintun.dll, VirtualAlloc'd
 *   rings, Win32 events) with ring registration answered by an emulated Wintun driver instead of
 *   the kernel's; Windows or Wine only.
 *
 * @module @wintun-ts/adapter/testing
 * @group Subpaths
 */
import { WintunError } from '@wintun-ts/session';
import { checkOptionsBag, describeValue } from './net.js';
import type { PlatformBackend } from './types.js';
import type { EmulatedDriver, EmulatedDriverOptions } from './windows/emulated.js';

export {
  createTestDriver,
  createInThreadDriver,
  PacketQueue,
  queuePacketSink,
  queuePacketSource,
} from '@wintun-ts/session/testing';
export type {
  TestDriver,
  TestDriverOptions,
  TestDriverStats,
  WorkerTestDriverOptions,
  InThreadDriver,
  PacketQueueDescriptor,
  PacketTransform,
} from '@wintun-ts/session/testing';
export type { AdapterBackend, PlatformBackend, ParsedRoute } from './types.js';
export { createMemoryPlatform } from './memory.js';
export type { MemoryPlatform, MemoryAdapterState } from './memory.js';
export type { EmulatedDriver, EmulatedDriverOptions, EmulatedRegistration, EmulatedStack } from './windows/emulated.js';
export type { RegistrationTarget, RingRegistrar, RingRegistration } from './windows/registrar.js';

/** A Windows platform backend with an emulated Wintun driver, from {@link createEmulatedWindowsPlatform}. */
export interface EmulatedWindowsPlatform {
  /** Pass as `platform` to `Adapter.create` / `open`; its sessions register with {@link EmulatedWindowsPlatform.driver}. */
  readonly platform: PlatformBackend;
  /** The emulated driver: its registrations and, in `'queues'` mode, the network stack of each. */
  readonly driver: EmulatedDriver;
}

/**
 * The real Windows backend with ring registration answered by an emulated Wintun driver: every
 * `startSession` of an adapter created or opened with `platform` registers its VirtualAlloc'd rings
 * and Win32 events with the emulation, whose driver loops run in worker threads (`'echo'` mode
 * answers every packet; `'queues'` mode exposes the stack). The Windows code is loaded on this
 * call, not at import. No global state: other adapters keep the kernel driver.
 *
 * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` (from the first Win32 call) off Windows.
 */
export async function createEmulatedWindowsPlatform(options: EmulatedDriverOptions = {}): Promise<EmulatedWindowsPlatform> {
  checkOptionsBag('createEmulatedWindowsPlatform', options, { mode: ['echo', 'queues'] });
  const { queueBytes, waitMs } = options;
  if (queueBytes !== undefined && (typeof queueBytes !== 'number' || !Number.isInteger(queueBytes) || queueBytes < 0x20000 || queueBytes > 0x40000000 || queueBytes % 4 !== 0)) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `createEmulatedWindowsPlatform: options.queueBytes must be a multiple of 4 in [0x20000, 0x40000000], got ${describeValue(queueBytes)}.`);
  }
  if (waitMs !== undefined && (typeof waitMs !== 'number' || !(waitMs >= 0) || waitMs > 0x7fffffff)) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `createEmulatedWindowsPlatform: options.waitMs must be a number in [0, 2147483647], got ${describeValue(waitMs)}.`);
  }
  const [{ createEmulatedDriver }, { createWindowsPlatform }] = await Promise.all([import('./windows/emulated.js'), import('./windows/backend.js')]);
  const driver = createEmulatedDriver(options);
  return { platform: createWindowsPlatform(driver), driver };
}
