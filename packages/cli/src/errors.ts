/**
 * How the command reports failures. Every failure, usage error (exit 2) or runtime error (exit 1),
 * carries a stable `ERR_WINTUN_*` code and a fix worded for the command line; with `--json` it is
 * one JSON object on stdout ({@link CliErrorReport}), otherwise a few lines on stderr.
 *
 * @module
 */
import { WintunError, WintunErrorCodes, type WintunErrorCode } from '@wintun-ts/adapter';
import type { Writable } from 'node:stream';
import { ExitCode, writeLine } from './io.js';

/**
 * The fix of a code in the command's own terms, where the library's table speaks of API calls
 * (`Adapter.open()`, `addresses()`). Codes not listed use the table's fix as is.
 */
export const CLI_FIXES: Readonly<Partial<Record<WintunErrorCode, string>>> = {
  ERR_WINTUN_INVALID_ARGUMENT: "Correct the argument the message names; 'wintun-ts <command> --help' lists every option and its range.",
  ERR_WINTUN_INVALID_CAPACITY: 'Pass --capacity as a power of two in [0x20000, 0x4000000] (128 KiB to 64 MiB), e.g. 0x400000 (4 MiB, the default).',
  ERR_WINTUN_NAME_INVALID:
    "Use a name of 1-15 bytes on Linux (UTF-8: a non-ASCII letter takes 2-4 bytes) or 1-127 characters on Windows, without whitespace, control characters, '/', '\\' or ':' (Linux also refuses '.' and '..').",
  ERR_WINTUN_NAME_TAKEN: "Pick another name, or remove the old adapter with 'wintun-ts delete <name>' when it is a TUN/Wintun adapter ('wintun-ts list' shows them).",
  ERR_WINTUN_ADAPTER_NOT_FOUND: "Check the name with 'wintun-ts list', or create the adapter ('wintun-ts create <name> --persistent', or 'wintun-ts up <name>', which creates it).",
  ERR_WINTUN_ADDRESS_INVALID: 'Use CIDR notation with an address the adapter may own, e.g. 10.6.7.7/24 or fd00::7/64 (not loopback, multicast or unspecified).',
  ERR_WINTUN_ALREADY_EXISTS: "Nothing to do if it is the entry you want; otherwise remove it first (e.g. 'ip route del <prefix>' on Linux) or pick another prefix.",
  ERR_WINTUN_NOT_FOUND: "Check what exists ('ip addr show <name>', 'ip route' on Linux; 'Get-NetIPAddress' on Windows) and use one of those.",
  ERR_WINTUN_ALREADY_REGISTERED: "Stop the other 'wintun-ts up' or 'capture' (or the program) that runs a session on this adapter; an adapter has one session at a time.",
  ERR_WINTUN_DRIVER_NOT_LOADED: "Create an adapter first ('wintun-ts create <name>' installs and loads the driver), from an elevated prompt.",
};

/** The fix shown for `code`: the command's wording when it has one, else the table's. */
export function cliFix(code: WintunErrorCode): string {
  return CLI_FIXES[code] ?? WintunErrorCodes[code].fix;
}

/**
 * A mistake on the command line (exit code 2). Internal to the cli: library calls throw only
 * `WintunError`.
 */
export class UsageError extends Error {
  /** The command whose usage was wrong (for the "see --help" hint), or `null` for the top level. */
  readonly command: string | null;
  /** The stable code printed with the message. */
  readonly code: WintunErrorCode;
  /** A fix specific to this mistake, replacing the code's generic one. */
  readonly fix: string | undefined;

  /**
   * @param message - what is wrong, naming the argument.
   * @param command - the command, for the hint line.
   * @param options - the code (default `ERR_WINTUN_INVALID_ARGUMENT`) and a specific fix.
   */
  constructor(message: string, command: string | null, options: { code?: WintunErrorCode; fix?: string | undefined } = {}) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
    this.code = options.code ?? 'ERR_WINTUN_INVALID_ARGUMENT';
    this.fix = options.fix;
  }
}

/**
 * A runtime failure worded for the command line: a `WintunError` with a fix specific to this
 * failure (shown instead of the code's generic fix).
 */
export class CliError extends WintunError {
  /** What to do, in the command's terms. */
  readonly fix: string | undefined;

