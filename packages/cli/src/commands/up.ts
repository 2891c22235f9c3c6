/**
 * `wintun-ts up`: create or open an adapter, configure it and run its session (optionally
 * answering ping and UDP echo) with a live status line, until Ctrl-C or `--duration`.
 *
 * @module
 */
import { EXIT_CODES_HELP, type Command } from '../command.js';
import { parseTunnelConfig, runTunnel, TUNNEL_OPTIONS, TUNNEL_OPTIONS_HELP } from '../tunnel.js';

/** The `up` command. */
export const upCommand: Command = {
  name: 'up',
  summary: 'bring an adapter up and run a session (optional ping/UDP echo), with live stats',
  positionals: ['name'],
  options: TUNNEL_OPTIONS,
  help: `Usage: wintun-ts up <name> --address CIDR [options]

Creates the adapter <name> (or opens it when it exists), assigns the addresses, sets the MTU,
brings the link up, adds the routes and DNS servers, and runs its session: packets the system
sends through the adapter are counted (and answered with --echo). A status line on stderr shows
packets, bytes, drops and the rate once a second (plain lines when stderr is not a terminal).
Ctrl-C (or --duration) ends the session and closes the adapter; an adapter created by this
command is deleted (a persistent one made with 'wintun-ts create --persistent' stays, with the
addresses and routes added here).

<name> may hold any characters but whitespace, control characters, '/', '\\' and ':' (non-ASCII
letters too): at most 15 bytes of UTF-8 on Linux, 127 characters on Windows. A name that an
interface of another kind has (a veth, a bridge) is refused.

Options:
${TUNNEL_OPTIONS_HELP}
  -h, --help           show this help

Examples:
  wintun-ts up wt0 --address 10.6.7.7/24 --echo          # then: ping 10.6.7.8
  wintun-ts up wt0 -a 10.6.7.7/24 -a fd00:6::7/64 --mtu 1420 --route 10.8.0.0/16
  wintun-ts up wt0 -a 10.6.7.7/24 --echo --duration 10 --json --quiet
  sudo ip netns exec lab wintun-ts up wt0 -a 10.9.0.1/24 --echo   # Linux, in a namespace

Requires Administrator (Windows) or root / CAP_NET_ADMIN (Linux).

${EXIT_CODES_HELP}`,
  run({ io, values, positionals }) {
    const config = parseTunnelConfig(values, positionals[0] ?? '', 'up');
    return runTunnel(io, config);
  },
};
