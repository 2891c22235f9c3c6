/**
 * What `up` and `capture` share: the adapter options on the command line, bringing an adapter up
 * (create or open, addresses, MTU, link up, routes, DNS), running its session until Ctrl-C,
 * `--duration` or `--count`, and the teardown that always runs (session closed, adapter closed:
 * deleted when this process created it).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import {
  Adapter,
  WintunError,
  isValidRingCapacity,
  parseCidr,
  parseIp,
  validateAdapterName,
  validateTunnelType,
  normalizeGuid,
  WINTUN_DEFAULT_RING_CAPACITY,
  type AdapterOpenOptions,
  type IpPrefix,
  type Session,
} from '@wintun-ts/adapter';
import { checkInterrupted, CliError, UsageError } from './errors.js';
import { ExitCode, interruptExitCode, writeLine, type CliIo } from './io.js';
import { capacityOption, flag, intOption, listOption, secondsOption, stringOption, type OptionSpec, type OptionValues } from './command.js';
import { StatusLine, snapshotOf } from './format.js';
import { classifyEcho, echoReplyInPlace, type EchoFilter } from './library.js';

/** The platform's adapter-name rules. */
export function namePlatform(): 'win32' | 'linux' {
  return process.platform === 'win32' ? 'win32' : 'linux';
}

/**
 * Validates an adapter name argument; a bad name is a usage error (exit 2, `ERR_WINTUN_NAME_INVALID`).
 * Names may hold any characters the platform accepts, non-ASCII letters included: on Linux 1-15
 * bytes of UTF-8, on Windows 1-127 characters, never whitespace, control characters, '/', '\' or ':'.
 */
export function checkName(name: string, command: string): string {
  try {
    return validateAdapterName(name, namePlatform());
  } catch (error) {
    if (!(error instanceof WintunError)) throw error;
    const linux = namePlatform() === 'linux';
    const bytes = Buffer.byteLength(name, 'utf8');
    const why =
      name === ''
        ? 'is empty'
        : linux && bytes > 15
          ? `is ${bytes} bytes of UTF-8; Linux allows at most 15`
          : !linux && name.length > 127
            ? `is ${name.length} characters; Windows allows at most 127`
            : linux && (name === '.' || name === '..')
              ? 'is not allowed on Linux'
              : "contains whitespace, a control character, '/', '\\' or ':'";
    throw new UsageError(`adapter name '${name}' ${why}.`, command, { code: 'ERR_WINTUN_NAME_INVALID' });
  }
}

/** Turns a validation `WintunError` into a usage error with the same code, naming the argument. */
export function asUsage(error: unknown, command: string, what: string): unknown {
  if (error instanceof WintunError) return new UsageError(`${what}: ${error.message}`, command, { code: error.code });
  return error;
}

/** Whether a network interface of any kind has this name (Linux: in this namespace); false elsewhere. */
function interfaceExists(name: string): boolean {
  return process.platform === 'linux' && existsSync(`/sys/class/net/${name}`);
}

/**
 * The error for an adapter name that no adapter has, worded for the command line: it names the
 * interface of another kind that holds the name (a veth, a bridge, an Ethernet card) when there is one.
 */
export function adapterNotFound(name: string, error: unknown): CliError {
  if (interfaceExists(name)) {
    return new CliError('ERR_WINTUN_NAME_TAKEN', `'${name}' is a network interface of another kind, not a TUN device: wintun-ts runs only on its own adapters.`, `Pick a name no interface has ('ip link' lists them), e.g. wt0.`, error);
  }
  const where = process.platform === 'linux' ? ' in this network namespace' : '';
  return new CliError('ERR_WINTUN_ADAPTER_NOT_FOUND', `there is no adapter named '${name}'${where}.`, undefined, error);
}

/** `--type T`, checked as the platform will check it; a bad value is a usage error naming `--type`. */
export function typeOption(values: OptionValues, command: string): string | undefined {
  const text = stringOption(values, 'type');
  if (text === undefined) return undefined;
  try {
    return validateTunnelType(text);
  } catch (error) {
    if (!(error instanceof WintunError)) throw error;
    throw new UsageError(`--type ${JSON.stringify(text)} must be 1-120 printable characters (the device description becomes "<type> Tunnel").`, command, { fix: 'Pass printable text such as --type MyVpn.' });
  }
}

