/**
 * The Windows backend of {@link Adapter}: adapter lifecycle through wintun.dll (create with the
 * requested GUID, open, close/delete, LUID, driver version, delete driver, logger), enumeration
 * through SetupAPI, sessions over rings of our own registered with the Wintun driver (spec 6.4
 * option (a)) through a {@link RingRegistrar}, and configuration through IP Helper (addresses,
 * MTU, routes) and `SetInterfaceDnsSettings` (registry fallback before Windows 10 2004). Never
 * `netsh`.
 *
 * Threading: every wintun.dll call that may log or take long (create, open, close, driver
 * version, delete driver) runs on libuv's pool (`.async`), so the JavaScript thread stays free to
 * run the logger callbacks Wintun sends from its own threads (the logging thread waits for them).
 * IP Helper, SetupAPI and registry calls are short and synchronous.
 *
 * Link state: Windows has no administrative up/down for a Wintun adapter; the driver reports
 * media connected exactly while rings are registered. `isUp()` reports that state, `setUp()`
 * changes nothing.
 *
 * @module
 */
import { Session, WintunError, isValidRingCapacity, type SessionOptions } from '@wintun-ts/session';
import { allocateRingMemory, createRingPair, ringPairSize, ringSizeFromCapacity } from '@wintun-ts/session/driver';
import { loadKoffi } from '@wintun-ts/session/linux';
import {
  DNS_INTERFACE_SETTINGS_VERSION1,
  DNS_SETTING_IPV6,
  DNS_SETTING_NAMESERVER,
  DNS_SETTING_SEARCHLIST,
  KEY_SET_VALUE,
  REG_SZ,
  createWin32Event,
  encodeRegisterRings,
  openWin32Event,
  formatGuid,
  getLastError,
  guidBytesToStruct,
  hkeyLocalMachine,
  iphlpapi,
  iphlpapiRaw,
  loadWintun,
  parseGuid,
  advapi32,
  regSzBytes,
  utf16z,
  win32Error,
  wintunArchOf,
  type NativeFunction,
  type Win32Event,
  type Win32Handle,
  type WintunLibrary,
  type WintunLogLevel,
} from '@wintun-ts/session/win32';
import { normalizeGuid, type IpPrefix } from '../net.js';
import type {
  AdapterAddress,
  AdapterBackend,
  AdapterCreateOptions,
  AdapterInfo,
  AdapterLogLevel,
  AdapterLogger,
  AdapterOpenOptions,
  InterfaceCounters,
  ParsedRoute,
  PlatformBackend,
  StartSessionEngine,
} from '../types.js';
import { familyDisabledError, waitForIpInterfaces, type InterfaceFamilies } from './interfaces.js';
import { listWintunDevices, removeWintunDevice } from './devices.js';
import {
  IPFORWARD_ROW2,
  UNICAST_ROW,
  UNICAST_TABLE_ROWS_OFFSET,
  decodeIfRow2Counters,
  decodeUnicastRow,
  encodeIfRow2Key,
  encodeIpInterfaceKey,
  fillForwardRow,
  fillUnicastRow,
  joinDnsList,
  readInterfaceConnected,
  readInterfaceMtu,
  setInterfaceMtu,
  tcpipInterfaceKey,
  writeLuid,
} from './encode.js';
import { kernelRegistrar, registrationError, type RingRegistrar } from './registrar.js';

/** The tunnel type used when {@link AdapterCreateOptions.tunnelType} is not given. */
export const DEFAULT_TUNNEL_TYPE = 'wintun-ts';

const ERROR_NOT_FOUND = 1168;
const ERROR_OBJECT_ALREADY_EXISTS = 5010;
const ERROR_ALREADY_EXISTS = 183;
const LEVELS: readonly AdapterLogLevel[] = ['info', 'warn', 'error'];
/** Default of {@link AdapterCreateOptions.interfaceTimeoutMs}. */
const DEFAULT_INTERFACE_TIMEOUT_MS = 10_000;
/** After one family's interface appeared, how long the other may take before it counts as disabled. */
const FAMILY_SETTLE_MS = 2_000;

function interfaceTimeoutOf(options: AdapterOpenOptions): number {
  const t = options.interfaceTimeoutMs;
  if (t === undefined) return DEFAULT_INTERFACE_TIMEOUT_MS;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `interfaceTimeoutMs must be a finite number of milliseconds >= 0, got ${String(t)}.`);
  }
  return t;
}

// ------------------------------------------------------------------ wintun.dll helpers

const loggerSets = new WeakMap<WintunLibrary, Set<AdapterLogger>>();
/** Per library: how many probes are running whose log lines are dropped (see {@link quietly}). */
const mutedProbes = new WeakMap<WintunLibrary, number>();

/**
 * Runs a probe whose failure is expected (`WintunOpenAdapter` of a name that may not exist, which
 * wintun.dll reports as an error log line) with the library's log lines dropped until it returns.
 * Wintun calls the logger on the calling thread, which waits for the JavaScript callback, so the
 * lines arrive before the call completes. Lines of other calls running at the same moment in this
 * process are dropped too (rare: a create racing another wintun.dll call).
 */
async function quietly<T>(lib: WintunLibrary, probe: () => Promise<T>): Promise<T> {
  mutedProbes.set(lib, (mutedProbes.get(lib) ?? 0) + 1);
  try {
    return await probe();
  } finally {
    mutedProbes.set(lib, (mutedProbes.get(lib) ?? 1) - 1);
  }
}

