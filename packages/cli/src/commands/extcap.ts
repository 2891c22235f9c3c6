/**
 * `wintun-ts extcap`: Wireshark's extcap interface over the capture endpoints of running
 * applications (interfaces, DLTs, config, capture into the FIFO Wireshark passes), and
 * `--install [DIR]`, which writes the small wrapper Wireshark runs into its extcap folder.
 *
 * @module
 */
import { createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { connectCaptureEndpoint, type CaptureFilter } from '@wintun-ts/adapter/capture';
import { WintunError } from '@wintun-ts/adapter';
import { EXIT_CODES_HELP, flag, stringOption, type Command } from '../command.js';
import { UsageError } from '../errors.js';
import { writeLine } from '../io.js';
import { endpointNames, openCapture, runAttachedCapture } from '../attach.js';
import { cliVersion } from '../package-info.js';

/** Prefix of the extcap interface values (`wintun-ts.<adapter name>`). */
const PREFIX = 'wintun-ts.';

/** True when an application answers on the endpoint of `name`. */
async function isServed(name: string): Promise<boolean> {
  try {
    const s = await connectCaptureEndpoint(name, { op: 'status' }, { timeoutMs: 500 });
    s?.destroy();
    return s !== null;
  } catch {
    return false;
  }
}

function interfaceName(values: Record<string, unknown>): string {
  const v = values['extcap-interface'];
  if (typeof v !== 'string' || !v.startsWith(PREFIX) || v.length === PREFIX.length) {
    throw new UsageError(`--extcap-interface must be one of the values --extcap-interfaces lists (${PREFIX}<adapter>).`, 'extcap');
  }
  return v.slice(PREFIX.length);
}

/** Default folder of `--install`: Wireshark's personal extcap folder. */
function defaultInstallDir(): string {
  if (process.platform === 'win32') return join(process.env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), 'Wireshark', 'extcap');
  return join(homedir(), '.local', 'lib', 'wireshark', 'extcap');
}

/** Writes the wrapper Wireshark runs; returns its path. */
export function installExtcap(dir: string, cliScript: string): string {
  mkdirSync(dir, { recursive: true });
  if (process.platform === 'win32') {
    const file = join(dir, 'wintun-ts.cmd');
    writeFileSync(file, `@echo off\r\n"${process.execPath}" "${cliScript}" extcap %*\r\n`);
    return file;
  }
  const file = join(dir, 'wintun-ts');
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(file, `#!/bin/sh\n# Wireshark extcap wrapper written by 'wintun-ts extcap --install'.\nexec ${q(process.execPath)} ${q(cliScript)} extcap "$@"\n`, { mode: 0o755 });
  return file;
}

/** The `extcap` command. */
export const extcapCommand: Command = {
  name: 'extcap',
  summary: "Wireshark extcap: capture running applications' adapters live in Wireshark",
  positionals: [],
  optionalPositionals: ['dir'],
  options: {
    'extcap-interfaces': { type: 'boolean' },
    'extcap-version': { type: 'string' },
    'extcap-interface': { type: 'string' },
    'extcap-dlts': { type: 'boolean' },
    'extcap-config': { type: 'boolean' },
    'extcap-capture-filter': { type: 'string' },
    'extcap-reload-option': { type: 'string' },
    capture: { type: 'boolean' },
    fifo: { type: 'string' },
    direction: { type: 'string' },
    debug: { type: 'boolean' },
    'debug-file': { type: 'string' },
    install: { type: 'boolean' },
  },
  help: `Usage: wintun-ts extcap --install [DIR]
       wintun-ts extcap --extcap-interfaces | --extcap-dlts | --extcap-config | --capture ...

Wireshark's extcap interface to the capture endpoints of running applications (sessions
started with captureEndpoint: true): Wireshark lists one interface "wintun-ts.<adapter>" per
application and captures both directions live, with their direction flags.

Install (one line; then restart Wireshark):
  wintun-ts extcap --install
writes a wrapper into Wireshark's personal extcap folder (${defaultInstallDir()}).
Wireshark older than 4.2 has no personal folder: pass the folder 'tshark -G folders' shows as
"Extcap path", e.g.
  sudo wintun-ts extcap --install /usr/lib/x86_64-linux-gnu/wireshark/extcap

Wireshark runs the wrapper with these options (you normally never do):
  --extcap-interfaces              list the interfaces
  --extcap-interface I --extcap-dlts    the link type (101, raw IP)
  --extcap-interface I --extcap-config  the options (direction)
  --extcap-interface I --capture --fifo PATH [--direction in|out|both]

Examples:
  wintun-ts extcap --install && tshark -D
  tshark -i wintun-ts.wt0 -c 20 -w wt0.pcapng

${EXIT_CODES_HELP}`,
  async run({ io, values, positionals }) {
    if (flag(values, 'install')) {
      const dir = resolve(positionals[0] ?? defaultInstallDir());
      const script = process.argv[1];
      if (script === undefined || !existsSync(script)) throw new WintunError('ERR_WINTUN_INVALID_STATE', 'extcap --install: cannot find the wintun-ts script this process runs; run it through the wintun-ts command.');
      const file = installExtcap(dir, resolve(script));
      writeLine(io.stdout, `installed ${file}; restart Wireshark (or run 'tshark -D') to see the wintun-ts interfaces`);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'.`, 'extcap');
    if (flag(values, 'extcap-interfaces')) {
      writeLine(io.stdout, `extcap {version=${cliVersion()}}{help=https://github.com/wintun-ts/wintun-ts/blob/main/docs/guides/capture.md}`);
      for (const name of endpointNames()) {
        if (await isServed(name)) writeLine(io.stdout, `interface {value=${PREFIX}${name}}{display=Wintun ${name} (running application, wintun-ts)}`);
      }
      return 0;
    }
    if (flag(values, 'extcap-dlts')) {
      interfaceName(values);
      writeLine(io.stdout, 'dlt {number=101}{name=RAW}{display=Raw IPv4/IPv6}');
      return 0;
    }
    if (flag(values, 'extcap-config')) {
      interfaceName(values);
      writeLine(io.stdout, 'arg {number=0}{call=--direction}{display=Direction}{tooltip=Which packets: sent by the system into the adapter (out), injected by the application (in), or both}{type=selector}');
      writeLine(io.stdout, 'value {arg=0}{value=both}{display=Both directions}{default=true}');
      writeLine(io.stdout, 'value {arg=0}{value=out}{display=Out: the system sent, the application received}');
      writeLine(io.stdout, 'value {arg=0}{value=in}{display=In: the application sent, the system received}');
      return 0;
    }
    if (flag(values, 'capture')) {
      const name = interfaceName(values);
      const fifo = stringOption(values, 'fifo');
      if (fifo === undefined) throw new UsageError('--capture needs --fifo PATH.', 'extcap');
      const direction = (stringOption(values, 'direction') ?? 'both') as CaptureFilter;
      if (!['in', 'out', 'both'].includes(direction)) throw new UsageError(`--direction is in, out or both, got '${direction}'.`, 'extcap');
      const socket = await openCapture(name, direction);
      if (socket === null) throw new WintunError('ERR_WINTUN_ADAPTER_NOT_FOUND', `No running application serves adapter ${name} any more; refresh the interface list.`);
      const out = createWriteStream(fifo);
      await runAttachedCapture(socket, { name, out, format: 'pcapng', direction, signal: io.signal });
      await new Promise<void>((r) => out.end(() => r()));
      return 0;
    }
    throw new UsageError('nothing to do: pass --install, or the options Wireshark passes (see --help).', 'extcap');
  },
};
