/**
 * `wintun-ts delete`: remove an adapter from the system, persistent or not.
 *
 * @module
 */
import { Adapter, WintunError } from '@wintun-ts/adapter';
import { EXIT_CODES_HELP, flag, type Command } from '../command.js';
import { writeLine } from '../io.js';
import { adapterNotFound, checkName, openOptions } from '../tunnel.js';

/** The `delete` command. */
export const deleteCommand: Command = {
  name: 'delete',
  summary: 'delete an adapter (also a persistent one)',
  positionals: ['name'],
  options: { dll: { type: 'string' }, json: { type: 'boolean' } },
  help: `Usage: wintun-ts delete <name>

Deletes the adapter <name>, persistent or not. An adapter with a running session elsewhere is
still deleted: that session ends (its owner sees ERR_WINTUN_EOF).

Options:
      --dll PATH   path of wintun.dll (Windows)
      --json       one JSON object { name, deleted: true }; a failure as {"error":{...}}
  -h, --help       show this help

Examples:
  wintun-ts delete wt0
  wintun-ts list --json | jq -r '.[].name' | grep '^wt' | xargs -n1 wintun-ts delete

Requires Administrator (Windows) or root / CAP_NET_ADMIN (Linux).

${EXIT_CODES_HELP}`,
  async run({ io, values, positionals }) {
    const name = checkName(positionals[0] ?? '', 'delete');
    let adapter: Adapter;
    try {
      adapter = await Adapter.open(name, openOptions(values));
    } catch (error) {
      if (error instanceof WintunError && error.code === 'ERR_WINTUN_ADAPTER_NOT_FOUND') throw adapterNotFound(name, error);
      throw error;
    }
    try {
      await adapter.delete();
    } finally {
      await adapter.close();
    }
    writeLine(io.stdout, flag(values, 'json') ? JSON.stringify({ name, deleted: true }) : `deleted ${name}`);
    return 0;
  },
};
