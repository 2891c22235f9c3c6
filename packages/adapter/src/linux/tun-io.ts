/**
 * Packet I/O on a TUN fd with bounded waits, for the driver worker threads (which move packets
 * straight between the fd and native ring memory) and for tests. Every call returns within its
 * timeout: nothing here can cause the exit hang of a blocking native read.
 *
 * Cost per call (measured on the project's 2-core VM, see the test output of
 * `test/linux/tun-io.test.ts`): one `read` through koffi when a packet is waiting; `read` +
 * `poll` + `read` when it has to wait.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/session';
import {
  LINUX_ERRNO,
  LINUX_POLLERR,
  LINUX_POLLHUP,
  LINUX_POLLIN,
  LINUX_POLLNVAL,
  linuxErrnoError,
  linuxLibc,
  linuxPoll,
  linuxRead,
  linuxWrite,
  loadKoffi,
} from '@wintun-ts/session/linux';

/**
 * Binds this thread's libc functions (and koffi under them) now rather than at the first read or write. A driver
 * worker calls it while it sets up, before it reports ready: binding runs JavaScript inside koffi,
 * and a worker that Node terminates at process exit (an `unref`'d session) must not be caught
 * there, where koffi cannot throw and Node aborts the process (`FATAL ERROR:
 * Error::ThrowAsJavaScriptException napi_throw`). Idempotent; cheap after the first call.
 *
 * @throws WintunError `ERR_WINTUN_FFI_UNAVAILABLE` when koffi or libc cannot be loaded.
 */
export function bindTunIo(): void {
  linuxLibc();
}

/** `tunRead` result: nothing arrived within the timeout. */
export const TUN_READ_TIMEOUT = 0;
/** `tunRead` result: the device is gone (deleted, or the fd was detached or closed). */
export const TUN_READ_GONE = -1;

/** The largest IP packet: size a read buffer with at least this many bytes to never truncate. */
export const TUN_MAX_PACKET = 0xffff;

function readOnce(fd: number, target: bigint | Uint8Array, maxLength: number): number {
  const n = linuxRead(fd, target, maxLength);
  if (n >= 0) return n;
  const errno = -n;
  if (errno === LINUX_ERRNO.EAGAIN || errno === LINUX_ERRNO.EINTR) return -2;
  if (errno === LINUX_ERRNO.EBADFD || errno === LINUX_ERRNO.EBADF || errno === LINUX_ERRNO.EIO || errno === LINUX_ERRNO.ENXIO || errno === LINUX_ERRNO.ENODEV) {
    return TUN_READ_GONE;
  }
  throw linuxErrnoError('read', errno, `Reading a packet from TUN fd ${fd}`);
}

function read(fd: number, target: bigint | Uint8Array, maxLength: number, timeoutMs: number, pollFirst = false): number {
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `tunRead: timeoutMs must be a non-negative integer (waits are bounded), got ${timeoutMs}.`);
  }
  let n: number;
  if (!pollFirst || timeoutMs === 0) {
    // Try first: under load a packet is waiting and one syscall suffices.
    n = readOnce(fd, target, maxLength);
    if (n !== -2) return n;
    if (timeoutMs === 0) return TUN_READ_TIMEOUT;
  }
  const revents = linuxPoll(fd, LINUX_POLLIN, timeoutMs);
  if (revents === 0) return TUN_READ_TIMEOUT;
  if (revents < 0) {
    if (-revents === LINUX_ERRNO.EBADF) return TUN_READ_GONE;
    throw linuxErrnoError('poll', -revents, `Waiting for a packet on TUN fd ${fd}`);
  }
  if ((revents & LINUX_POLLIN) === 0 && (revents & (LINUX_POLLERR | LINUX_POLLHUP | LINUX_POLLNVAL)) !== 0) return TUN_READ_GONE;
  n = readOnce(fd, target, maxLength);
  return n === -2 ? TUN_READ_TIMEOUT : n;
}

