/**
 * wintun.dll: locating it (explicit path, else next to the program; never the DLL search path),
 * checking its architecture before loading, binding the 14 exports of Wintun 0.14 all-or-nothing,
 * thin checked wrappers that turn NULL/FALSE + `GetLastError()` into {@link WintunError}, and the
 * logger callback (called by Wintun from any thread; koffi relays it to the JavaScript thread that
 * set it).
 *
 * @module
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { win32 as winPath } from 'node:path';
import type { LibraryHandle } from 'koffi';
import { WintunError, win32Error } from '../errors.js';
import { loadKoffi } from '../ffi.js';
import { ERROR_BUFFER_OVERFLOW, ERROR_NO_MORE_ITEMS } from '../win32-errors.js';
import { formatGuid, guidBytesToStruct, parseGuid, type GuidStruct } from './guid.js';
import { getLastError, type Win32Handle } from './kernel32.js';
import { bindStdcall, requireWindows, type NativeFunction } from './native.js';
import { PE_HEADER_PROBE_SIZE, checkPeArch, wintunZipDirForNodeArch } from './pe.js';
import { win32Types } from './types.js';
import { badArgument, checkObject, checkString } from '../check.js';
import { isUint8Array } from 'node:util/types';

/** The file name wintun-ts looks for next to the program. */
export const WINTUN_DLL_NAME = 'wintun.dll';
/** Where the signed wintun.dll is published. */
export const WINTUN_DOWNLOAD_URL = 'https://www.wintun.net';
/** Longest adapter name or tunnel type wintun.dll accepts: `MAX_ADAPTER_NAME - 1` = 127 characters. */
export const WINTUN_MAX_ADAPTER_NAME = 127;
/** The 14 exports of wintun.dll 0.14, in the order of `wintun.h`. */
export const WINTUN_EXPORTS = [
  'WintunCreateAdapter',
  'WintunOpenAdapter',
  'WintunCloseAdapter',
  'WintunDeleteDriver',
  'WintunGetAdapterLUID',
  'WintunGetRunningDriverVersion',
  'WintunSetLogger',
  'WintunStartSession',
  'WintunEndSession',
  'WintunGetReadWaitEvent',
  'WintunReceivePacket',
  'WintunReleaseReceivePacket',
  'WintunAllocateSendPacket',
  'WintunSendPacket',
] as const;

/** Logger level `WINTUN_LOG_INFO`. */
export const WINTUN_LOG_INFO = 0;
/** Logger level `WINTUN_LOG_WARN`. */
export const WINTUN_LOG_WARN = 1;
/** Logger level `WINTUN_LOG_ERR`. */
export const WINTUN_LOG_ERR = 2;

/** A Wintun log level: 0 info, 1 warning, 2 error. */
export type WintunLogLevel = 0 | 1 | 2;

/**
 * A user logger. Runs on the JavaScript thread that called {@link WintunLibrary.setLogger}, even when
 * Wintun logs from its own threads (the Wintun thread waits until it returns: keep it short). An
 * exception it throws is swallowed.
 */
export type WintunLogger = (level: WintunLogLevel, timestamp: Date, message: string) => void;

