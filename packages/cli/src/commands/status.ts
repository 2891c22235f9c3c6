/**
 * `wintun-ts status [NAME] [--watch [INTERVAL]] [--json]`: adapters, addresses, MTU, the session
 * of a running application (through its capture endpoint) and the interface counters; with
 * `--watch --json` one JSON object per line (schema {@link STATUS_SCHEMA_VERSION}, documented in
 * docs/guides/capture.md), ending cleanly on Ctrl-C and when the reader of stdout goes away.
 *
 * @module
 */
import { Adapter, WintunError } from '@wintun-ts/adapter';
import { fetchEndpointStatus } from '@wintun-ts/adapter/capture';
import { EXIT_CODES_HELP, flag, type Command } from '../command.js';
import { UsageError } from '../errors.js';
import { interruptExitCode, writeLine } from '../io.js';
import { checkName } from '../tunnel.js';
import { endpointNames } from '../attach.js';
import { readInterfaceCounters, type InterfaceCounters } from './stats.js';

/** Version of the `status --json` schema; bumped only when a field changes meaning or goes away. */
export const STATUS_SCHEMA_VERSION = 1;

/** One adapter in a `status --json` object. */
export interface AdapterStatus {
  readonly name: string;
  readonly index: number | null;
  readonly luid: string | null;
  readonly guid: string | null;
  readonly mtu: number | null;
  readonly up: boolean | null;
  readonly addresses: string[] | null;
  /** The session of the application serving this adapter's endpoint, or null when none does. */
  readonly session: {
    readonly open: boolean;
    /** Capture readers attached to the application now. */
    readonly captureReaders: number;
    readonly stats: Record<string, number>;
    readonly driverStats: Record<string, number> | null;
  } | null;
  /** The operating system's counters of the interface (Linux), or null where unavailable. */
  readonly interface: Omit<InterfaceCounters, 'name' | 'source'> | null;
}

/** One `status --json` object (one line per interval with `--watch`). */
export interface StatusObject {
  readonly schema: number;
  /** ISO 8601 time of the sample. */
  readonly time: string;
  readonly adapters: AdapterStatus[];
}

function counters(name: string): AdapterStatus['interface'] {
  try {
    const { name: _n, source: _s, ...rest } = readInterfaceCounters(name);
    return rest;
  } catch {
    return null;
  }
}

async function adapterStatus(name: string, listed: { index: number; luid: bigint | null; guid: string | null; mtu: number; up: boolean } | undefined): Promise<AdapterStatus> {
  let app: Record<string, unknown> | null = null;
  try {
    app = await fetchEndpointStatus(name, { timeoutMs: 1000 });
  } catch (error) {
    if (error instanceof WintunError && error.code === 'ERR_WINTUN_ACCESS_DENIED') throw error;
  }
  const a = (app?.['adapter'] ?? {}) as { index?: number; luid?: string | null; guid?: string | null; mtu?: number | null; addresses?: string[] };
  const s = app?.['session'] as AdapterStatus['session'] | undefined;
  return {
    name,
    index: listed?.index ?? a.index ?? null,
    luid: listed?.luid != null ? listed.luid.toString() : (a.luid ?? null),
    guid: listed?.guid ?? a.guid ?? null,
    mtu: a.mtu ?? listed?.mtu ?? null,
    up: listed?.up ?? null,
    addresses: a.addresses ?? null,
    session: s ?? null,
    interface: counters(name),
  };
}

/** Takes one sample of every adapter (or of `name`). */
export async function sampleStatus(name: string | undefined): Promise<StatusObject> {
  let listed: Awaited<ReturnType<typeof Adapter.list>> = [];
  try {
    listed = await Adapter.list();
  } catch {
    // no adapters can be listed here (e.g. no driver): a named adapter may still serve its endpoint
  }
  // Without a name: the adapters listed here, and those of applications serving an endpoint (an
  // application may run its adapter in another network namespace).
  const names = name !== undefined ? [name] : [...new Set([...listed.map((a) => a.name), ...endpointNames()])];
  let adapters = await Promise.all(names.map((n) => adapterStatus(n, listed.find((a) => a.name === n))));
  if (name === undefined) adapters = adapters.filter((a) => a.index !== null || a.session !== null); // no stale endpoint files
  if (name !== undefined && adapters[0]!.index === null && adapters[0]!.session === null && adapters[0]!.interface === null) {
    throw new WintunError('ERR_WINTUN_ADAPTER_NOT_FOUND', `There is no adapter ${name} here and no application serves one by that name; 'wintun-ts list' shows the adapters.`);
  }
  return { schema: STATUS_SCHEMA_VERSION, time: new Date().toISOString(), adapters };
}

