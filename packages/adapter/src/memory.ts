/**
 * The in-memory platform backend: adapters that exist only in a table of this process, whose
 * configuration calls record what they were asked, and whose sessions run against the in-memory
 * driver of `@wintun-ts/session/testing`. It lets code built on `Adapter` be tested on any
 * OS, without root, by passing `platform` to `Adapter.create` / `open` / `list`.
 *
 * @module
 */
import { WintunError, type Session, type SessionOptions } from '@wintun-ts/session';
import { createTestDriver, type TestDriver, type WorkerTestDriverOptions } from '@wintun-ts/session/testing';
import { checkOptionsBag, networkOf, type IpPrefix } from './net.js';
import type { AdapterAddress, AdapterBackend, AdapterCreateOptions, AdapterInfo, ParsedRoute, PlatformBackend, StartSessionEngine } from './types.js';

/**
 * What the in-memory platform holds for one adapter. Live: the fields change as the adapter is
 * configured. Read it in tests; change it only through `Adapter`.
 */
export interface MemoryAdapterState {
  /** Interface name. */
  readonly name: string;
  /** Interface index (1, 2, ... in creation order). */
  readonly index: number;
  /** The GUID it was created with, or `null`. */
  readonly guid: string | null;
  /** Assigned addresses, in assignment order. */
  readonly addresses: AdapterAddress[];
  /** Routes added through it, in order. */
  readonly routes: ParsedRoute[];
  /** The DNS servers and search domains last set. */
  dns: { readonly servers: readonly string[]; readonly searchDomains: readonly string[] } | null;
  /** Link MTU (default 1500). */
  mtu: number;
  /** Administratively up. */
  up: boolean;
  /**
   * The in-memory driver of the running session, or `null` when none runs: inject packets with
   * `driver.inject()`, read what the session sent with `driver.nextSent()`.
   */
  driver: TestDriver | null;
}

/** An in-memory platform and its adapter table, from {@link createMemoryPlatform}. */
export interface MemoryPlatform {
  /** Pass as `platform` to `Adapter.create`, `open`, `list`, `driverVersion`. */
  readonly platform: PlatformBackend;
  /** The adapters that exist, by name. */
  readonly adapters: ReadonlyMap<string, MemoryAdapterState>;
}

const same = (a: IpPrefix, b: AdapterAddress): boolean => a.address === b.address && a.prefixLength === b.prefixLength;
const sameRoute = (a: ParsedRoute, b: ParsedRoute): boolean =>
  a.destination.address === b.destination.address &&
  a.destination.prefixLength === b.destination.prefixLength &&
  (a.gateway?.address ?? null) === (b.gateway?.address ?? null);

/**
 * Creates an empty in-memory platform (`platform: 'linux'` rules for names unless
 * `nameRules: 'win32'`). Each adapter's `startSession` starts an in-memory driver with the
 * session's capacity and options, and `options.driver` for the rest (its workers stop when the
 * session or the adapter closes).
 *
 * Thread-safety: one platform belongs to one JS thread.
 */
