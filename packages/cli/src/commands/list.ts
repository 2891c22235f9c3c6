/**
 * `wintun-ts list`: the adapters of this platform's kind (Wintun adapters on Windows, TUN devices
 * on Linux).
 *
 * @module
 */
import { Adapter, type AdapterInfo } from '@wintun-ts/adapter';
import { EXIT_CODES_HELP, flag, type Command } from '../command.js';
import { writeLine } from '../io.js';
import { openOptions } from '../tunnel.js';

/** The JSON shape of one adapter in `list --json` (LUID as a decimal string). */
export interface ListedAdapter {
  /** Interface name. */
  readonly name: string;
  /** Interface index. */
  readonly index: number;
  /** NET_LUID in decimal (Windows), or null (Linux). */
  readonly luid: string | null;
  /** Interface GUID (Windows), or null (Linux). */
  readonly guid: string | null;
  /** Link MTU. */
  readonly mtu: number;
  /** Administratively up. */
  readonly up: boolean;
}

/** Converts an {@link AdapterInfo} to its JSON shape. */
export function listedAdapter(info: AdapterInfo): ListedAdapter {
  return { name: info.name, index: info.index, luid: info.luid === null ? null : info.luid.toString(), guid: info.guid, mtu: info.mtu, up: info.up };
}

/** Renders rows as a left-aligned table. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

/** The `list` command. */
export const listCommand: Command = {
  name: 'list',
  summary: 'list Wintun adapters (Windows) or TUN devices (Linux)',
  positionals: [],
  options: { json: { type: 'boolean' }, dll: { type: 'string' } },
  help: `Usage: wintun-ts list [--json]

Lists the adapters of this platform's kind: Wintun adapters on Windows (found through SetupAPI,
as Wintun 0.14 has no enumeration call), TUN devices of the current network namespace on Linux.

Options:
      --json       one JSON array: [{ name, index, luid, guid, mtu, up }] (luid: decimal string
                   on Windows, null on Linux; guid: null on Linux)
      --dll PATH   path of wintun.dll (Windows)
  -h, --help       show this help

Examples:
  wintun-ts list
  wintun-ts list --json | jq -r '.[].name'

${EXIT_CODES_HELP}`,
  async run({ io, values }) {
    const adapters = (await Adapter.list(openOptions(values))).map(listedAdapter);
    if (flag(values, 'json')) {
      writeLine(io.stdout, JSON.stringify(adapters));
      return 0;
    }
    if (adapters.length === 0) {
      writeLine(io.stdout, 'no adapters');
      return 0;
    }
    const rows = [['NAME', 'INDEX', 'MTU', 'STATE', process.platform === 'win32' ? 'GUID' : '']];
    for (const a of adapters) rows.push([a.name, String(a.index), String(a.mtu), a.up ? 'up' : 'down', a.guid ?? '']);
    writeLine(io.stdout, table(rows).replace(/ +$/gm, ''));
    return 0;
  },
};
