/**
 * Lazy koffi bindings to the C library on Linux and thin helpers around them. Nothing is bound
 * until the first call; each thread (main or Worker) binds its own copy.
 *
 * Two styles, on purpose:
 * - control-path helpers (`linuxOpen`, `linuxIoctl`, `linuxSocket`, ...) throw a {@link WintunError}
 *   built by {@link linuxErrnoError}, with `errno` and the syscall name;
 * - hot-path helpers (`linuxRead`, `linuxWrite`, `linuxSend`, `linuxRecv`, `linuxPoll`) never throw
 *   on an OS error: they return the result, or `-errno` when the call failed, so that `EAGAIN` and
 *   friends stay flow control. Argument errors (a length beyond a buffer) still throw.
 *
 * @module
 */
import { WintunError } from '../errors.js';
import { badArgument, checkBytes, checkFd, checkInt, checkInt32, checkString, describeValue, isDetachedView } from '../check.js';
import { lazy, loadKoffi, type Koffi } from '../ffi.js';
import { IFNAMSIZ, IFREQ_SIZE, IFREQ_UNION_OFFSET, LINUX_POLLFD_SIZE } from './constants.js';
import { LINUX_ERRNO, linuxErrnoError } from './errno.js';
import { isUint8Array } from 'node:util/types';

/** Memory a libc call reads from or writes to: a native address (`bigint`) or a JS byte array. */
export type LinuxBuffer = bigint | Uint8Array;

/**
 * The raw libc functions, as koffi binds them. Pointers are `bigint` addresses or typed arrays;
 * `null` is NULL. Return values are the C ones (`-1` on failure; read the error with
 * {@link linuxErrno}). Thread-safety: the functions are those of libc; the object is per thread.
 */
export interface LinuxLibc {
  /** `int open(const char *path, int flags, int mode)`. */
  readonly open: (path: string, flags: number, mode: number) => number;
  /** `int close(int fd)`. */
  readonly close: (fd: number) => number;
  /** `ssize_t read(int fd, void *buf, size_t count)`. */
  readonly read: (fd: number, buf: LinuxBuffer, count: number) => number;
  /** `ssize_t write(int fd, const void *buf, size_t count)`. */
  readonly write: (fd: number, buf: LinuxBuffer, count: number) => number;
  /** `int ioctl(int fd, unsigned long request, void *arg)`. */
  readonly ioctlPtr: (fd: number, request: number, arg: LinuxBuffer | null) => number;
  /** `int ioctl(int fd, unsigned long request, unsigned long arg)` (integer argument). */
  readonly ioctlInt: (fd: number, request: number, arg: number) => number;
  /** `int poll(struct pollfd *fds, nfds_t nfds, int timeout)`. */
  readonly poll: (fds: LinuxBuffer, nfds: number, timeoutMs: number) => number;
  /** `int fcntl(int fd, int cmd, long arg)`. */
  readonly fcntl: (fd: number, cmd: number, arg: number) => number;
  /** `int socket(int domain, int type, int protocol)`. */
  readonly socket: (domain: number, type: number, protocol: number) => number;
  /** `int bind(int fd, const struct sockaddr *addr, socklen_t len)`. */
  readonly bind: (fd: number, addr: LinuxBuffer, len: number) => number;
  /** `int getsockname(int fd, struct sockaddr *addr, socklen_t *len)`. */
  readonly getsockname: (fd: number, addr: LinuxBuffer, len: LinuxBuffer) => number;
  /** `int setsockopt(int fd, int level, int name, const void *value, socklen_t len)`. */
  readonly setsockopt: (fd: number, level: number, name: number, value: LinuxBuffer, len: number) => number;
  /** `ssize_t send(int fd, const void *buf, size_t len, int flags)`. */
  readonly send: (fd: number, buf: LinuxBuffer, len: number, flags: number) => number;
  /** `ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)`. */
  readonly sendto: (fd: number, buf: LinuxBuffer, len: number, flags: number, to: LinuxBuffer | null, tolen: number) => number;
  /** `ssize_t recv(int fd, void *buf, size_t len, int flags)`. */
  readonly recv: (fd: number, buf: LinuxBuffer, len: number, flags: number) => number;
  /** `ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)`. */
  readonly recvfrom: (fd: number, buf: LinuxBuffer, len: number, flags: number, from: LinuxBuffer | null, fromlen: LinuxBuffer | null) => number;
  /** `pid_t getpid(void)`. */
  readonly getpid: () => number;
  /** `uid_t geteuid(void)`. */
  readonly geteuid: () => number;
  /** `char *strerror(int errnum)`. */
  readonly strerror: (errnum: number) => string;
  /** `unsigned int if_nametoindex(const char *name)`: 0 when there is no such interface. */
  readonly if_nametoindex: (name: string) => number;
  /** `int setns(int fd, int nstype)`: moves the calling thread into a namespace. */
  readonly setns: (fd: number, nstype: number) => number;
}

