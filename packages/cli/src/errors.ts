/**
 * How the command reports failures: usage errors (exit 2) and runtime errors (exit 1) with the
 * stable `ERR_WINTUN_*` code and the fix from `WintunErrorCodes`.
 *
 * @module
 */
import { WintunError, WintunErrorCodes } from '@wintun-ts/adapter';
import type { Writable } from 'node:stream';
import { ExitCode, writeLine } from './io.js';

/**
 * A mistake on the command line (exit code 2). Internal to the cli: library calls throw only
 * `WintunError`.
 */
export class UsageError extends Error {
  /** The command whose usage was wrong (for the "see --help" hint), or `null` for the top level. */
  readonly command: string | null;

  /**
   * @param message - what is wrong, naming the argument.
   * @param command - the command, for the hint line.
   */
  constructor(message: string, command: string | null) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/**
 * Thrown inside a command when the interrupt signal fired during setup; `run` turns it into
 * exit code 130 (SIGINT) or 143 (SIGTERM) after the command's own cleanup ran.
 */
export class Interrupted extends Error {
  /** @param reason - the signal name. */
  constructor(reason: unknown) {
    super(`interrupted by ${String(reason)}`);
    this.name = 'Interrupted';
  }
}

/** Throws {@link Interrupted} when `signal` is aborted (checked between setup steps). */
export function checkInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw new Interrupted(signal.reason);
}

/** Prints a usage error and the help hint; returns exit code 2. */
export function reportUsage(stderr: Writable, error: UsageError): number {
  const prefix = error.command === null ? 'wintun-ts' : `wintun-ts ${error.command}`;
  writeLine(stderr, `${prefix}: ${error.message}`);
  writeLine(stderr, `Run '${prefix} --help' for usage.`);
  return ExitCode.USAGE;
}

/**
 * Prints a runtime error: for a `WintunError`, its code, its message and the code's fix (plus the
 * OS detail when there is one); for anything else, the message. Returns exit code 1.
 */
export function reportError(stderr: Writable, error: unknown): number {
  if (error instanceof WintunError) {
    writeLine(stderr, `wintun-ts: ${error.code}: ${error.message}`);
    const info = WintunErrorCodes[error.code];
    const detail = [
      error.syscall === undefined ? null : `syscall ${error.syscall}`,
      error.errno === undefined ? null : `errno ${error.errno}`,
      error.win32Code === undefined ? null : `Win32 error ${error.win32Code}`,
    ].filter((x) => x !== null);
    if (detail.length > 0) writeLine(stderr, `  detail: ${detail.join(', ')}`);
    if (info !== undefined && !error.message.includes(info.fix)) writeLine(stderr, `  fix: ${info.fix}`);
    writeLine(stderr, `  see: docs/guides/troubleshooting.md#${error.code.toLowerCase().replaceAll('_', '-')}`);
    return ExitCode.FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  writeLine(stderr, `wintun-ts: error: ${message}`);
  return ExitCode.FAILURE;
}
