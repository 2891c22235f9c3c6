/**
 * Linux errno numbers (x86-64 and arm64 share them) and the error builder for failed libc calls.
 *
 * @module
 */
import { errnoError, type WintunError } from '../errors.js';
import { badArgument } from '../check.js';

/**
 * The errno values wintun-ts meets on Linux, by name. Frozen; use {@link linuxErrnoName} for the
 * reverse direction.
 */
export const LINUX_ERRNO = Object.freeze({
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  ENOTDIR: 20,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ENOSPC: 28,
  EPIPE: 32,
  ERANGE: 34,
  ENOSYS: 38,
  ENODATA: 61,
  EOVERFLOW: 75,
  EBADFD: 77,
  EMSGSIZE: 90,
  EPROTONOSUPPORT: 93,
  EOPNOTSUPP: 95,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ENOBUFS: 105,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
} as const);

/** A symbolic errno name known to {@link LINUX_ERRNO}. */
export type LinuxErrnoName = keyof typeof LINUX_ERRNO;

const NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(LINUX_ERRNO).map(([name, value]) => [value, name] as [number, string]),
);

/**
 * The symbolic name of an errno value (`1` -> `EPERM`); unknown values give `E<number>`.
 * Pure; no native code.
 */
export function linuxErrnoName(errno: number): string {
  if (typeof errno !== 'number') badArgument('linuxErrnoName', 'errno', 'a number', errno);
  return NAMES.get(errno) ?? `E${errno}`;
}

/**
 * Builds the {@link WintunError} for a failed Linux call: the code comes from the errno name
 * (EPERM/EACCES -> `ERR_WINTUN_ACCESS_DENIED`, ENODEV -> `ERR_WINTUN_ADAPTER_NOT_FOUND`, ...),
 * with `errno` and `syscall` set on the error.
 *
 * @param syscall - the call that failed, e.g. `ioctl(TUNSETIFF)`.
 * @param errno - the positive errno value.
 * @param what - what the caller was doing, for the message.
 */
export function linuxErrnoError(syscall: string, errno: number, what: string): WintunError {
  if (typeof errno !== 'number') badArgument('linuxErrnoError', 'errno', 'a number', errno);
  return errnoError(syscall, errno, linuxErrnoName(errno), what);
}
