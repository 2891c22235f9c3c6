/**
 * The Linux platform backend of {@link Adapter}: TUN devices (`/dev/net/tun`, IFF_TUN | IFF_NO_PI)
 * configured through rtnetlink, and sessions whose driver side moves packets straight between the
 * TUN fd and native ring memory, either inline on the event loop (`io: 'inline'`, the default:
 * libuv polls the fd, reads run in the poll callback, writes inside the session's send) or in two
 * worker threads (`io: 'workers'`).
 *
 * Design (documented in the package README and the `Adapter` TSDoc):
 * - The fd: opened by the main thread and passed to both workers by number (fds are process-wide),
 *   or used by the inline driver on the main thread. One fd, one queue: the producer polls and
 *   reads it, the consumer writes it. No
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
 * - fd ownership: each driver loop does its I/O on its own duplicate of the device fd (the inline
 *   driver: one duplicate for both roles), made on the main thread at session start while the
 *   adapter is open, and closed only after that loop ended (inline: after its libuv poll handle
 *   was stopped). No loop ever does I/O on a number it does not own, whatever the adapter's own fd does.
 * - Close order: session close -> both loops ended (bounded; a stuck worker is terminated) -> the
 *   loops' fds closed -> carrier off / fd detached -> ring memory freed (by the session, last).
 *   `close()`/`delete()` wait for a `startSession` in flight; such a start closes its session and
 *   rejects with `ERR_WINTUN_CLOSED`.
 * - One session per device in this process (a registry by device name), whatever `Adapter` object
 *   asks; `ERR_WINTUN_ALREADY_REGISTERED` for a second one.
 * - Every read from the fd has room for 0xFFFF bytes (straight into the ring when that much is
 *   free, else through a bounce buffer): the MTU may change under a running session and a packet
 *   is never truncated (delivered whole, or dropped and counted in `session.driverStats`).
 *
 * @module
 */
import { release } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WintunError, type Session, type SessionOptions } from '@wintun-ts/session';
import { DriverControl, startSessionWithDriverWorkers, startSessionWithInlineDriver } from '@wintun-ts/session/driver';
import { linuxClose, linuxFcntl, linuxLibc, linuxErrno } from '@wintun-ts/session/linux';
import type { IpPrefix } from '../net.js';
import type {
  InterfaceCounters,
  AdapterAddress,
  AdapterBackend,
  AdapterCreateOptions,
  AdapterInfo,
  AdapterOpenOptions,
  ParsedRoute,
  PlatformBackend,
  StartSessionEngine,
  StartSessionIo,
} from '../types.js';
import { RtNetlink, type LinkInfo } from './netlink.js';
import { TunDevice } from './tun-device.js';
import { createPacketSink, createPacketSource, type TunIoOptions } from '../workers/tun-io.js';
import { tunWatchReadable } from './tun-io.js';
import { DEFAULT_SESSION_IO } from '../session-options.js';

/** `TUNSETCARRIER` = `_IOW('T', 226, int)` (Linux 5.0+): turns the carrier of an attached TUN device on or off. */
export const TUNSETCARRIER = 0x400454e2;

/**
 * Bound of every wait of the driver loops, in milliseconds. The consumer is woken by the session's
 * close (an event); the producer, polling the TUN fd, sees the stop within this long, and the
 * session's close waits for it (the loops' fds are closed only after that).
 */
const DRIVER_WAIT_MS = 20;

/** Devices with a running session in this process. */
const sessionsByDevice = new Set<string>();
/** fds held for the life of an adapter (non-persistent devices this process created). */
const heldDevices = new Map<string, TunDevice>();

/** `fcntl` command: duplicate an fd with FD_CLOEXEC set. */
const F_DUPFD_CLOEXEC = 1030;

/** A close-on-exec duplicate of `fd` (same open file description: same device, same O_NONBLOCK). */
function dupFd(fd: number): number {
  return linuxFcntl(fd, F_DUPFD_CLOEXEC, 0);
}

function closeQuietly(fd: number): void {
  try {
    linuxClose(fd);
  } catch {
    // EBADF cannot happen for an fd this module owns; nothing else is actionable here.
  }
}