  /**
   * @param code - stable code.
   * @param message - what failed, in the command's terms.
   * @param fix - what to do (default: the code's CLI fix).
   * @param from - the underlying error; its errno, Win32 code and syscall are carried over.
   */
  constructor(code: WintunErrorCode, message: string, fix?: string, from?: unknown) {
    const native = from instanceof WintunError ? from : undefined;
    const errno = native?.errno ?? (typeof (from as { errno?: unknown } | undefined)?.errno === 'number' ? Math.abs((from as { errno: number }).errno) : undefined);
    const syscall = native?.syscall ?? (typeof (from as { syscall?: unknown } | undefined)?.syscall === 'string' ? (from as { syscall: string }).syscall : undefined);
    super(code, message, { cause: from, errno, syscall, win32Code: native?.win32Code });
    this.fix = fix;
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

/**
 * The JSON shape of a failure in `--json` mode: one line on stdout, `{ "error": CliErrorReport }`.
 *
 * @since 0.2.0
 */
export interface CliErrorReport {
  /** Stable `ERR_WINTUN_*` code (`wintun-ts explain <code>` prints its entry). */
  readonly code: WintunErrorCode;
  /** What went wrong. */
  readonly message: string;
  /** What to do about it. */
  readonly fix: string;
  /** `usage` (the command line is wrong; exit 2) or `runtime` (exit 1). */
  readonly kind: 'usage' | 'runtime';
  /** The process exit code: 2 for usage, 1 for runtime. */
  readonly exitCode: number;
  /** The command that failed, or null at the top level. */
  readonly command: string | null;
  /** POSIX errno of the failed system call, when there was one. */
  readonly errno?: number;
  /** Win32 error of the failed call, when there was one. */
  readonly win32Code?: number;
  /** The failed system call, when there was one. */
  readonly syscall?: string;
}

/** Turns anything thrown into a {@link CliErrorReport}. */
export function describeError(error: unknown, command: string | null): CliErrorReport {
  if (error instanceof UsageError) {
    return { code: error.code, message: error.message, fix: error.fix ?? cliFix(error.code), kind: 'usage', exitCode: ExitCode.USAGE, command: error.command ?? command };
  }
  if (error instanceof WintunError) {
    const own = error instanceof CliError ? error.fix : undefined;
    return {
      code: error.code,
      message: error.message,
      fix: own ?? cliFix(error.code),
      kind: 'runtime',
      exitCode: ExitCode.FAILURE,
      command,
      ...(error.errno === undefined ? {} : { errno: error.errno }),
      ...(error.win32Code === undefined ? {} : { win32Code: error.win32Code }),
      ...(error.syscall === undefined ? {} : { syscall: error.syscall }),
    };
  }
  // Not a WintunError: a failure of Node itself or a bug. Still one code and a fix.
  const message = error instanceof Error ? error.message : String(error);
  const syscall = (error as { syscall?: unknown } | null)?.syscall;
  const errno = (error as { errno?: unknown } | null)?.errno;
  return {
    code: 'ERR_WINTUN_OS',
    message,
    fix: 'This failure has no specific code; if the message does not say what to do, report it with the full output.',
    kind: 'runtime',
    exitCode: ExitCode.FAILURE,
    command,
    ...(typeof errno === 'number' ? { errno: Math.abs(errno) } : {}),
    ...(typeof syscall === 'string' ? { syscall } : {}),
  };
}

/**
 * Prints a failure and returns its exit code (2 usage, 1 runtime). With `json`, one line
 * `{"error":{...}}` on stdout; otherwise on stderr: the code and message, the system call's
 * detail, the fix, where to read more, and for usage errors the `--help` hint.
 */
export function reportFailure(io: { stdout: Writable; stderr: Writable }, error: unknown, options: { json: boolean; command: string | null }): number {
  const report = describeError(error, options.command);
  if (options.json) {
    writeLine(io.stdout, JSON.stringify({ error: report }));
    return report.exitCode;
  }
  const prefix = report.command === null || report.kind === 'runtime' ? 'wintun-ts' : `wintun-ts ${report.command}`;
  writeLine(io.stderr, `${prefix}: ${report.code}: ${report.message}`);
  const detail = [
    report.syscall === undefined ? null : `syscall ${report.syscall}`,
    report.errno === undefined ? null : `errno ${report.errno}`,
    report.win32Code === undefined ? null : `Win32 error ${report.win32Code}`,
  ].filter((x) => x !== null);
  if (detail.length > 0) writeLine(io.stderr, `  detail: ${detail.join(', ')}`);
  if (!report.message.includes(report.fix)) writeLine(io.stderr, `  fix: ${report.fix}`);
  if (report.kind === 'usage') {
    writeLine(io.stderr, `Run '${prefix} --help' for usage.`);
  } else {
    writeLine(io.stderr, `  more: wintun-ts explain ${report.code}`);
  }
  return report.exitCode;
}

/** Whether `argv` asks for JSON output (`--json` before any `--`): errors then come out as JSON too. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * A failed file operation (`capture -w FILE`) as `ERR_WINTUN_FILE`, with a fix for the system
 * error: a missing directory, no permission, a full disk, a read-only file system.
 *
 * @param path - the file as given on the command line.
 * @param error - the Node.js error (`code`, `syscall`).
 * @param what - e.g. `writing the capture`.
 */
export function fileError(path: string, error: unknown, what: string): CliError {
  const code = (error as { code?: unknown } | null)?.code;
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) || '/' : '.';
  const reasons: Record<string, [string, string]> = {
    ENOENT: [`the directory '${dir}' does not exist`, `Create it first (mkdir -p '${dir}') or write to an existing directory.`],
    ENOTDIR: [`a part of the path '${dir}' is not a directory`, 'Check the path; every part before the file name must be a directory.'],
    EACCES: ['permission denied', `Write to a directory this user can write to (e.g. /tmp), or run the command as a user allowed to write '${dir}'.`],
    EPERM: ['operation not permitted', `Write to a directory this user can write to (e.g. /tmp), or run the command as a user allowed to write '${dir}'.`],
    ENOSPC: ['the disk is full', 'Free space on that disk, or write to another one (or to a pipe: -w - | ...).'],
    EDQUOT: ['the disk quota is exhausted', 'Free space within your quota, or write to another disk.'],
    EROFS: ['the file system is read-only', 'Write to a writable file system (e.g. /tmp).'],
    EISDIR: ['it is a directory', `Name a file, e.g. '${path.replace(/\/+$/, '')}/capture.pcap'.`],
    EFBIG: ['the file is too large for this file system', 'Use --count or --duration to bound the capture, or write to another file system.'],
    EIO: ['an I/O error occurred', 'Check the disk (dmesg), or write to another one.'],
  };
  const [reason, fix] = typeof code === 'string' && reasons[code] !== undefined ? reasons[code] : [typeof code === 'string' ? code : error instanceof Error ? error.message : String(error), 'Check the path and the disk, or write elsewhere.'];
  return new CliError('ERR_WINTUN_FILE', `${what} '${path}' failed: ${reason}${typeof code === 'string' ? ` (${code})` : ''}.`, fix, error);
}
