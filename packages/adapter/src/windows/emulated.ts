/**
 * The emulated Wintun driver: a {@link RingRegistrar} that plays the kernel driver's part of ring
 * registration in-process, for the Wine tests (Wine has no Wintun driver). Everything else is
 * real: the VirtualAlloc'd rings, the Win32 events, the session's waits. `register` decodes the
 * descriptor with `decodeRegisterRings`, applies the driver's checks in the driver's order
 * (spec 2.3: one registration per adapter -> 1247; descriptor length, capacity power of two in
 * range, non-NULL ring and event -> 87; a bad event handle -> 6; Send Tail < capacity -> 87),
 * attaches to the ring memory by address, opens both events by handle, and runs the driver loops
 * of `@wintun-ts/session` (`startDriverWorkers`) in workers against a "network stack" of
 * `PacketQueue`s (`@wintun-ts/session/testing`). Not emulated: the access check (5) and the memory probe (1784).
 *
 * Reached through `createEmulatedWindowsPlatform` of `@wintun-ts/adapter/testing` (loaded on that call).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WintunError, isValidRingCapacity } from '@wintun-ts/session';
import {
  DriverControl,
  TUN_RING_SENTINEL,
  attachRingMemory,
  capacityFromRingSize,
  createRingPair,
  startDriverWorkers,
  type DriverWorkers,
} from '@wintun-ts/session/driver';
import { loadKoffi } from '@wintun-ts/session/linux';
import {
  DUPLICATE_SAME_ACCESS,
  TUN_REGISTER_RINGS_LAYOUT,
  decodeRegisterRings,
  kernel32,
  openWin32Event,
  wintunArchOf,
  type TunRegisterRingHalf,
  type TunRegisterRings,
} from '@wintun-ts/session/win32';
import { registrationError, type RegistrationTarget, type RingRegistrar, type RingRegistration } from './registrar.js';
import { PacketQueue } from '@wintun-ts/session/testing';
import { isUint8Array } from 'node:util/types';

/** Options of `createEmulatedDriver`. */
export interface EmulatedDriverOptions {
  /**
   * `'echo'` (default): every packet userspace sends comes back with source and destination
   * swapped, as if a peer answered it. `'queues'`: packets go to {@link EmulatedStack.takeSent}
   * and come from {@link EmulatedStack.inject}.
   */
  readonly mode?: 'echo' | 'queues' | undefined;
  /** Bytes of each stack queue. Default 8 MiB. */
  readonly queueBytes?: number | undefined;
  /** Bound of the driver loops' waits in milliseconds. Default 50. */
  readonly waitMs?: number | undefined;
}

/** The stack side of one emulated registration (main thread). */
export interface EmulatedStack {
  /**
   * Routes a packet into the tunnel: the driver puts it into the Send ring (`'queues'` mode).
   *
   * @returns false when the queue is full or closed.
   */
  inject(packet: Uint8Array): boolean;
  /** Takes every packet userspace sent so far (`'queues'` mode), in wire order. */
  takeSent(): Uint8Array[];
  /** Waits up to `timeoutMs` for the next packet userspace sent; null on timeout or close. */
  nextSent(timeoutMs: number): Promise<Uint8Array | null>;
}

/** One live emulated registration: the session's driver link plus test controls. */
export interface EmulatedRegistration extends RingRegistration {
  /** The adapter LUID it belongs to. */
  readonly luid: bigint;
  /** The decoded descriptor the "driver" accepted. */
  readonly descriptor: TunRegisterRings;
  /** The driver loops' control block (`DriverControl` counters). */
  readonly control: Int32Array;
  /** The stack side. */
  readonly stack: EmulatedStack;
  /**
   * Ends the registration from the driver's side, as a PnP removal does (edge 26-27): the
   * producer stores Send Tail = 0xFFFFFFFF and sets the read event (a waiting receive ends with
   * `ERR_WINTUN_EOF`), the consumer aborts the Receive ring. The session still has to be closed.
   */
  unregister(): void;
}

/** A registrar playing the Wintun driver; `createEmulatedWindowsPlatform` of `@wintun-ts/adapter/testing` builds a platform that registers with it. */
export interface EmulatedDriver extends RingRegistrar {
  /** The live registrations, by LUID. */
  readonly registrations: ReadonlyMap<bigint, EmulatedRegistration>;
  /** The live registration of an adapter, if any. */
  registration(luid: bigint): EmulatedRegistration | undefined;
}

/**
 * URL of the built emulated-driver I/O module, found next to the running bundle or, from sources,
 * in `dist/windows/`.
 *
 * @throws WintunError `ERR_WINTUN_WORKER_FAILED` when it is not built.
 */
export function emulatedIoUrl(): URL {
  const candidates = [
    new URL('./windows/emulated-io.js', import.meta.url),
    new URL('./emulated-io.js', import.meta.url),
    new URL('../../dist/windows/emulated-io.js', import.meta.url),
  ];
  for (const url of candidates) if (url.pathname.endsWith('.js') && existsSync(fileURLToPath(url))) return url;
  throw new WintunError('ERR_WINTUN_WORKER_FAILED', `dist/windows/emulated-io.js of @wintun-ts/adapter was not found near ${import.meta.url}; build the package (npx tsup).`);
}

function handleIsValid(handle: bigint): boolean {
  const k = kernel32();
  const self = k.GetCurrentProcess();
  const out: (bigint | null)[] = [null];
  if (k.DuplicateHandle(self, handle, self, out, 0, 0, DUPLICATE_SAME_ACCESS) === 0) return false;
  if (out[0] !== null && out[0] !== undefined) k.CloseHandle(out[0]);
  return true;
}