export function createMemoryPlatform(options: { readonly nameRules?: 'linux' | 'win32' | undefined; readonly driver?: Omit<WorkerTestDriverOptions, 'capacity'> | undefined } = {}): MemoryPlatform {
  checkOptionsBag('createMemoryPlatform', options, { nameRules: ['linux', 'win32'] });
  checkOptionsBag('createMemoryPlatform: driver', options.driver);
  const adapters = new Map<string, MemoryAdapterState>();
  let nextIndex = 1;

  function backend(state: MemoryAdapterState, owned: boolean): AdapterBackend {
    let closed = false;
    const live = (): MemoryAdapterState => {
      if (closed || adapters.get(state.name) !== state) {
        throw new WintunError('ERR_WINTUN_ADAPTER_NOT_FOUND', `In-memory adapter ${state.name} no longer exists.`);
      }
      return state;
    };
    const stopSession = async (): Promise<void> => {
      const driver = state.driver;
      state.driver = null;
      await driver?.close();
    };
    return {
      name: state.name,
      index: state.index,
      luid: null,
      guid: state.guid,
      addresses: async () => live().addresses.map((a) => ({ ...a })),
      addAddress: async (prefix) => {
        const s = live();
        if (!s.addresses.some((a) => same(prefix, a))) s.addresses.push({ family: prefix.family, address: prefix.address, prefixLength: prefix.prefixLength });
      },
      removeAddress: async (prefix) => {
        const s = live();
        const i = s.addresses.findIndex((a) => same(prefix, a));
        if (i < 0) throw new WintunError('ERR_WINTUN_ADDRESS_INVALID', `${prefix.address}/${prefix.prefixLength} is not assigned to ${s.name}.`);
        s.addresses.splice(i, 1);
      },
      getMtu: async () => live().mtu,
      setMtu: async (mtu) => {
        live().mtu = mtu;
      },
      setUp: async (up) => {
        live().up = up;
      },
      isUp: async () => live().up,
      addRoute: async (route) => {
        const s = live();
        if (s.routes.some((r) => sameRoute(r, route))) throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `Route ${route.destination.address}/${route.destination.prefixLength} already exists on ${s.name}.`);
        s.routes.push({ ...route, destination: networkOf(route.destination) });
      },
      removeRoute: async (route) => {
        const s = live();
        const i = s.routes.findIndex((r) => sameRoute(r, route));
        if (i < 0) throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `Route ${route.destination.address}/${route.destination.prefixLength} does not exist on ${s.name}.`);
        s.routes.splice(i, 1);
      },
      setDns: async (servers, searchDomains) => {
        live().dns = { servers: servers.map((s) => s.address), searchDomains: [...searchDomains] };
      },
      startSession: async (capacity: number, sessionOptions?: SessionOptions, engine?: StartSessionEngine): Promise<Session> => {
        const s = live();
        if (engine === 'dll') throw new WintunError('ERR_WINTUN_UNSUPPORTED_PLATFORM', `startSession: engine 'dll' needs wintun.dll; the in-memory platform has only rings ('rings' or 'auto').`);
        if (s.driver !== null && s.driver.session.isOpen) {
          throw new WintunError('ERR_WINTUN_ALREADY_REGISTERED', `In-memory adapter ${s.name} already has a session.`);
        }
        await stopSession();
        const driver = await createTestDriver({ ...options.driver, capacity, ...(sessionOptions === undefined ? {} : { session: sessionOptions }) });
        s.driver = driver;
        return driver.session;
      },
      close: async () => {
        if (closed) return;
        closed = true;
        await stopSession();
        if (owned && adapters.get(state.name) === state) adapters.delete(state.name);
      },
      delete: async () => {
        await stopSession();
        if (adapters.get(state.name) === state) adapters.delete(state.name);
        closed = true;
      },
    };
  }

  const info = (s: MemoryAdapterState): AdapterInfo => ({ name: s.name, index: s.index, luid: null, guid: s.guid, mtu: s.mtu, up: s.up });

  const platform: PlatformBackend = {
    platform: options.nameRules ?? 'linux',
    create: async (create: AdapterCreateOptions) => {
      if (adapters.has(create.name)) throw new WintunError('ERR_WINTUN_NAME_TAKEN', `An in-memory adapter named ${create.name} exists; pick another name or open it.`);
      const state: MemoryAdapterState = { name: create.name, index: nextIndex++, guid: create.guid ?? null, addresses: [], routes: [], dns: null, mtu: 1500, up: false, driver: null };
      adapters.set(state.name, state);
      return backend(state, create.persistent !== true);
    },
    open: async (name) => {
      const state = adapters.get(name);
      if (state === undefined) throw new WintunError('ERR_WINTUN_ADAPTER_NOT_FOUND', `No in-memory adapter is named ${name}; create it first.`);
      return backend(state, false);
    },
    list: async () => [...adapters.values()].map(info),
    driverVersion: async () => 'memory',
  };
  return { platform, adapters };
}
