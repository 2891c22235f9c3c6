/**
 * The shapes shared by the public `Adapter` API and the platform backends (Linux TUN,
 * Windows Wintun). A backend implements {@link AdapterBackend} for one open adapter and
 * {@link PlatformBackend} for the platform-wide calls.
 *
 * @module
 */
import type { Session, SessionOptions } from '@wintun-ts/session';
import type { IpPrefix } from './net.js';

/** Severity of a log line from the platform layer (wintun.dll's levels: INFO 0, WARN 1, ERR 2). */
export type AdapterLogLevel = 'info' | 'warn' | 'error';

/**
 * Receives log lines from the platform layer (on Windows: wintun.dll's logger, whose lines arrive
 * from foreign threads and are delivered on the JS thread). Must not throw; keep it cheap.
 */
export type AdapterLogger = (level: AdapterLogLevel, message: string, timestamp: Date) => void;

/** Options of {@link Adapter.create}. */
export interface AdapterCreateOptions {
  /** Adapter name: 1-127 characters on Windows, 1-15 bytes on Linux; no whitespace, "/", "\\" or ":". */
  readonly name: string;
  /** Windows: the tunnel type; the device description becomes "<tunnelType> Tunnel". Default "wintun-ts". Linux: recorded only. */
  readonly tunnelType?: string | undefined;
  /** Windows: the requested GUID, giving a stable network identity (NLA profile). Linux: ignored. */
  readonly guid?: string | undefined;
  /** Linux: keep the device after the process exits (TUNSETPERSIST), so it can be opened by name. Default false. */
  readonly persistent?: boolean | undefined;
  /** Windows: explicit path of wintun.dll (else next to the program). */
  readonly dllPath?: string | undefined;
  /** Where platform log lines go. Default: dropped. */
  readonly logger?: AdapterLogger | undefined;
  /**
   * Windows: what to do when a Wintun adapter of this name already exists (`WintunCreateAdapter`
   * would silently rename the old one). `'fail'` (default): reject with `ERR_WINTUN_NAME_TAKEN`;
   * `'open'`: open the existing adapter instead (closing it then keeps it, as with
   * {@link Adapter.open}); `'replace'`: remove the existing adapter (elevation needed) and create a
   * new one. Linux: ignored (an existing TUN device of the name fails with `ERR_WINTUN_NAME_TAKEN`
   * unless it is persistent).
   */
  readonly ifExists?: 'fail' | 'open' | 'replace' | undefined;
  /**
   * Windows: how long address, route, MTU and DNS calls wait for the adapter's IP interfaces to
   * appear after create (Windows creates them asynchronously; until then IP Helper answers
   * ERROR_NOT_FOUND), in ms. Default 10000. The wait ends early when the adapter closes.
   */
  readonly interfaceTimeoutMs?: number | undefined;
  /**
   * The platform backend to use instead of this process's own: an in-memory platform or the
   * emulated Windows driver from `@wintun-ts/adapter/testing`, for tests. Default: Wintun on
   * Windows, TUN on Linux.
   */
  readonly platform?: PlatformBackend | undefined;
}

/** Options of {@link Adapter.open}. */
export interface AdapterOpenOptions {
  /** Windows: explicit path of wintun.dll. */
  readonly dllPath?: string | undefined;
  /** Windows: see {@link AdapterCreateOptions.interfaceTimeoutMs}. */
  readonly interfaceTimeoutMs?: number | undefined;
  /** Where platform log lines go. */
  readonly logger?: AdapterLogger | undefined;
  /** The platform backend to use instead of this process's own (see {@link AdapterCreateOptions.platform}). */
  readonly platform?: PlatformBackend | undefined;
}

/** One adapter as {@link Adapter.list} reports it. */
export interface AdapterInfo {
  /** Interface name. */
  readonly name: string;
  /** Interface index (ifindex / IF_INDEX). */
  readonly index: number;
  /** Windows NET_LUID as a bigint; `null` on Linux. */
  readonly luid: bigint | null;
  /** Windows interface GUID; `null` on Linux. */
  readonly guid: string | null;
  /** Link MTU in bytes. */
  readonly mtu: number;
  /** Administratively up. */
  readonly up: boolean;
}

/** An address assigned to an adapter. */
export interface AdapterAddress {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** Address text, canonical form. */
  readonly address: string;
  /** Prefix length. */
  readonly prefixLength: number;
}