/**
 * Creates an emulated driver. It keeps one registration per adapter LUID, as the real driver does.
 * Main thread only.
 */
export function createEmulatedDriver(options: EmulatedDriverOptions = {}): EmulatedDriver {
  const mode = options.mode ?? 'echo';
  const queueBytes = options.queueBytes ?? 0x800000;
  const registrations = new Map<bigint, EmulatedRegistration>();

  const check = (half: TunRegisterRingHalf, name: string, isSend: boolean): number => {
    const capacity = capacityFromRingSize(half.ringSize);
    if (!isValidRingCapacity(capacity) || half.ring === 0n || half.tailMoved === 0n) {
      throw registrationError('DeviceIoControl', 87, name, isValidRingCapacity(capacity));
    }
    if (!handleIsValid(half.tailMoved)) throw registrationError('DeviceIoControl', 6, name);
    if (isSend) {
      const tail = loadKoffi().decode(half.ring, 4, 'uint32_t') as number;
      if (tail >>> 0 >= capacity) throw registrationError('DeviceIoControl', 87, name);
    }
    return capacity;
  };

  const register = async (descriptor: Uint8Array, target: RegistrationTarget): Promise<RingRegistration> => {
    const arch = wintunArchOf();
    if (arch === null) throw new WintunError('ERR_WINTUN_UNSUPPORTED_PLATFORM', `No Wintun descriptor layout for ${process.arch}.`);
    if (registrations.has(target.luid)) throw registrationError('DeviceIoControl', 1247, target.name);
    if (!isUint8Array(descriptor) || descriptor.byteLength !== TUN_REGISTER_RINGS_LAYOUT[arch].size) {
      throw registrationError('DeviceIoControl', 87, target.name);
    }
    const rings = decodeRegisterRings(descriptor, arch);
    const sendCapacity = check(rings.send, target.name, true);
    const receiveCapacity = check(rings.receive, target.name, false);
    if (rings.receive.ring !== rings.send.ring + BigInt(rings.send.ringSize)) {
      throw new WintunError('ERR_WINTUN_UNSUPPORTED_PLATFORM', 'The emulated driver needs the Receive ring right after the Send ring.', {
        win32Code: 50,
        syscall: 'DeviceIoControl',
      });
    }
    const layout = { sendCapacity, receiveCapacity };
    const memory = attachRingMemory(rings.send.ring, rings.send.ringSize + rings.receive.ringSize);
    const ringPair = createRingPair(memory, layout);
    const readEvent = openWin32Event(rings.send.tailMoved);
    const writeEvent = openWin32Event(rings.receive.tailMoved);
    const toTunnel = new PacketQueue(queueBytes);
    const fromTunnel = mode === 'echo' ? toTunnel : new PacketQueue(queueBytes);
    const io = emulatedIoUrl();
    const loopWait = options.waitMs;
    let workers: DriverWorkers;
    // Reserve the slot before the first await, as the driver's registration lock does.
    const placeholder = {} as EmulatedRegistration;
    registrations.set(target.luid, placeholder);
    try {
      workers = await startDriverWorkers({
        memory,
        layout,
        readEvent,
        writeEvent,
        producer: { io, ioOptions: { queue: toTunnel.describe() }, loop: { waitMs: loopWait } },
        consumer: { io, ioOptions: { queue: fromTunnel.describe(), reflect: mode === 'echo' }, loop: { waitMs: loopWait } },
        onStop: () => {
          toTunnel.close();
          fromTunnel.close();
        },
      });
    } catch (error) {
      registrations.delete(target.luid);
      memory.free();
      throw error;
    }
    let closing: Promise<void> | null = null;
    const registration: EmulatedRegistration = {
      device: `emulated:0x${target.luid.toString(16)}`,
      luid: target.luid,
      descriptor: rings,
      control: workers.control,
      failed: workers.failed,
      stack: {
        inject: (packet) => mode === 'queues' && toTunnel.push(packet),
        takeSent: () => {
          const out: Uint8Array[] = [];
          if (mode !== 'queues') return out;
          for (let p = fromTunnel.shift(); p !== null; p = fromTunnel.shift()) out.push(p);
          return out;
        },
        nextSent: async (timeoutMs) => {
          if (mode !== 'queues') return null;
          const end = performance.now() + timeoutMs;
          for (;;) {
            const p = fromTunnel.shift();
            if (p !== null) return p;
            const left = end - performance.now();
            if (left <= 0 || fromTunnel.closed) return null;
            await fromTunnel.waitReadable(Math.min(left, 50));
          }
        },
      },
      unregister: () => {
        Atomics.store(workers.control, DriverControl.CLOSE_SEND, 1);
        Atomics.store(workers.control, DriverControl.ABORT_RECEIVE, 1);
        // Both loops see the flags within one bounded wait (the stack queue is left open: a closed
        // source would end the producer before it ends the ring).
        writeEvent.set();
      },
      close: () => {
        closing ??= (async () => {
          try {
            await workers.close();
          } finally {
            // Unregistration as the driver ends it: Send Tail = sentinel, read event set, then the
            // rings and events are no longer referenced.
            ringPair.send.storeTail(TUN_RING_SENTINEL);
            readEvent.set();
            readEvent.close();
            writeEvent.close();
            memory.free();
            toTunnel.close();
            fromTunnel.close();
            registrations.delete(target.luid);
          }
        })();
        return closing;
      },
    };
    registrations.set(target.luid, registration);
    return registration;
  };

  return {
    registrations,
    register,
    registration: (luid) => {
      const r = registrations.get(luid);
      return r === undefined || r.stack === undefined ? undefined : r;
    },
  };
}
