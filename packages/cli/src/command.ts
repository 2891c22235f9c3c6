/**
 * The shape of one `wintun-ts` command and the argument parsing every command shares
 * (`node:util` `parseArgs`, strict), with conversions that turn bad values into usage errors.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import type { CliIo } from './io.js';
import { UsageError } from './errors.js';

/** Option definitions as `node:util` `parseArgs` takes them. */
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/** Parsed option values: strings, booleans or arrays of strings (`multiple`). */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** What a command's `run` receives. */
export interface CommandContext {
  /** Output streams and the interrupt signal. */
  readonly io: CliIo;
  /** Option values after parsing. */
  readonly values: OptionValues;
  /** Positional arguments after the command name. */
  readonly positionals: readonly string[];
}

/** One command of `wintun-ts`. */
export interface Command {
  /** Name on the command line. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full `--help` text (usage, options, examples, exit codes). */
  readonly help: string;
  /** Accepted options (`--help` is added for every command). */
  readonly options: OptionSpec;
  /** Names of the required positional arguments, in order. */
  readonly positionals: readonly string[];
  /** Names of optional positional arguments after the required ones. */
  readonly optionalPositionals?: readonly string[];
  /** Runs the command; resolves to the exit code. Throws `UsageError` or `WintunError`. */
  run(context: CommandContext): Promise<number>;
}

/** Parses `argv` (after the command name) for `command`; throws {@link UsageError}. */
export function parseCommandArgs(command: Command, argv: readonly string[]): { values: OptionValues; positionals: string[]; help: boolean } {
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }) as { values: OptionValues; positionals: string[] };
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, '.').replace(/\n/g, ' ') : String(error);
    throw new UsageError(message, command.name);
  }
  if (parsed.values['help'] === true) return { ...parsed, help: true };
  const want = command.positionals.length;
  if (parsed.positionals.length < want) {
    throw new UsageError(`missing argument <${command.positionals[parsed.positionals.length] ?? ''}>.`, command.name);
  }
  const most = want + (command.optionalPositionals?.length ?? 0);
  if (parsed.positionals.length > most) {
    throw new UsageError(`unexpected argument '${parsed.positionals[most] ?? ''}'.`, command.name);
  }
  return { ...parsed, help: false };
}

/** The string value of an option, or undefined. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** The values of a `multiple` string option (empty when absent). */
export function listOption(values: OptionValues, name: string): string[] {
  const v = values[name];
  if (Array.isArray(v)) return v.flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '');
  return typeof v === 'string' ? [v] : [];
}

/** Whether a boolean option was given. */
export function flag(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/** Parses decimal or `0x` hexadecimal integer text; NaN for anything else. */
function parseInteger(text: string): number {
  return /^0x[0-9a-f]+$/i.test(text) ? Number.parseInt(text, 16) : /^\d+$/.test(text) ? Number(text) : Number.NaN;
}

/**
 * An integer option in `[min, max]`; accepts decimal or `0x` hexadecimal.
 *
 * @throws UsageError (`ERR_WINTUN_INVALID_ARGUMENT`) for anything else.
 */
export function intOption(values: OptionValues, name: string, min: number, max: number, command: string): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  const n = parseInteger(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got '${text}'.`, command, { fix: `Pass --${name} a whole number from ${min} to ${max}.` });
  }
  return n;
}

/**
 * The `--capacity` option: a ring capacity, a power of two in [0x20000, 0x4000000], decimal or hex.
 *
 * @throws UsageError (`ERR_WINTUN_INVALID_CAPACITY`) for anything else, saying what the help says.
 */
export function capacityOption(values: OptionValues, command: string, isValid: (n: number) => boolean): number | undefined {
  const text = stringOption(values, 'capacity');
  if (text === undefined) return undefined;
  const n = parseInteger(text);
  if (!Number.isSafeInteger(n) || !isValid(n)) {
    throw new UsageError(`--capacity must be a power of two in [0x20000, 0x4000000] (128 KiB to 64 MiB), got '${text}'.`, command, { code: 'ERR_WINTUN_INVALID_CAPACITY' });
  }
  return n;
}

/**
 * A duration option in seconds (decimals allowed, > 0, at most a year), returned in milliseconds.
 *
 * @throws UsageError (`ERR_WINTUN_INVALID_ARGUMENT`) for anything else.
 */
export function secondsOption(values: OptionValues, name: string, command: string): number | undefined {
  const text = stringOption(values, name);
  if (text === undefined) return undefined;
  const s = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(s > 0) || s > 31_536_000) {
    throw new UsageError(`--${name} takes a number of seconds > 0 (decimals allowed, at most 31536000), got '${text}'.`, command, { fix: `Pass e.g. --${name} 10 or --${name} 0.5.` });
  }
  return Math.round(s * 1000);
}

/** Common text of every help page: the exit codes. */
export const EXIT_CODES_HELP = `Exit codes:
  0    success (also when --duration or --count is reached)
  1    runtime error (the ERR_WINTUN_* code and its fix are printed;
       'wintun-ts explain <code>' says more; with --json: {"error":{...}} on stdout)
  2    usage error (unknown command or option, missing or bad argument; also with a code)
  130  interrupted by Ctrl-C (SIGINT), after a clean teardown
  143  terminated by SIGTERM, after a clean teardown`;