/** The raw 14 functions, with the real signatures. Handles are `bigint`, NULL is `null`. */
export interface WintunFunctions {
  /** `WINTUN_ADAPTER_HANDLE WintunCreateAdapter(LPCWSTR Name, LPCWSTR TunnelType, const GUID *RequestedGUID)`. */
  readonly WintunCreateAdapter: NativeFunction<(name: string, tunnelType: string, requestedGuid: GuidStruct | null) => Win32Handle>;
  /** `WINTUN_ADAPTER_HANDLE WintunOpenAdapter(LPCWSTR Name)`. */
  readonly WintunOpenAdapter: NativeFunction<(name: string) => Win32Handle>;
  /** `void WintunCloseAdapter(WINTUN_ADAPTER_HANDLE)`. */
  readonly WintunCloseAdapter: NativeFunction<(adapter: Win32Handle) => void>;
  /** `BOOL WintunDeleteDriver(void)`. */
  readonly WintunDeleteDriver: NativeFunction<() => number>;
  /** `void WintunGetAdapterLUID(WINTUN_ADAPTER_HANDLE, NET_LUID *Luid)`: `luid.Value` is filled. */
  readonly WintunGetAdapterLUID: NativeFunction<(adapter: Win32Handle, luid: { Value?: bigint | number }) => void>;
  /** `DWORD WintunGetRunningDriverVersion(void)`: `(major << 16) | minor`, 0 on failure. */
  readonly WintunGetRunningDriverVersion: NativeFunction<() => number>;
  /** `void WintunSetLogger(WINTUN_LOGGER_CALLBACK)`: a registered callback pointer, or `null`. */
  readonly WintunSetLogger: NativeFunction<(logger: bigint | null) => void>;
  /** `WINTUN_SESSION_HANDLE WintunStartSession(WINTUN_ADAPTER_HANDLE, DWORD Capacity)`. */
  readonly WintunStartSession: NativeFunction<(adapter: Win32Handle, capacity: number) => Win32Handle>;
  /** `void WintunEndSession(WINTUN_SESSION_HANDLE)`. */
  readonly WintunEndSession: NativeFunction<(session: Win32Handle) => void>;
  /** `HANDLE WintunGetReadWaitEvent(WINTUN_SESSION_HANDLE)`: owned by the session. */
  readonly WintunGetReadWaitEvent: NativeFunction<(session: Win32Handle) => Win32Handle>;
  /** `BYTE *WintunReceivePacket(WINTUN_SESSION_HANDLE, DWORD *PacketSize)`: `size[0]` receives the size. */
  readonly WintunReceivePacket: NativeFunction<(session: Win32Handle, size: number[]) => bigint | null>;
  /** `void WintunReleaseReceivePacket(WINTUN_SESSION_HANDLE, const BYTE *Packet)`. */
  readonly WintunReleaseReceivePacket: NativeFunction<(session: Win32Handle, packet: bigint) => void>;
  /** `BYTE *WintunAllocateSendPacket(WINTUN_SESSION_HANDLE, DWORD PacketSize)`. */
  readonly WintunAllocateSendPacket: NativeFunction<(session: Win32Handle, size: number) => bigint | null>;
  /** `void WintunSendPacket(WINTUN_SESSION_HANDLE, const BYTE *Packet)`. */
  readonly WintunSendPacket: NativeFunction<(session: Win32Handle, packet: bigint) => void>;
}

/** Options of {@link loadWintun} and {@link resolveWintunDllPath}. */
export interface WintunLoadOptions {
  /**
   * The DLL to load: a file, or a directory holding `wintun.dll`. A relative path is resolved
   * against the current directory (never the DLL search path). When given, no other place is tried.
   */
  readonly dllPath?: string | undefined;
  /** The process architecture to check the DLL against; defaults to `process.arch`. */
  readonly arch?: string | undefined;
}

/**
 * The absolute paths wintun-ts tries, in order: `options.dllPath` alone when given; otherwise
 * `wintun.dll` next to the Node executable (`process.execPath`) and next to the main script
 * (`process.argv[1]`), duplicates removed. Pure apart from reading `process` and the file system
 * (to tell a directory from a file).
 */
export function wintunDllCandidates(options: WintunLoadOptions = {}): string[] {
  checkLoadOptions('wintunDllCandidates', options);
  if (options.dllPath !== undefined) {
    const abs = winPath.resolve(options.dllPath);
    let isDir = false;
    try {
      isDir = statSync(abs).isDirectory();
    } catch {
      isDir = false;
    }
    return [isDir ? winPath.join(abs, WINTUN_DLL_NAME) : abs];
  }
  const dirs = [winPath.dirname(process.execPath)];
  const main = process.argv[1];
  if (main !== undefined && main !== '') dirs.push(winPath.dirname(winPath.resolve(main)));
  const out: string[] = [];
  for (const dir of dirs) {
    const candidate = winPath.join(dir, WINTUN_DLL_NAME);
    if (!out.some((p) => p.toLowerCase() === candidate.toLowerCase())) out.push(candidate);
  }
  return out;
}

