/**
 * `wintun-ts version` and `wintun-ts driver-version`.
 *
 * @module
 */
import { cliVersion } from '../package-info.js';
import { Adapter } from '@wintun-ts/adapter';
import { EXIT_CODES_HELP, flag, type Command } from '../command.js';
import { writeLine } from '../io.js';
import { openOptions } from '../tunnel.js';


/** `version --json`. */
export interface VersionInfo {
  /** The command's package. */
  readonly name: '@wintun-ts/cli';
  /** Its version. */
  readonly version: string;
  /** Node.js version. */
  readonly node: string;
  /** `process.platform`. */
  readonly platform: string;
  /** `process.arch`. */
  readonly arch: string;
}

/** The `version` command. */
export const versionCommand: Command = {
  name: 'version',
  summary: 'print the version of wintun-ts',
  positionals: [],
  options: { json: { type: 'boolean' } },
  help: `Usage: wintun-ts version [--json]

Prints the version of wintun-ts, Node.js, the platform and the architecture. Needs no
privileges and loads no native library. 'wintun-ts --version' prints the version alone.

Options:
      --json   one JSON object: { name, version, node, platform, arch }
  -h, --help   show this help

Examples:
  wintun-ts version
  wintun-ts version --json

${EXIT_CODES_HELP}`,
  async run({ io, values }) {
    const info: VersionInfo = { name: '@wintun-ts/cli', version: cliVersion(), node: process.version, platform: process.platform, arch: process.arch };
    if (flag(values, 'json')) writeLine(io.stdout, JSON.stringify(info));
    else writeLine(io.stdout, `wintun-ts ${info.version} (node ${info.node}, ${info.platform}-${info.arch})`);
    return 0;
  },
};

/** The `driver-version` command. */
export const driverVersionCommand: Command = {
  name: 'driver-version',
  summary: 'print the running Wintun driver version (Windows) or kernel release (Linux)',
  positionals: [],
  options: { json: { type: 'boolean' }, dll: { type: 'string' } },
  help: `Usage: wintun-ts driver-version [--json]

Prints the version of the running Wintun driver on Windows ("0.14" for the signed 0.14.1
driver; it is loaded while at least one adapter exists), or the kernel release on Linux, where
the kernel's TUN driver plays Wintun's part.

Options:
      --json       one JSON object: { platform, driverVersion }
      --dll PATH   path of wintun.dll (Windows)
  -h, --help       show this help

Examples:
  wintun-ts driver-version
  wintun-ts driver-version --json

${EXIT_CODES_HELP}`,
  async run({ io, values }) {
    const driverVersion = await Adapter.driverVersion(openOptions(values));
    if (flag(values, 'json')) writeLine(io.stdout, JSON.stringify({ platform: process.platform, driverVersion }));
    else writeLine(io.stdout, process.platform === 'win32' ? `Wintun driver ${driverVersion}` : `Linux TUN (kernel ${driverVersion})`);
    return 0;
  },
};
