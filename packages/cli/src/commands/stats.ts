/**
 * `wintun-ts stats`: the interface counters of an adapter, as the operating system keeps them.
 *
 * @module
 */
import { Adapter, WintunError, type InterfaceCounters } from '@wintun-ts/adapter';
import { EXIT_CODES_HELP, flag, type Command } from '../command.js';
import { writeLine } from '../io.js';
import { checkName } from '../tunnel.js';
import { formatBytes } from '../format.js';

/** `stats --json`: the kernel's counters of one interface (the adapter package's snapshot type). */
export type { InterfaceCounters } from '@wintun-ts/adapter';

/**
 * Reads an interface's counters through `Adapter.interfaceCounters`: Linux sysfs, Windows
 * `GetIfEntry2`; other platforms get the CLI's own wording of the refusal.
 *
 * @throws WintunError `ERR_WINTUN_ADAPTER_NOT_FOUND` when there is no such interface;
 *   `ERR_WINTUN_UNSUPPORTED_PLATFORM` outside Linux and Windows.
 */
export async function readInterfaceCounters(name: string): Promise<InterfaceCounters> {
  if (process.platform !== 'linux' && process.platform !== 'win32') {
    throw new WintunError(
      'ERR_WINTUN_UNSUPPORTED_PLATFORM',
      `wintun-ts stats reads interface counters from Linux sysfs or Windows GetIfEntry2; on ${process.platform} use the status line of 'wintun-ts up'.`,
    );
  }
  return Adapter.interfaceCounters(name);
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