/** A route through an adapter. */
export interface RouteOptions {
  /** Destination prefix in CIDR form, e.g. `10.8.0.0/16` or `::/0`. */
  readonly destination: string;
  /** Next hop; omitted = on-link through the adapter. */
  readonly gateway?: string | undefined;
  /** Route metric; default: the platform's. */
  readonly metric?: number | undefined;
}

/**
 * Options of {@link Adapter.startSession}: the ring capacity and the session's own tuning (see
 * `SessionOptions` and docs/guides/performance.md). Each platform picks its own defaults for what
 * is left out: the old-driver guard is on by default on Windows (it protects against Wintun
 * 0.14.1 drivers) and off on Linux (the driver loops there have the fence; nothing to guard).
 */
export interface StartSessionOptions extends SessionOptions {
  /** Ring capacity in bytes for both rings: a power of two in [0x20000, 0x4000000]. Default 0x400000 (4 MiB). */
  readonly capacity?: number | undefined;
  /**
   * Serve this session's capture and counters on a local endpoint named after the adapter, so that
   * `wintun-ts capture NAME`, `wintun-ts status NAME` and Wireshark (through `wintun-ts extcap`)
   * can attach while the application runs (see docs/guides/capture.md). `true` uses the derived
   * path; `{ path }` an explicit one. Off by default. The endpoint closes with the session; only
   * the same user or root/an administrator can connect.
   */
  readonly captureEndpoint?: boolean | { readonly path?: string | undefined } | undefined;
  /**
   * How the session reaches the driver (Windows; see docs/guides/getting-started-windows.md):
   * `'rings'` registers this process's own rings with the driver (the fast path); `'dll'` uses
   * wintun.dll's session functions (`WintunStartSession`, `WintunReceivePacket`, ...: the path every
   * other Wintun client takes); `'auto'` (the default) tries `'rings'` and, when the registration
   * fails in a way the DLL path can survive (anything but access denied, an adapter that already
   * has a session, a bad capacity, a closed adapter), falls back to `'dll'` and says why through the
   * adapter's logger. `session.engine` tells which one runs. Linux has only the rings: `'dll'`
   * there is `ERR_WINTUN_UNSUPPORTED_PLATFORM`.
   */
  readonly engine?: StartSessionEngine | undefined;
  /**
   * Linux only (ignored on Windows, where the driver is the kernel): where the driver side of the
   * session runs, between the TUN fd and the rings.
   * - `'inline'` (the default): on this thread's event loop, with no worker. libuv polls the TUN
   *   fd; when it is readable, up to 256 packets are read straight into the Send ring in that
   *   loop turn; a send reaches the kernel inside the send call (`write` to the fd; deferred
   *   sends at `flushSends()`). One thread per reflected packet instead of three: least CPU and
   *   latency. The TUN syscalls (about 2-3 us each) run on the event loop, and the session never
   *   spins (`spin` is ignored).
   * - `'workers'`: two worker threads play the driver (one polls and reads the fd, one writes
   *   it), as Wintun's kernel driver does on Windows: the syscalls stay off the main thread, and
   *   at very high rates the work spreads over more cores, at the price of a cross-thread
   *   wake-up per burst.
   *
   * See docs/guides/performance.md ("Linux: inline or worker I/O").
   */
  readonly io?: StartSessionIo | undefined;
}

/** The choices of {@link StartSessionOptions.engine}. */
export type StartSessionEngine = 'rings' | 'dll' | 'auto';

/** The choices of {@link StartSessionOptions.io}. */
export type StartSessionIo = 'inline' | 'workers';

/** A parsed route, as the backends receive it. */
export interface ParsedRoute {
  /** Destination network (host bits cleared). */
  readonly destination: IpPrefix;
  /** Next hop, same family as the destination; `null` = on-link. */
  readonly gateway: IpPrefix | null;
  /** Metric, or `null` for the platform default. */
  readonly metric: number | null;
}

/**
 * One open adapter on one platform. Implemented by the Linux and Windows backends; users see it
 * only through `Adapter`. Not thread-safe: one instance belongs to one JS thread.
 */
