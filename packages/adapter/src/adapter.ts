/**
 * `Adapter`: one API for a virtual network adapter on Windows (Wintun) and Linux (TUN).
 *
 * @module
 */
import { WintunError, type Session } from '@wintun-ts/session';
import { serveCaptureEndpoint } from '@wintun-ts/session/capture';
import { parseEndpointOption, parseStartSessionOptions } from './session-options.js';
import { checkOptionsBag, describeValue, networkOf, parseCidr, parseIp, validateAdapterName, validateTunnelType, normalizeGuid } from './net.js';
import type {
  AdapterAddress,
  AdapterBackend,
  AdapterCreateOptions,
  AdapterInfo,
  AdapterOpenOptions,
  InterfaceCounters,
  ParsedRoute,
  PlatformBackend,
  RouteOptions,
  StartSessionOptions,
} from './types.js';

/**
 * Checks the options every static method shares (`AdapterOpenOptions`, and `persistent` of
 * `AdapterCreateOptions`) before any platform code runs.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` naming the method and the field.
 */
function checkAdapterOptions(what: string, options: unknown): void {
  checkOptionsBag(what, options);
  if (options === undefined) return;
  const o = options as { dllPath?: unknown; logger?: unknown; persistent?: unknown };
  if (o.dllPath !== undefined && (typeof o.dllPath !== 'string' || o.dllPath === '' || o.dllPath.includes('\0'))) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `${what}: options.dllPath must be the path of wintun.dll (a non-empty string), got ${describeValue(o.dllPath)}.`);
  }
  if (o.logger !== undefined && typeof o.logger !== 'function') {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `${what}: options.logger must be a function (level, message, timestamp) => void, got ${describeValue(o.logger)}.`);
  }
  if (o.persistent !== undefined && typeof o.persistent !== 'boolean') {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `${what}: options.persistent must be a boolean, got ${describeValue(o.persistent)}.`);
  }
}

/**
 * The platform backend of a call: the one injected through `options.platform` (tests, from
 * `@wintun-ts/adapter/testing`), else this process's own, loaded on first use so that importing the
 * adapter loads neither platform's code.
 */
async function platform(options: AdapterOpenOptions | undefined, what: string): Promise<PlatformBackend> {
  checkAdapterOptions(what, options);
  const injected = options?.platform;
  if (injected !== undefined) {
    if (typeof injected !== 'object' || injected === null || typeof injected.create !== 'function') {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'options.platform must be a PlatformBackend, e.g. createMemoryPlatform().platform from @wintun-ts/adapter/testing.');
    }
    return injected;
  }
  switch (process.platform) {
    case 'linux':
      return (await import('./linux/backend.js')).linuxPlatform;
    case 'win32':
      return (await import('./windows/backend.js')).windowsPlatform;
    default:
      throw new WintunError(
        'ERR_WINTUN_UNSUPPORTED_PLATFORM',
        `Adapters exist on Windows (Wintun) and Linux (TUN), not on ${process.platform}. Use @wintun-ts/adapter/testing to run sessions without an adapter.`,
      );
  }
}

/** Proves a construction comes from `Adapter.create`/`Adapter.open` (module-private). */
const CONSTRUCT = Symbol('Adapter.construct');

function checkMtu(mtu: unknown): number {
  if (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < 576 || mtu > 65535) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `mtu must be an integer between 576 and 65535, got ${describeValue(mtu)}.`);
  }
  return mtu;
}

/** DNS search domains: an array of non-empty strings without commas, whitespace or NUL (both platforms). */
function checkSearchDomains(searchDomains: unknown): void {
  if (!Array.isArray(searchDomains)) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `setDns: searchDomains must be an array of domain names (or left out), got ${describeValue(searchDomains)}.`);
  }
  for (const item of searchDomains as unknown[]) {
    if (typeof item !== 'string' || item === '' || /[,\s\0]/.test(item)) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `setDns: a search domain must be a non-empty string without commas or whitespace, got ${describeValue(item)}.`);
    }
  }
}

function parseRoute(route: RouteOptions): ParsedRoute {
  if (typeof route !== 'object' || route === null) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'A route is an object like { destination: "10.8.0.0/16", gateway?: "10.6.7.1", metric?: 10 }.');
  }
  const destination = networkOf(parseCidr(route.destination));
  const gateway = route.gateway === undefined ? null : { ...parseIp(route.gateway), prefixLength: 0 };
  if (gateway !== null && gateway.family !== destination.family) {
    throw new WintunError('ERR_WINTUN_ADDRESS_INVALID', `Route ${route.destination} is IPv${destination.family} but its gateway ${route.gateway} is IPv${gateway.family}.`);
  }
  const metric = route.metric ?? null;
  if (metric !== null && (!Number.isInteger(metric) || metric < 0 || metric > 0xffffffff)) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `A route metric is an integer in [0, 4294967295], got ${describeValue(metric)}.`);
  }
  return { destination, gateway, metric };
}