/** Adds `logger` to the library's dispatcher (installed once per library); returns the detach function. */
function attachLogger(lib: WintunLibrary, logger: AdapterLogger | undefined): () => void {
  if (logger === undefined) return () => undefined;
  if (typeof logger !== 'function') throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'logger must be a function (level, message, timestamp) => void.');
  let set = loggerSets.get(lib);
  if (set === undefined) {
    const sinks = new Set<AdapterLogger>();
    set = sinks;
    loggerSets.set(lib, sinks);
    lib.setLogger((level: WintunLogLevel, timestamp: Date, message: string) => {
      if ((mutedProbes.get(lib) ?? 0) > 0) return;
      for (const sink of sinks) {
        try {
          sink(LEVELS[level] ?? 'info', message, timestamp);
        } catch {
          // A user logger must not break the others or Wintun's thread.
        }
      }
    });
  }
  const sinks = set;
  sinks.add(logger);
  return () => {
    sinks.delete(logger);
  };
}

/** Sends `message` to every logger attached to `lib` (the adapters' loggers). */
function logThrough(lib: WintunLibrary, level: AdapterLogLevel, message: string): void {
  const sinks = loggerSets.get(lib);
  if (sinks === undefined) return;
  const now = new Date();
  for (const sink of sinks) {
    try {
      sink(level, message, now);
    } catch {
      // A user logger must not break the session start.
    }
  }
}

/**
 * Registration failures the 'dll' engine cannot get past either: the driver's own refusals
 * (access, one session per adapter, capacity) and a closing adapter. Anything else (the device
 * object path not found, the IOCTL or its descriptor refused, an architecture without a ring
 * descriptor) is a failure of wintun-ts's own registration, which `'auto'` answers with the DLL.
 */
const FINAL_REGISTRATION_CODES: ReadonlySet<string> = new Set(['ERR_WINTUN_ACCESS_DENIED', 'ERR_WINTUN_ALREADY_REGISTERED', 'ERR_WINTUN_INVALID_CAPACITY', 'ERR_WINTUN_CLOSED']);

/** True when the 'dll' engine may succeed where the rings registration failed with `error`. */
export function dllMaySurvive(error: unknown): boolean {
  return error instanceof WintunError && !FINAL_REGISTRATION_CODES.has(error.code);
}

/** Runs a native function on libuv's pool; resolves with its result and the thread's last error. */
function callAsync<F extends (...args: never[]) => unknown>(fn: NativeFunction<F>, ...args: Parameters<F>): Promise<{ result: ReturnType<F>; lastError: number }> {
  return new Promise((resolve, reject) => {
    const callback = (error: unknown, result: ReturnType<F>): void => {
      if (error) reject(error instanceof WintunError ? error : new WintunError('ERR_WINTUN_OS', `An asynchronous native call failed: ${String(error)}`, { cause: error }));
      else resolve({ result, lastError: getLastError() });
    };
    (fn.async as (...a: unknown[]) => void)(...args, callback);
  });
}

function isNull(handle: unknown): boolean {
  return handle === null || handle === 0n || handle === undefined;
}

function loadLibrary(options: { readonly dllPath?: string | undefined }): WintunLibrary {
  return loadWintun({ dllPath: options.dllPath });
}

// ------------------------------------------------------------------ IP Helper helpers

function luidBytes(luid: bigint): Uint8Array {
  const b = new Uint8Array(8);
  writeLuid(b, 0, luid);
  return b;
}

function luidToIndex(luid: bigint): number | null {
  const index = [0];
  return iphlpapiRaw().ConvertInterfaceLuidToIndex(luidBytes(luid), index) === 0 ? (index[0] ?? 0) : null;
}

function luidToGuid(luid: bigint): string | null {
  const guid = new Uint8Array(16);
  return iphlpapiRaw().ConvertInterfaceLuidToGuid(luidBytes(luid), guid) === 0 ? normalizeGuid(formatGuid(guid)) : null;
}

function luidToAlias(luid: bigint): string | null {
  const ip = iphlpapiRaw();
  const buffer = new Uint16Array(257);
  if (ip.ConvertInterfaceLuidToAlias(luidBytes(luid), buffer, buffer.length) === 0) return utf16z(buffer);
  if (ip.ConvertInterfaceLuidToNameW(luidBytes(luid), buffer, buffer.length) === 0) return utf16z(buffer);
  return null;
}

function interfaceRow(luid: bigint, family: 4 | 6): { row: Uint8Array | null; status: number } {
  const row = encodeIpInterfaceKey(family, luid);
  const status = iphlpapiRaw().GetIpInterfaceEntry(row);
  return { row: status === 0 ? row : null, status };
}

/** The first IP interface row (IPv4, else IPv6) of `luid`, or null (also where IP Helper lacks the call). */
function anyInterfaceRow(luid: bigint): Uint8Array | null {
  for (const family of [4, 6] as const) {
    try {
      const { row } = interfaceRow(luid, family);
      if (row !== null) return row;
    } catch {
      return null;
    }
  }
  return null;
}

function mtuOf(luid: bigint): number | null {
  const row = anyInterfaceRow(luid);
  return row === null ? null : readInterfaceMtu(row);
}