/**
 * Reads one packet from a TUN fd straight into native memory (e.g. ring memory at
 * `ringAddress + offset`), waiting at most `timeoutMs`.
 *
 * A packet longer than `maxLength` is truncated by the kernel (the rest is lost): pass at least
 * the MTU, or {@link TUN_MAX_PACKET}. Safe to call from a Worker thread (binds its own libc).
 *
 * @param fd - an O_NONBLOCK TUN fd ({@link TunDevice.fd}).
 * @param address - where the packet goes; `maxLength` bytes there must be writable.
 * @param maxLength - capacity at `address`.
 * @param timeoutMs - longest wait; 0 = do not wait.
 * @returns the packet size (> 0), {@link TUN_READ_TIMEOUT} (0) when nothing arrived in time, or
 *   {@link TUN_READ_GONE} (-1) when the device is gone.
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a NULL address or bad length/timeout;
 *   errno-based codes for unexpected read or poll errors (e.g. EFAULT).
 */
export function tunRead(fd: number, address: bigint, maxLength: number, timeoutMs: number): number {
  return read(fd, address, maxLength, timeoutMs);
}

/**
 * {@link tunRead} for a caller that just saw the fd empty (its last read returned EAGAIN): waits
 * first (poll, bounded by `timeoutMs`) and reads once it is readable, saving the read that would
 * fail again. `timeoutMs` 0 reads at once. Internal to the driver workers (not re-exported).
 *
 * @returns as {@link tunRead}.
 * @throws WintunError as {@link tunRead}.
 */
export function tunReadAfterEmpty(fd: number, target: bigint | Uint8Array, maxLength: number, timeoutMs: number): number {
  return read(fd, target, maxLength, timeoutMs, true);
}

/**
 * The next read of a batch, right after a read that returned a packet, without waiting: straight
 * into native memory, and when nothing is there (the batch's usual end) it returns
 * {@link TUN_READ_TIMEOUT} without asking koffi for `errno`, an FFI call of its own that every
 * batch paid once. Any failure reads as "nothing now"; a failure other than EAGAIN shows again on
 * the caller's next read, which is a full {@link tunRead} or {@link tunReadAfterEmpty} (a poll
 * error or the read's errno tells device loss apart). The address must be valid for `maxLength`
 * bytes (the caller's ring). Internal to the driver (not re-exported).
 *
 * @returns the packet size (> 0) or {@link TUN_READ_TIMEOUT}.
 */
export function tunReadNext(fd: number, address: bigint, maxLength: number): number {
  const n = linuxLibc().read(fd, address, maxLength);
  return n > 0 ? n : TUN_READ_TIMEOUT;
}

/**
 * {@link tunRead} into a `Uint8Array` (its whole length is the capacity).
 *
 * @returns packet size, {@link TUN_READ_TIMEOUT} or {@link TUN_READ_GONE}.
 * @throws WintunError as {@link tunRead}.
 */
export function tunReadBytes(fd: number, buffer: Uint8Array, timeoutMs: number): number {
  return read(fd, buffer, buffer.byteLength, timeoutMs);
}

function write(fd: number, source: bigint | Uint8Array, length: number): boolean {
  const n = linuxWrite(fd, source, length);
  if (n >= 0) return true;
  const errno = -n;
  if (errno === LINUX_ERRNO.EBADFD || errno === LINUX_ERRNO.EBADF || errno === LINUX_ERRNO.ENXIO || errno === LINUX_ERRNO.ENODEV) {
    throw new WintunError('ERR_WINTUN_EOF', `TUN fd ${fd} no longer has a device (errno ${errno}): it was deleted or the fd closed.`, {
      errno,
      syscall: 'write',
    });
  }
  if (errno === LINUX_ERRNO.EFAULT) throw linuxErrnoError('write', errno, `Writing a packet to TUN fd ${fd}`);
  // EAGAIN, ENOBUFS, ENOMEM: no room; EINVAL: not an IP packet; EIO: the interface is down.
  return false;
}

/**
 * Writes one IP packet from native memory (e.g. ring memory) to a TUN fd: the kernel receives it as
 * if it arrived on the interface. Never blocks. Safe to call from a Worker thread.
 *
 * @param fd - a TUN fd ({@link TunDevice.fd}).
 * @param address - the packet's first byte.
 * @param length - packet size in bytes.
 * @returns true when the kernel took the packet; false when it dropped it (interface down (EIO),
 *   not an IPv4/IPv6 packet (EINVAL), no buffer space (ENOBUFS/ENOMEM/EAGAIN)).
 * @throws WintunError `ERR_WINTUN_EOF` when the device is gone; `ERR_WINTUN_INVALID_ARGUMENT` for a
 *   NULL address or bad length.
 */
export function tunWrite(fd: number, address: bigint, length: number): boolean {
  return write(fd, address, length);
}

