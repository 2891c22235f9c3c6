/**
 * The Linux platform backend of {@link Adapter}: TUN devices (`/dev/net/tun`, IFF_TUN | IFF_NO_PI)
 * configured through rtnetlink, and sessions whose driver side runs in two worker threads that move
 * packets straight between the TUN fd and native ring memory.
 *
 * Design (documented in the package README and the `Adapter` TSDoc):
 * - The fd: opened by the main thread and passed to both workers by number (fds are process-wide).
 *   One fd, one queue: the producer worker polls and reads it, the consumer worker writes it. No
 *   IFF_MULTI_QUEUE, so another process cannot attach to a device while a session runs here.
 * - A non-persistent adapter keeps its fd for its whole life (closing the last fd deletes the
 *   device). A persistent adapter (`persistent: true`, or one attached with `Adapter.open`) holds no
 *   fd: its session attaches on start and detaches on close, so another process can attach when no
 *   session runs; attaching while another process is attached fails (EBUSY), reported as
 *   `ERR_WINTUN_ALREADY_REGISTERED`.
 * - Media state mirrors Wintun (spec 2.3 step 8: media connected only while rings are registered):
 *   the carrier is on only while a session runs (TUNSETCARRIER, or the attach itself), and starting
 *   a session brings the link administratively up if it was down. Closing the session turns the
 *   carrier off (operstate DOWN, the kernel stops transmitting to the device) and leaves the
 *   administrative state, the addresses and the routes as they are.
 * - Close order: session close -> both workers stopped (bounded) -> carrier off / fd detached ->
 *   ring memory freed (by the session, last).
 * - One session per device in this process (a registry by device name), whatever `Adapter` object
 *   asks; `ERR_WINTUN_ALREADY_REGISTERED` for a second one.
 * - Each read from the fd reserves a record of the link MTU at session start (at least 1280 bytes):
 *   set the MTU before starting the session; a later, larger MTU truncates longer packets until the
 *   next session.
 *
 * @module
 */
import { release } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WintunError, type Session } from '@wintun-ts/session';
import { DriverControl, startSessionWithDriverWorkers } from '@wintun-ts/session/driver';
import { linuxLibc, linuxErrno } from '@wintun-ts/session/linux';
import type { IpPrefix } from '../net.js';
import type {
  AdapterAddress,
  AdapterBackend,
  AdapterCreateOptions,
  AdapterInfo,
  AdapterOpenOptions,
  ParsedRoute,
  PlatformBackend,
} from '../types.js';
import { RtNetlink, type LinkInfo } from './netlink.js';
import { TunDevice } from './tun-device.js';
import { TunIoCounter, type TunIoOptions } from '../workers/tun-io.js';

/** `TUNSETCARRIER` = `_IOW('T', 226, int)` (Linux 5.0+): turns the carrier of an attached TUN device on or off. */
export const TUNSETCARRIER = 0x400454e2;

/** Bound of every wait of the driver workers, in milliseconds (a stop is seen within about this long). */
const DRIVER_WAIT_MS = 50;

/**
 * Counters of the driver side of a Linux session (the worker threads playing the Wintun driver),
 * read live from shared memory.
 */
export interface DriverStats {
  /** Packets read from the TUN fd into the Send ring. */
  readonly produced: number;
  /** Packets read from the TUN fd and dropped because the Send ring was full (spec 3.1 step 3.4). */
  readonly producerDrops: number;
  /** Packets taken from the Receive ring and written to the TUN fd. */
  readonly consumed: number;
  /** Records from the Receive ring discarded as not IPv4/IPv6 (size 0, short headers, other versions; spec 3.2 step 4). Never written to the kernel. */
  readonly discarded: number;
  /** Packets the kernel refused on write (link down, no buffer space). */
  readonly kernelDrops: number;
  /** True once the device disappeared under the session (the session then ends). */
  readonly deviceGone: boolean;
}

const driverStats = new WeakMap<Session, DriverStats>();

