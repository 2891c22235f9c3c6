/**
 * What `up` and `capture` share: the adapter options on the command line, bringing an adapter up
 * (create or open, addresses, MTU, link up, routes, DNS), running its session until Ctrl-C,
 * `--duration` or `--count`, and the teardown that always runs (session closed, adapter closed:
 * deleted when this process created it).
 *
 * @module
 */
import {
  Adapter,
  WintunError,
  isValidRingCapacity,
  parseCidr,
  parseIp,
  validateAdapterName,
  normalizeGuid,
  WINTUN_DEFAULT_RING_CAPACITY,
  type AdapterOpenOptions,
  type Session,
} from '@wintun-ts/adapter';
import { classifyEcho, echoReplyInPlace, type EchoFilter } from '@wintun-ts/adapter/packet';
import { checkInterrupted, UsageError } from './errors.js';
import { ExitCode, interruptExitCode, writeLine, type CliIo } from './io.js';
import { flag, intOption, listOption, secondsOption, stringOption, type OptionSpec, type OptionValues } from './command.js';
import { StatusLine, snapshotOf } from './format.js';

/** The platform's adapter-name rules. */
export function namePlatform(): 'win32' | 'linux' {
  return process.platform === 'win32' ? 'win32' : 'linux';
}

/** Validates an adapter name argument; a bad name is a usage error (exit 2) naming the code. */
export function checkName(name: string, command: string): string {
  try {
    return validateAdapterName(name, namePlatform());
  } catch (error) {
    throw asUsage(error, command, `adapter name '${name}'`);
  }
}

/** Turns a validation `WintunError` into a usage error that still shows its code. */
export function asUsage(error: unknown, command: string, what: string): unknown {
  if (error instanceof WintunError) return new UsageError(`${what}: ${error.code}: ${error.message}`, command);
  return error;
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
};

/** The help lines of {@link TUNNEL_OPTIONS}. */
export const TUNNEL_OPTIONS_HELP = `  -a, --address CIDR   assign an address, e.g. 10.6.7.7/24 or fd00::7/64 (repeatable)
      --mtu N          link MTU, 576-65535
  -r, --route CIDR     route a prefix through the adapter, on-link (repeatable)
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
      --json           print the final counters as JSON on stdout`;

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
}

/** Validates the tunnel options; every mistake is a usage error (exit 2). */
export function parseTunnelConfig(values: OptionValues, name: string, command: string): TunnelConfig {
  const addresses = listOption(values, 'address');
  for (const a of addresses) {
    try {
      parseCidr(a);
    } catch (error) {
      throw asUsage(error, command, `--address '${a}'`);
    }
  }
  const routes = listOption(values, 'route');
  for (const r of routes) {
    try {
      parseCidr(r);
    } catch (error) {
      throw asUsage(error, command, `--route '${r}'`);
    }
  }
  const dns = listOption(values, 'dns');
  for (const d of dns) {
    try {
      parseIp(d);
    } catch (error) {
      throw asUsage(error, command, `--dns '${d}'`);
    }
  }
  const capacity = intOption(values, 'capacity', 1, 0xffffffff, command) ?? WINTUN_DEFAULT_RING_CAPACITY;
  if (!isValidRingCapacity(capacity)) {
    throw new UsageError(`--capacity must be a power of two between 0x20000 and 0x4000000, got ${stringOption(values, 'capacity') ?? ''}.`, command);
  }
  const guidText = stringOption(values, 'guid');
  let guid: string | undefined;
  if (guidText !== undefined) {
    try {
      guid = normalizeGuid(guidText);
    } catch (error) {
      throw asUsage(error, command, `--guid '${guidText}'`);
    }
  }
  return {
    name: checkName(name, command),
    addresses,
    mtu: intOption(values, 'mtu', 576, 65535, command),
    routes,
    dns,
    echo: flag(values, 'echo'),
    capacity,
    durationMs: secondsOption(values, 'duration', command),
    tunnelType: stringOption(values, 'type'),
    guid,
    open: openOptions(values),
    quiet: flag(values, 'quiet'),
    json: flag(values, 'json'),
  };
}