/**
 * {@link tunWrite} from a `Uint8Array` (the whole array is the packet).
 *
 * @returns true when the kernel took the packet, false when it dropped it.
 * @throws WintunError as {@link tunWrite}.
 */
export function tunWriteBytes(fd: number, packet: Uint8Array): boolean {
  return write(fd, packet, packet.byteLength);
}

/**
 * Waits on the event loop (no thread blocked; libuv polls the fd) until the TUN fd is readable,
 * the timeout passes or `signal` aborts. For main-thread users without a worker.
 *
 * @returns `'readable'`, `'timeout'`, or `'gone'` (the device was removed).
 * @throws WintunError `ERR_WINTUN_ABORTED` (rejection) when `signal` aborts, with its reason as
 *   cause; `ERR_WINTUN_INVALID_ARGUMENT` for a bad timeout.
 */
export function tunWaitReadable(fd: number, timeoutMs: number, signal?: AbortSignal | undefined): Promise<'readable' | 'timeout' | 'gone'> {
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0) {
    return Promise.reject(new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `tunWaitReadable: timeoutMs must be a non-negative integer, got ${timeoutMs}.`));
  }
  if (signal?.aborted === true) {
    return Promise.reject(new WintunError('ERR_WINTUN_ABORTED', 'tunWaitReadable was aborted.', { cause: signal.reason }));
  }
  const koffi = loadKoffi();
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (): void => {
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      handle.stop();
      handle.close();
    };
    const onAbort = (): void => {
      if (done) return;
      finish();
      reject(new WintunError('ERR_WINTUN_ABORTED', 'tunWaitReadable was aborted.', { cause: signal?.reason }));
    };
    // koffi 3.3.4 calls back with (status, events), although its typings declare (events) only.
    const onPoll = (first: unknown, second?: unknown): void => {
      if (done) return;
      finish();
      const status = typeof first === 'number' ? first : 0;
      const events = (typeof first === 'object' && first !== null ? first : second) as { readable?: boolean } | undefined;
      resolve(status >= 0 && events?.readable === true ? 'readable' : 'gone');
    };
    const handle = koffi.node.poll(fd, { readable: true }, onPoll as (events: unknown) => void);
    const timer = setTimeout(() => {
      if (done) return;
      finish();
      resolve('timeout');
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A running {@link tunWatchReadable} watch. Main thread (the thread that started it) only. */
export interface TunReadableWatch {
  /**
   * Stops the watch for good (`uv_poll_stop`, then the handle is closed): no callback after this
   * returns, so the fd may be closed right after. Idempotent.
   */
  stop(): void;
  /** Makes the watch keep the process alive (the default). */
  ref(): void;
  /** Lets the process exit while the watch runs. */
  unref(): void;
}

/**
 * Watches a TUN fd on the event loop (libuv polls it; no thread blocks): calls `onReady(false)`
 * whenever the fd is readable (level triggered: again on every loop turn while packets remain
 * queued) and `onReady(true)` when the poll fails (the device is gone; the watch has stopped).
 * Never calls back from inside this call. For the inline driver of the Linux backend.
 *
 * Ownership: the caller keeps the fd; it must {@link TunReadableWatch.stop} the watch before it
 * closes the fd (libuv must not poll a closed fd).
 *
 * @throws WintunError `ERR_WINTUN_FFI_UNAVAILABLE` without koffi; `ERR_WINTUN_INVALID_ARGUMENT`
 *   for a bad fd or callback.
 */
export function tunWatchReadable(fd: number, onReady: (gone: boolean) => void): TunReadableWatch {
  if (!Number.isInteger(fd) || fd < 0) throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `tunWatchReadable: fd must be a non-negative integer, got ${fd}.`);
  if (typeof onReady !== 'function') throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'tunWatchReadable: onReady must be a function.');
  const koffi = loadKoffi();
  let live = true;
  // koffi 3.3.4 calls back with (status, events), although its typings declare (events) only.
  const onPoll = (first: unknown): void => {
    if (!live) return;
    const status = typeof first === 'number' ? first : 0;
    onReady(status < 0);
  };
  const handle = koffi.node.poll(fd, { readable: true }, onPoll as (events: unknown) => void);
  return {
    stop() {
      if (!live) return;
      live = false;
      handle.stop();
      handle.close();
    },
    ref() {
      if (live) handle.ref();
    },
    unref() {
      if (live) handle.unref();
    },
  };
}