/**
 * The driver-side counters of a session started by a Linux adapter, or `null` for any other
 * session (Windows, where the kernel driver keeps its own counters, or the test driver).
 */
export function getDriverStats(session: Session): DriverStats | null {
  return driverStats.get(session) ?? null;
}

function statsView(control: Int32Array, counters: Int32Array): DriverStats {
  const get = (slot: number): number => Atomics.load(control, slot);
  return {
    get produced() {
      return get(DriverControl.PRODUCED);
    },
    get producerDrops() {
      return get(DriverControl.PRODUCER_DROPS);
    },
    get consumed() {
      return get(DriverControl.CONSUMED);
    },
    get discarded() {
      return get(DriverControl.DISCARDS);
    },
    get kernelDrops() {
      return Atomics.load(counters, TunIoCounter.KERNEL_DROPS);
    },
    get deviceGone() {
      return Atomics.load(counters, TunIoCounter.DEVICE_GONE) !== 0;
    },
  };
}

/** Devices with a running session in this process. */
const sessionsByDevice = new Set<string>();
/** fds held for the life of an adapter (non-persistent devices this process created). */
const heldDevices = new Map<string, TunDevice>();

function tunIoUrl(): URL {
  const candidates = [new URL('./workers/tun-io.js', import.meta.url), new URL('../../dist/workers/tun-io.js', import.meta.url)];
  for (const url of candidates) if (existsSync(fileURLToPath(url))) return url;
  throw new WintunError(
    'ERR_WINTUN_WORKER_FAILED',
    `The worker I/O module workers/tun-io.js of @wintun-ts/adapter was not found next to ${import.meta.url}; build the package (npx tsup).`,
  );
}

function setCarrier(fd: number, on: boolean): void {
  // Best effort: kernels before 5.0 lack TUNSETCARRIER; the carrier then follows the fd attachment.
  // The argument is a pointer to an int (copy_from_user in tun_chr_ioctl).
  const value = new Uint8Array(4);
  new DataView(value.buffer).setInt32(0, on ? 1 : 0, true);
  if (linuxLibc().ioctlPtr(fd, TUNSETCARRIER, value) < 0) linuxErrno();
}

function isTun(link: LinkInfo): boolean {
  return link.kind === 'tun' && link.tun?.tap !== true;
}

function toInfo(link: LinkInfo): AdapterInfo {
  return { name: link.name, index: link.index, luid: null, guid: null, mtu: link.mtu, up: link.up };
}

function withNetlink<T>(fn: (nl: RtNetlink) => T): T {
  const nl = RtNetlink.open();
  try {
    return fn(nl);
  } finally {
    nl.close();
  }
}

function cidrOf(prefix: IpPrefix): string {
  return `${prefix.address}/${prefix.prefixLength}`;
}

/**
 * One Linux TUN adapter. Configuration goes through a netlink socket of the namespace the adapter
 * was created or opened in; the session's driver runs in two workers. Main thread only.
 */
class LinuxAdapterBackend implements AdapterBackend {
  readonly name: string;
  readonly index: number;
  readonly luid = null;
  readonly guid = null;
  /** The fd this adapter holds for its whole life (non-persistent devices it created), else null. */
  #held: TunDevice | null;
  #netlink: RtNetlink | null = null;
  #session: Session | null = null;
  #closed = false;

  constructor(name: string, index: number, held: TunDevice | null) {
    this.name = name;
    this.index = index;
    this.#held = held;
    if (held !== null) heldDevices.set(name, held);
  }

  #nl(): RtNetlink {
    if (this.#closed) throw new WintunError('ERR_WINTUN_CLOSED', `Adapter ${this.name} is closed.`);
    this.#netlink ??= RtNetlink.open();
    return this.#netlink;
  }

  async addresses(): Promise<AdapterAddress[]> {
    return this.#nl()
      .listAddresses(this.name)
      .map((a) => ({ family: a.family, address: a.address, prefixLength: a.prefixLength }));
  }