/** `--dll PATH` (Windows: explicit wintun.dll) as adapter open options. */
export function openOptions(values: OptionValues): AdapterOpenOptions {
  const dllPath = stringOption(values, 'dll');
  return dllPath === undefined ? {} : { dllPath };
}

/** The options `up` and `capture` accept to bring an adapter up. */
export const TUNNEL_OPTIONS: OptionSpec = {
  address: { type: 'string', short: 'a', multiple: true },
  mtu: { type: 'string' },
  route: { type: 'string', short: 'r', multiple: true },
  dns: { type: 'string', multiple: true },
  echo: { type: 'boolean' },
  capacity: { type: 'string' },
  duration: { type: 'string', short: 't' },
  type: { type: 'string' },
  guid: { type: 'string' },
  dll: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  json: { type: 'boolean' },
  'serve-capture': { type: 'boolean' },
};

/** The help lines of {@link TUNNEL_OPTIONS}. */
export const TUNNEL_OPTIONS_HELP = `  -a, --address CIDR   assign an address with its prefix length, e.g. 10.6.7.7/24 or
                       fd00::7/64 (one address alone: /32 or /128; repeatable)
      --mtu N          link MTU, 576-65535 (at least 1280 with an IPv6 address or route)
  -r, --route CIDR     route a prefix through the adapter, on-link, e.g. 10.8.0.0/16
                       (repeatable)
      --dns IP         DNS server of the adapter (repeatable; Windows only: on Linux DNS
                       belongs to the resolver, a warning is printed and nothing is set)
      --echo           answer ping (ICMPv4/ICMPv6 echo) and echo UDP datagrams back
      --capacity N     ring capacity in bytes, a power of two in [0x20000, 0x4000000]
                       (default 0x400000 = 4 MiB)
  -t, --duration S     stop after S seconds (default: run until Ctrl-C)
      --type T         tunnel type when the adapter is created (Windows: "T Tunnel")
      --guid G         requested GUID when the adapter is created (Windows)
      --dll PATH       path of wintun.dll (Windows; default: next to the program)
  -q, --quiet          no live status line
      --json           print the final counters as JSON on stdout
      --serve-capture  serve this session's capture endpoint, so 'wintun-ts capture <name>',
                       'wintun-ts status <name>' and Wireshark can attach while it runs`;

/** Parsed {@link TUNNEL_OPTIONS}. */
export interface TunnelConfig {
  /** Adapter name. */
  readonly name: string;
  /** Addresses to assign (validated CIDR text). */
  readonly addresses: readonly string[];
  /** MTU, if given. */
  readonly mtu: number | undefined;
  /** Routes (validated CIDR text). */
  readonly routes: readonly string[];
  /** DNS servers (validated). */
  readonly dns: readonly string[];
  /** Answer echo requests. */
  readonly echo: boolean;
  /** Ring capacity. */
  readonly capacity: number;
  /** Stop after this many milliseconds. */
  readonly durationMs: number | undefined;
  /** Tunnel type for create. */
  readonly tunnelType: string | undefined;
  /** GUID for create. */
  readonly guid: string | undefined;
  /** Open options (dll path). */
  readonly open: AdapterOpenOptions;
  /** No status line. */
  readonly quiet: boolean;
  /** Final counters as JSON. */
  readonly json: boolean;
  /** Serve the session's capture endpoint (`--serve-capture`). */
  readonly serveCapture: boolean;
}

/** IPv6 needs links of at least this MTU; below it the kernel drops the link's IPv6 addresses. */
export const IPV6_MIN_MTU = 1280;

/** Why an address may not be assigned to an adapter (loopback, multicast, unspecified), or null. */
function unassignable(p: IpPrefix): string | null {
  const b = p.bytes;
  if (p.family === 4) {
    if (b[0] === 127) return 'a loopback address (127.0.0.0/8 belongs to lo)';
    if ((b[0] ?? 0) >= 224 && (b[0] ?? 0) <= 239) return 'a multicast address';
    if (b.every((x) => x === 0)) return 'the unspecified address';
    if (b.every((x) => x === 255)) return 'the broadcast address';
    return null;
  }
  if (b.slice(0, 15).every((x) => x === 0) && b[15] === 1) return 'the loopback address (::1 belongs to lo)';
  if (b.every((x) => x === 0)) return 'the unspecified address';
  if (b[0] === 0xff) return 'a multicast address';
  return null;
}

