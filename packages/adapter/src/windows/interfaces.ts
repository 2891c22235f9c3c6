/**
 * Waiting for a new adapter's IP interfaces. Right after `WintunCreateAdapter` returns, Windows has
 * not yet created the adapter's IPv4 and IPv6 interfaces: address, route and MTU calls fail with
 * ERROR_NOT_FOUND (1168) and `ConvertInterfaceLuidToIndex` has no index, for a few hundred
 * milliseconds (longer on a loaded host). {@link waitForIpInterfaces} polls a probe
 * (`GetIpInterfaceEntry` per family) until the family a call needs exists, bounded by a deadline
 * and cancellable through an `AbortSignal`.
 *
 * Hosts with IPv6 disabled (`DisabledComponents`, or the adapter's IPv6 binding removed) never get
 * an IPv6 interface: once the IPv4 interface exists and the IPv6 one is still missing after
 * `settleMs`, the wait ends and reports IPv6 as absent, so IPv4 configuration proceeds and only
 * IPv6 requests fail (`ERR_WINTUN_FAMILY_DISABLED`). The same holds the other way round.
 *
 * The logic is pure apart from the probe and the clock (both injectable): unit tests drive it with
 * scripted probes; the Windows backend passes IP Helper.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/session';
import { win32Error } from '@wintun-ts/session/win32';

/** `ERROR_NOT_FOUND`: the family's interface does not exist (yet). */
export const ERROR_NOT_FOUND = 1168;
/** `ERROR_FILE_NOT_FOUND`: some Windows versions report a missing interface with 2. */
const ERROR_FILE_NOT_FOUND = 2;

/** Which IP families an adapter has an interface for. */
export interface InterfaceFamilies {
  /** The IPv4 interface exists. */
  readonly v4: boolean;
  /** The IPv6 interface exists. */
  readonly v6: boolean;
}

/**
 * Looks up one family's interface: returns the `GetIpInterfaceEntry` status (0 present,
 * 1168 or 2 absent, anything else a failure). May throw (e.g. a missing export).
 */
export type InterfaceProbe = (family: 4 | 6) => number;

/** Options of {@link waitForIpInterfaces}. */
export interface InterfaceWaitOptions {
  /** Longest wait for the first interface, in ms. */
  readonly timeoutMs: number;
  /** After one family exists, how long the other may still take before it counts as disabled, in ms. */
  readonly settleMs: number;
  /** Poll interval in ms. Default 25. */
  readonly pollMs?: number | undefined;
  /** Ends the wait with `ERR_WINTUN_ABORTED` (its reason as cause). */
  readonly signal?: AbortSignal | undefined;
  /** Families already known to be absent (a previous wait settled): not waited for again. */
  readonly knownAbsent?: InterfaceFamilies | undefined;
  /** For messages: the adapter's name. */
  readonly name: string;
  /** Clock, for tests. Default `Date.now`. */
  readonly now?: (() => number) | undefined;
  /** Sleep, for tests. Default a timer. */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

function aborted(signal: AbortSignal, name: string): WintunError {
  return new WintunError('ERR_WINTUN_ABORTED', `Waiting for the IP interfaces of adapter ${name} was cancelled.`, { cause: signal.reason });
}

function present(probe: InterfaceProbe, family: 4 | 6, name: string): boolean {
  const status = probe(family);
  if (status === 0) return true;
  if (status === ERROR_NOT_FOUND || status === ERROR_FILE_NOT_FOUND) return false;
  throw win32Error('GetIpInterfaceEntry', status, `Looking up the IPv${family} interface of adapter ${name}`);
}

/**
 * Waits until the interface of `want` exists (`'any'`: either family; `'all'`: both), then returns
 * which families exist. When a wanted family is still missing `settleMs` after the other family
 * appeared (or is in `knownAbsent`), returns with that family `false` (the caller skips it or
 * reports it as disabled). Never blocks the thread: it polls with timers.
 *
 * @throws WintunError `ERR_WINTUN_TIMEOUT` when no interface of either family appears within
 *   `timeoutMs` (the adapter's device did not start, or this is not a Windows network stack);
 *   `ERR_WINTUN_ABORTED` when `signal` aborts; a mapped Win32 error when the probe fails otherwise.
 */
export async function waitForIpInterfaces(probe: InterfaceProbe, want: 4 | 6 | 'any' | 'all', options: InterfaceWaitOptions): Promise<InterfaceFamilies> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const poll = options.pollMs ?? 25;
  const start = now();
  let otherSince: number | null = null;
  for (;;) {
    if (options.signal?.aborted === true) throw aborted(options.signal, options.name);
    const v4 = present(probe, 4, options.name);
    const v6 = present(probe, 6, options.name);
    const families = { v4, v6 };
    if (want === 'any' ? v4 || v6 : want === 'all' ? v4 && v6 : want === 4 ? v4 : v6) return families;
    if (v4 || v6) {
      // One family exists, a wanted one does not (yet): known absent, or absent once it settles.
      const missing = v4 ? 6 : 4;
      if (missing === 4 ? options.knownAbsent?.v4 === true : options.knownAbsent?.v6 === true) return families;
      otherSince ??= now();
      if (now() - otherSince >= options.settleMs) return families;
    } else if (now() - start >= options.timeoutMs) {
      throw new WintunError(
        'ERR_WINTUN_TIMEOUT',
        `Adapter ${options.name} has no IP interface after ${options.timeoutMs} ms (GetIpInterfaceEntry kept returning ERROR_NOT_FOUND). Check Device Manager for the adapter's state, or raise interfaceTimeoutMs.`,
        { win32Code: ERROR_NOT_FOUND, syscall: 'GetIpInterfaceEntry' },
      );
    }
    await sleep(poll);
  }
}

/**
 * The error for a request of a family the adapter has no interface for (IPv6 disabled on the
 * host or unbound from the adapter, or IPv4 likewise).
 */
export function familyDisabledError(family: 4 | 6, name: string, what: string): WintunError {
  return new WintunError(
    'ERR_WINTUN_FAMILY_DISABLED',
    `${what}: adapter ${name} has no IPv${family} interface (IPv${family} is disabled on this host or unbound from the adapter). Configure IPv${family === 4 ? 6 : 4} only, or enable IPv${family}.`,
    { win32Code: ERROR_NOT_FOUND, syscall: 'GetIpInterfaceEntry' },
  );
}
