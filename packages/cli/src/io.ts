/**
 * The process boundary of the `wintun-ts` command: where output goes and how an interrupt
 * arrives. {@link run} takes a {@link CliIo}, so every command runs in tests with in-memory
 * streams and a hand-made abort signal, and in `main.ts` with the real process.
 *
 * @module
 */
import type { Writable } from 'node:stream';

/**
 * What a command may touch outside itself. Not thread-safe; one `run` at a time per object.
 *
 * @since 0.1.0
 */
export interface CliIo {
  /** Results: tables, JSON, pcap bytes (`capture -w -`). */
  readonly stdout: Writable;
  /** Diagnostics: errors, warnings, the live status line. */
  readonly stderr: Writable;
  /** Whether stdout is a terminal (`capture -w -` refuses to write binary data to one). */
  readonly stdoutIsTTY: boolean;
  /** Whether stderr is a terminal (the status line is redrawn in place; plain lines otherwise). */
  readonly stderrIsTTY: boolean;
  /**
   * Aborted on Ctrl-C (SIGINT) or SIGTERM. The reason is the signal name (`'SIGINT'`,
   * `'SIGTERM'`); long-running commands tear down and return the matching exit code.
   */
  readonly signal: AbortSignal;
}

/**
 * Process exit codes of `wintun-ts`, stable across versions.
 *
 * @since 0.1.0
 */
export const ExitCode = {
  /** Success (also: `--duration` or `--count` reached). */
  OK: 0,
  /** A runtime error: the `ERR_WINTUN_*` code and its fix were printed. */
  FAILURE: 1,
  /** A usage error: unknown command or option, missing or malformed argument. */
  USAGE: 2,
  /** Interrupted by Ctrl-C (SIGINT) after a clean teardown. */
  INTERRUPTED: 130,
  /** Terminated by SIGTERM after a clean teardown. */
  TERMINATED: 143,
} as const;

/**
 * One of the values of {@link ExitCode}.
 *
 * @since 0.1.0
 */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code for an interrupt whose abort reason is a signal name. */
export function interruptExitCode(signal: AbortSignal): ExitCodeValue {
  return signal.reason === 'SIGTERM' ? ExitCode.TERMINATED : ExitCode.INTERRUPTED;
}

/** Writes text to a stream (no newline added). */
export function write(stream: Writable, text: string): void {
  stream.write(text);
}

/** Writes one line to a stream. */
export function writeLine(stream: Writable, text = ''): void {
  stream.write(`${text}\n`);
}

/**
 * Resolves once everything written to `stream` so far has been handed to the OS (or the stream
 * failed or closed), or after `timeoutMs` (default 1000) when a reader stopped reading: the
 * process can exit without truncating output, and never waits on a stalled pipe for long.
 * Resolves to true when flushed, false on timeout.
 */
export function flush(stream: Writable, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableEnded) return resolve(true);
    const timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref?.();
    stream.write('', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
