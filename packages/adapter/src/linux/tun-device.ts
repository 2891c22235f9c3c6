/**
 * A Linux TUN device: `/dev/net/tun` attached with TUNSETIFF (IFF_TUN | IFF_NO_PI), so the fd
 * carries bare IPv4/IPv6 packets.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/session';
import {
  IFF_MULTI_QUEUE,
  IFF_NO_PI,
  IFF_PERSIST,
  IFF_TUN,
  IFF_TUN_EXCL,
  IFNAMSIZ,
  LINUX_ERRNO,
  LINUX_O_CLOEXEC,
  LINUX_O_NONBLOCK,
  LINUX_O_RDWR,
  TUNGETIFF,
  TUNSETIFF,
  TUNSETPERSIST,
  decodeIfreqFlags,
  decodeIfreqName,
  encodeIfreq,
  linuxClose,
  linuxErrno,
  linuxErrnoError,
  linuxIfNameToIndex,
  linuxLibc,
  linuxOpen,
} from '@wintun-ts/session/linux';

/** Path of the TUN clone device. */
export const TUN_CLONE_DEVICE = '/dev/net/tun';

/**
 * How to run a program that needs CAP_NET_ADMIN, for error messages: as root, or with the
 * capability granted to the node binary.
 */
export const LINUX_CAP_NET_ADMIN_HINT =
  'Run as root (sudo), or grant the capability to node: sudo setcap cap_net_admin+ep $(readlink -f $(which node))';

/** What {@link TunDevice.open} does about an existing device with the requested name. */
export type TunOpenMode =
  /** Create a new device; an existing interface with that name gives `ERR_WINTUN_NAME_TAKEN`. */
  | 'create'
  /** Attach to an existing persistent TUN device; none gives `ERR_WINTUN_ADAPTER_NOT_FOUND`. */
  | 'open'
  /** Attach to the device if it exists (and is a free TUN device), else create it. */
  | 'openOrCreate';

/** Options of {@link TunDevice.open}. */
export interface TunDeviceOptions {
  /** Interface name, 1-15 bytes without `/`, `:`, whitespace or NUL. Omitted: the kernel picks `tunN`. */
  readonly name?: string | undefined;
  /** Default `'openOrCreate'`. */
  readonly mode?: TunOpenMode | undefined;
  /**
   * `true`: make the device persistent (it survives `close()`, reopen it by name, remove it with
   * {@link TunDevice.delete} or `RtNetlink.deleteLink`). `false`: make it non-persistent (removed
   * when the last fd closes). Omitted: leave it as it is (new devices are not persistent).
   */
  readonly persist?: boolean | undefined;
  /** Open a multi-queue device (`IFF_MULTI_QUEUE`); each further fd adds a queue. Default false. */
  readonly multiQueue?: boolean | undefined;
}

const encoder = new TextEncoder();

/**
 * Validates a Linux interface name: 1-15 bytes (UTF-8), no `/`, `:`, whitespace or NUL, not `.`
 * or `..` (the kernel's `dev_valid_name` rules).
 *
 * @throws WintunError `ERR_WINTUN_NAME_INVALID` saying what is wrong.
 */
export function validateLinuxInterfaceName(name: string): void {
  const bad = (why: string): WintunError =>
    new WintunError('ERR_WINTUN_NAME_INVALID', `Invalid Linux interface name ${JSON.stringify(name)}: ${why}. Use 1-15 bytes without "/", ":", whitespace or NUL.`);
  if (typeof name !== 'string') throw bad('not a string');
  if (name.length === 0) throw bad('empty');
  const length = encoder.encode(name).length;
  if (length > IFNAMSIZ - 1) throw bad(`${length} bytes, more than ${IFNAMSIZ - 1}`);
  if (name === '.' || name === '..') throw bad('"." and ".." are reserved');
  if (/[/:\s\0]/u.test(name)) throw bad('contains "/", ":", whitespace or NUL');
}

/**
 * An open TUN device: one fd of `/dev/net/tun` attached to a layer-3 interface without packet
 * information headers. The fd is `O_NONBLOCK | O_CLOEXEC`; move packets with `tunRead`/`tunWrite`
 * (bounded waits, usable from Worker threads: pass them {@link TunDevice.fd}).
 *
 * Lifetime: a non-persistent device exists while its fd is open and disappears on `close()`; a
 * persistent one stays until {@link TunDevice.delete} (or `RtNetlink.deleteLink`). Not
 * thread-safe: one owner calls `close()`; other threads only use the fd, and must stop doing so
 * before `close()` (a closed fd number can be reused by the process).
 *
 * Network namespaces: the device is created in the network namespace of the calling thread, and
 * stays usable through the fd even after `ip link set DEV netns NS` moves it.
 */