function loadLibc(koffi: Koffi): ReturnType<Koffi['load']> {
  if (process.platform !== 'linux') {
    throw new WintunError(
      'ERR_WINTUN_UNSUPPORTED_PLATFORM',
      `The Linux libc bindings were requested on ${process.platform}; they exist only on Linux.`,
    );
  }
  const arch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : process.arch;
  const candidates = ['libc.so.6', `/lib/ld-musl-${arch}.so.1`, 'libc.so'];
  let firstError: unknown;
  for (const name of candidates) {
    try {
      return koffi.load(name);
    } catch (error) {
      firstError ??= error;
    }
  }
  throw new WintunError(
    'ERR_WINTUN_FFI_UNAVAILABLE',
    `The C library could not be loaded (tried ${candidates.join(', ')}).`,
    { cause: firstError },
  );
}

/**
 * The libc bindings of this thread, bound on first call.
 *
 * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` off Linux; `ERR_WINTUN_FFI_UNAVAILABLE`
 *   when koffi or libc cannot be loaded.
 */
export const linuxLibc: () => LinuxLibc = lazy((): LinuxLibc => {
  const koffi = loadKoffi();
  const lib = loadLibc(koffi);
  return {
    open: lib.func('int open(const char *path, int flags, int mode)'),
    close: lib.func('int close(int fd)'),
    read: lib.func('long read(int fd, void *buf, size_t count)'),
    write: lib.func('long write(int fd, const void *buf, size_t count)'),
    ioctlPtr: lib.func('ioctl', 'int', ['int', 'unsigned long', 'void *']),
    ioctlInt: lib.func('ioctl', 'int', ['int', 'unsigned long', 'unsigned long']),
    poll: lib.func('int poll(void *fds, unsigned long nfds, int timeout)'),
    fcntl: lib.func('fcntl', 'int', ['int', 'int', 'long']),
    socket: lib.func('int socket(int domain, int type, int protocol)'),
    bind: lib.func('int bind(int fd, const void *addr, uint32_t len)'),
    getsockname: lib.func('int getsockname(int fd, void *addr, void *len)'),
    setsockopt: lib.func('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
    send: lib.func('long send(int fd, const void *buf, size_t len, int flags)'),
    sendto: lib.func('long sendto(int fd, const void *buf, size_t len, int flags, const void *to, uint32_t tolen)'),
    recv: lib.func('long recv(int fd, void *buf, size_t len, int flags)'),
    recvfrom: lib.func('long recvfrom(int fd, void *buf, size_t len, int flags, void *from, void *fromlen)'),
    getpid: lib.func('int getpid()'),
    geteuid: lib.func('uint32_t geteuid()'),
    strerror: lib.func('const char *strerror(int errnum)'),
    if_nametoindex: lib.func('uint32_t if_nametoindex(const char *name)'),
    setns: lib.func('int setns(int fd, int nstype)'),
  } as unknown as LinuxLibc;
});

/**
 * The `errno` of the last failed libc call made through koffi on this thread. Read it right after
 * the call that returned -1.
 */
export function linuxErrno(): number {
  return loadKoffi().errno();
}

/** The C library's description of an errno value (`strerror`). */
export function linuxStrerror(errno: number): string {
  checkInt32('linuxStrerror', 'errno', errno);
  return linuxLibc().strerror(errno);
}

function fail(syscall: string, what: string): never {
  throw linuxErrnoError(syscall, linuxErrno(), what);
}

function span(buf: LinuxBuffer, length: number | undefined, argument: string): number {
  if (typeof buf !== 'bigint' && (!isUint8Array(buf) || isDetachedView(buf))) badArgument(argument, 'the buffer', 'a Uint8Array or a native address (bigint)', buf);
  if (typeof buf === 'bigint') {
    if (buf === 0n) throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `${argument}: the address is NULL.`);
    if (length === undefined || !Number.isInteger(length) || length < 0) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `${argument}: a native address needs a non-negative integer length, got ${String(length)}.`);
    }
    return length;
  }
  if (length === undefined) return buf.byteLength;
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > buf.byteLength) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `${argument}: length ${describeValue(length)} is outside the ${buf.byteLength}-byte buffer.`);
  }
  return length;
}