/**
 * Finds wintun.dll (see {@link wintunDllCandidates}) and checks its PE header against the process
 * architecture, without loading it.
 *
 * @returns the absolute path of the DLL.
 * @throws WintunError `ERR_WINTUN_DLL_NOT_FOUND` (the message lists where it looked and where to
 *   get the DLL); `ERR_WINTUN_DLL_ARCH` when the DLL is for another CPU.
 */
export function resolveWintunDllPath(options: WintunLoadOptions = {}): string {
  checkLoadOptions('resolveWintunDllPath', options);
  const arch = options.arch ?? process.arch;
  const candidates = wintunDllCandidates(options);
  const found = candidates.find((p) => {
    try {
      return existsSync(p) && statSync(p).isFile();
    } catch {
      return false;
    }
  });
  if (found === undefined) {
    throw new WintunError(
      'ERR_WINTUN_DLL_NOT_FOUND',
      `wintun.dll not found (looked at ${candidates.join(', ')}). Download the signed wintun.dll from ${WINTUN_DOWNLOAD_URL} ` +
        `(zip: bin/${wintunZipDirForNodeArch(arch)}/wintun.dll) and pass its path as dllPath, or put it next to your program ` +
        `(${candidates.join(' or ')}).`,
      { win32Code: 126, syscall: 'LoadLibraryExW' },
    );
  }
  const head = new Uint8Array(PE_HEADER_PROBE_SIZE);
  const fd = openSync(found, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, head.byteLength, 0);
  } finally {
    closeSync(fd);
  }
  checkPeArch(head.subarray(0, n), found, arch);
  return found;
}

function nullIfZero(h: Win32Handle): Win32Handle {
  return h === 0n ? null : h;
}

function filetimeToDate(timestamp: bigint | number): Date {
  const t = typeof timestamp === 'bigint' ? timestamp : BigInt(Math.round(timestamp));
  return new Date(Number((t - 116444736000000000n) / 10000n));
}

function checkName(what: string, name: string): void {
  if (typeof name !== 'string' || name.length < 1 || name.length > WINTUN_MAX_ADAPTER_NAME || name.includes('\0')) {
    throw new WintunError(
      'ERR_WINTUN_NAME_INVALID',
      `${what} must be 1-${WINTUN_MAX_ADAPTER_NAME} characters without NUL, got ${JSON.stringify(name)}.`,
    );
  }
}

/** A received packet: its address in the session's ring and its size. Release it exactly once. */
export interface WintunReceivedPacket {
  /** Address of the first byte (view it with `koffi.view(packet, size)`). */
  readonly packet: bigint;
  /** Bytes in the packet. */
  readonly size: number;
}

/**
 * A loaded wintun.dll with its 14 functions bound. Create with {@link loadWintun}. One instance per
 * DLL path per thread; `unload()` releases it (only when no adapter or session handle from it is in
 * use).
 *
 * The checked methods throw {@link WintunError} mapped from `GetLastError()` (e.g. ERROR_NOT_FOUND
 * -> `ERR_WINTUN_ADAPTER_NOT_FOUND`, ERROR_ACCESS_DENIED -> `ERR_WINTUN_ACCESS_DENIED`) with
 * `win32Code` and `syscall` set.
 */
export class WintunLibrary {
  /** Absolute path of the loaded DLL. */
  readonly path: string;
  /** The raw bound functions. */
  readonly fn: WintunFunctions;
  #lib: LibraryHandle | null;
  #logger: WintunLogger | null = null;
  #callback: bigint | null = null;

  /** @internal Use {@link loadWintun}. */
  constructor(path: string, lib: LibraryHandle, fn: WintunFunctions) {
    this.path = path;
    this.#lib = lib;
    this.fn = fn;
  }

  /**
   * Creates an adapter (elevation required on real Windows). The handle owns the adapter: closing it
   * removes the adapter.
   *
   * @param requestedGuid - a GUID string or its 16 bytes, for a stable network identity.
   * @throws WintunError `ERR_WINTUN_NAME_INVALID` for a bad name or tunnel type; the mapped code of
   *   the DLL's last error otherwise.
   */
  createAdapter(name: string, tunnelType: string, requestedGuid?: string | Uint8Array | undefined): bigint {
    checkName('Adapter name', name);
    checkName('Tunnel type', tunnelType);
    const guid = requestedGuid === undefined ? null : guidBytesToStruct(typeof requestedGuid === 'string' ? parseGuid(requestedGuid) : requestedGuid);
    const handle = nullIfZero(this.fn.WintunCreateAdapter(name, tunnelType, guid));
    if (handle === null) throw win32Error('WintunCreateAdapter', getLastError(), `Creating adapter ${JSON.stringify(name)}`);
    return handle;
  }