  async addAddress(prefix: IpPrefix): Promise<void> {
    this.#nl().addAddress(this.name, cidrOf(prefix));
  }

  async removeAddress(prefix: IpPrefix): Promise<void> {
    this.#nl().removeAddress(this.name, cidrOf(prefix));
  }

  async getMtu(): Promise<number> {
    return this.#nl().getMtu(this.name);
  }

  async setMtu(mtu: number): Promise<void> {
    this.#nl().setMtu(this.name, mtu);
  }

  async setUp(up: boolean): Promise<void> {
    this.#nl().setLinkUp(this.name, up);
  }

  async isUp(): Promise<boolean> {
    return this.#nl().getLink(this.name).up;
  }

  async addRoute(route: ParsedRoute): Promise<void> {
    this.#nl().addRoute({
      destination: cidrOf(route.destination),
      link: this.name,
      gateway: route.gateway?.address,
      metric: route.metric ?? undefined,
    });
  }

  async removeRoute(route: ParsedRoute): Promise<void> {
    this.#nl().removeRoute({
      destination: cidrOf(route.destination),
      link: this.name,
      gateway: route.gateway?.address,
      metric: route.metric ?? undefined,
    });
  }

  async setDns(): Promise<void> {
    throw new WintunError(
      'ERR_WINTUN_UNSUPPORTED_PLATFORM',
      `On Linux, DNS servers belong to the resolver, not to the interface: with systemd-resolved run \`resolvectl dns ${this.name} <server...>\` and \`resolvectl domain ${this.name} <domain...>\`, otherwise edit /etc/resolv.conf.`,
    );
  }

  async startSession(capacity: number): Promise<Session> {
    const nl = this.#nl();
    if (sessionsByDevice.has(this.name)) {
      throw new WintunError('ERR_WINTUN_ALREADY_REGISTERED', `TUN device ${this.name} already has a session in this process; close it before starting another.`);
    }
    sessionsByDevice.add(this.name);
    let attached: TunDevice | null = null;
    let fd: number;
    const held = heldDevices.get(this.name) ?? null;
    try {
      if (held !== null && !held.closed) {
        fd = held.fd;
      } else {
        try {
          attached = TunDevice.open({ name: this.name, mode: 'open' });
        } catch (error) {
          if (error instanceof WintunError && error.code === 'ERR_WINTUN_NAME_TAKEN') {
            throw new WintunError(
              'ERR_WINTUN_ALREADY_REGISTERED',
              `TUN device ${this.name} is attached by another process (it has a session there); close that first.`,
              { cause: error, ...(error.errno === undefined ? {} : { errno: error.errno }) },
            );
          }
          throw error;
        }
        fd = attached.fd;
      }
      const counters = new SharedArrayBuffer(TunIoCounter.SIZE * 4);
      const device = attached;
      const name = this.name;
      const { session, workers } = await startSessionWithDriverWorkers({
        layout: { sendCapacity: capacity, receiveCapacity: capacity },
        memory: 'native',
        workers: ({ memory, rings }) => {
          const base = memory.address as bigint;
          const link = nl.getLink(name);
          // Each read reserves room for the largest packet the device can carry now.
          const maxPacketSize = Math.min(0xffff, Math.max(link.mtu, 1280));
          setCarrier(fd, true);
          if (!link.up) nl.setLinkUp(name, true);
          const io = tunIoUrl();
          const sourceOptions: TunIoOptions = { fd, address: base + BigInt(rings.send.byteOffset), ringSize: rings.send.ringSize, counters };
          const sinkOptions: TunIoOptions = { fd, address: base + BigInt(rings.receive.byteOffset), ringSize: rings.receive.ringSize, counters };
          return {
            producer: { io, ioOptions: sourceOptions, loop: { waitMs: DRIVER_WAIT_MS, maxPacketSize } },
            consumer: { io, ioOptions: sinkOptions, loop: { waitMs: DRIVER_WAIT_MS } },
          };
        },
        onClose: () => {
          if (device !== null) device.close();
          else if (held !== null && !held.closed) setCarrier(held.fd, false);
          sessionsByDevice.delete(name);
        },
      });
      driverStats.set(session, statsView(workers.control, new Int32Array(counters)));
      this.#session = session;
      void session.closed.then(() => {
        if (this.#session === session) this.#session = null;
      });
      return session;
    } catch (error) {
      sessionsByDevice.delete(this.name);
      attached?.close();
      if (held !== null && !held.closed) setCarrier(held.fd, false);
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#session?.close();
    this.#closed = true;
    this.#netlink?.close();
    this.#netlink = null;
    if (this.#held !== null) {
      if (heldDevices.get(this.name) === this.#held) heldDevices.delete(this.name);
      this.#held.close();
      this.#held = null;
    }
  }

  async delete(): Promise<void> {
    await this.#session?.close();
    if (this.#held !== null && !this.#held.closed) {
      this.#held.delete();
    } else if (!this.#closed) {
      const nl = this.#nl();
      if (nl.findLink(this.name) !== undefined) nl.deleteLink(this.name);
    } else {
      withNetlink((nl) => {
        if (nl.findLink(this.name) !== undefined) nl.deleteLink(this.name);
      });
    }
    await this.close();
  }
}

/**
 * The Linux {@link PlatformBackend}: TUN devices in the calling thread's network namespace.
 *
 * - `create`: a new TUN device (IFF_TUN | IFF_NO_PI | IFF_TUN_EXCL); `persistent: true` makes it
 *   survive the process (TUNSETPERSIST) and releases its fd until a session attaches.
 * - `open(name)`: an existing TUN device, without owning it (`ERR_WINTUN_ADAPTER_NOT_FOUND` when
 *   there is none by that name, or the interface is not a TUN device).
 * - `list()`: every TUN device (not TAP) with index, MTU and administrative state.
 * - `driverVersion()`: the kernel release (`os.release()`), since the TUN driver is part of it.
 *
 * Errors: `ERR_WINTUN_ACCESS_DENIED` without CAP_NET_ADMIN (the message says how to run),
 * `ERR_WINTUN_NAME_TAKEN`, `ERR_WINTUN_UNSUPPORTED_PLATFORM` without `/dev/net/tun`.
 */
export const linuxPlatform: PlatformBackend = {
  platform: 'linux',

  async create(options: AdapterCreateOptions): Promise<AdapterBackend> {
    const persistent = options.persistent === true;
    const device = TunDevice.open({ name: options.name, mode: 'create', persist: persistent });
    try {
      // Media disconnected until a session registers (Wintun's behaviour).
      setCarrier(device.fd, false);
    } catch (error) {
      device.delete();
      throw error;
    }
    if (persistent) {
      const { name, index } = device;
      device.close();
      return new LinuxAdapterBackend(name, index, null);
    }
    return new LinuxAdapterBackend(device.name, device.index, device);
  },

  async open(name: string, _options: AdapterOpenOptions): Promise<AdapterBackend> {
    const link = withNetlink((nl) => nl.findLink(name));
    if (link === undefined) {
      throw new WintunError('ERR_WINTUN_ADAPTER_NOT_FOUND', `No TUN device named "${name}" exists in this network namespace; create it first (Adapter.create with persistent: true).`);
    }
    if (!isTun(link)) {
      throw new WintunError('ERR_WINTUN_ADAPTER_NOT_FOUND', `The interface "${name}" is not a TUN device (kind ${link.kind ?? 'unknown'}).`);
    }
    return new LinuxAdapterBackend(link.name, link.index, null);
  },

  async list(_options: AdapterOpenOptions): Promise<AdapterInfo[]> {
    return withNetlink((nl) => nl.listLinks().filter(isTun).map(toInfo));
  },

  async driverVersion(_options: AdapterOpenOptions): Promise<string> {
    return release();
  },
};