/**
 * `open(2)`. Returns the new fd.
 *
 * @throws WintunError from the errno (ENOENT -> `ERR_WINTUN_UNSUPPORTED_PLATFORM`, EACCES ->
 *   `ERR_WINTUN_ACCESS_DENIED`, ...), syscall `open(<path>)`.
 */
export function linuxOpen(path: string, flags: number, mode = 0): number {
  checkString('linuxOpen', 'path', path, true);
  checkInt32('linuxOpen', 'flags', flags);
  checkInt('linuxOpen', 'mode', mode, 0, 0o7777);
  const fd = linuxLibc().open(path, flags, mode);
  if (fd < 0) fail(`open(${path})`, `Opening ${path}`);
  return fd;
}

/**
 * `close(2)`. `EINTR` is ignored (on Linux the fd is released anyway); closing a negative fd is a
 * no-op.
 *
 * @throws WintunError on `EBADF` and other errors.
 */
export function linuxClose(fd: number): void {
  checkInt('linuxClose', 'fd', fd, -0x80000000, 0x7fffffff);
  if (fd < 0) return;
  if (linuxLibc().close(fd) < 0) {
    const errno = linuxErrno();
    if (errno !== LINUX_ERRNO.EINTR) throw linuxErrnoError('close', errno, `Closing fd ${fd}`);
  }
}

/**
 * `read(2)` into a native address (`bigint`, `length` required) or a `Uint8Array` (`length`
 * defaults to its size). Hot path: returns the byte count, or `-errno` on failure (e.g.
 * `-LINUX_ERRNO.EAGAIN` when a non-blocking fd has nothing). Safe in Worker threads.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a NULL address or a length outside the buffer.
 */
export function linuxRead(fd: number, target: LinuxBuffer, length?: number): number {
  if (typeof fd !== 'number' || (fd | 0) !== fd || fd < 0) checkFd('linuxRead', fd);
  const n = linuxLibc().read(fd, target, span(target, length, 'linuxRead'));
  return n < 0 ? -linuxErrno() : n;
}

/**
 * `write(2)` from a native address (`bigint`, `length` required) or a `Uint8Array`. Hot path:
 * returns the byte count, or `-errno` on failure. Safe in Worker threads.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a NULL address or a length outside the buffer.
 */
export function linuxWrite(fd: number, source: LinuxBuffer, length?: number): number {
  if (typeof fd !== 'number' || (fd | 0) !== fd || fd < 0) checkFd('linuxWrite', fd);
  const n = linuxLibc().write(fd, source, span(source, length, 'linuxWrite'));
  return n < 0 ? -linuxErrno() : n;
}

/**
 * `ioctl(2)` with a pointer argument (an `ifreq`, an `int` out-value, ...) or an integer
 * argument (`TUNSETPERSIST`). Returns the non-negative result.
 *
 * @param name - the request's name for errors, e.g. `TUNSETIFF`.
 * @throws WintunError from the errno, syscall `ioctl(<name>)`.
 */