  /**
   * Opens an existing adapter by name (case-insensitive). The handle does not own the adapter.
   *
   * @throws WintunError `ERR_WINTUN_ADAPTER_NOT_FOUND` when none has that name.
   */
  openAdapter(name: string): bigint {
    checkName('Adapter name', name);
    const handle = nullIfZero(this.fn.WintunOpenAdapter(name));
    if (handle === null) throw win32Error('WintunOpenAdapter', getLastError(), `Opening adapter ${JSON.stringify(name)}`);
    return handle;
  }

  /** Closes an adapter handle (removing the adapter when it came from `createAdapter`). `null` is a no-op. */
  closeAdapter(adapter: bigint | null): void {
    if (adapter !== null) this.fn.WintunCloseAdapter(adapter);
  }

  /**
   * Removes the Wintun driver from the driver store (fails while adapters exist).
   *
   * @throws WintunError the mapped code of the last error.
   */
  deleteDriver(): void {
    if (this.fn.WintunDeleteDriver() === 0) throw win32Error('WintunDeleteDriver', getLastError(), 'Deleting the Wintun driver');
  }

  /** The adapter's `NET_LUID` as a u64. Never fails. */
  getAdapterLuid(adapter: bigint): bigint {
    const luid: { Value?: bigint | number } = {};
    this.fn.WintunGetAdapterLUID(adapter, luid);
    return BigInt.asUintN(64, BigInt(luid.Value ?? 0));
  }

  /**
   * The running driver's version.
   *
   * @throws WintunError `ERR_WINTUN_DRIVER_NOT_LOADED` when the driver is not loaded (no adapter
   *   yet); `ERR_WINTUN_OS` for an unparsable version.
   */
  getRunningDriverVersion(): { major: number; minor: number; raw: number } {
    const raw = this.fn.WintunGetRunningDriverVersion() >>> 0;
    if (raw === 0) throw win32Error('WintunGetRunningDriverVersion', getLastError(), 'Reading the Wintun driver version');
    return { major: raw >>> 16, minor: raw & 0xffff, raw };
  }

  /**
   * Sets (or with `null` clears) the process-wide Wintun logger. The koffi callback is registered
   * once per loaded library and never unregistered (a Wintun thread may still hold the pointer);
   * Wintun may call it from any thread, koffi runs it on this thread. Never block this thread in a
   * synchronous wait while Wintun may log from another thread: that thread waits for this one.
   */
  setLogger(logger: WintunLogger | null): void {
    this.#assertLoaded();
    this.#logger = logger;
    if (logger === null) {
      this.fn.WintunSetLogger(null);
      return;
    }
    if (this.#callback === null) {
      const koffi = loadKoffi();
      const trampoline = (level: number, timestamp: bigint | number, message: string | null): void => {
        const user = this.#logger;
        if (user === null) return;
        try {
          user(level as WintunLogLevel, filetimeToDate(timestamp), message ?? '');
        } catch {
          // A logger failure must not propagate into Wintun's thread.
        }
      };
      this.#callback = koffi.register(trampoline, win32Types().WINTUN_LOGGER_CALLBACK) as unknown as bigint;
    }
    this.fn.WintunSetLogger(this.#callback);
  }

  /**
   * Starts a session through the DLL (`WintunStartSession`). wintun-ts registers its own rings
   * instead; this is for tests and for callers who want the DLL's rings.
   *
   * @throws WintunError the mapped code (e.g. `ERR_WINTUN_ALREADY_REGISTERED`).
   */
  startSession(adapter: bigint, capacity: number): bigint {
    const handle = nullIfZero(this.fn.WintunStartSession(adapter, capacity >>> 0));
    if (handle === null) throw win32Error('WintunStartSession', getLastError(), 'Starting a Wintun session');
    return handle;
  }

  /** Ends a session started by {@link WintunLibrary.startSession}. */
  endSession(session: bigint): void {
    this.fn.WintunEndSession(session);
  }

  /** The session's read-wait event (owned by the session: never close it). */
  getReadWaitEvent(session: bigint): bigint {
    const handle = nullIfZero(this.fn.WintunGetReadWaitEvent(session));
    if (handle === null) throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'WintunGetReadWaitEvent returned NULL: not a session handle.');
    return handle;
  }

