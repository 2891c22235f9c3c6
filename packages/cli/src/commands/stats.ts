/**
 * `wintun-ts stats`: the interface counters of an adapter, as the operating system keeps them.
 *
 * @module
 */
import { readFileSync, existsSync } from 'node:fs';
import { Adapter, WintunError } from '@wintun-ts/adapter';
import { EXIT_CODES_HELP, flag, type Command } from '../command.js';
import { writeLine } from '../io.js';
import { checkName } from '../tunnel.js';
import { formatBytes } from '../format.js';

/** `stats --json`: the kernel's counters of one interface. */
export interface InterfaceCounters {
  /** Interface name. */
  readonly name: string;
  /** Where the numbers come from: `sysfs` (Linux `/sys/class/net/<name>/statistics`) or `GetIfEntry2` (Windows). */
  readonly source: 'sysfs' | 'GetIfEntry2';
  /** Packets the system sent out through the adapter (what a session receives). */
  readonly txPackets: number;
  /** Bytes the system sent out through the adapter. */
  readonly txBytes: number;
  /** Outgoing packets the system dropped (e.g. no session was reading). */
  readonly txDropped: number;
  /** Outgoing errors. */
  readonly txErrors: number;
  /** Packets the adapter delivered into the system (what a session sent). */
  readonly rxPackets: number;
  /** Bytes delivered into the system. */
  readonly rxBytes: number;
  /** Incoming packets the system dropped. */
  readonly rxDropped: number;
  /** Incoming errors (e.g. malformed packets a session sent). */
  readonly rxErrors: number;
}

const FIELDS = [
  ['txPackets', 'tx_packets'],
  ['txBytes', 'tx_bytes'],
  ['txDropped', 'tx_dropped'],
  ['txErrors', 'tx_errors'],
  ['rxPackets', 'rx_packets'],
  ['rxBytes', 'rx_bytes'],
  ['rxDropped', 'rx_dropped'],
  ['rxErrors', 'rx_errors'],
] as const;

/**
 * Reads an interface's counters: Linux sysfs, Windows `GetIfEntry2` (through
 * `Adapter.interfaceCounters`).
 *
 * @throws WintunError `ERR_WINTUN_ADAPTER_NOT_FOUND` when there is no such interface;
 *   `ERR_WINTUN_UNSUPPORTED_PLATFORM` outside Linux and Windows.
 */
export async function readInterfaceCounters(name: string): Promise<InterfaceCounters> {
  if (process.platform === 'win32') return Adapter.interfaceCounters(name);
  if (process.platform !== 'linux') {
    throw new WintunError(
      'ERR_WINTUN_UNSUPPORTED_PLATFORM',
      `wintun-ts stats reads interface counters from Linux sysfs or Windows GetIfEntry2; on ${process.platform} use the status line of 'wintun-ts up'.`,
    );
  }
  const dir = `/sys/class/net/${name}/statistics`;
  if (!existsSync(dir)) {
    throw new WintunError('ERR_WINTUN_ADAPTER_NOT_FOUND', `There is no interface ${name} in this network namespace; 'wintun-ts list' shows the adapters.`);
  }
  const out: Record<string, number> = {};
  for (const [key, file] of FIELDS) out[key] = Number(readFileSync(`${dir}/${file}`, 'utf8').trim());
  return { name, source: 'sysfs', ...(out as Omit<InterfaceCounters, 'name' | 'source'>) };
}

/** The `stats` command. */
export const statsCommand: Command = {
  name: 'stats',
  summary: "an adapter's interface counters (packets, bytes, drops, errors)",
  positionals: ['name'],
  options: { json: { type: 'boolean' } },
  help: `Usage: wintun-ts stats <name> [--json]

Prints the operating system's counters of the interface <name>, seen from the system: "tx" is
what the system sent out through the adapter (what a session receives, or what was dropped
while no session was reading), "rx" is what sessions injected into the system. The counters
belong to the interface, so they cover every session since it was created, including one that
'wintun-ts up' is running in another terminal. Linux reads /sys/class/net/<name>/statistics,
Windows GetIfEntry2 (the counters Get-NetAdapterStatistics shows).

Options:
      --json   one JSON object: { name, source, txPackets, txBytes, txDropped, txErrors,
               rxPackets, rxBytes, rxDropped, rxErrors }
  -h, --help   show this help

Examples:
  wintun-ts stats wt0
  watch -n1 wintun-ts stats wt0
  wintun-ts stats wt0 --json | jq .txDropped

${EXIT_CODES_HELP}`,
  async run({ io, values, positionals }) {
    const counters = await readInterfaceCounters(checkName(positionals[0] ?? '', 'stats'));
    if (flag(values, 'json')) {
      writeLine(io.stdout, JSON.stringify(counters));
      return 0;
    }
    const c = counters;
    writeLine(io.stdout, `${c.name}: out of the system (sessions receive): ${c.txPackets} packets, ${formatBytes(c.txBytes)}, ${c.txDropped} dropped, ${c.txErrors} errors`);
    writeLine(io.stdout, `${c.name}: into the system (sessions send):     ${c.rxPackets} packets, ${formatBytes(c.rxBytes)}, ${c.rxDropped} dropped, ${c.rxErrors} errors`);
    return 0;
  },
};