function text(s: StatusObject): string[] {
  const lines: string[] = [];
  for (const a of s.adapters) {
    lines.push(`${a.name}: index ${a.index ?? '?'}, mtu ${a.mtu ?? '?'}, ${a.up === null ? '' : a.up ? 'up, ' : 'down, '}addresses ${a.addresses?.join(' ') || '-'}`);
    if (a.session === null) lines.push('  session: none served (start it with captureEndpoint: true to see its counters)');
    else {
      const st = a.session.stats;
      lines.push(`  session: ${a.session.open ? 'open' : 'closed'}; received ${st['packetsReceived']} packets/${st['bytesReceived']} B, sent ${st['packetsSent']}/${st['bytesSent']} B, send drops ${st['sendDrops']}, wake-ups ${st['wakeups']}, capture drops ${st['captureDrops']}, capture readers ${a.session.captureReaders}`);
      if (a.session.driverStats !== null) lines.push(`  driver: ${Object.entries(a.session.driverStats).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
    if (a.interface !== null) {
      const i = a.interface;
      lines.push(`  interface: tx ${i.txPackets} packets (${i.txDropped} dropped), rx ${i.rxPackets} packets (${i.rxDropped} dropped)`);
    }
  }
  if (lines.length === 0) lines.push('no adapters');
  return lines;
}

/** The `status` command. */
export const statusCommand: Command = {
  name: 'status',
  summary: 'adapters, addresses, MTU, a running session\'s counters and the interface counters',
  positionals: [],
  optionalPositionals: ['name', 'interval'],
  options: { json: { type: 'boolean' }, watch: { type: 'boolean', short: 'W' }, interval: { type: 'string', short: 'n' } },
  help: `Usage: wintun-ts status [NAME] [--watch [INTERVAL]] [--json]

Shows every adapter (or NAME; without it also the adapters of applications serving an endpoint,
wherever their adapter lives): index, MTU, addresses, the counters of the session of the
application running it (when that application serves its capture endpoint:
startSession({ captureEndpoint: true })) and the operating system's interface counters.

Options:
  -W, --watch [S]      print again every S seconds (default 1) until Ctrl-C
  -n, --interval S     the --watch interval, spelled out
      --json           one JSON object per sample (one line each with --watch); the schema is in
                       docs/guides/capture.md: { schema: 1, time, adapters: [ { name, index, luid,
                       guid, mtu, up, addresses, session: { open, stats, driverStats } | null,
                       interface: { txPackets, ... } | null } ] }
  -h, --help           show this help

Examples:
  wintun-ts status
  wintun-ts status wt0 --watch 2 --json | jq -c '.adapters[0].session.stats'

${EXIT_CODES_HELP}`,
  async run({ io, values, positionals }) {
    const watch = flag(values, 'watch');
    const json = flag(values, 'json');
    const args = [...positionals];
    let intervalText = typeof values['interval'] === 'string' ? values['interval'] : undefined;
    if (watch && intervalText === undefined && args.length > 0 && /^\d+(\.\d+)?$/.test(args.at(-1)!)) intervalText = args.pop();
    if (args.length > 1) throw new UsageError(`unexpected argument '${args[1]}'.`, 'status');
    if (intervalText !== undefined && !watch) throw new UsageError('an interval needs --watch.', 'status');
    const seconds = intervalText === undefined ? 1 : /^\d+(\.\d+)?$/.test(intervalText) ? Number(intervalText) : Number.NaN;
    if (!(seconds >= 0.1) || seconds > 86_400) throw new UsageError(`the --watch interval is a number of seconds in [0.1, 86400], got '${intervalText ?? ''}'.`, 'status');
    const name = args[0] === undefined ? undefined : checkName(args[0], 'status');
    const print = (s: StatusObject): void => {
      if (json) writeLine(io.stdout, JSON.stringify(s));
      else for (const line of text(s)) writeLine(io.stdout, line);
    };
    if (!watch) {
      print(await sampleStatus(name));
      return 0;
    }
    // --watch: until Ctrl-C, or until stdout's reader goes away (EPIPE: a normal end).
    let gone = false;
    const onError = (): void => {
      gone = true;
    };
    io.stdout.on('error', onError);
    try {
      while (!io.signal.aborted && !gone) {
        print(await sampleStatus(name));
        if (!json) writeLine(io.stdout);
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, seconds * 1000);
          function done(): void {
            clearTimeout(t);
            io.signal.removeEventListener('abort', done);
            io.stdout.off('error', done);
            resolve();
          }
          io.signal.addEventListener('abort', done, { once: true });
          io.stdout.once('error', done);
        });
      }
    } finally {
      io.stdout.off('error', onError);
    }
    return gone ? 0 : interruptExitCode(io.signal);
  },
};