/**
 * A virtual layer-3 network adapter: a Wintun adapter on Windows, a TUN device on Linux.
 *
 * Lifetime: {@link Adapter.create} makes an adapter this object owns: {@link Adapter.close}
 * removes it (on Linux unless `persistent`). {@link Adapter.open} attaches to an existing adapter
 * without owning it. `await using` closes it. Close sessions before their adapter: `close()`
 * ends a session still running on this adapter first.
 *
 * Thread-safety: use one `Adapter` from one thread; configuration calls may overlap.
 *
 * Errors: every method rejects only with {@link WintunError}; after `close()` every method
 * rejects with `ERR_WINTUN_CLOSED`.
 */
export class Adapter implements AsyncDisposable {
  readonly #backend: AdapterBackend;
  #closing: Promise<void> | undefined;
  #deleting: Promise<void> | undefined;
  #session: Session | undefined;
  #starting: Promise<Session> | undefined;
  /** Set once close() or delete() began: no new start, and a start in flight closes its session. */
  #teardown = false;

  /**
   * Not for users: {@link Adapter.create} and {@link Adapter.open} make adapters.
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when called from outside (from JavaScript,
   *   where TypeScript's `private` is not enforced).
   */
  private constructor(backend: AdapterBackend, token?: symbol) {
    if (token !== CONSTRUCT) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'Adapters are made by Adapter.create() or Adapter.open(), not by new Adapter().');
    }
    this.#backend = backend;
  }

  /**
   * Creates an adapter (elevation / CAP_NET_ADMIN required).
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` (options not an object, or a field of the
   *   wrong type: checked before any platform code runs), `ERR_WINTUN_NAME_INVALID`, `ERR_WINTUN_NAME_TAKEN`,
   *   `ERR_WINTUN_ACCESS_DENIED`, `ERR_WINTUN_DLL_NOT_FOUND` (Windows), `ERR_WINTUN_UNSUPPORTED_PLATFORM`.
   */
  static async create(options: AdapterCreateOptions): Promise<Adapter> {
    if (typeof options !== 'object' || options === null) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'Adapter.create takes an options object: { name, tunnelType?, guid? }.');
    }
    const p = await platform(options, 'Adapter.create');
    validateAdapterName(options.name, p.platform);
    if (options.tunnelType !== undefined) validateTunnelType(options.tunnelType);
    const guid = options.guid === undefined ? undefined : normalizeGuid(options.guid);
    return new Adapter(await p.create({ ...options, guid }), CONSTRUCT);
  }

  /**
   * Opens an existing adapter by name. The returned object does not own the adapter: closing it
   * leaves the adapter in place.
   *
   * @throws WintunError `ERR_WINTUN_ADAPTER_NOT_FOUND`, `ERR_WINTUN_ACCESS_DENIED`, `ERR_WINTUN_NAME_INVALID`,
   *   `ERR_WINTUN_INVALID_ARGUMENT` (malformed options).
   */
  static async open(name: string, options: AdapterOpenOptions = {}): Promise<Adapter> {
    const p = await platform(options, 'Adapter.open');
    validateAdapterName(name, p.platform);
    return new Adapter(await p.open(name, options), CONSTRUCT);
  }

  /** Lists the adapters of this platform's kind (Wintun adapters on Windows, TUN devices on Linux). */
  static async list(options: AdapterOpenOptions = {}): Promise<AdapterInfo[]> {
    return (await platform(options, 'Adapter.list')).list(options);
  }

  /**
   * The running driver's version: Wintun's "major.minor" on Windows, the kernel release on Linux.
   *
   * @throws WintunError `ERR_WINTUN_DRIVER_NOT_LOADED` on Windows when no Wintun driver is loaded.
   */
  static async driverVersion(options: AdapterOpenOptions = {}): Promise<string> {
    return (await platform(options, 'Adapter.driverVersion')).driverVersion(options);
  }

  /**
   * Windows: removes the Wintun driver package from the driver store (`WintunDeleteDriver`). Call
   * it when no Wintun adapter exists any more (any process's); elevation required.
   *
   * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` on Linux (no driver package); the
   *   mapped code of Wintun's last error when removal fails (e.g. adapters still exist).
   */
  static async deleteDriver(options: AdapterOpenOptions = {}): Promise<void> {
    const p = await platform(options, 'Adapter.deleteDriver');
    if (p.deleteDriver === undefined) {
      throw new WintunError('ERR_WINTUN_UNSUPPORTED_PLATFORM', `Adapter.deleteDriver() removes the Wintun driver on Windows; ${p.platform} has no driver package to remove.`);
    }
    return p.deleteDriver(options);
  }

  /**
   * The system's counters of the interface `name` (any process's adapter; the adapter need not be
   * open here): `GetIfEntry2` on Windows, `/sys/class/net/<name>/statistics` on Linux. A snapshot.
   *
   * @throws WintunError `ERR_WINTUN_ADAPTER_NOT_FOUND` when there is no such interface;
   *   `ERR_WINTUN_UNSUPPORTED_PLATFORM` where the platform keeps no counters.
   */
  static async interfaceCounters(name: string, options: AdapterOpenOptions = {}): Promise<InterfaceCounters> {
    const p = await platform(options, 'Adapter.interfaceCounters');
    validateAdapterName(name, p.platform);
    if (p.interfaceCounters === undefined) {
      throw new WintunError('ERR_WINTUN_UNSUPPORTED_PLATFORM', `This ${p.platform} platform backend keeps no interface counters.`);
    }
    return p.interfaceCounters(name, options);
  }

  /** Interface name. */
  get name(): string {
    return this.#backend.name;
  }

  /** Interface index (ifindex on Linux, IF_INDEX on Windows). */
  get index(): number {
    return this.#backend.index;
  }

  /** NET_LUID on Windows; `null` on Linux. */
  get luid(): bigint | null {
    return this.#backend.luid;
  }

  /** Interface GUID on Windows; `null` on Linux. */
  get guid(): string | null {
    return this.#backend.guid;
  }

  /** True once {@link Adapter.close} was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  #live(): AdapterBackend {
    if (this.#closing !== undefined || this.#teardown) {
      throw new WintunError('ERR_WINTUN_CLOSED', `Adapter ${this.#backend.name} is closed; open or create it again.`);
    }
    return this.#backend;
  }

  /** Lists the addresses assigned to the adapter. */
  async addresses(): Promise<AdapterAddress[]> {
    return this.#live().addresses();
  }

  /**
   * Assigns an address, e.g. `10.6.7.7/24` or `fd00::7/64` (duplicate address detection skipped).
   *
   * @throws WintunError `ERR_WINTUN_ADDRESS_INVALID` for malformed input.
   */
  async addAddress(cidr: string): Promise<void> {
    return this.#live().addAddress(parseCidr(cidr));
  }

  /** Removes an address. */
  async removeAddress(cidr: string): Promise<void> {
    return this.#live().removeAddress(parseCidr(cidr));
  }

  /** The link MTU in bytes. */
  async getMtu(): Promise<number> {
    return this.#live().getMtu();
  }

  /**
   * Sets the link MTU (576-65535).
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` out of range.
   */
  async setMtu(mtu: number): Promise<void> {
    return this.#live().setMtu(checkMtu(mtu));
  }

  /**
   * Brings the link administratively up (`true`) or down (`false`).
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `up` is not a boolean (nothing changes).
   */
  async setUp(up: boolean): Promise<void> {
    if (typeof up !== 'boolean') throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `setUp takes true (up) or false (down), got ${describeValue(up)}.`);
    return this.#live().setUp(up);
  }

  /** Whether the link is administratively up. */
  async isUp(): Promise<boolean> {
    return this.#live().isUp();
  }

  /** Adds a route through the adapter. */
  async addRoute(route: RouteOptions): Promise<void> {
    return this.#live().addRoute(parseRoute(route));
  }

  /** Removes a route through the adapter. */
  async removeRoute(route: RouteOptions): Promise<void> {
    return this.#live().removeRoute(parseRoute(route));
  }

  /**
   * Sets the adapter's DNS servers and search domains (Windows: SetInterfaceDnsSettings, with the
   * registry as fallback on older Windows).
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when `servers` or `searchDomains` is not an
   *   array of strings (a search domain: non-empty, no commas or whitespace); `ERR_WINTUN_ADDRESS_INVALID`
   *   for a malformed server address; `ERR_WINTUN_UNSUPPORTED_PLATFORM` on Linux, where DNS belongs to the
   *   resolver configuration (systemd-resolved, /etc/resolv.conf), not to the interface.
   */
  async setDns(servers: readonly string[], searchDomains: readonly string[] = []): Promise<void> {
    if (!Array.isArray(servers)) throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'setDns takes an array of server addresses.');
    checkSearchDomains(searchDomains);
    return this.#live().setDns(
      servers.map((s) => ({ ...parseIp(s), prefixLength: 0 })),
      searchDomains,
    );
  }

  /**
   * Starts the session of this adapter: registers two rings of `capacity` bytes and starts moving
   * packets. An adapter has at most one session at a time (Wintun allows one ring registration).
   * The other options tune the session (`waitTimeoutMs`, `spin`, `oldDriverGuard`; see
   * docs/guides/performance.md); each platform has its own defaults (the old-driver guard is on
   * on Windows, off on Linux). On Linux, `io` chooses where the driver side runs: on this event loop
   * (`'inline'`, the default; the session then never spins) or in two worker threads (`'workers'`).
   *
   * Lifecycle: a {@link Adapter.close} or {@link Adapter.delete} that begins while the start is
   * in flight waits for it; the start then closes its new session and rejects with
   * `ERR_WINTUN_CLOSED`. Nothing is left running either way.
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` (options not an object, or a field of the
   *   wrong type or range, `io` included), `ERR_WINTUN_INVALID_CAPACITY`, `ERR_WINTUN_ALREADY_REGISTERED` (a
   *   session is running or starting, here or in another process), `ERR_WINTUN_ACCESS_DENIED`,
   *   `ERR_WINTUN_CLOSED` (the adapter is or was closed during the start).
   */
  async startSession(options: StartSessionOptions = {}): Promise<Session> {
    const backend = this.#live();
    const { capacity, session: sessionOptions, engine, io } = parseStartSessionOptions(options);
    const endpoint = parseEndpointOption(options.captureEndpoint);
    if (this.#starting !== undefined) {
      throw new WintunError('ERR_WINTUN_ALREADY_REGISTERED', `Adapter ${backend.name} has a session starting; await it (or close it) before starting another.`);
    }
    if (this.#session !== undefined && this.#session.isOpen) {
      throw new WintunError('ERR_WINTUN_ALREADY_REGISTERED', `Adapter ${backend.name} already has a session; close it before starting another.`);
    }
    const start = backend.startSession(capacity, sessionOptions, engine, io);
    this.#starting = start;
    try {
      const session = await start;
      if (this.#teardown) {
        await session.close();
        throw new WintunError('ERR_WINTUN_CLOSED', `Adapter ${backend.name} was closed while its session was starting; the new session was closed.`);
      }
      if (endpoint !== false) {
        try {
          await serveCaptureEndpoint(session, { name: backend.name, path: endpoint.path, status: () => this.#statusInfo() });
        } catch (error) {
          await session.close();
          throw error;
        }
      }
      this.#session = session;
      return session;
    } finally {
      this.#starting = undefined;
    }
  }

  /** What a status request on the capture endpoint reports about the adapter itself. */
  async #statusInfo(): Promise<Record<string, unknown>> {
    const backend = this.#backend;
    const [mtu, addresses] = await Promise.all([backend.getMtu().catch(() => null), backend.addresses().catch(() => [])]);
    return {
      adapter: {
        name: backend.name,
        index: backend.index,
        luid: backend.luid === null ? null : backend.luid.toString(),
        guid: backend.guid,
        mtu,
        addresses: addresses.map((a) => `${a.address}/${a.prefixLength}`),
      },
    };
  }

  /** Marks the adapter as going away and waits for a start in flight (closing what it started). */
  async #settleStart(): Promise<void> {
    this.#teardown = true;
    const start = this.#starting;
    if (start === undefined) return;
    const session = await start.catch(() => undefined);
    await session?.close();
  }

  /**
   * Closes the adapter: waits for a session start in flight, ends its running session, then
   * releases the adapter, deleting it if this object created it (and, on Linux, it is not
   * persistent). Idempotent; concurrent calls share one teardown.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#settleStart();
      await this.#session?.close();
      await this.#backend.close();
    })();
    return this.#closing;
  }

  /**
   * Deletes the adapter from the system, persistent or not, after a session start in flight
   * settled and its session ended. Idempotent.
   */
  delete(): Promise<void> {
    this.#deleting ??= (async () => {
      await this.#settleStart();
      await this.#session?.close();
      await this.#backend.delete();
      await this.close();
    })();
    return this.#deleting;
  }

  /** Same as {@link Adapter.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