/**
 * Parses one `--address` or `--route` value: CIDR with an explicit prefix length (a bare address
 * is refused, so no one gets a /32 by accident); `--address` also refuses addresses an adapter
 * cannot own.
 */
function checkCidr(text: string, option: 'address' | 'route', command: string): IpPrefix {
  let p: IpPrefix;
  try {
    p = parseCidr(text);
  } catch (error) {
    throw asUsage(error, command, `--${option} '${text}'`);
  }
  if (!text.includes('/')) {
    const max = p.family === 4 ? 32 : 128;
    const example = p.family === 4 ? 24 : 64;
    throw new UsageError(`--${option} '${text}' has no prefix length.`, command, {
      code: 'ERR_WINTUN_ADDRESS_INVALID',
      fix: `Write it in CIDR notation: '${text}/${max}' for ${option === 'address' ? 'this single address' : 'a route to this host alone'}, or e.g. '${text}/${example}' for a subnet.`,
    });
  }
  const why = option === 'address' ? unassignable(p) : null;
  if (why !== null) {
    throw new UsageError(`--address '${text}' is ${why}, which an adapter cannot own.`, command, {
      code: 'ERR_WINTUN_ADDRESS_INVALID',
      fix: p.family === 4 ? 'Give the adapter an address of its own, e.g. 10.6.7.7/24.' : 'Give the adapter an address of its own, e.g. fd00:6::7/64.',
    });
  }
  return p;
}

/** Validates the tunnel options; every mistake is a usage error (exit 2) with its code. */
export function parseTunnelConfig(values: OptionValues, name: string, command: string): TunnelConfig {
  const checkedName = checkName(name, command);
  const addresses = listOption(values, 'address');
  const parsedAddresses = addresses.map((a) => checkCidr(a, 'address', command));
  const routes = listOption(values, 'route');
  const parsedRoutes = routes.map((r) => checkCidr(r, 'route', command));
  const dns = listOption(values, 'dns');
  for (const d of dns) {
    try {
      parseIp(d);
    } catch (error) {
      if (!(error instanceof WintunError)) throw error;
      throw new UsageError(`--dns '${d}': ${error.message}`, command, { code: 'ERR_WINTUN_ADDRESS_INVALID', fix: 'Pass the address of a DNS server, without a prefix length, e.g. --dns 10.6.7.1.' });
    }
  }
  const capacity = capacityOption(values, command, isValidRingCapacity) ?? WINTUN_DEFAULT_RING_CAPACITY;
  const guidText = stringOption(values, 'guid');
  let guid: string | undefined;
  if (guidText !== undefined) {
    try {
      guid = normalizeGuid(guidText);
    } catch (error) {
      throw asUsage(error, command, `--guid '${guidText}'`);
    }
  }
  const mtu = intOption(values, 'mtu', 576, 65535, command);
  const v6 = [...addresses.filter((_, i) => parsedAddresses[i]?.family === 6), ...routes.filter((_, i) => parsedRoutes[i]?.family === 6)];
  if (mtu !== undefined && mtu < IPV6_MIN_MTU && v6.length > 0) {
    throw new UsageError(`--mtu ${mtu} is below ${IPV6_MIN_MTU}, the smallest MTU IPv6 allows: the system would drop ${v6.join(', ')} from the adapter.`, command, {
      fix: `Use --mtu ${IPV6_MIN_MTU} or more, or leave out the IPv6 addresses and routes.`,
    });
  }
  return {
    name: checkedName,
    addresses,
    mtu,
    routes,
    dns,
    echo: flag(values, 'echo'),
    capacity,
    durationMs: secondsOption(values, 'duration', command),
    tunnelType: typeOption(values, command),
    guid,
    open: openOptions(values),
    quiet: flag(values, 'quiet'),
    json: flag(values, 'json'),
    serveCapture: flag(values, 'serve-capture'),
  };
}

/** An adapter this command holds, and whether this process created it. */
export interface HeldAdapter {
  /** The adapter. */
  readonly adapter: Adapter;
  /** True when created here (closing deletes it unless persistent). */
  readonly created: boolean;
}

