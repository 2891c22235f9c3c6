/**
 * The single error type of wintun-ts. Match on {@link WintunError.code}, never on the message:
 * codes are stable across versions; messages may improve.
 *
 * @module
 */
import {
  ERROR_ACCESS_DENIED,
  ERROR_ALREADY_INITIALIZED,
  ERROR_BAD_EXE_FORMAT,
  ERROR_BUFFER_OVERFLOW,
  ERROR_DEVICE_NOT_AVAILABLE,
  ERROR_DUP_NAME,
  ERROR_ELEVATION_REQUIRED,
  ERROR_FILE_NOT_FOUND,
  ERROR_HANDLE_EOF,
  ERROR_INVALID_DATA,
  ERROR_INVALID_HANDLE,
  ERROR_INVALID_PARAMETER,
  ERROR_INVALID_USER_BUFFER,
  ERROR_MOD_NOT_FOUND,
  ERROR_NOT_FOUND,
  ERROR_NOT_SUPPORTED,
  ERROR_OBJECT_ALREADY_EXISTS,
  ERROR_PROC_NOT_FOUND,
  WAIT_TIMEOUT,
} from './win32-errors.js';

/** Where one error code belongs and whether retrying the same call can succeed. */
export interface WintunErrorCodeInfo {
  /** What happened, in one sentence. */
  readonly meaning: string;
  /** What to do about it. */
  readonly fix: string;
  /** True when the same call may succeed later without the caller changing anything. */
  readonly retryable: boolean;
}

/** A stable error code: one of the keys of {@link WintunErrorCodes}. */
export type WintunErrorCode =
  | 'ERR_WINTUN_INVALID_ARGUMENT'
  | 'ERR_WINTUN_INVALID_CAPACITY'
  | 'ERR_WINTUN_PACKET_TOO_LARGE'
  | 'ERR_WINTUN_RING_CORRUPT'
  | 'ERR_WINTUN_EOF'
  | 'ERR_WINTUN_CLOSED'
  | 'ERR_WINTUN_ABORTED'
  | 'ERR_WINTUN_TIMEOUT'
  | 'ERR_WINTUN_INVALID_STATE'
  | 'ERR_WINTUN_UNSUPPORTED_PLATFORM'
  | 'ERR_WINTUN_FFI_UNAVAILABLE'
  | 'ERR_WINTUN_DLL_NOT_FOUND'
  | 'ERR_WINTUN_DLL_ARCH'
  | 'ERR_WINTUN_DLL_SYMBOL_MISSING'
  | 'ERR_WINTUN_DRIVER_NOT_LOADED'
  | 'ERR_WINTUN_ACCESS_DENIED'
  | 'ERR_WINTUN_ALREADY_REGISTERED'
  | 'ERR_WINTUN_ADAPTER_NOT_FOUND'
  | 'ERR_WINTUN_NAME_INVALID'
  | 'ERR_WINTUN_NAME_TAKEN'
  | 'ERR_WINTUN_ADDRESS_INVALID'
  | 'ERR_WINTUN_ALREADY_EXISTS'
  | 'ERR_WINTUN_NOT_FOUND'
  | 'ERR_WINTUN_DEVICE_NOT_AVAILABLE'
  | 'ERR_WINTUN_INVALID_USER_BUFFER'
  | 'ERR_WINTUN_WORKER_FAILED'
  | 'ERR_WINTUN_FILE'
  | 'ERR_WINTUN_OS';