  /**
   * Takes the next packet, or `null` when none is waiting (ERROR_NO_MORE_ITEMS).
   *
   * @throws WintunError `ERR_WINTUN_EOF`, `ERR_WINTUN_RING_CORRUPT` or another mapped code.
   */
  receivePacket(session: bigint): WintunReceivedPacket | null {
    const size = [0];
    const packet = this.fn.WintunReceivePacket(session, size);
    if (packet === null || packet === 0n) {
      const code = getLastError();
      if (code === ERROR_NO_MORE_ITEMS) return null;
      throw win32Error('WintunReceivePacket', code, 'Receiving a packet');
    }
    return { packet, size: size[0] ?? 0 };
  }

  /** Releases a packet returned by {@link WintunLibrary.receivePacket}. */
  releaseReceivePacket(session: bigint, packet: bigint): void {
    this.fn.WintunReleaseReceivePacket(session, packet);
  }

  /**
   * Allocates a packet to send, or `null` when the ring is full (ERROR_BUFFER_OVERFLOW: drop it).
   *
   * @throws WintunError `ERR_WINTUN_EOF` or another mapped code.
   */
  allocateSendPacket(session: bigint, size: number): bigint | null {
    const packet = this.fn.WintunAllocateSendPacket(session, size >>> 0);
    if (packet === null || packet === 0n) {
      const code = getLastError();
      if (code === ERROR_BUFFER_OVERFLOW) return null;
      throw win32Error('WintunAllocateSendPacket', code, 'Allocating a packet');
    }
    return packet;
  }

  /** Sends a packet returned by {@link WintunLibrary.allocateSendPacket}. */
  sendPacket(session: bigint, packet: bigint): void {
    this.fn.WintunSendPacket(session, packet);
  }