/**
 * Opens the adapter by name, or creates it when there is none. A name held by an interface of
 * another kind (a veth, a bridge) is refused with `ERR_WINTUN_NAME_TAKEN`, never "created".
 */
export async function openOrCreate(config: Pick<TunnelConfig, 'name' | 'tunnelType' | 'guid' | 'open'>): Promise<HeldAdapter> {
  try {
    return { adapter: await Adapter.open(config.name, config.open), created: false };
  } catch (error) {
    if (!(error instanceof WintunError) || error.code !== 'ERR_WINTUN_ADAPTER_NOT_FOUND') throw error;
    if (interfaceExists(config.name)) throw adapterNotFound(config.name, error);
  }
  try {
    const adapter = await Adapter.create({ name: config.name, tunnelType: config.tunnelType, guid: config.guid, ...config.open });
    return { adapter, created: true };
  } catch (error) {
    throw createFailed(config.name, error);
  }
}

/** Rewords a failed create in the command's terms (the name is taken: by what, and what to do). */
export function createFailed(name: string, error: unknown): unknown {
  if (!(error instanceof WintunError) || error.code !== 'ERR_WINTUN_NAME_TAKEN') return error;
  if (process.platform === 'linux' && interfaceExists(name) && !existsSync(`/sys/class/net/${name}/tun_flags`)) {
    return new CliError('ERR_WINTUN_NAME_TAKEN', `'${name}' is a network interface of another kind, not a TUN device: wintun-ts runs only on its own adapters.`, `Pick a name no interface has ('ip link' lists them), e.g. wt0.`, error);
  }
  return new CliError(
    'ERR_WINTUN_NAME_TAKEN',
    `an adapter named '${name}' already exists (or another program holds it).`,
    `Use it with 'wintun-ts up ${name}', pick another name, or remove it with 'wintun-ts delete ${name}'.`,
    error,
  );
}

/** Runs one configuration step; a failure is reworded as `reword` says (or passed on as is). */
async function step<T>(run: () => Promise<T>, reword: (error: WintunError) => CliError | undefined): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw (error instanceof WintunError ? reword(error) : undefined) ?? error;
  }
}

/** The system refused an address or route it parsed: say so in the command's terms. */
function refused(what: string, name: string, error: WintunError): CliError | undefined {
  if (error.code === 'ERR_WINTUN_ALREADY_EXISTS') {
    return new CliError('ERR_WINTUN_ALREADY_EXISTS', `${what} already exists.`, `Remove the existing entry first (Linux: 'ip route del ...' / 'ip addr del ...'), or pick another prefix.`, error);
  }
  if (error.code === 'ERR_WINTUN_NOT_FOUND' || error.code === 'ERR_WINTUN_INVALID_ARGUMENT' || error.code === 'ERR_WINTUN_ADDRESS_INVALID') {
    const kernel = /Kernel: (.*?)\.?$/.exec(error.message)?.[1];
    return new CliError('ERR_WINTUN_ADDRESS_INVALID', `the system refused ${what} on ${name}${kernel === undefined ? '' : ` (${kernel})`}.`, undefined, error);
  }
  return undefined;
}

