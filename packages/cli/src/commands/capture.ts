/**
 * `wintun-ts capture`: write the packets leaving the system through an adapter to a pcap file
 * (LINKTYPE_RAW) or to stdout for `wireshark -k -i -`.
 *
 * @module
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { EXIT_CODES_HELP, intOption, stringOption, type Command } from '../command.js';
import { UsageError } from '../errors.js';
import { parseTunnelConfig, runTunnel, TUNNEL_OPTIONS, TUNNEL_OPTIONS_HELP } from '../tunnel.js';
import { PcapWriter, PCAP_DEFAULT_SNAPLEN } from '../pcap.js';

/** The `capture` command. */
export const captureCommand: Command = {
  name: 'capture',
  summary: 'write packets leaving the system through an adapter to pcap (file or stdout)',
  positionals: ['name'],
  options: {
    ...TUNNEL_OPTIONS,
    write: { type: 'string', short: 'w' },
    count: { type: 'string', short: 'c' },
    snaplen: { type: 'string', short: 's' },
  },
  help: `Usage: wintun-ts capture <name> -w FILE|- [--count N] [--duration S] [up options]

Runs the session of adapter <name> like 'wintun-ts up' (creating and configuring the adapter
when --address etc. are given) and writes every packet the system sends through the adapter to
a pcap file with link type RAW (101): Wireshark and tcpdump read it as plain IPv4/IPv6. With
'-w -' the pcap stream goes to stdout (nothing else is written there) for a live view:
  wintun-ts capture wt0 -w - | wireshark -k -i -
A Wintun adapter has one session at a time: capture instead of 'up', and add --echo to keep
answering ping while capturing. Packets injected by the session (echo replies) are not captured.

Options:
  -w, --write FILE|-   pcap output file, or '-' for stdout (required)
  -c, --count N        stop after N packets
  -s, --snaplen N      bytes kept per packet, 1-65535 (default 65535)
${TUNNEL_OPTIONS_HELP}
  -h, --help           show this help

Examples:
  wintun-ts capture wt0 -a 10.6.7.7/24 --echo -w ping.pcap --count 10
  tcpdump -r ping.pcap -n
  wintun-ts capture wt0 -w - -q | tcpdump -r - -n
  wintun-ts capture wt0 -a 10.6.7.7/24 -w - | wireshark -k -i -

${EXIT_CODES_HELP}`,
  async run({ io, values, positionals }) {
    const target = stringOption(values, 'write');
    if (target === undefined) throw new UsageError('missing -w FILE (or -w - for stdout).', 'capture');
    const count = intOption(values, 'count', 1, Number.MAX_SAFE_INTEGER, 'capture');
    const snaplen = intOption(values, 'snaplen', 1, PCAP_DEFAULT_SNAPLEN, 'capture') ?? PCAP_DEFAULT_SNAPLEN;
    const config = parseTunnelConfig(values, positionals[0] ?? '', 'capture');
    const toStdout = target === '-';
    if (toStdout && io.stdoutIsTTY) throw new UsageError("refusing to write binary pcap data to a terminal; pipe it ('| wireshark -k -i -') or use -w FILE.", 'capture');
    if (toStdout && config.json) throw new UsageError('--json needs stdout, which -w - uses for pcap data; use -w FILE with --json.', 'capture');
    const out: Writable = toStdout ? io.stdout : createWriteStream(target, { flags: 'w' });
    const failed = new Promise<unknown>((resolve) => out.on('error', (error) => resolve(error)));
    if (!toStdout) await Promise.race([once(out, 'open'), failed.then((e) => Promise.reject(e as Error))]);
    const pcap = new PcapWriter(out, snaplen);
    let blocked: Promise<void> | undefined;
    try {
      return await runTunnel(io, config, {
        count,
        failed: failed.then((error) => (isClosedPipe(error) ? new PipeClosed() : error)),
        onPacket(bytes, offset, length) {
          if (!pcap.write(bytes.subarray(offset, offset + length)) && blocked === undefined) {
            blocked = Promise.race([once(out, 'drain').then(() => undefined), failed.then(() => undefined)]).finally(() => {
              blocked = undefined;
            });
          }
        },
        drained: () => blocked,
        statusExtra: () => ` | captured ${pcap.count}`,
        summary: () => ({ captured: pcap.count, file: toStdout ? '-' : target }),
        jsonToStdout: !toStdout,
      });
    } catch (error) {
      if (error instanceof PipeClosed) return 0;
      throw error;
    } finally {
      if (!toStdout) await new Promise<void>((resolve) => out.end(() => resolve()));
    }
  },
};

/** The reader of `-w -` went away (e.g. Wireshark closed): a normal end of the capture. */
class PipeClosed extends Error {
  constructor() {
    super('the pcap reader closed the pipe');
  }
}

function isClosedPipe(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EPIPE';
}