export interface AdapterBackend {
  /** Interface name. */
  readonly name: string;
  /** Interface index. */
  readonly index: number;
  /** NET_LUID on Windows, `null` on Linux. */
  readonly luid: bigint | null;
  /** Interface GUID on Windows, `null` on Linux. */
  readonly guid: string | null;
  /** Lists the adapter's addresses. */
  addresses(): Promise<AdapterAddress[]>;
  /** Adds an address (duplicate address detection skipped). */
  addAddress(prefix: IpPrefix): Promise<void>;
  /** Removes an address. */
  removeAddress(prefix: IpPrefix): Promise<void>;
  /** Link MTU. */
  getMtu(): Promise<number>;
  /** Sets the link MTU. */
  setMtu(mtu: number): Promise<void>;
  /** Brings the link up or down. */
  setUp(up: boolean): Promise<void>;
  /** Whether the link is administratively up. */
  isUp(): Promise<boolean>;
  /** Adds a route through the adapter. */
  addRoute(route: ParsedRoute): Promise<void>;
  /** Removes a route. */
  removeRoute(route: ParsedRoute): Promise<void>;
  /** Sets the DNS servers (and search domains) of the adapter. */
  setDns(servers: readonly IpPrefix[], searchDomains: readonly string[]): Promise<void>;
  /**
   * Registers rings of `capacity` bytes and starts the one session this adapter may have, with
   * `options` (validated) over the backend's own defaults. A `close()`/`delete()` that begins
   * while this is in flight waits for it; the start then closes its new session and rejects with
   * `ERR_WINTUN_CLOSED`. `io` is the Linux driver placement ({@link StartSessionOptions.io}); other
   * platforms ignore it.
   */
  startSession(capacity: number, options?: SessionOptions, engine?: StartSessionEngine, io?: StartSessionIo): Promise<Session>;
  /** Releases the adapter; deletes it when this process created it and it is not persistent. Idempotent. */
  close(): Promise<void>;
  /** Deletes the adapter from the system (also persistent ones). Idempotent. */
  delete(): Promise<void>;
}

/** The platform-wide half of a backend. */
export interface PlatformBackend {
  /** `linux` or `win32`. */
  readonly platform: 'linux' | 'win32';
  /** Creates an adapter. */
  create(options: AdapterCreateOptions): Promise<AdapterBackend>;
  /** Opens an existing adapter by name. */
  open(name: string, options: AdapterOpenOptions): Promise<AdapterBackend>;
  /** Lists this platform's Wintun (Windows) or TUN (Linux) adapters. */
  list(options: AdapterOpenOptions): Promise<AdapterInfo[]>;
  /** Running driver version ("0.14") on Windows; the kernel release on Linux. */
  driverVersion(options: AdapterOpenOptions): Promise<string>;
  /**
   * Optional (Windows): removes the Wintun driver from the driver store (`WintunDeleteDriver`);
   * fails while adapters exist. Platforms without a driver package leave it out.
   */
  deleteDriver?(options: AdapterOpenOptions): Promise<void>;
  /**
   * Optional: the system's counters of the interface `name` (Windows `GetIfEntry2`, Linux sysfs).
   * Platforms without them leave it out.
   */
  interfaceCounters?(name: string, options: AdapterOpenOptions): Promise<InterfaceCounters>;
}

/**
 * An interface's counters as the operating system keeps them, seen from the system: "tx" is what
 * the system sent out through the adapter (what a session receives, or dropped while none read),
 * "rx" what sessions delivered into the system. They cover every session since the interface was
 * created, in any process. A plain snapshot object; safe to keep.
 */
export interface InterfaceCounters {
  /** Interface name. */
  readonly name: string;
  /** Where the numbers come from: `GetIfEntry2` (Windows) or `sysfs` (Linux `/sys/class/net/<name>/statistics`). */
  readonly source: 'GetIfEntry2' | 'sysfs';
  /** Packets the system sent out through the adapter. */
  readonly txPackets: number;
  /** Bytes the system sent out through the adapter. */
  readonly txBytes: number;
  /** Outgoing packets the system dropped. */
  readonly txDropped: number;
  /** Outgoing errors. */
  readonly txErrors: number;
  /** Packets the adapter delivered into the system. */
  readonly rxPackets: number;
  /** Bytes delivered into the system. */
  readonly rxBytes: number;
  /** Incoming packets the system dropped. */
  readonly rxDropped: number;
  /** Incoming errors. */
  readonly rxErrors: number;
}
