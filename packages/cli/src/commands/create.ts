/**
 * `wintun-ts create`: create an adapter, either persistent (the command returns and the adapter
 * stays) or held by the command until Ctrl-C or `--duration`.
 *
 * @module
 */
import { Adapter, normalizeGuid } from '@wintun-ts/adapter';
import { EXIT_CODES_HELP, flag, secondsOption, stringOption, type Command } from '../command.js';
import { checkInterrupted } from '../errors.js';
import { ExitCode, interruptExitCode, writeLine } from '../io.js';
import { asUsage, checkName, createFailed, openOptions, typeOption } from '../tunnel.js';

/** The `create` command. */
export const createCommand: Command = {
  name: 'create',
  summary: 'create an adapter (persistent, or held until Ctrl-C)',
  positionals: ['name'],
  options: {
    type: { type: 'string' },
    guid: { type: 'string' },
    persistent: { type: 'boolean', short: 'p' },
    duration: { type: 'string', short: 't' },
    dll: { type: 'string' },
    json: { type: 'boolean' },
  },
  help: `Usage: wintun-ts create <name> [--type T] [--guid G] [--persistent]

Creates the adapter <name>. With --persistent the adapter outlives the command (Linux:
TUNSETPERSIST) and later commands ('up', 'capture', 'delete') open it by name. Without it, an
adapter lives only as long as the process that created it, so the command holds it and waits:
Ctrl-C (or --duration) deletes it again.

Options:
      --type T       tunnel type (Windows: the device description becomes "T Tunnel";
                     default "wintun-ts"; Linux: recorded only)
      --guid G       requested GUID, for a stable network profile (Windows)
  -p, --persistent   keep the adapter after the command exits (Linux)
  -t, --duration S   without --persistent: delete the adapter after S seconds
      --dll PATH     path of wintun.dll (Windows)
      --json         print { name, index, guid, persistent } as JSON once created; a failure
                     as {"error":{...}}
  -h, --help         show this help

Examples:
  wintun-ts create wt0 --persistent && wintun-ts up wt0 -a 10.6.7.7/24
  wintun-ts create wt0 --type MyVpn --guid '{6c2bb1a9-2f4e-4b8f-9a3c-6c7f1f0e1a2b}'
  wintun-ts delete wt0

Requires Administrator (Windows) or root / CAP_NET_ADMIN (Linux).

${EXIT_CODES_HELP}`,
  async run({ io, values, positionals }) {
    const name = checkName(positionals[0] ?? '', 'create');
    const guidText = stringOption(values, 'guid');
    let guid: string | undefined;
    try {
      guid = guidText === undefined ? undefined : normalizeGuid(guidText);
    } catch (error) {
      throw asUsage(error, 'create', `--guid '${guidText ?? ''}'`);
    }
    const tunnelType = typeOption(values, 'create');
    const persistent = flag(values, 'persistent');
    const durationMs = secondsOption(values, 'duration', 'create');
    checkInterrupted(io.signal);
    let adapter: Adapter;
    try {
      adapter = await Adapter.create({ name, tunnelType, guid, persistent, ...openOptions(values) });
    } catch (error) {
      throw createFailed(name, error);
    }
    try {
      if (flag(values, 'json')) writeLine(io.stdout, JSON.stringify({ name: adapter.name, index: adapter.index, guid: adapter.guid, persistent }));
      if (persistent) {
        if (flag(values, 'json')) return ExitCode.OK;
        writeLine(io.stdout, `created ${adapter.name} (index ${adapter.index}${adapter.guid === null ? '' : `, ${adapter.guid}`}), persistent: remove it with 'wintun-ts delete ${adapter.name}'`);
        return ExitCode.OK;
      }
      writeLine(io.stderr, `wintun-ts: created ${adapter.name} (index ${adapter.index}); it is deleted when this command ends. Ctrl-C to stop.`);
      await new Promise<void>((resolve) => {
        const timer = durationMs === undefined ? undefined : setTimeout(done, durationMs);
        function done(): void {
          if (timer !== undefined) clearTimeout(timer);
          io.signal.removeEventListener('abort', done);
          resolve();
        }
        if (io.signal.aborted) return done();
        io.signal.addEventListener('abort', done, { once: true });
      });
      return io.signal.aborted ? interruptExitCode(io.signal) : ExitCode.OK;
    } finally {
      await adapter.close();
    }
  },
};