function connectedOf(luid: bigint): boolean | null {
  const row = anyInterfaceRow(luid);
  return row === null ? null : readInterfaceConnected(row);
}

function netioError(syscall: string, status: number, what: string): WintunError {
  if (status === ERROR_OBJECT_ALREADY_EXISTS || status === ERROR_ALREADY_EXISTS) {
    return new WintunError('ERR_WINTUN_ALREADY_EXISTS', `${what}: it already exists (${syscall} returned ${status}).`, { win32Code: status, syscall });
  }
  if (status === ERROR_NOT_FOUND) {
    return new WintunError('ERR_WINTUN_NOT_FOUND', `${what}: not found (${syscall} returned ${status}).`, { win32Code: status, syscall });
  }
  return win32Error(syscall, status, what);
}

// ------------------------------------------------------------------ the adapter

/**
 * One open Wintun adapter (the Windows {@link AdapterBackend}). Holds a wintun.dll adapter handle;
 * an adapter this object created is removed when it closes (Wintun's rule since 0.14). Main
 * thread only.
 */
export class WindowsAdapter implements AdapterBackend {
  /** The name the adapter was created or opened with (Wintun sets it as the interface alias). */
  readonly name: string;
  #index: number;
  /** NET_LUID from `WintunGetAdapterLUID`. */
  readonly luid: bigint;
  /** Interface GUID (`{...}`, lower case), from `ConvertInterfaceLuidToGuid` or else the requested one. */
  readonly guid: string | null;
  /** True when this object created the adapter (closing removes it). */
  readonly owned: boolean;
  readonly #lib: WintunLibrary;
  #handle: bigint | null;
  readonly #detachLogger: () => void;
  #session: Session | undefined;
  #closing: Promise<void> | undefined;
  #starting: Promise<Session> | null = null;
  /** Set once close()/delete() began: a start completing afterwards closes its session and rejects. */
  #closeRequested = false;
  readonly #registrar: RingRegistrar;
  readonly #interfaceTimeoutMs: number;
  /** Aborted on close: ends a wait for the IP interfaces. */
  readonly #closed = new AbortController();
  /** Families found absent once the other existed (IPv6 disabled, typically): not waited for again. */
  #absent: InterfaceFamilies = { v4: false, v6: false };

  /** @internal Use `windowsPlatform.create` / `open` (or a platform from {@link createWindowsPlatform}). */
  constructor(
    lib: WintunLibrary,
    handle: bigint,
    owned: boolean,
    name: string,
    requestedGuid: string | null,
    detachLogger: () => void,
    registrar: RingRegistrar = kernelRegistrar,
    interfaceTimeoutMs = DEFAULT_INTERFACE_TIMEOUT_MS,
  ) {
    this.#interfaceTimeoutMs = interfaceTimeoutMs;
    this.#registrar = registrar;
    this.#lib = lib;
    this.#handle = handle;
    this.owned = owned;
    this.name = name;
    this.#detachLogger = detachLogger;
    this.luid = lib.getAdapterLuid(handle);
    this.#index = luidToIndex(this.luid) ?? 0;
    this.guid = luidToGuid(this.luid) ?? requestedGuid;
  }