export function linuxIoctl(fd: number, request: number, arg: LinuxBuffer | number | null, name: string, what?: string): number {
  checkFd('linuxIoctl', fd);
  checkInt32('linuxIoctl', 'request', request);
  if (arg !== null && typeof arg !== 'bigint' && !isUint8Array(arg)) checkInt32('linuxIoctl', 'arg', arg);
  if (typeof arg === 'bigint' && arg === 0n) badArgument('linuxIoctl', 'arg', 'a non-NULL address, a Uint8Array, an integer or null', arg);
  checkString('linuxIoctl', 'name', name);
  if (what !== undefined) checkString('linuxIoctl', 'what', what);
  what ??= `ioctl ${name} on fd ${fd}`;
  const libc = linuxLibc();
  const result = typeof arg === 'number' ? libc.ioctlInt(fd, request, arg) : libc.ioctlPtr(fd, request, arg);
  if (result < 0) fail(`ioctl(${name})`, what);
  return result;
}

let pollfd: Uint8Array | undefined;
let pollView: DataView | undefined;

/**
 * `poll(2)` on one fd with a timeout (ms; 0 = check only; negative values are refused so that no
 * wait is unbounded). Hot path: returns the `revents` bits (0 on timeout or `EINTR`), or `-errno`.
 * Uses one preallocated `pollfd` per thread: no allocation per call.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a negative or non-integer timeout.
 */
export function linuxPoll(fd: number, events: number, timeoutMs: number): number {
  if (typeof fd !== 'number' || (fd | 0) !== fd || fd < 0) checkFd('linuxPoll', fd);
  if (typeof events !== 'number' || (events & 0xffff) !== events) checkInt('linuxPoll', 'events', events, 0, 0xffff);
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 0x7fffffff) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `linuxPoll: timeoutMs must be an integer in [0, 2147483647] (waits are bounded), got ${describeValue(timeoutMs)}.`);
  }
  if (pollfd === undefined) {
    pollfd = new Uint8Array(LINUX_POLLFD_SIZE);
    pollView = new DataView(pollfd.buffer);
  }
  const view = pollView as DataView;
  view.setInt32(0, fd, true);
  view.setInt16(4, events, true);
  view.setInt16(6, 0, true);
  const n = linuxLibc().poll(pollfd, 1, timeoutMs);
  if (n < 0) {
    const errno = linuxErrno();
    return errno === LINUX_ERRNO.EINTR ? 0 : -errno;
  }
  return n === 0 ? 0 : view.getUint16(6, true);
}

/**
 * `fcntl(2)` with an integer argument. Returns the non-negative result.
 *
 * @throws WintunError from the errno, syscall `fcntl`.
 */
export function linuxFcntl(fd: number, cmd: number, arg = 0): number {
  checkFd('linuxFcntl', fd);
  checkInt32('linuxFcntl', 'cmd', cmd);
  checkInt32('linuxFcntl', 'arg', arg);
  const result = linuxLibc().fcntl(fd, cmd, arg);
  if (result < 0) fail('fcntl', `fcntl(${cmd}) on fd ${fd}`);
  return result;
}

/**
 * `socket(2)`. Returns the new fd.
 *
 * @throws WintunError from the errno, syscall `socket`.
 */
export function linuxSocket(domain: number, type: number, protocol: number): number {
  checkInt32('linuxSocket', 'domain', domain);
  checkInt32('linuxSocket', 'type', type);
  checkInt32('linuxSocket', 'protocol', protocol);
  const fd = linuxLibc().socket(domain, type, protocol);
  if (fd < 0) fail('socket', `Creating a socket (domain ${domain}, type ${type}, protocol ${protocol})`);
  return fd;
}

/**
 * `bind(2)` to an encoded `sockaddr`.
 *
 * @throws WintunError from the errno, syscall `bind`.
 */
export function linuxBind(fd: number, sockaddr: Uint8Array): void {
  checkFd('linuxBind', fd);
  checkBytes('linuxBind', 'sockaddr', sockaddr);
  if (linuxLibc().bind(fd, sockaddr, sockaddr.byteLength) < 0) fail('bind', `Binding socket fd ${fd}`);
}

/**
 * `getsockname(2)` into `sockaddr`; returns the address length the kernel reported.
 *
 * @throws WintunError from the errno, syscall `getsockname`.
 */