/** Applies addresses, MTU, link up, routes and DNS; addresses already present are skipped. */
export async function configure(adapter: Adapter, config: TunnelConfig, io: CliIo): Promise<void> {
  const existing = await adapter.addresses();
  const present = new Set(existing.map((a) => `${a.address}/${a.prefixLength}`));
  for (const cidr of config.addresses) {
    checkInterrupted(io.signal);
    const p = parseCidr(cidr);
    if (!present.has(`${p.address}/${p.prefixLength}`)) await step(() => adapter.addAddress(cidr), (e) => refused(`address ${cidr}`, adapter.name, e));
  }
  if (config.mtu !== undefined) {
    const mtu = config.mtu;
    await step(() => adapter.setMtu(mtu), (e) => (e.code === 'ERR_WINTUN_INVALID_ARGUMENT' ? new CliError('ERR_WINTUN_INVALID_ARGUMENT', `the system refused --mtu ${mtu} on ${adapter.name}.`, 'Use an MTU from 576 to 65535 (1280 or more with IPv6).', e) : undefined));
    const v6 = existing.filter((a) => a.address.includes(':'));
    if (mtu < IPV6_MIN_MTU && v6.length > 0) {
      writeLine(io.stderr, `wintun-ts: warning: --mtu ${mtu} is below ${IPV6_MIN_MTU}: the system drops the IPv6 addresses of ${adapter.name} (${v6.map((a) => `${a.address}/${a.prefixLength}`).join(', ')}).`);
    }
  }
  checkInterrupted(io.signal);
  await adapter.setUp(true);
  for (const destination of config.routes) {
    checkInterrupted(io.signal);
    await step(() => adapter.addRoute({ destination }), (e) => refused(`route ${destination}`, adapter.name, e));
  }
  if (config.dns.length > 0) {
    try {
      await adapter.setDns(config.dns);
    } catch (error) {
      if (!(error instanceof WintunError) || error.code !== 'ERR_WINTUN_UNSUPPORTED_PLATFORM') throw error;
      writeLine(io.stderr, `wintun-ts: warning: --dns ignored: on ${process.platform} DNS belongs to the system resolver (e.g. resolvectl dns ${adapter.name} ${config.dns.join(' ')}).`);
    }
  }
}

/** --echo answers every ICMP echo request and UDP datagram, whatever the destination. */
const ANY: EchoFilter = { addresses: null, udpPorts: null };

/** Per-packet hook of {@link runTunnel}: sees each packet leaving the system, before any echo. */
export type PacketHook = (bytes: Uint8Array, offset: number, length: number) => void;

/** Extra behaviour `capture` adds to the session loop. */
export interface TunnelHooks {
  /** Called for each received packet (the bytes are valid only during the call). */
  readonly onPacket?: PacketHook | undefined;
  /** Stop after this many packets. */
  readonly count?: number | undefined;
  /** A failure of the output (e.g. a closed pipe) that ends the run. */
  readonly failed?: Promise<unknown> | undefined;
  /** Appended to the status line. */
  readonly statusExtra?: (() => string) | undefined;
  /**
   * Awaited after the session and adapter are torn down, before the summary is printed (e.g.
   * the capture output is closed, bounded), so the summary has the final counts.
   */
  readonly beforeSummary?: (() => Promise<void>) | undefined;
  /** Extra fields of the final JSON. */
  readonly summary?: (() => Record<string, unknown>) | undefined;
  /** An extra closing line on stderr (printed even with --quiet when it reports a loss). */
  readonly summaryText?: (() => string | undefined) | undefined;
  /** Whether the final JSON may go to stdout (false when stdout carries pcap data). */
  readonly jsonToStdout?: boolean | undefined;
  /** Called once the session runs (before the first packet), e.g. to start a capture on it. */
  readonly onSession?: ((session: Session, name: string) => void) | undefined;
}

/**
 * Brings the adapter up, runs its session until Ctrl-C (exit 130), SIGTERM (143), `--duration`
 * or the hook's `count` (0), and always tears down: session closed, adapter closed (deleted when
 * created here). Errors propagate after the teardown.
 */