function tunIoUrl(): URL {
  const dir = process.env['WINTUN_TS_WORKER_DIR'];
  const candidates = [new URL('./workers/tun-io.js', import.meta.url), new URL('../../dist/workers/tun-io.js', import.meta.url)];
  if (dir !== undefined && dir !== '') candidates.unshift(pathToFileURL(join(dir, 'tun-io.js')));
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
  /** Set by close()/delete(): a start completing afterwards closes its session and rejects. */
  #closeRequested = false;
  #starting: Promise<Session> | null = null;
  #closing: Promise<void> | null = null;

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

  /**
   * Starts the device's one session. Sequencing: the fd numbers the driver loops use are
   * duplicates made here, synchronously, while this adapter is known to be open, and closed only
   * after both loops ended; `close()`/`delete()` wait for a start in flight, and a start that
   * completes after a close began closes its new session and rejects with `ERR_WINTUN_CLOSED`.
   */
  async startSession(capacity: number, sessionOptions: SessionOptions = {}, engine: StartSessionEngine = 'auto', io: StartSessionIo = DEFAULT_SESSION_IO): Promise<Session> {
    if (engine === 'dll') {
      throw new WintunError('ERR_WINTUN_UNSUPPORTED_PLATFORM', `startSession: engine 'dll' (wintun.dll's session functions) exists only on Windows; on Linux use 'rings' or 'auto'.`);
    }
    const start = this.#startSession(capacity, sessionOptions, io);
    this.#starting = start;
    try {
      return await start;
    } finally {
      if (this.#starting === start) this.#starting = null;
    }
  }

  async #startSession(capacity: number, sessionOptions: SessionOptions, io: StartSessionIo): Promise<Session> {
    if (this.#closeRequested) throw new WintunError('ERR_WINTUN_CLOSED', `Adapter ${this.name} is closed.`);
    const nl = this.#nl();
    if (sessionsByDevice.has(this.name)) {
      throw new WintunError('ERR_WINTUN_ALREADY_REGISTERED', `TUN device ${this.name} already has a session in this process; close it before starting another.`);
    }
    sessionsByDevice.add(this.name);
    let attached: TunDevice | null = null;
    let fd: number;
    const held = heldDevices.get(this.name) ?? null;
    /** The loops' own fds: closed by onClose, after the loops ended (or on a failed start). */
    const loopFds: number[] = [];
    let sessionCreated = false;
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
      const device = attached;
      const name = this.name;
      let carrierOn = false;
      // After the driver stopped (session close, or a failed start): its fds are ours to close.
      const onClose = (): void => {
        for (const loopFd of loopFds.splice(0)) closeQuietly(loopFd);
        if (device !== null) device.close();
        else if (carrierOn && held !== null && !held.closed) setCarrier(held.fd, false);
        sessionsByDevice.delete(name);
      };
      /** Carrier on, link up: the device carries traffic while the session runs. */
      const bringUp = (): void => {
        const link = nl.getLink(name);
        setCarrier(fd, true);
        carrierOn = true;
        if (!link.up) nl.setLinkUp(name, true);
      };
      const layout = { sendCapacity: capacity, receiveCapacity: capacity };
      const options: SessionOptions = { oldDriverGuard: false, ...sessionOptions };
      let session: Session;
      if (io === 'inline') {
        ({ session } = await startSessionWithInlineDriver({
          layout,
          memory: 'native',
          session: options,
          // Runs synchronously inside this call: `fd` is open here.
          driver: ({ memory, rings, control }) => {
            const base = memory.address as bigint;
            const loopFd = dupFd(fd);
            loopFds.push(loopFd);
            bringUp();
            const context = { role: 'producer' as const, control, stopped: () => Atomics.load(control, DriverControl.STOP) !== 0 };
            // The same I/O as the worker loops, on one fd of the session's own; every read has
            // room for 0xFFFF bytes (the producer's default): a packet is never truncated.
            const source = createPacketSource({ fd: loopFd, address: base + BigInt(rings.send.byteOffset), ringSize: rings.send.ringSize }, context);
            const sink = createPacketSink({ fd: loopFd, address: base + BigInt(rings.receive.byteOffset), ringSize: rings.receive.ringSize }, { ...context, role: 'consumer' });
            return { source, sink, watch: (onReady) => tunWatchReadable(loopFd, onReady) };
          },
          onClose,
        }));
      } else {
        ({ session } = await startSessionWithDriverWorkers({
          layout,
          memory: 'native',
          session: options,
          // Runs synchronously inside this call, before its first await: `fd` is open here.
          workers: ({ memory, rings }) => {
            const base = memory.address as bigint;
            loopFds.push(dupFd(fd));
            loopFds.push(dupFd(fd));
            bringUp();
            const ioUrl = tunIoUrl();
            const sourceOptions: TunIoOptions = { fd: loopFds[0]!, address: base + BigInt(rings.send.byteOffset), ringSize: rings.send.ringSize };
            const sinkOptions: TunIoOptions = { fd: loopFds[1]!, address: base + BigInt(rings.receive.byteOffset), ringSize: rings.receive.ringSize };
            // Every read has room for 0xFFFF bytes (the loop's default): a packet is never
            // truncated, whatever the MTU is now or becomes while the session runs.
            return {
              producer: { io: ioUrl, ioOptions: sourceOptions, loop: { waitMs: DRIVER_WAIT_MS } },
              consumer: { io: ioUrl, ioOptions: sinkOptions, loop: { waitMs: DRIVER_WAIT_MS } },
            };
          },
          onClose,
        }));
      }
      sessionCreated = true;
      if (this.#closeRequested) {
        await session.close();
        throw new WintunError('ERR_WINTUN_CLOSED', `Adapter ${this.name} was closed while its session was starting; the new session was closed.`);
      }
      this.#session = session;
      void session.closed.then(() => {
        if (this.#session === session) this.#session = null;
      });
      return session;
    } catch (error) {
      for (const loopFd of loopFds.splice(0)) closeQuietly(loopFd);
      // Once the session exists, its close (onClose) released everything.
      if (!sessionCreated) {
        sessionsByDevice.delete(this.name);
        attached?.close();
        if (held !== null && !held.closed) setCarrier(held.fd, false);
      }
      throw error;
    }
  }

  /** Waits for a start in flight (its outcome does not matter here). */
  async #settleStart(): Promise<void> {
    this.#closeRequested = true;
    while (this.#starting !== null) await this.#starting.catch(() => undefined);
  }

  async close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#settleStart();
      await this.#session?.close();
      this.#closed = true;
      this.#netlink?.close();
      this.#netlink = null;
      if (this.#held !== null) {
        if (heldDevices.get(this.name) === this.#held) heldDevices.delete(this.name);
        this.#held.close();
        this.#held = null;
      }
    })();
    return this.#closing;
  }

  async delete(): Promise<void> {
    await this.#settleStart();
    await this.#session?.close();
    if (this.#held !== null && !this.#held.closed) {
      this.#held.delete();
      // Another fd (a session of another Adapter object on this device) may keep it alive.
      withNetlink((nl) => {
        if (nl.findLink(this.name) !== undefined) nl.deleteLink(this.name);
      });
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

  /** `/sys/class/net/<name>/statistics` (tx = out of the system through the device). */
  async interfaceCounters(name: string): Promise<InterfaceCounters> {
    const dir = `/sys/class/net/${name}/statistics`;
    if (!existsSync(dir)) {
      throw new WintunError('ERR_WINTUN_ADAPTER_NOT_FOUND', `There is no interface ${name} in this network namespace; 'wintun-ts list' shows the adapters.`);
    }
    const read = (file: string): number => Number(readFileSync(`${dir}/${file}`, 'utf8').trim());
    return {
      name,
      source: 'sysfs',
      txPackets: read('tx_packets'),
      txBytes: read('tx_bytes'),
      txDropped: read('tx_dropped'),
      txErrors: read('tx_errors'),
      rxPackets: read('rx_packets'),
      rxBytes: read('rx_bytes'),
      rxDropped: read('rx_dropped'),
      rxErrors: read('rx_errors'),
    };
  },

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