export function linuxGetsockname(fd: number, sockaddr: Uint8Array): number {
  checkFd('linuxGetsockname', fd);
  checkBytes('linuxGetsockname', 'sockaddr', sockaddr);
  const len = new Uint32Array([sockaddr.byteLength]);
  if (linuxLibc().getsockname(fd, sockaddr, new Uint8Array(len.buffer)) < 0) fail('getsockname', `Reading the address of socket fd ${fd}`);
  return len[0] as number;
}

/**
 * `setsockopt(2)` with an encoded value.
 *
 * @throws WintunError from the errno, syscall `setsockopt`.
 */
export function linuxSetsockopt(fd: number, level: number, name: number, value: Uint8Array): void {
  checkFd('linuxSetsockopt', fd);
  checkInt32('linuxSetsockopt', 'level', level);
  checkInt32('linuxSetsockopt', 'name', name);
  checkBytes('linuxSetsockopt', 'value', value);
  if (linuxLibc().setsockopt(fd, level, name, value, value.byteLength) < 0) {
    fail('setsockopt', `Setting socket option ${level}/${name} on fd ${fd}`);
  }
}

/**
 * `setsockopt(2)` with a 32-bit integer value.
 *
 * @throws WintunError from the errno, syscall `setsockopt`.
 */
export function linuxSetsockoptInt(fd: number, level: number, name: number, value: number): void {
  checkInt32('linuxSetsockoptInt', 'value', value);
  linuxSetsockopt(fd, level, name, new Uint8Array(new Int32Array([value]).buffer));
}

/**
 * `send(2)`. Hot path: returns the byte count or `-errno`.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a bad buffer/length.
 */
export function linuxSend(fd: number, source: LinuxBuffer, length: number | undefined, flags: number): number {
  if (typeof fd !== 'number' || (fd | 0) !== fd || fd < 0) checkFd('linuxSend', fd);
  if (typeof flags !== 'number' || (flags | 0) !== flags) checkInt32('linuxSend', 'flags', flags);
  const n = linuxLibc().send(fd, source, span(source, length, 'linuxSend'), flags);
  return n < 0 ? -linuxErrno() : n;
}

/**
 * `sendto(2)` to an encoded `sockaddr` (or `null` for a connected socket). Returns the byte count
 * or `-errno`.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a bad buffer/length.
 */
export function linuxSendto(fd: number, source: LinuxBuffer, length: number | undefined, flags: number, to: Uint8Array | null): number {
  if (typeof fd !== 'number' || (fd | 0) !== fd || fd < 0) checkFd('linuxSendto', fd);
  if (typeof flags !== 'number' || (flags | 0) !== flags) checkInt32('linuxSendto', 'flags', flags);
  if (to !== null && !isUint8Array(to)) badArgument('linuxSendto', 'to', 'a Uint8Array or null', to);
  const n = linuxLibc().sendto(fd, source, span(source, length, 'linuxSendto'), flags, to, to === null ? 0 : to.byteLength);
  return n < 0 ? -linuxErrno() : n;
}

/**
 * `recv(2)`. Hot path: returns the byte count (with `LINUX_MSG_TRUNC`, the real datagram size) or
 * `-errno`.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a bad buffer/length.
 */
export function linuxRecv(fd: number, target: LinuxBuffer, length: number | undefined, flags: number): number {
  if (typeof fd !== 'number' || (fd | 0) !== fd || fd < 0) checkFd('linuxRecv', fd);
  if (typeof flags !== 'number' || (flags | 0) !== flags) checkInt32('linuxRecv', 'flags', flags);
  const n = linuxLibc().recv(fd, target, span(target, length, 'linuxRecv'), flags);
  return n < 0 ? -linuxErrno() : n;
}

/**
 * `recvfrom(2)` also returning the sender's address in `from` (when given). Returns the byte count
 * or `-errno`.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a bad buffer/length.
 */
export function linuxRecvfrom(fd: number, target: LinuxBuffer, length: number | undefined, flags: number, from: Uint8Array | null): number {
  if (typeof fd !== 'number' || (fd | 0) !== fd || fd < 0) checkFd('linuxRecvfrom', fd);
  if (typeof flags !== 'number' || (flags | 0) !== flags) checkInt32('linuxRecvfrom', 'flags', flags);
  if (from !== null && !isUint8Array(from)) badArgument('linuxRecvfrom', 'from', 'a Uint8Array or null', from);
  const fromlen = from === null ? null : new Uint8Array(new Uint32Array([from.byteLength]).buffer);
  const n = linuxLibc().recvfrom(fd, target, span(target, length, 'linuxRecvfrom'), flags, from, fromlen);
  return n < 0 ? -linuxErrno() : n;
}