  /**
   * Clears the logger and unloads the DLL. Idempotent. Close every adapter and session of this
   * library first, and let Wintun's background threads finish (they may still log).
   */
  unload(): void {
    const lib = this.#lib;
    if (lib === null) return;
    this.#lib = null;
    loaded.delete(this.path.toLowerCase());
    // The logger trampoline stays registered (one per loaded library): a Wintun thread that read
    // the logger pointer just before WintunSetLogger(NULL) may still call it, and calling an
    // unregistered koffi callback would crash. It forwards nothing once #logger is null.
    try {
      if (this.#callback !== null) this.fn.WintunSetLogger(null);
    } finally {
      this.#callback = null;
      this.#logger = null;
      lib.unload();
    }
  }

  /** True until {@link WintunLibrary.unload}. */
  get loaded(): boolean {
    return this.#lib !== null;
  }

  #assertLoaded(): void {
    if (this.#lib === null) throw new WintunError('ERR_WINTUN_CLOSED', `${this.path} was unloaded.`);
  }
}

const loaded = new Map<string, WintunLibrary>();

/**
 * Loads wintun.dll by absolute path (see {@link resolveWintunDllPath}) and binds its 14 exports.
 * Returns the same instance for the same path in the same thread until it is unloaded.
 *
 * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` off Windows; `ERR_WINTUN_DLL_NOT_FOUND`;
 *   `ERR_WINTUN_DLL_ARCH`; `ERR_WINTUN_DLL_SYMBOL_MISSING` listing every missing export;
 *   `ERR_WINTUN_OS` when Windows refuses to load the file.
 */
export function loadWintun(options: WintunLoadOptions = {}): WintunLibrary {
  checkLoadOptions('loadWintun', options);
  requireWindows('wintun.dll');
  const path = resolveWintunDllPath(options);
  const cached = loaded.get(path.toLowerCase());
  if (cached !== undefined) return cached;
  const koffi = loadKoffi();
  let lib: LibraryHandle;
  try {
    lib = koffi.load(path);
  } catch (cause) {
    throw new WintunError('ERR_WINTUN_OS', `Windows could not load ${path}: ${(cause as Error).message}`, { cause, syscall: 'LoadLibraryExW' });
  }
  const { HANDLE, GUID, NET_LUID, WINTUN_LOGGER_CALLBACK } = win32Types();
  const signatures: Record<(typeof WINTUN_EXPORTS)[number], [Parameters<typeof bindStdcall>[3], Parameters<typeof bindStdcall>[4]]> = {
    WintunCreateAdapter: [HANDLE, ['str16', 'str16', koffi.pointer(GUID)]],
    WintunOpenAdapter: [HANDLE, ['str16']],
    WintunCloseAdapter: ['void', [HANDLE]],
    WintunDeleteDriver: ['int', []],
    WintunGetAdapterLUID: ['void', [HANDLE, koffi.out(koffi.pointer(NET_LUID))]],
    WintunGetRunningDriverVersion: ['uint32_t', []],
    WintunSetLogger: ['void', [WINTUN_LOGGER_CALLBACK]],
    WintunStartSession: [HANDLE, [HANDLE, 'uint32_t']],
    WintunEndSession: ['void', [HANDLE]],
    WintunGetReadWaitEvent: [HANDLE, [HANDLE]],
    WintunReceivePacket: ['void *', [HANDLE, koffi.out(koffi.pointer('uint32_t'))]],
    WintunReleaseReceivePacket: ['void', [HANDLE, 'void *']],
    WintunAllocateSendPacket: ['void *', [HANDLE, 'uint32_t']],
    WintunSendPacket: ['void', [HANDLE, 'void *']],
  };
  const fn: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const name of WINTUN_EXPORTS) {
    const [result, params] = signatures[name];
    const bound = bindStdcall(lib, path, name, result, params, true);
    if (bound === null) missing.push(name);
    else fn[name] = bound;
  }
  if (missing.length > 0) {
    lib.unload();
    throw new WintunError(
      'ERR_WINTUN_DLL_SYMBOL_MISSING',
      `${path} lacks ${missing.length} of the 14 Wintun 0.14 exports: ${missing.join(', ')}. Use wintun.dll 0.14 or newer from ${WINTUN_DOWNLOAD_URL}.`,
      { win32Code: 127, syscall: 'GetProcAddress' },
    );
  }
  const library = new WintunLibrary(path, lib, fn as unknown as WintunFunctions);
  loaded.set(path.toLowerCase(), library);
  return library;
}

/** Formats a `NET_LUID` u64 for messages: `luid 0x...` with IfType and NetLuidIndex. Pure. */
export function describeLuid(luid: bigint): string {
  if (typeof luid !== 'bigint' || luid < 0n || luid > 0xffffffffffffffffn) badArgument('describeLuid', 'luid', 'a u64 bigint', luid);
  const ifType = Number((luid >> 48n) & 0xffffn);
  const index = Number((luid >> 24n) & 0xffffffn);
  return `luid 0x${luid.toString(16).padStart(16, '0')} (IfType ${ifType}, NetLuidIndex ${index})`;
}

/** The instance ID Windows 10+ gives a Wintun adapter created with a requested GUID: `SWD\Wintun\{GUID}`. Pure. */
export function wintunInstanceIdForGuid(guid: string | Uint8Array): string {
  if (typeof guid !== 'string' && !isUint8Array(guid)) badArgument('wintunInstanceIdForGuid', 'guid', 'a GUID string or its 16 bytes', guid);
  return `SWD\\Wintun\\${formatGuid(typeof guid === 'string' ? parseGuid(guid) : guid)}`;
}

function checkLoadOptions(what: string, options: unknown): void {
  checkObject(what, 'options', options);
  const o = (options ?? {}) as { dllPath?: unknown; arch?: unknown };
  if (o.dllPath !== undefined) checkString(what, 'options.dllPath', o.dllPath, true);
  if (o.arch !== undefined) checkString(what, 'options.arch', o.arch);
}