const codes = {
  ERR_WINTUN_INVALID_ARGUMENT: {
    meaning: 'An argument has the wrong type or is out of range.',
    fix: 'Pass a value within the documented range; the message names the argument.',
    retryable: false,
  },
  ERR_WINTUN_INVALID_CAPACITY: {
    meaning: 'A ring capacity is not a power of two between 128 KiB (0x20000) and 64 MiB (0x4000000).',
    fix: 'Use a power of two in range, e.g. 0x400000 (4 MiB, the default).',
    retryable: false,
  },
  ERR_WINTUN_PACKET_TOO_LARGE: {
    meaning: 'A packet is larger than 0xFFFF bytes, the most one ring record can carry.',
    fix: 'Split or drop the packet; IP packets never exceed 65535 bytes.',
    retryable: false,
  },
  ERR_WINTUN_RING_CORRUPT: {
    meaning: 'A ring header or record holds a value the protocol forbids (Win32 ERROR_INVALID_DATA). The ring is left untouched and the error repeats on every call.',
    fix: 'Close the session and start a new one.',
    retryable: false,
  },
  ERR_WINTUN_EOF: {
    meaning: 'The driver ended the session (Win32 ERROR_HANDLE_EOF): the adapter is going away, or the driver aborted the ring.',
    fix: 'Close the session; start a new one if the adapter still exists.',
    retryable: false,
  },
  ERR_WINTUN_CLOSED: {
    meaning: 'The object was used after close().',
    fix: 'Do not use a session, adapter or ring after closing it; open a new one.',
    retryable: false,
  },
  ERR_WINTUN_ABORTED: {
    meaning: 'The operation was cancelled through its AbortSignal.',
    fix: 'Nothing: this is the outcome the caller asked for. The error `cause` is the signal reason.',
    retryable: true,
  },
  ERR_WINTUN_TIMEOUT: {
    meaning: 'A bounded wait ran out of time.',
    fix: 'Retry, or raise the timeout.',
    retryable: true,
  },
  ERR_WINTUN_INVALID_STATE: {
    meaning: 'A call came in the wrong state, e.g. releasing a packet twice or committing a slot that was not allocated.',
    fix: 'Release each received packet once and commit each allocated slot once.',
    retryable: false,
  },
  ERR_WINTUN_UNSUPPORTED_PLATFORM: {
    meaning: 'This platform or architecture has no backend for the requested feature.',
    fix: 'Use Windows (x64, x86, arm64) or Linux; pure ring and session code works everywhere.',
    retryable: false,
  },
  ERR_WINTUN_FFI_UNAVAILABLE: {
    meaning: 'The koffi native module could not be loaded.',
    fix: 'Reinstall without --omit=optional so that @koromix/koffi-<os>-<arch> is present.',
    retryable: false,
  },
  ERR_WINTUN_DLL_NOT_FOUND: {
    meaning: 'wintun.dll was not found at the explicit path or next to the program.',
    fix: 'Download the signed wintun.dll from https://www.wintun.net (zip, bin/<arch>/wintun.dll) and pass its path, or put it next to your program.',
    retryable: false,
  },
  ERR_WINTUN_DLL_ARCH: {
    meaning: 'wintun.dll was built for a different CPU architecture than this process.',
    fix: 'Use the wintun.dll from bin/<arch> of the official zip that matches process.arch.',
    retryable: false,
  },
  ERR_WINTUN_DLL_SYMBOL_MISSING: {
    meaning: 'wintun.dll lacks one of the 14 exports of Wintun 0.14.',
    fix: 'Use wintun.dll 0.14 or newer.',
    retryable: false,
  },
  ERR_WINTUN_DRIVER_NOT_LOADED: {
    meaning: 'The Wintun driver is not loaded (no adapter exists yet, or it is not installed).',
    fix: 'Create an adapter first (creating installs the driver); run elevated.',
    retryable: true,
  },
  ERR_WINTUN_ACCESS_DENIED: {
    meaning: 'The caller lacks the privilege: on Windows not elevated (Administrator, High integrity); on Linux no CAP_NET_ADMIN or no access to /dev/net/tun.',
    fix: 'Run elevated on Windows, or as root / with CAP_NET_ADMIN on Linux (e.g. sudo, or setcap cap_net_admin+ep on node).',
    retryable: false,
  },
  ERR_WINTUN_ALREADY_REGISTERED: {
    meaning: 'The adapter already has a session: the driver allows exactly one ring registration per adapter (Win32 ERROR_ALREADY_INITIALIZED).',
    fix: 'Close the other session first; another process or a duplicated handle may hold it.',
    retryable: true,
  },
  ERR_WINTUN_ADAPTER_NOT_FOUND: {
    meaning: 'No adapter with that name exists.',
    fix: 'Check the name with `wintun-ts list`, or create the adapter.',
    retryable: false,
  },
  ERR_WINTUN_NAME_INVALID: {
    meaning: 'An adapter name is empty, too long or holds characters the platform refuses.',
    fix: 'Use 1-127 characters on Windows, 1-15 on Linux, without "/", ":", whitespace or NUL.',
    retryable: false,
  },
  ERR_WINTUN_NAME_TAKEN: {
    meaning: 'A network interface with that name already exists and is not ours to take.',
    fix: 'Pick another name, delete the old interface, or open it with Adapter.open().',
    retryable: false,
  },
  ERR_WINTUN_ADDRESS_INVALID: {
    meaning: 'An address, prefix or route is malformed.',
    fix: 'Use CIDR notation such as 10.6.7.7/24 or fd00::1/64.',
    retryable: false,
  },
  ERR_WINTUN_ALREADY_EXISTS: {
    meaning: 'The address, route or object being added is already there.',
    fix: 'Nothing to do if it is the one you want; otherwise remove it first.',
    retryable: false,
  },
  ERR_WINTUN_NOT_FOUND: {
    meaning: 'The address, route or object being removed or looked up does not exist.',
    fix: 'List what exists (addresses(), `wintun-ts list`) and use one of those.',
    retryable: false,
  },
  ERR_WINTUN_DEVICE_NOT_AVAILABLE: {
    meaning: 'The adapter device object is missing or not started.',
    fix: 'Recreate the adapter; check Device Manager for a problem code.',
    retryable: true,
  },
  ERR_WINTUN_INVALID_USER_BUFFER: {
    meaning: 'The driver refused the ring memory (not committed or not writable).',
    fix: 'Let wintun-ts allocate ring memory; do not pass read-only or reserved memory.',
    retryable: false,
  },
  ERR_WINTUN_WORKER_FAILED: {
    meaning: 'A worker thread of wintun-ts failed or exited unexpectedly.',
    fix: 'Close the session; the error cause says why. Report it if it repeats.',
    retryable: false,
  },
  ERR_WINTUN_FILE: {
    meaning: 'A file named on the command line could not be opened or written: its directory is missing, permission is denied, the disk is full or the file system is read-only.',
    fix: 'Write to a path whose directory exists and is writable, on a disk with free space; the message names the file and the system error.',
    retryable: false,
  },
  ERR_WINTUN_OS: {
    meaning: 'An operating system call failed with an error wintun-ts has no specific code for.',
    fix: 'See `win32Code` / `errno` and `syscall` on the error.',
    retryable: false,
  },
} as const satisfies Record<WintunErrorCode, WintunErrorCodeInfo>;