export async function runTunnel(io: CliIo, config: TunnelConfig, hooks: TunnelHooks = {}): Promise<number> {
  let held: HeldAdapter | undefined;
  let session: Session | undefined;
  let status: StatusLine | undefined;
  let echoed = 0;
  const started = performance.now();
  const stop = new AbortController();
  const onInterrupt = (): void => stop.abort('interrupt');
  io.signal.addEventListener('abort', onInterrupt, { once: true });
  const timer = config.durationMs === undefined ? undefined : setTimeout(() => stop.abort('duration'), config.durationMs);
  let outputFailure: unknown;
  hooks.failed?.then(
    (error) => {
      outputFailure = error;
      stop.abort('output');
    },
    () => undefined,
  );
  let final: (Record<string, unknown> & { rxPackets: number; txPackets: number; drops: number; stoppedBy: string }) | undefined;
  let tornDown = false;
  try {
    checkInterrupted(io.signal);
    held = await openOrCreate(config);
    const { adapter } = held;
    checkInterrupted(io.signal);
    await configure(adapter, config, io);
    checkInterrupted(io.signal);
    session = await adapter.startSession({ capacity: config.capacity, captureEndpoint: config.serveCapture });
    const s = session;
    hooks.onSession?.(s, adapter.name);
    if (!config.quiet) {
      const what = [
        held.created ? 'created' : 'opened',
        `index ${adapter.index}`,
        ...config.addresses,
        config.mtu === undefined ? null : `mtu ${config.mtu}`,
        config.routes.length > 0 ? `routes ${config.routes.join(' ')}` : null,
        `ring ${config.capacity / 1024} KiB`,
        config.echo ? 'echo on' : null,
      ].filter((x) => x !== null);
      writeLine(io.stderr, `wintun-ts: ${adapter.name} up (${what.join(', ')}). Ctrl-C to stop.`);
      const driver = s.driverStats;
      status = new StatusLine(io.stderr, io.stderrIsTTY, () => snapshotOf(s.stats, driver), () => `${config.echo ? ` | echoed ${echoed}` : ''}${hooks.statusExtra?.() ?? ''}`);
      status.start();
    }
    let seen = 0;
    const handler = (bytes: Uint8Array, offset: number, length: number): void => {
      seen++;
      hooks.onPacket?.(bytes, offset, length);
      if (!config.echo) return;
      const match = classifyEcho(bytes, offset, length, ANY);
      if (match === null) return;
      const sent = s.sendWith(match.length, (out, o) => {
        out.set(bytes.subarray(offset, offset + match.length), o);
        echoReplyInPlace(out, o, match.length, ANY);
      });
      if (sent) echoed++;
    };
    // The loop never waits on anything but the session and the stop signal: an output that
    // stalls (a pcap reader that stopped reading) cannot hold up --duration, Ctrl-C or teardown.
    while (!stop.signal.aborted) {
      const max = hooks.count === undefined ? 256 : Math.min(256, hooks.count - seen);
      try {
        await s.receiveInto(handler, { signal: stop.signal, max });
      } catch (error) {
        if (error instanceof WintunError && (error.code === 'ERR_WINTUN_ABORTED' || error.code === 'ERR_WINTUN_CLOSED') && stop.signal.aborted) break;
        if (error instanceof WintunError && error.code === 'ERR_WINTUN_EOF') {
          writeLine(io.stderr, `wintun-ts: the driver ended the session of ${adapter.name} (ERR_WINTUN_EOF): the adapter was removed or disabled.`);
          break;
        }
        throw error;
      }
      if (hooks.count !== undefined && seen >= hooks.count) stop.abort('count');
    }
    status?.stop();
    if (outputFailure !== undefined) throw outputFailure;
    final = {
      name: adapter.name,
      created: held.created,
      seconds: Math.round(performance.now() - started) / 1000,
      ...snapshotOf(s.stats, s.driverStats),
      echoed,
      stoppedBy: io.signal.aborted ? String(io.signal.reason) : String(stop.signal.reason),
    };
    status?.stop();
    if (timer !== undefined) clearTimeout(timer);
    tornDown = true;
    await teardown(io, session, held);
    await hooks.beforeSummary?.();
    const summary = { ...final, ...hooks.summary?.() };
    if (config.json && hooks.jsonToStdout !== false) writeLine(io.stdout, JSON.stringify(summary));
    if (!config.quiet) {
      writeLine(io.stderr, `wintun-ts: ${adapter.name}: received ${final.rxPackets} packets, sent ${final.txPackets}, dropped ${final.drops}${config.echo ? `, echoed ${echoed}` : ''}; stopped by ${final.stoppedBy}.`);
    }
    const extra = hooks.summaryText?.();
    if (extra !== undefined) writeLine(io.stderr, extra);
    return io.signal.aborted ? interruptExitCode(io.signal) : ExitCode.OK;
  } finally {
    status?.stop();
    if (timer !== undefined) clearTimeout(timer);
    io.signal.removeEventListener('abort', onInterrupt);
    if (!tornDown) await teardown(io, session, held);
  }
}

/** Closes the session and the adapter, reporting (not throwing) a failure of either. */
export async function teardown(io: CliIo, session: Session | undefined, held: HeldAdapter | undefined): Promise<void> {
  try {
    await session?.close();
  } catch (error) {
    writeLine(io.stderr, `wintun-ts: warning: closing the session failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    await held?.adapter.close();
  } catch (error) {
    writeLine(io.stderr, `wintun-ts: warning: closing adapter ${held?.adapter.name ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