/** `getpid(2)` of this process. */
export function linuxGetpid(): number {
  return linuxLibc().getpid();
}

/** `geteuid(2)`: the effective user id (0 = root). */
export function linuxGeteuid(): number {
  return linuxLibc().geteuid();
}

/**
 * `if_nametoindex(3)` in the calling thread's network namespace: the interface index, or 0 when no
 * interface has that name.
 */
export function linuxIfNameToIndex(name: string): number {
  checkString('linuxIfNameToIndex', 'name', name, true);
  return linuxLibc().if_nametoindex(name);
}

/**
 * `setns(2)`: moves the calling thread into the namespace behind `fd` (e.g. an fd of
 * `/var/run/netns/<name>` with {@link LINUX_CLONE_NEWNET}). Sockets and TUN devices created by this
 * thread afterwards belong to that namespace. Needs CAP_SYS_ADMIN.
 *
 * @throws WintunError from the errno, syscall `setns`.
 */
export function linuxSetns(fd: number, nstype: number): void {
  checkFd('linuxSetns', fd);
  checkInt32('linuxSetns', 'nstype', nstype);
  if (linuxLibc().setns(fd, nstype) < 0) fail('setns', `Entering the namespace of fd ${fd}`);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encodes a `struct ifreq` (40 bytes): the interface name (UTF-8, NUL-padded) at 0 and a u16
 * `ifr_flags` at 16. Pass `''` to let the kernel pick a name (TUNSETIFF then uses `tun%d`).
 *
 * @throws WintunError `ERR_WINTUN_NAME_INVALID` when the name needs more than 15 bytes.
 */
export function encodeIfreq(name: string, flags = 0): Uint8Array {
  checkString('encodeIfreq', 'name', name, true);
  checkInt('encodeIfreq', 'flags', flags, 0, 0xffff);
  const bytes = encoder.encode(name);
  if (bytes.length >= IFNAMSIZ) {
    throw new WintunError('ERR_WINTUN_NAME_INVALID', `Interface name "${name}" is ${bytes.length} bytes; Linux allows at most ${IFNAMSIZ - 1}.`);
  }
  const ifreq = new Uint8Array(IFREQ_SIZE);
  ifreq.set(bytes, 0);
  new DataView(ifreq.buffer).setUint16(IFREQ_UNION_OFFSET, flags, true);
  return ifreq;
}

/** The interface name stored in a `struct ifreq` (up to the first NUL). */
export function decodeIfreqName(ifreq: Uint8Array): string {
  checkIfreq('decodeIfreqName', ifreq);
  const end = ifreq.subarray(0, IFNAMSIZ).indexOf(0);
  return decoder.decode(ifreq.subarray(0, end < 0 ? IFNAMSIZ : end));
}

/** The u16 `ifr_flags` stored in a `struct ifreq`. */
export function decodeIfreqFlags(ifreq: Uint8Array): number {
  checkIfreq('decodeIfreqFlags', ifreq);
  return new DataView(ifreq.buffer, ifreq.byteOffset, ifreq.byteLength).getUint16(IFREQ_UNION_OFFSET, true);
}

/** The i32 `ifr_ifindex` / `ifr_mtu` stored in a `struct ifreq`. */
export function decodeIfreqInt(ifreq: Uint8Array): number {
  checkIfreq('decodeIfreqInt', ifreq);
  return new DataView(ifreq.buffer, ifreq.byteOffset, ifreq.byteLength).getInt32(IFREQ_UNION_OFFSET, true);
}

function checkIfreq(what: string, ifreq: unknown): asserts ifreq is Uint8Array {
  if (!isUint8Array(ifreq) || ifreq.byteLength < IFREQ_SIZE) badArgument(what, 'ifreq', `a Uint8Array of at least ${IFREQ_SIZE} bytes`, ifreq);
}
