/**
 * `wintun-ts capture`: write the packets leaving the system through an adapter to a pcap file
 * (LINKTYPE_RAW) or to stdout for `wireshark -k -i -`.
 *
 * @module
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { EXIT_CODES_HELP, intOption, secondsOption, stringOption, type Command, type CommandContext, type OptionValues } from '../command.js';
import { fileError, UsageError } from '../errors.js';
import { parseTunnelConfig, runTunnel, TUNNEL_OPTIONS, TUNNEL_OPTIONS_HELP } from '../tunnel.js';
import { PcapWriter, PCAP_DEFAULT_MAX_BUFFERED, PCAP_DEFAULT_SNAPLEN, type PcapCloseResult } from '../pcap.js';
import { openCapture, runAttachedCapture } from '../attach.js';
import { flag } from '../command.js';
import { writeLine, interruptExitCode } from '../io.js';
import type { CaptureFilter, CaptureHandle } from '@wintun-ts/adapter/capture';

/** The `capture` command. */
export const captureCommand: Command = {
  name: 'capture',
  summary: "capture an adapter's packets to pcapng/pcap (a running application's, or its own session)",
  positionals: ['name'],
  options: {
    ...TUNNEL_OPTIONS,
    write: { type: 'string', short: 'w' },
    count: { type: 'string', short: 'c' },
    snaplen: { type: 'string', short: 's' },
    buffer: { type: 'string' },
    format: { type: 'string', short: 'F' },
    direction: { type: 'string', short: 'D' },
    own: { type: 'boolean' },
  },
  help: `Usage: wintun-ts capture <name> -w FILE|- [--format pcapng|pcap] [--direction in|out|both]
                         [--count N] [--duration S] [--own] [up options]

When an application runs adapter <name> and serves its capture endpoint (a session started with
captureEndpoint: true, or 'wintun-ts up --serve-capture'), capture attaches to it: every packet
in both directions, with direction flags (pcapng), while the application keeps running; several
captures (and Wireshark, see 'wintun-ts extcap') may attach at once, and none slows it down (a
reader that does not keep up loses packets, counted in the file). The application's own packets
are 'in' (it injected them), the system's are 'out' (the application received them).

Otherwise (or with --own) it runs the session of adapter <name> like 'wintun-ts up' (creating and configuring the adapter
when --address etc. are given) and writes every packet through the adapter, both directions, as
pcapng (link type RAW, 101): Wireshark and tcpdump read it as plain IPv4/IPv6 with direction
flags. '--format pcap' writes classic pcap of what the system sends into the adapter only (pcap
has no direction). With '-w -' the stream goes to stdout (nothing else is written there) for a
live view:
  wintun-ts capture wt0 -w - | wireshark -k -i -
A Wintun adapter has one session at a time: capture instead of 'up', and add --echo to keep
answering ping while capturing.

Options:
  -w, --write FILE|-   output file, or '-' for stdout (required)
  -F, --format F       pcapng (default: direction flags, drop counts) or pcap (no direction:
                       with an own session, what it receives)
  -D, --direction D    in, out or both (default both)
      --own            never attach: run an own session as described above
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
    const formatText = stringOption(values, 'format');
    if (formatText !== undefined && formatText !== 'pcapng' && formatText !== 'pcap') throw new UsageError(`--format is pcapng or pcap, got '${formatText}'.`, 'capture');
    const direction = stringOption(values, 'direction') ?? 'both';
    if (direction !== 'in' && direction !== 'out' && direction !== 'both') throw new UsageError(`--direction is in, out or both, got '${direction}'.`, 'capture');
    if (!flag(values, 'own')) {
      const attached = await attach(io, values, positionals[0] ?? '', target, formatText ?? 'pcapng', direction);
      if (attached !== null) return attached;
    }
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
    const pcapng = (formatText ?? 'pcapng') === 'pcapng';
    const pcap = new PcapWriter(out, snaplen, { maxBufferedBytes: buffer, header: !pcapng });
    if (!toStdout) {
      const header = await Promise.race([new Promise<unknown>((resolve) => out.write(new Uint8Array(0), (error) => resolve(error ?? undefined))), pcap.failed]);
      if (header !== undefined && header !== null) {
        out.destroy();
        throw fileError(target, header, 'writing the capture to');
      }
    }
    let ng: CaptureHandle | undefined;
    let closed: PcapCloseResult | undefined;
    const finish = async (): Promise<PcapCloseResult> => (closed ??= await pcap.close({ end: !toStdout, timeoutMs: CLOSE_TIMEOUT_MS }));
    try {
      const code = await runTunnel(io, config, {
        count,
        failed: pcap.failed.then((error) => (isClosedPipe(error) ? new PipeClosed() : toStdout ? error : fileError(target, error, 'writing the capture to'))),
        onPacket: pcapng
          ? undefined
          : (bytes, offset, length) => {
              pcap.write(bytes.subarray(offset, offset + length));
            },
        onSession: pcapng
          ? (session, name) => {
              ng = session.capture(out, { direction, interfaceName: name, end: false, maxPendingBytes: buffer });
            }
          : undefined,
        // Runs after the adapter is torn down, before the summary: the counts are final.
        beforeSummary: async () => {
          if (ng !== undefined) await ng.close();
          await finish();
        },
        statusExtra: () => (ng !== undefined ? ` | captured ${ng.stats.packets}${ng.stats.dropped > 0 ? `, ${ng.stats.dropped} dropped (slow reader)` : ''}` : ` | captured ${pcap.count}${pcap.dropped > 0 ? `, ${pcap.dropped} dropped (slow reader)` : ''}`),
        summary: () =>
          ng !== undefined
            ? { captured: ng.stats.packets, captureDrops: ng.stats.dropped, captureUnwrittenBytes: 0, file: toStdout ? '-' : target }
            : { captured: pcap.count, captureDrops: pcap.dropped, captureUnwrittenBytes: closed?.unwrittenBytes ?? 0, file: toStdout ? '-' : target },
        summaryText: () => captureText(ng !== undefined ? ng.stats.dropped : pcap.dropped, closed, buffer),
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

/**
 * Attaches to the capture endpoint of a running application serving `name`.
 *
 * @returns the exit code, or null when no application serves that adapter (capture then runs
 *   its own session).
 */
async function attach(io: CommandContext['io'], values: OptionValues, name: string, target: string, format: 'pcapng' | 'pcap', direction: CaptureFilter): Promise<number | null> {
  if (name.length === 0) return null;
  const socket = await openCapture(name, direction);
  if (socket === null) return null;
  const count = intOption(values, 'count', 1, Number.MAX_SAFE_INTEGER, 'capture');
  const durationMs = secondsOption(values, 'duration', 'capture');
  const toStdout = target === '-';
  if (toStdout && io.stdoutIsTTY) {
    socket.destroy();
    throw new UsageError('refusing to write binary capture data to a terminal.', 'capture', { fix: "Pipe it ('| wireshark -k -i -') or use -w FILE." });
  }
  let out: Writable;
  try {
    out = toStdout ? io.stdout : await openFile(target);
  } catch (error) {
    socket.destroy();
    throw error;
  }
  const quiet = flag(values, 'quiet');
  if (!quiet) writeLine(io.stderr, `wintun-ts: attached to the application running ${name} (${format}, direction ${direction}). Ctrl-C to stop.`);
  const result = await runAttachedCapture(socket, { name, out, format, direction, count, durationMs, signal: io.signal });
  if (!toStdout) await new Promise<void>((resolve) => out.end(() => resolve()));
  const summary = { attached: true, captured: result.packets, captureDrops: result.dropped, stoppedBy: result.reason, file: toStdout ? '-' : target };
  if (flag(values, 'json') && !toStdout) writeLine(io.stdout, JSON.stringify(summary));
  else if (!quiet) writeLine(io.stderr, `wintun-ts: captured ${result.packets} packets${result.dropped > 0 ? `, ${result.dropped} dropped by the application's capture (this reader was too slow)` : ''}; stopped by ${result.reason}.`);
  return result.reason === 'signal' ? interruptExitCode(io.signal) : 0;
}

/** How long the end of a capture waits for its reader (or disk) to take the last records. */
const CLOSE_TIMEOUT_MS = 1500;

/** The closing line about the capture itself: drops and discarded bytes, when there were any. */
function captureText(dropped: number, closed: PcapCloseResult | undefined, buffer: number): string | undefined {
  const parts: string[] = [];
  if (dropped > 0) parts.push(`${dropped} packets were dropped because the pcap reader did not keep up (${buffer / 1024} KiB buffer; --buffer raises it)`);
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