export class TunDevice implements Disposable {
  readonly #name: string;
  readonly #index: number;
  readonly #multiQueue: boolean;
  #fd: number;
  #persistent: boolean;

  private constructor(fd: number, name: string, index: number, persistent: boolean, multiQueue: boolean) {
    this.#fd = fd;
    this.#name = name;
    this.#index = index;
    this.#persistent = persistent;
    this.#multiQueue = multiQueue;
  }

  /**
   * Opens `/dev/net/tun` (O_RDWR | O_CLOEXEC | O_NONBLOCK) and attaches it with TUNSETIFF
   * (IFF_TUN | IFF_NO_PI).
   *
   * @throws WintunError
   * - `ERR_WINTUN_NAME_INVALID`: the name breaks the Linux rules;
   * - `ERR_WINTUN_NAME_TAKEN`: a non-TUN interface has the name, the TUN device is attached to
   *   another fd (or its flags differ), or `mode: 'create'` found it existing;
   * - `ERR_WINTUN_ADAPTER_NOT_FOUND`: `mode: 'open'` and no persistent TUN device has the name;
   * - `ERR_WINTUN_ACCESS_DENIED`: no CAP_NET_ADMIN (the message says how to run);
   * - `ERR_WINTUN_UNSUPPORTED_PLATFORM`: no `/dev/net/tun` (tun module missing) or not Linux;
   * - `ERR_WINTUN_OS`: any other errno (on the error).
   */
  static open(options: TunDeviceOptions = {}): TunDevice {
    const name = options.name ?? '';
    if (options.name !== undefined) validateLinuxInterfaceName(options.name);
    const mode = options.mode ?? 'openOrCreate';
    if (mode !== 'create' && mode !== 'open' && mode !== 'openOrCreate') {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `TunDevice.open: mode must be 'create', 'open' or 'openOrCreate', got ${String(mode)}.`);
    }
    if (mode === 'open' && name === '') {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', "TunDevice.open: mode 'open' needs a name.");
    }
    const multiQueue = options.multiQueue === true;
    if (mode === 'open' && linuxIfNameToIndex(name) === 0) {
      throw new WintunError('ERR_WINTUN_ADAPTER_NOT_FOUND', `No network interface named "${name}" exists in this network namespace; create it first.`);
    }