  /**
   * IF_INDEX, or 0 while Windows has no IP interface for the LUID (right after create, before the
   * interfaces exist; always under Wine). Looked up again until it is known; any address, route,
   * MTU or DNS call first waits for the interfaces, after which it is set.
   */
  get index(): number {
    if (this.#index === 0) this.#index = luidToIndex(this.luid) ?? 0;
    return this.#index;
  }

  #live(): void {
    if (this.#handle === null) throw new WintunError('ERR_WINTUN_CLOSED', `Adapter ${this.name} is closed.`);
  }

  /**
   * Waits (bounded by `interfaceTimeoutMs`, ended by close) until the IP interface `want` needs
   * exists; returns which families exist, or null where IP Helper cannot tell (no
   * `GetIpInterfaceEntry`, e.g. Wine): callers then go ahead as if both existed.
   *
   * @throws WintunError `ERR_WINTUN_TIMEOUT`, `ERR_WINTUN_CLOSED` (closed while waiting),
   *   `ERR_WINTUN_FAMILY_DISABLED` when `want` is a family that does not exist.
   */
  async #interfaces(want: 4 | 6 | 'any' | 'all', what: string): Promise<InterfaceFamilies | null> {
    let families: InterfaceFamilies;
    try {
      families = await waitForIpInterfaces((family) => iphlpapiRaw().GetIpInterfaceEntry(encodeIpInterfaceKey(family, this.luid)), want, {
        timeoutMs: this.#interfaceTimeoutMs,
        settleMs: FAMILY_SETTLE_MS,
        signal: this.#closed.signal,
        knownAbsent: this.#absent,
        name: this.name,
      });
    } catch (error) {
      if (error instanceof WintunError && error.code === 'ERR_WINTUN_UNSUPPORTED_PLATFORM') return null;
      if (error instanceof WintunError && error.code === 'ERR_WINTUN_ABORTED') {
        throw new WintunError('ERR_WINTUN_CLOSED', `${what}: adapter ${this.name} was closed while waiting for its IP interfaces.`);
      }
      throw error;
    }
    this.#absent = { v4: this.#absent.v4 || (!families.v4 && families.v6), v6: this.#absent.v6 || (!families.v6 && families.v4) };
    if (this.#index === 0) this.#index = luidToIndex(this.luid) ?? 0;
    if (want === 4 && !families.v4) throw familyDisabledError(4, this.name, what);
    if (want === 6 && !families.v6) throw familyDisabledError(6, this.name, what);
    return families;
  }

  /** Addresses of this interface (GetUnicastIpAddressTable filtered by LUID). */
  async addresses(): Promise<AdapterAddress[]> {
    this.#live();
    const ip = iphlpapiRaw();
    const table: (bigint | null)[] = [null];
    const status = ip.GetUnicastIpAddressTable(0, table);
    if (status !== 0) throw win32Error('GetUnicastIpAddressTable', status, `Listing the addresses of ${this.name}`);
    const ptr = table[0];
    if (ptr === null || ptr === undefined) return [];
    try {
      const koffi = loadKoffi();
      const count = koffi.decode(ptr, 'uint32_t') as number;
      const bytes = new Uint8Array(koffi.view(ptr, UNICAST_TABLE_ROWS_OFFSET + count * UNICAST_ROW.size));
      const out: AdapterAddress[] = [];
      for (let i = 0; i < count; i++) {
        const row = decodeUnicastRow(bytes, UNICAST_TABLE_ROWS_OFFSET + i * UNICAST_ROW.size);
        if (row.luid === this.luid && row.address !== null) {
          out.push({ family: row.address.family, address: row.address.address, prefixLength: row.prefixLength });
        }
      }
      return out;
    } finally {
      ip.FreeMibTable(ptr);
    }
  }

  /**
   * Adds an address with DAD skipped (`DadState = IpDadStatePreferred`).
   *
   * @throws WintunError `ERR_WINTUN_ALREADY_EXISTS` when it is already assigned.
   */
  async addAddress(prefix: IpPrefix): Promise<void> {
    this.#live();
    await this.#interfaces(prefix.family, `Adding ${prefix.address}/${prefix.prefixLength} to ${this.name}`);
    const ip = iphlpapiRaw();
    const row = new Uint8Array(UNICAST_ROW.size);
    ip.InitializeUnicastIpAddressEntry(row);
    fillUnicastRow(row, this.luid, prefix);
    const status = ip.CreateUnicastIpAddressEntry(row);
    if (status !== 0) throw netioError('CreateUnicastIpAddressEntry', status, `Adding ${prefix.address}/${prefix.prefixLength} to ${this.name}`);
  }

  /**
   * Removes an address.
   *
   * @throws WintunError `ERR_WINTUN_NOT_FOUND` when it is not assigned.
   */
  async removeAddress(prefix: IpPrefix): Promise<void> {
    this.#live();
    await this.#interfaces(prefix.family, `Removing ${prefix.address} from ${this.name}`);
    const row = new Uint8Array(UNICAST_ROW.size);
    fillUnicastRow(row, this.luid, prefix);
    const status = iphlpapiRaw().DeleteUnicastIpAddressEntry(row);
    if (status !== 0) throw netioError('DeleteUnicastIpAddressEntry', status, `Removing ${prefix.address} from ${this.name}`);
  }

  /** `NlMtu` of the IPv4 interface (else the IPv6 one). */
  async getMtu(): Promise<number> {
    this.#live();
    await this.#interfaces('any', `Reading the MTU of ${this.name}`);
    const { row, status } = interfaceRow(this.luid, 4);
    if (row !== null) return readInterfaceMtu(row);
    const v6 = interfaceRow(this.luid, 6);
    if (v6.row !== null) return readInterfaceMtu(v6.row);
    throw win32Error('GetIpInterfaceEntry', status, `Reading the MTU of ${this.name}`);
  }

  /** Sets `NlMtu` on the IPv4 and the IPv6 interface (a family that is disabled is skipped). */
  async setMtu(mtu: number): Promise<void> {
    this.#live();
    await this.#interfaces('all', `Setting the MTU of ${this.name}`);
    const ip = iphlpapiRaw();
    let done = 0;
    let lastStatus = ERROR_NOT_FOUND;
    for (const family of [4, 6] as const) {
      const { row, status } = interfaceRow(this.luid, family);
      if (row === null) {
        lastStatus = status;
        continue;
      }
      setInterfaceMtu(row, mtu);
      const set = ip.SetIpInterfaceEntry(row);
      if (set !== 0) throw win32Error('SetIpInterfaceEntry', set, `Setting the IPv${family} MTU of ${this.name} to ${mtu}`);
      done++;
    }
    if (done === 0) throw win32Error('GetIpInterfaceEntry', lastStatus, `Setting the MTU of ${this.name}`);
  }

  /** Changes nothing: a Wintun adapter is up exactly while a session is registered. */
  async setUp(_up: boolean): Promise<void> {
    this.#live();
  }

  /** Media connected (a session is registered), as IP Helper reports it; else this object's own session state. */
  async isUp(): Promise<boolean> {
    this.#live();
    return connectedOf(this.luid) ?? this.#session?.isOpen === true;
  }

  /**
   * Adds a route through the adapter (on-link when no gateway).
   *
   * @throws WintunError `ERR_WINTUN_ALREADY_EXISTS` when the route exists.
   */
  async addRoute(route: ParsedRoute): Promise<void> {
    this.#live();
    await this.#interfaces(route.destination.family, `Adding the route ${route.destination.address}/${route.destination.prefixLength} via ${this.name}`);
    const ip = iphlpapiRaw();
    const row = new Uint8Array(IPFORWARD_ROW2.size);
    ip.InitializeIpForwardEntry(row);
    fillForwardRow(row, this.luid, route.destination, route.gateway, route.metric);
    const status = ip.CreateIpForwardEntry2(row);
    if (status !== 0) throw netioError('CreateIpForwardEntry2', status, `Adding the route ${route.destination.address}/${route.destination.prefixLength} via ${this.name}`);
  }

  /**
   * Removes a route through the adapter.
   *
   * @throws WintunError `ERR_WINTUN_NOT_FOUND` when there is no such route.
   */
  async removeRoute(route: ParsedRoute): Promise<void> {
    this.#live();
    await this.#interfaces(route.destination.family, `Removing the route ${route.destination.address}/${route.destination.prefixLength} via ${this.name}`);
    const ip = iphlpapiRaw();
    const row = new Uint8Array(IPFORWARD_ROW2.size);
    ip.InitializeIpForwardEntry(row);
    fillForwardRow(row, this.luid, route.destination, route.gateway, route.metric);
    const status = ip.DeleteIpForwardEntry2(row);
    if (status !== 0) throw netioError('DeleteIpForwardEntry2', status, `Removing the route ${route.destination.address}/${route.destination.prefixLength} via ${this.name}`);
  }

  /**
   * Sets DNS servers (per family) and search domains: `SetInterfaceDnsSettings` on Windows 10 2004
   * and later, else the documented registry values `NameServer` / `SearchList` under
   * `HKLM\SYSTEM\CurrentControlSet\Services\Tcpip(6)\Parameters\Interfaces\{GUID}`. An empty
   * list clears the family's servers.
   *
   * A family without an interface (IPv6 disabled on the host) is skipped when it gets no servers.
   *
   * @throws WintunError `ERR_WINTUN_DEVICE_NOT_AVAILABLE` without an interface GUID;
   *   `ERR_WINTUN_INVALID_ARGUMENT` for a search domain with a comma or whitespace;
   *   `ERR_WINTUN_FAMILY_DISABLED` for servers of a family the adapter has no interface for.
   */
  async setDns(servers: readonly IpPrefix[], searchDomains: readonly string[]): Promise<void> {
    this.#live();
    const guid = this.guid;
    if (guid === null) throw new WintunError('ERR_WINTUN_DEVICE_NOT_AVAILABLE', `Adapter ${this.name} has no interface GUID to set DNS on.`);
    const lists = {
      4: joinDnsList(servers.filter((s) => s.family === 4).map((s) => s.address)),
      6: joinDnsList(servers.filter((s) => s.family === 6).map((s) => s.address)),
    };
    const search = joinDnsList(searchDomains);
    const families = await this.#interfaces('all', `Setting the DNS servers of ${this.name}`);
    for (const family of [4, 6] as const) {
      if (families !== null && !(family === 4 ? families.v4 : families.v6) && lists[family] !== '') {
        throw familyDisabledError(family, this.name, `Setting the IPv${family} DNS servers of ${this.name}`);
      }
    }
    const set = iphlpapi().SetInterfaceDnsSettings;
    for (const family of [4, 6] as const) {
      // A family without an interface (IPv6 disabled) has no servers to clear: skip its step.
      if (families !== null && !(family === 4 ? families.v4 : families.v6)) continue;
      if (set !== null) {
        const settings = {
          Version: DNS_INTERFACE_SETTINGS_VERSION1,
          Flags: BigInt(DNS_SETTING_NAMESERVER | (family === 4 ? DNS_SETTING_SEARCHLIST : DNS_SETTING_IPV6)),
          Domain: null,
          NameServer: lists[family],
          SearchList: family === 4 ? search : null,
          RegistrationEnabled: 0,
          RegisterAdapterName: 0,
          EnableLLMNR: 0,
          QueryAdapterName: 0,
          ProfileNameServer: null,
        };
        const status = set(guidBytesToStruct(parseGuid(guid)), settings);
        if (status !== 0) throw win32Error('SetInterfaceDnsSettings', status, `Setting the IPv${family} DNS servers of ${this.name}`);
      } else {
        const values: [string, string][] = [['NameServer', lists[family]]];
        if (family === 4) values.push(['SearchList', search]);
        writeRegistryStrings(tcpipInterfaceKey(family, guid), values, `Setting the IPv${family} DNS servers of ${this.name}`);
      }
    }
  }

  /**
   * Registers rings of `capacity` bytes with the driver and returns the session over them: native
   * (VirtualAlloc'd) ring memory, two auto-reset Win32 events, `TUN_REGISTER_RINGS` through the
   * registrar. The session's close unregisters (closing the device handle off the event loop),
   * then closes the events, then frees the memory.
   *
   * @throws WintunError `ERR_WINTUN_INVALID_CAPACITY`, `ERR_WINTUN_ALREADY_REGISTERED`,
   *   `ERR_WINTUN_ACCESS_DENIED`, `ERR_WINTUN_DEVICE_NOT_AVAILABLE` (see `registrationError`).
   */
  async startSession(capacity: number, options: SessionOptions = {}, engine: StartSessionEngine = 'auto'): Promise<Session> {
    this.#live();
    if (this.#closeRequested) throw new WintunError('ERR_WINTUN_CLOSED', `Adapter ${this.name} is closing.`);
    const start = this.#startEngine(capacity, options, engine);
    this.#starting = start;
    try {
      return await start;
    } finally {
      if (this.#starting === start) this.#starting = null;
    }
  }

  /** Picks the engine: 'dll', 'rings', or 'auto' (rings, then the DLL when the registration failed in a way it may survive). */
  async #startEngine(capacity: number, options: SessionOptions, engine: StartSessionEngine): Promise<Session> {
    if (!isValidRingCapacity(capacity)) {
      throw new WintunError('ERR_WINTUN_INVALID_CAPACITY', `capacity must be a power of two between 0x20000 and 0x4000000, got ${String(capacity)}.`);
    }
    if (engine === 'dll') return this.#startDllSession(capacity, options);
    try {
      return await this.#startSession(capacity, options);
    } catch (error) {
      if (engine === 'rings' || this.#closeRequested || !dllMaySurvive(error)) throw error;
      const why = error instanceof WintunError ? `${error.code}: ${error.message}` : String(error);
      logThrough(this.#lib, 'warn', `Adapter ${this.name}: registering wintun-ts's own rings failed (${why}); engine 'auto' falls back to wintun.dll's session functions (engine 'dll').`);
      try {
        return await this.#startDllSession(capacity, options);
      } catch (dllError) {
        const dllWhy = dllError instanceof WintunError ? `${dllError.code}: ${dllError.message}` : String(dllError);
        logThrough(this.#lib, 'error', `Adapter ${this.name}: the 'dll' engine failed too (${dllWhy}).`);
        // The first failure says what went wrong with the default path; the second one is logged.
        throw error;
      }
    }
  }

  /**
   * The 'dll' engine: `WintunStartSession` (off the event loop), the DLL's read event, and a
   * session whose packets go through `WintunReceivePacket`/`WintunAllocateSendPacket`; its close
   * ends the DLL session (`WintunEndSession`, off the event loop) after every waiter was woken.
   */
  async #startDllSession(capacity: number, options: SessionOptions): Promise<Session> {
    const lib = this.#lib;
    this.#live();
    const { result, lastError } = await callAsync(lib.fn.WintunStartSession, this.#handle!, capacity >>> 0);
    if (isNull(result)) throw registrationError('WintunStartSession', lastError, this.name);
    const handle = result as bigint;
    let handedOver = false;
    try {
      const readEvent = openWin32Event(lib.getReadWaitEvent(handle));
      const koffi = loadKoffi();
      let ended = false;
      const link = {
        close: async (): Promise<void> => {
          if (ended) return;
          ended = true;
          await callAsync(lib.fn.WintunEndSession, handle);
        },
      };
      const session = new Session({ engine: 'dll', calls: lib, handle, view: (address: bigint, length: number) => koffi.view(address, length), readEvent, link }, options);
      handedOver = true;
      return await this.#adopt(session);
    } catch (error) {
      if (!handedOver) await callAsync(lib.fn.WintunEndSession, handle);
      throw error;
    }
  }

  /**
   * Takes a just-built session as this adapter's, or, when `close()`/`delete()` came while it was
   * starting, closes it and rejects with `ERR_WINTUN_CLOSED` (both engines end their start here).
   */
  async #adopt(session: Session): Promise<Session> {
    if (this.#closeRequested) {
      await session.close();
      throw new WintunError('ERR_WINTUN_CLOSED', `Adapter ${this.name} was closed while its session was starting; the new session was closed.`);
    }
    this.#session = session;
    return session;
  }

  async #startSession(capacity: number, options: SessionOptions): Promise<Session> {
    const arch = wintunArchOf();
    if (arch === null) throw new WintunError('ERR_WINTUN_UNSUPPORTED_PLATFORM', `Wintun has no ring descriptor for ${process.arch}.`);
    const layout = { sendCapacity: capacity, receiveCapacity: capacity };
    const memory = allocateRingMemory(ringPairSize(layout), { kind: 'native' });
    let readEvent: Win32Event | undefined;
    let writeEvent: Win32Event | undefined;
    let handedOver = false;
    try {
      const rings = createRingPair(memory, layout);
      readEvent = createWin32Event();
      writeEvent = createWin32Event();
      const address = memory.address;
      if (address === null) throw new WintunError('ERR_WINTUN_OS', 'Ring memory has no native address.');
      const ringSize = ringSizeFromCapacity(capacity);
      const descriptor = encodeRegisterRings(
        {
          send: { ringSize, ring: address, tailMoved: readEvent.handle },
          receive: { ringSize, ring: address + BigInt(ringSize), tailMoved: writeEvent.handle },
        },
        arch,
      );
      const link = await this.#registrar.register(descriptor, { luid: this.luid, guid: this.guid, name: this.name });
      // The session owns the registration from here: its close closes the device handle (which
      // unregisters the rings) only after its own waiters were woken, then the events, then the
      // memory. The Windows default keeps the old-driver guard on (0.14.1 drivers).
      const session = new Session({ rings, readEvent, writeEvent, link, memory }, options);
      handedOver = true;
      return await this.#adopt(session);
    } catch (error) {
      if (!handedOver) {
        // No session was built: nothing else owns the events and the memory.
        readEvent?.close();
        writeEvent?.close();
        memory.free();
      }
      throw error;
    }
  }

  /** Refuses new starts and waits for one in flight (which then closes its own session). */
  async #settleStart(): Promise<void> {
    this.#closeRequested = true;
    while (this.#starting !== null) await this.#starting.catch(() => undefined);
  }

  /**
   * Waits for a session start in flight, ends this object's session, closes the wintun.dll handle (removing the adapter when this
   * object created it) on libuv's pool, and detaches the logger. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed.abort();
      await this.#settleStart();
      await this.#session?.close().catch(() => undefined);
      const handle = this.#handle;
      this.#handle = null;
      try {
        if (handle !== null) await callAsync(this.#lib.fn.WintunCloseAdapter, handle);
      } finally {
        this.#detachLogger();
      }
    })();
    return this.#closing;
  }

  /**
   * Deletes the adapter: closing the creating handle removes it; an opened adapter is removed
   * through SetupAPI (DIF_REMOVE, elevation required). Idempotent.
   */
  async delete(): Promise<void> {
    this.#closed.abort();
    await this.#settleStart();
    if (!this.owned && this.#handle !== null) {
      await this.#session?.close().catch(() => undefined);
      removeWintunDevice(this.luid);
    }
    await this.close();
  }
}

function writeRegistryStrings(subKey: string, values: readonly [string, string][], what: string): void {
  const reg = advapi32();
  const out: (bigint | null)[] = [null];
  const status = reg.RegCreateKeyExW(hkeyLocalMachine(), subKey, 0, null, 0, KEY_SET_VALUE, null, out, null);
  const key = out[0];
  if (status !== 0 || key === null || key === undefined) throw win32Error('RegCreateKeyExW', status, what);
  try {
    for (const [name, value] of values) {
      const data = regSzBytes(value);
      const s = reg.RegSetValueExW(key, name, 0, REG_SZ, data, data.byteLength);
      if (s !== 0) throw win32Error('RegSetValueExW', s, what);
    }
  } finally {
    reg.RegCloseKey(key);
  }
}

// ------------------------------------------------------------------ the platform

/** What {@link adapterFrom}'s `call` produced: a wintun.dll adapter handle (NULL on failure) and how to wrap it. */
interface AdapterHandleResult {
  readonly result: Win32Handle;
  readonly lastError: number;
  readonly syscall: 'WintunCreateAdapter' | 'WintunOpenAdapter';
  readonly what: string;
  readonly owned: boolean;
  readonly guid: string | null;
}

/**
 * Loads wintun.dll and attaches the logger, then wraps the adapter handle `call` returns in a
 * {@link WindowsAdapter}. A NULL handle throws the Win32 error of its syscall; if wrapping fails, the
 * handle is closed again; on any failure the logger is detached.
 */
async function adapterFrom(options: AdapterOpenOptions, name: string, registrar: RingRegistrar, call: (lib: WintunLibrary) => Promise<AdapterHandleResult>): Promise<AdapterBackend> {
  const timeout = interfaceTimeoutOf(options);
  const lib = loadLibrary(options);
  const detach = attachLogger(lib, options.logger);
  try {
    const { result, lastError, syscall, what, owned, guid } = await call(lib);
    if (isNull(result)) throw win32Error(syscall, lastError, what);
    try {
      return new WindowsAdapter(lib, result as bigint, owned, name, guid, detach, registrar, timeout);
    } catch (error) {
      await callAsync(lib.fn.WintunCloseAdapter, result);
      throw error;
    }
  } catch (error) {
    detach();
    throw error;
  }
}

const IF_EXISTS = ['fail', 'open', 'replace'] as const;

/**
 * Creates an adapter. `WintunCreateAdapter` given the name of an existing Wintun adapter renames
 * the old one instead of failing, so an existing adapter is looked up first (`WintunOpenAdapter`)
 * and `options.ifExists` decides: fail (default, `ERR_WINTUN_NAME_TAKEN`), open it, or remove it
 * (SetupAPI DIF_REMOVE) and create a new one.
 */
function create(options: AdapterCreateOptions, registrar: RingRegistrar): Promise<AdapterBackend> {
  const name = options.name;
  const ifExists = options.ifExists ?? 'fail';
  if (!IF_EXISTS.includes(ifExists)) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `ifExists must be 'fail', 'open' or 'replace', got ${JSON.stringify(ifExists)}.`);
  }
  return adapterFrom(options, name, registrar, async (lib) => {
    const what = `Creating adapter ${JSON.stringify(name)}`;
    const existing = await quietly(lib, () => callAsync(lib.fn.WintunOpenAdapter, name));
    if (!isNull(existing.result)) {
      const handle = existing.result as bigint;
      if (ifExists === 'open') {
        return { result: handle, lastError: 0, syscall: 'WintunOpenAdapter', what: `Opening adapter ${JSON.stringify(name)}`, owned: false, guid: null };
      }
      let luid: bigint;
      try {
        luid = lib.getAdapterLuid(handle);
      } finally {
        await callAsync(lib.fn.WintunCloseAdapter, handle);
      }
      if (ifExists === 'fail') {
        throw new WintunError(
          'ERR_WINTUN_NAME_TAKEN',
          `${what}: a Wintun adapter of that name already exists (LUID 0x${luid.toString(16)}); creating another would rename it. Pass ifExists: 'open' to use it, ifExists: 'replace' to remove it and create a new one, or choose another name.`,
        );
      }
      if (!removeWintunDevice(luid)) {
        const again = await quietly(lib, () => callAsync(lib.fn.WintunOpenAdapter, name));
        if (!isNull(again.result)) {
          await callAsync(lib.fn.WintunCloseAdapter, again.result);
          throw new WintunError(
            'ERR_WINTUN_NAME_TAKEN',
            `${what}: the existing adapter of that name (LUID 0x${luid.toString(16)}) could not be replaced: SetupAPI lists no Wintun device with its LUID. Close the program that created it, or choose another name.`,
          );
        }
      }
    }
    const type = options.tunnelType ?? DEFAULT_TUNNEL_TYPE;
    const guid = options.guid === undefined ? null : normalizeGuid(options.guid);
    const { result, lastError } = await callAsync(lib.fn.WintunCreateAdapter, name, type, guid === null ? null : guidBytesToStruct(parseGuid(guid)));
    return { result, lastError, syscall: 'WintunCreateAdapter', what, owned: true, guid };
  });
}

function open(name: string, options: AdapterOpenOptions, registrar: RingRegistrar): Promise<AdapterBackend> {
  return adapterFrom(options, name, registrar, async (lib) => {
    const { result, lastError } = await callAsync(lib.fn.WintunOpenAdapter, name);
    return { result, lastError, syscall: 'WintunOpenAdapter', what: `Opening adapter ${JSON.stringify(name)}`, owned: false, guid: null };
  });
}

/**
 * `GetIfEntry2` of the interface whose alias is `name` (any adapter, not only Wintun's).
 *
 * @throws WintunError `ERR_WINTUN_ADAPTER_NOT_FOUND` when no interface has that alias.
 */
async function interfaceCounters(name: string): Promise<InterfaceCounters> {
  const ip = iphlpapiRaw();
  const luid = new Uint8Array(8);
  const status = ip.ConvertInterfaceAliasToLuid(name, luid);
  if (status !== 0) {
    throw new WintunError('ERR_WINTUN_ADAPTER_NOT_FOUND', `There is no network interface named ${JSON.stringify(name)} (ConvertInterfaceAliasToLuid returned ${status}); 'wintun-ts list' shows the adapters.`, {
      win32Code: status,
      syscall: 'ConvertInterfaceAliasToLuid',
    });
  }
  const row = encodeIfRow2Key(new DataView(luid.buffer).getBigUint64(0, true));
  const got = ip.GetIfEntry2(row);
  if (got !== 0) throw netioError('GetIfEntry2', got, `Reading the counters of ${name}`);
  const { index: _index, mtu: _mtu, ...counters } = decodeIfRow2Counters(row);
  return { name, source: 'GetIfEntry2', ...counters };
}

async function list(_options: AdapterOpenOptions): Promise<AdapterInfo[]> {
  const out: AdapterInfo[] = [];
  for (const device of listWintunDevices()) {
    const luid = device.luid;
    if (luid === null) continue;
    out.push({
      name: luidToAlias(luid) ?? device.instanceId,
      index: luidToIndex(luid) ?? 0,
      luid,
      guid: device.netCfgInstanceId === null ? null : normalizeGuid(device.netCfgInstanceId),
      mtu: mtuOf(luid) ?? 0,
      up: connectedOf(luid) ?? false,
    });
  }
  return out;
}

async function driverVersion(options: AdapterOpenOptions): Promise<string> {
  const lib = loadLibrary(options);
  const detach = attachLogger(lib, options.logger);
  try {
    const { result, lastError } = await callAsync(lib.fn.WintunGetRunningDriverVersion);
    const raw = (result as number) >>> 0;
    if (raw === 0) throw win32Error('WintunGetRunningDriverVersion', lastError, 'Reading the Wintun driver version');
    return `${raw >>> 16}.${raw & 0xffff}`;
  } finally {
    detach();
  }
}

async function deleteDriver(options: AdapterOpenOptions): Promise<void> {
  const lib = loadLibrary(options);
  const detach = attachLogger(lib, options.logger);
  try {
    const { result, lastError } = await callAsync(lib.fn.WintunDeleteDriver);
    if (result === 0) throw win32Error('WintunDeleteDriver', lastError, 'Removing the Wintun driver from the driver store (close every adapter first)');
  } finally {
    detach();
  }
}

/**
 * A Windows {@link PlatformBackend} whose sessions register their rings through `registrar`: the
 * kernel driver's IOCTL by default, the emulated driver in tests (`@wintun-ts/adapter/testing`).
 * Everything else (wintun.dll, SetupAPI, IP Helper) is the real thing.
 */
export function createWindowsPlatform(registrar: RingRegistrar = kernelRegistrar): PlatformBackend {
  return {
    platform: 'win32',
    create: (options) => create(options, registrar),
    open: (name, options) => open(name, options, registrar),
    list,
    driverVersion,
    deleteDriver,
    interfaceCounters,
  };
}

/** The Windows {@link PlatformBackend}: wintun.dll, SetupAPI, IP Helper and our own rings registered with the Wintun driver. */
export const windowsPlatform: PlatformBackend = createWindowsPlatform();
