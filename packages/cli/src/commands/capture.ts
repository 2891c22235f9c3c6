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
import { fileError, UsageError } from '../errors.js';
import { parseTunnelConfig, runTunnel, TUNNEL_OPTIONS, TUNNEL_OPTIONS_HELP } from '../tunnel.js';
import { PcapWriter, PCAP_DEFAULT_MAX_BUFFERED, PCAP_DEFAULT_SNAPLEN, type PcapCloseResult } from '../pcap.js';

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
    buffer: { type: 'string' },
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
      --buffer BYTES   most pcap data queued for a slow reader, 0x10000-0x40000000
                       (default 0x400000 = 4 MiB); packets beyond it are dropped and
                       counted, so a stalled reader never stalls the adapter or Ctrl-C
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
    if (target === undefined) throw new UsageError('missing -w FILE (or -w - for stdout).', 'capture', { fix: "Add -w capture.pcap, or -w - to pipe into 'wireshark -k -i -' or 'tcpdump -r -'." });
    const count = intOption(values, 'count', 1, Number.MAX_SAFE_INTEGER, 'capture');
    const snaplen = intOption(values, 'snaplen', 1, PCAP_DEFAULT_SNAPLEN, 'capture') ?? PCAP_DEFAULT_SNAPLEN;
    const buffer = intOption(values, 'buffer', 0x10000, 0x40000000, 'capture') ?? PCAP_DEFAULT_MAX_BUFFERED;
    const config = parseTunnelConfig(values, positionals[0] ?? '', 'capture');
    const toStdout = target === '-';
    if (toStdout && io.stdoutIsTTY) throw new UsageError('refusing to write binary pcap data to a terminal.', 'capture', { fix: "Pipe it ('| wireshark -k -i -') or use -w FILE." });
    if (toStdout && config.json) throw new UsageError('--json needs stdout, which -w - uses for pcap data.', 'capture', { fix: 'Use -w FILE with --json.' });
    // The file is opened and its header written before any adapter is touched, so a bad path, a
    // missing permission or a full disk fails at once with ERR_WINTUN_FILE and nothing to undo.
    const out: Writable = toStdout ? io.stdout : await openFile(target);
    const pcap = new PcapWriter(out, snaplen, { maxBufferedBytes: buffer });
    if (!toStdout) {
      const header = await Promise.race([new Promise<unknown>((resolve) => out.write(new Uint8Array(0), (error) => resolve(error ?? undefined))), pcap.failed]);
      if (header !== undefined && header !== null) {
        out.destroy();
        throw fileError(target, header, 'writing the capture to');
      }
    }
    let closed: PcapCloseResult | undefined;
    const finish = async (): Promise<PcapCloseResult> => (closed ??= await pcap.close({ end: !toStdout, timeoutMs: CLOSE_TIMEOUT_MS }));
    try {
      const code = await runTunnel(io, config, {
        count,
        failed: pcap.failed.then((error) => (isClosedPipe(error) ? new PipeClosed() : toStdout ? error : fileError(target, error, 'writing the capture to'))),
        onPacket(bytes, offset, length) {
          pcap.write(bytes.subarray(offset, offset + length));
        },
        // Runs after the adapter is torn down, before the summary: the counts are final.
        beforeSummary: async () => {
          await finish();
        },
        statusExtra: () => ` | captured ${pcap.count}${pcap.dropped > 0 ? `, ${pcap.dropped} dropped (slow reader)` : ''}`,
        summary: () => ({ captured: pcap.count, captureDrops: pcap.dropped, captureUnwrittenBytes: closed?.unwrittenBytes ?? 0, file: toStdout ? '-' : target }),
        summaryText: () => captureText(pcap, closed, buffer),
        jsonToStdout: !toStdout,
      });
      return code;
    } catch (error) {
      if (error instanceof PipeClosed) return 0;
      throw error;
    } finally {
      await finish();
    }
  },
};

/** How long the end of a capture waits for its reader (or disk) to take the last records. */
const CLOSE_TIMEOUT_MS = 1500;

/** The closing line about the capture itself: drops and discarded bytes, when there were any. */
function captureText(pcap: PcapWriter, closed: PcapCloseResult | undefined, buffer: number): string | undefined {
  const parts: string[] = [];
  if (pcap.dropped > 0) parts.push(`${pcap.dropped} packets were dropped because the pcap reader did not keep up (${buffer / 1024} KiB buffer; --buffer raises it)`);
  if (closed !== undefined && closed.unwrittenBytes > 0) parts.push(`the last ${closed.unwrittenBytes} bytes were discarded because the reader stopped reading`);
  return parts.length === 0 ? undefined : `wintun-ts: capture: ${parts.join('; ')}.`;
}

/** Opens `path` for writing; a failure is `ERR_WINTUN_FILE` with a fix for its cause. */
async function openFile(path: string): Promise<Writable> {
  const out = createWriteStream(path, { flags: 'w' });
  try {
    await once(out, 'open');
  } catch (error) {
    throw fileError(path, error, 'opening the capture file');
  }
  return out;
}

/** The reader of `-w -` went away (e.g. Wireshark closed): a normal end of the capture. */
class PipeClosed extends Error {
  constructor() {
    super('the pcap reader closed the pipe');
  }
}

function isClosedPipe(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'EPIPE';
}