/** An adapter this command holds, and whether this process created it. */
export interface HeldAdapter {
  /** The adapter. */
  readonly adapter: Adapter;
  /** True when created here (closing deletes it unless persistent). */
  readonly created: boolean;
}

/** Opens the adapter by name, or creates it when there is none. */
export async function openOrCreate(config: Pick<TunnelConfig, 'name' | 'tunnelType' | 'guid' | 'open'>): Promise<HeldAdapter> {
  try {
    return { adapter: await Adapter.open(config.name, config.open), created: false };
  } catch (error) {
    if (!(error instanceof WintunError) || error.code !== 'ERR_WINTUN_ADAPTER_NOT_FOUND') throw error;
  }
  const adapter = await Adapter.create({ name: config.name, tunnelType: config.tunnelType, guid: config.guid, ...config.open });
  return { adapter, created: true };
}

/** Applies addresses, MTU, link up, routes and DNS; addresses already present are skipped. */
export async function configure(adapter: Adapter, config: TunnelConfig, io: CliIo): Promise<void> {
  const present = new Set((await adapter.addresses()).map((a) => `${a.address}/${a.prefixLength}`));
  for (const cidr of config.addresses) {
    checkInterrupted(io.signal);
    const p = parseCidr(cidr);
    if (!present.has(`${p.address}/${p.prefixLength}`)) await adapter.addAddress(cidr);
  }
  if (config.mtu !== undefined) await adapter.setMtu(config.mtu);
  checkInterrupted(io.signal);
  await adapter.setUp(true);
  for (const destination of config.routes) {
    checkInterrupted(io.signal);
    await adapter.addRoute({ destination });
  }
  if (config.dns.length > 0) {
    try {
      await adapter.setDns(config.dns);
    } catch (error) {
      if (!(error instanceof WintunError) || error.code !== 'ERR_WINTUN_UNSUPPORTED_PLATFORM') throw error;
      writeLine(io.stderr, `wintun-ts: warning: --dns ignored: ${error.message}`);
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
  /** Awaited after each batch (output backpressure); resolves when more may be written. */
  readonly drained?: (() => Promise<void> | undefined) | undefined;
  /** A failure of the output (e.g. a closed pipe) that ends the run. */
  readonly failed?: Promise<unknown> | undefined;
  /** Appended to the status line. */
  readonly statusExtra?: (() => string) | undefined;
  /** Extra fields of the final JSON. */
  readonly summary?: (() => Record<string, unknown>) | undefined;
  /** Whether the final JSON may go to stdout (false when stdout carries pcap data). */
  readonly jsonToStdout?: boolean | undefined;
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
  try {
    checkInterrupted(io.signal);
    held = await openOrCreate(config);
    const { adapter } = held;
    checkInterrupted(io.signal);
    await configure(adapter, config, io);
    checkInterrupted(io.signal);
    session = await adapter.startSession({ capacity: config.capacity });
    const s = session;
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
      const wait = hooks.drained?.();
      if (wait !== undefined) await wait;
    }
    status?.stop();
    if (outputFailure !== undefined) throw outputFailure;
    const summary = {
      name: adapter.name,
      created: held.created,
      seconds: Math.round(performance.now() - started) / 1000,
      ...snapshotOf(s.stats, s.driverStats),
      echoed,
      ...hooks.summary?.(),
      stoppedBy: io.signal.aborted ? String(io.signal.reason) : String(stop.signal.reason),
    };
    if (config.json && hooks.jsonToStdout !== false) writeLine(io.stdout, JSON.stringify(summary));
    if (!config.quiet) {
      writeLine(io.stderr, `wintun-ts: ${adapter.name}: received ${summary.rxPackets} packets, sent ${summary.txPackets}, dropped ${summary.drops}${config.echo ? `, echoed ${echoed}` : ''}; stopped by ${summary.stoppedBy}.`);
    }
    return io.signal.aborted ? interruptExitCode(io.signal) : ExitCode.OK;
  } finally {
    status?.stop();
    if (timer !== undefined) clearTimeout(timer);
    io.signal.removeEventListener('abort', onInterrupt);
    await teardown(io, session, held);
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