/**
 * Every error code wintun-ts throws, with its meaning, its fix and whether it is retryable.
 * The table is the documentation: `docs/guides/troubleshooting.md` is generated from the same words.
 */
export const WintunErrorCodes: Readonly<Record<WintunErrorCode, WintunErrorCodeInfo>> = codes;

/** Optional details of a {@link WintunError}. */
export interface WintunErrorOptions {
  /** The underlying error, if any. */
  readonly cause?: unknown;
  /** The Win32 `GetLastError()` value, when a Windows call failed. */
  readonly win32Code?: number | undefined;
  /** The POSIX errno value, when a Linux call failed. */
  readonly errno?: number | undefined;
  /** The native function that failed, e.g. `DeviceIoControl` or `ioctl(TUNSETIFF)`. */
  readonly syscall?: string | undefined;
}

const BRAND: unique symbol = Symbol.for('wintun-ts.WintunError') as never;

/**
 * The one error class of wintun-ts. Every error a wintun-ts API throws or rejects with is a
 * `WintunError` with a stable `code` from {@link WintunErrorCodes}.
 *
 * `instanceof WintunError` works across duplicate copies of the package (the class is branded with
 * `Symbol.for`), but matching on `code` is the documented way.
 *
 * Flow control is never an error: an empty ring or a full ring is a return value.
 */