    let fd: number;
    try {
      fd = linuxOpen(TUN_CLONE_DEVICE, LINUX_O_RDWR | LINUX_O_CLOEXEC | LINUX_O_NONBLOCK);
    } catch (error) {
      throw openError(error);
    }
    try {
      const flags = IFF_TUN | IFF_NO_PI | (multiQueue ? IFF_MULTI_QUEUE : 0) | (mode === 'create' ? IFF_TUN_EXCL : 0);
      const ifreq = encodeIfreq(name, flags);
      if (linuxLibc().ioctlPtr(fd, TUNSETIFF, ifreq) < 0) throw tunsetiffError(name, linuxErrno(), mode);
      linuxLibc().ioctlPtr(fd, TUNGETIFF, ifreq);
      const actualName = decodeIfreqName(ifreq);
      let persistent = (decodeIfreqFlags(ifreq) & IFF_PERSIST) !== 0;
      if (mode === 'open' && !persistent) {
        // The device vanished between the existence check and TUNSETIFF, and we created a new one.
        throw new WintunError('ERR_WINTUN_ADAPTER_NOT_FOUND', `The TUN device "${name}" disappeared while it was being opened.`);
      }
      if (options.persist !== undefined && options.persist !== persistent) {
        setPersist(fd, actualName, options.persist);
        persistent = options.persist;
      }
      return new TunDevice(fd, actualName, linuxIfNameToIndex(actualName), persistent, multiQueue);
    } catch (error) {
      linuxClose(fd);
      throw error;
    }
  }

  /** The fd (O_NONBLOCK), or -1 after `close()`. Pass it to `tunRead`/`tunWrite`, in any thread. */
  get fd(): number {
    return this.#fd;
  }

  /** The interface name (as the kernel assigned it when none was requested). */
  get name(): string {
    return this.#name;
  }

  /** The interface index at open time, in the namespace where the device was opened. */
  get index(): number {
    return this.#index;
  }

  /** True when the device survives `close()`. */
  get persistent(): boolean {
    return this.#persistent;
  }

  /** True when the device was opened with `IFF_MULTI_QUEUE`. */
  get multiQueue(): boolean {
    return this.#multiQueue;
  }

  /** True after `close()` or `delete()`. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /**
   * Makes the device persistent (`true`) or not (`false`, it then disappears on `close()`).
   *
   * @throws WintunError `ERR_WINTUN_CLOSED` after close; errno-based codes from TUNSETPERSIST.
   */
  setPersist(persist: boolean): void {
    setPersist(this.#open(), this.#name, persist);
    this.#persistent = persist;
  }

  /**
   * Removes the device: clears persistence and closes the fd, so the kernel deletes the interface
   * (when no other fd holds a queue of it). Idempotent.
   *
   * @throws WintunError errno-based codes from TUNSETPERSIST.
   */
  delete(): void {
    if (this.#fd < 0) return;
    if (this.#persistent) this.setPersist(false);
    this.close();
  }

  /**
   * Closes the fd. Idempotent. A non-persistent device disappears; a persistent one stays for a
   * later `TunDevice.open({ name, mode: 'open' })`.
   */
  close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    linuxClose(fd);
  }

  /** Same as {@link TunDevice.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  #open(): number {
    if (this.#fd < 0) throw new WintunError('ERR_WINTUN_CLOSED', `The TUN device "${this.#name}" was closed.`);
    return this.#fd;
  }
}

function setPersist(fd: number, name: string, persist: boolean): void {
  if (linuxLibc().ioctlInt(fd, TUNSETPERSIST, persist ? 1 : 0) < 0) {
    const errno = linuxErrno();
    if (errno === LINUX_ERRNO.EPERM || errno === LINUX_ERRNO.EACCES) throw accessDenied(`TUNSETPERSIST on "${name}"`, errno);
    throw linuxErrnoError('ioctl(TUNSETPERSIST)', errno, `Making "${name}" ${persist ? '' : 'non-'}persistent`);
  }
}

function accessDenied(what: string, errno: number): WintunError {
  return new WintunError(
    'ERR_WINTUN_ACCESS_DENIED',
    `${what} needs CAP_NET_ADMIN, which this process lacks (or the device belongs to another user). ${LINUX_CAP_NET_ADMIN_HINT}`,
    { errno, syscall: 'ioctl(TUNSETIFF)' },
  );
}

function openError(error: unknown): unknown {
  if (!(error instanceof WintunError) || error.errno === undefined) return error;
  const errno = error.errno;
  if (errno === LINUX_ERRNO.ENOENT || errno === LINUX_ERRNO.ENODEV || errno === LINUX_ERRNO.ENXIO) {
    return new WintunError(
      'ERR_WINTUN_UNSUPPORTED_PLATFORM',
      `${TUN_CLONE_DEVICE} is missing or has no driver (errno ${errno}): load the tun module (modprobe tun), or in a container pass --device /dev/net/tun.`,
      { errno, syscall: `open(${TUN_CLONE_DEVICE})`, cause: error },
    );
  }
  if (errno === LINUX_ERRNO.EPERM || errno === LINUX_ERRNO.EACCES) {
    return new WintunError('ERR_WINTUN_ACCESS_DENIED', `${TUN_CLONE_DEVICE} cannot be opened (errno ${errno}). ${LINUX_CAP_NET_ADMIN_HINT}`, {
      errno,
      syscall: `open(${TUN_CLONE_DEVICE})`,
      cause: error,
    });
  }
  return error;
}

function tunsetiffError(name: string, errno: number, mode: TunOpenMode): WintunError {
  const label = name === '' ? 'a new TUN device' : `TUN device "${name}"`;
  const syscall = 'ioctl(TUNSETIFF)';
  switch (errno) {
    case LINUX_ERRNO.EPERM:
    case LINUX_ERRNO.EACCES:
      return accessDenied(`Creating or attaching ${label}`, errno);
    case LINUX_ERRNO.EBUSY:
      return new WintunError(
        'ERR_WINTUN_NAME_TAKEN',
        mode === 'create'
          ? `An interface named "${name}" already exists (a TUN device, or an interface of another kind such as a veth); mode 'create' makes only new devices. Pick another name, or open an existing TUN device with mode 'open'.`
          : `${label} exists and is attached to another fd or process. Pick another name or close the other user.`,
        { errno, syscall },
      );
    case LINUX_ERRNO.EINVAL:
      if (name !== '' && linuxIfNameToIndex(name) !== 0) {
        return new WintunError(
          'ERR_WINTUN_NAME_TAKEN',
          `An interface named "${name}" exists but is not a TUN device this call can attach to (another kind of interface, a TAP device, or different queue flags). Pick another name.`,
          { errno, syscall },
        );
      }
      return linuxErrnoError(syscall, errno, `Attaching ${label}`);
    default:
      return linuxErrnoError(syscall, errno, `Attaching ${label}`);
  }
}