export class WintunError extends Error {
  /** Stable code; see {@link WintunErrorCodes}. */
  readonly code: WintunErrorCode;
  /** The Win32 error number, when a Windows call failed. */
  readonly win32Code: number | undefined;
  /** The POSIX errno, when a Linux call failed. */
  readonly errno: number | undefined;
  /** The native call that failed. */
  readonly syscall: string | undefined;
  /** @internal */
  readonly [BRAND] = true;

  /**
   * @param code - stable code.
   * @param message - what happened and what to do; the code's generic fix is appended when the
   *   message does not already say what to do.
   * @param options - cause and native error details.
   */
  constructor(code: WintunErrorCode, message: string, options: WintunErrorOptions = {}) {
    if (typeof code !== 'string' || !Object.prototype.hasOwnProperty.call(codes, code)) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `new WintunError: ${typeof code === 'string' ? code : typeof code} is not an ERR_WINTUN_* code (see WintunErrorCodes).`);
    }
    if (typeof message !== 'string') throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `new WintunError: message must be a string, got ${typeof message}.`);
    if (typeof options !== 'object' || options === null) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `new WintunError: options must be an object, got ${options === null ? 'null' : typeof options}.`);
    }
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WintunError';
    this.code = code;
    this.win32Code = options.win32Code;
    this.errno = options.errno;
    this.syscall = options.syscall;
  }

  /** True when the same call may succeed later (see {@link WintunErrorCodes}). */
  get retryable(): boolean {
    return WintunErrorCodes[this.code].retryable;
  }

  /** Brand check that also recognises errors from another copy of this package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** Throws the `ERR_WINTUN_INVALID_ARGUMENT` error (kept here: check.ts imports this module). */
function invalidArgument(message: string): never {
  throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', message);
}

/** Checks the arguments shared by the error builders: two strings and an integer error number. */
function checkErrorArgs(what: string, syscall: unknown, number: unknown, text: unknown): void {
  if (typeof syscall !== 'string') invalidArgument(`${what}: syscall must be a string, got ${typeof syscall}.`);
  if (typeof number !== 'number' || !Number.isInteger(number)) invalidArgument(`${what}: the error number must be an integer, got ${typeof number === 'number' ? number : typeof number}.`);
  if (typeof text !== 'string') invalidArgument(`${what}: what must be a string, got ${typeof text}.`);
}

/** True when `value` is a {@link WintunError}, optionally with the given code. */
export function isWintunError(value: unknown, code?: WintunErrorCode): value is WintunError {
  return value instanceof WintunError && (code === undefined || value.code === code);
}

const WIN32_TO_CODE: ReadonlyMap<number, WintunErrorCode> = new Map<number, WintunErrorCode>([
  [ERROR_ACCESS_DENIED, 'ERR_WINTUN_ACCESS_DENIED'],
  [ERROR_ELEVATION_REQUIRED, 'ERR_WINTUN_ACCESS_DENIED'],
  [ERROR_ALREADY_INITIALIZED, 'ERR_WINTUN_ALREADY_REGISTERED'],
  [ERROR_INVALID_PARAMETER, 'ERR_WINTUN_INVALID_ARGUMENT'],
  [ERROR_INVALID_USER_BUFFER, 'ERR_WINTUN_INVALID_USER_BUFFER'],
  [ERROR_INVALID_HANDLE, 'ERR_WINTUN_INVALID_ARGUMENT'],
  [ERROR_HANDLE_EOF, 'ERR_WINTUN_EOF'],
  [ERROR_INVALID_DATA, 'ERR_WINTUN_RING_CORRUPT'],
  [ERROR_BUFFER_OVERFLOW, 'ERR_WINTUN_INVALID_ARGUMENT'],
  [ERROR_NOT_FOUND, 'ERR_WINTUN_ADAPTER_NOT_FOUND'],
  [ERROR_FILE_NOT_FOUND, 'ERR_WINTUN_DRIVER_NOT_LOADED'],
  [ERROR_DEVICE_NOT_AVAILABLE, 'ERR_WINTUN_DEVICE_NOT_AVAILABLE'],
  [ERROR_DUP_NAME, 'ERR_WINTUN_NAME_TAKEN'],
  [ERROR_OBJECT_ALREADY_EXISTS, 'ERR_WINTUN_NAME_TAKEN'],
  [ERROR_MOD_NOT_FOUND, 'ERR_WINTUN_DLL_NOT_FOUND'],
  [ERROR_PROC_NOT_FOUND, 'ERR_WINTUN_DLL_SYMBOL_MISSING'],
  [ERROR_BAD_EXE_FORMAT, 'ERR_WINTUN_DLL_ARCH'],
  [ERROR_NOT_SUPPORTED, 'ERR_WINTUN_UNSUPPORTED_PLATFORM'],
  [WAIT_TIMEOUT, 'ERR_WINTUN_TIMEOUT'],
]);

/**
 * Builds the {@link WintunError} for a failed Win32 call. The code comes from the error number
 * (e.g. 5 -> `ERR_WINTUN_ACCESS_DENIED`, 1247 -> `ERR_WINTUN_ALREADY_REGISTERED`); unknown numbers
 * and HRESULTs give `ERR_WINTUN_OS`.
 *
 * @param syscall - the function that failed, e.g. `WintunCreateAdapter`.
 * @param win32Code - the `GetLastError()` value (u32; HRESULTs are kept as is).
 * @param what - what the caller was doing, for the message.
 */
export function win32Error(syscall: string, win32Code: number, what: string): WintunError {
  checkErrorArgs('win32Error', syscall, win32Code, what);
  const unsigned = win32Code >>> 0;
  const code = WIN32_TO_CODE.get(unsigned) ?? 'ERR_WINTUN_OS';
  const hex = unsigned > 0xffff ? ` (0x${unsigned.toString(16).padStart(8, '0')})` : '';
  return new WintunError(code, `${what}: ${syscall} failed with Win32 error ${unsigned}${hex}. ${WintunErrorCodes[code].fix}`, {
    win32Code: unsigned,
    syscall,
  });
}

const ERRNO_TO_CODE: ReadonlyMap<string, WintunErrorCode> = new Map<string, WintunErrorCode>([
  ['EPERM', 'ERR_WINTUN_ACCESS_DENIED'],
  ['EACCES', 'ERR_WINTUN_ACCESS_DENIED'],
  ['EBUSY', 'ERR_WINTUN_NAME_TAKEN'],
  ['EEXIST', 'ERR_WINTUN_NAME_TAKEN'],
  ['ENODEV', 'ERR_WINTUN_ADAPTER_NOT_FOUND'],
  ['ENXIO', 'ERR_WINTUN_ADAPTER_NOT_FOUND'],
  ['EINVAL', 'ERR_WINTUN_INVALID_ARGUMENT'],
  ['ENOENT', 'ERR_WINTUN_UNSUPPORTED_PLATFORM'],
  ['ETIMEDOUT', 'ERR_WINTUN_TIMEOUT'],
]);

/**
 * Builds the {@link WintunError} for a failed POSIX call (`errno`).
 *
 * @param syscall - the call that failed, e.g. `ioctl(TUNSETIFF)`.
 * @param errno - the positive errno value.
 * @param errnoName - its symbolic name (`EPERM`), used to choose the code.
 * @param what - what the caller was doing, for the message.
 */
export function errnoError(syscall: string, errno: number, errnoName: string, what: string): WintunError {
  checkErrorArgs('errnoError', syscall, errno, what);
  if (typeof errnoName !== 'string') invalidArgument(`errnoError: errnoName must be a string, got ${typeof errnoName}.`);
  const code = ERRNO_TO_CODE.get(errnoName) ?? 'ERR_WINTUN_OS';
  return new WintunError(code, `${what}: ${syscall} failed with ${errnoName} (errno ${errno}). ${WintunErrorCodes[code].fix}`, {
    errno,
    syscall,
  });
}
