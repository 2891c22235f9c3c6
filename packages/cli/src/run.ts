/**
 * {@link run}: the whole `wintun-ts` command as a function of its arguments and a {@link CliIo},
 * so tests drive it with in-memory streams. `main.ts` wires it to the process.
 *
 * @module
 */
import type { Command, CommandContext } from './command.js';
import { EXIT_CODES_HELP, parseCommandArgs } from './command.js';
import { Interrupted, reportFailure, UsageError, wantsJson } from './errors.js';
import { ExitCode, flush, interruptExitCode, writeLine, type CliIo } from './io.js';
import { benchCommand } from './commands/bench.js';
import { captureCommand } from './commands/capture.js';
import { createCommand } from './commands/create.js';
import { deleteCommand } from './commands/delete.js';
import { listCommand } from './commands/list.js';
import { statsCommand } from './commands/stats.js';
import { upCommand } from './commands/up.js';
import { driverVersionCommand, versionCommand } from './commands/version.js';
import { explainCommand } from './commands/explain.js';
import { statusCommand } from './commands/status.js';
import { extcapCommand } from './commands/extcap.js';
import { cliVersion } from './package-info.js';
import { badArgument, checkWritable, describeValue } from './check.js';

/**
 * Every command, in the order `wintun-ts --help` lists them. Each `run` checks its context and
 * rejects with `ERR_WINTUN_INVALID_ARGUMENT` for a malformed one, before anything runs.
 *
 * @since 0.1.0
 */
export const commands: readonly Command[] = [
  listCommand,
  createCommand,
  deleteCommand,
  upCommand,
  captureCommand,
  statsCommand,
  statusCommand,
  extcapCommand,
  benchCommand,
  driverVersionCommand,
  versionCommand,
  explainCommand,
].map(checked);

/**
 * A command whose `run` checks its context first (the commands are exported, so `run` is an entry
 * point too): a malformed context rejects with `ERR_WINTUN_INVALID_ARGUMENT` before anything runs.
 */
function checked(command: Command): Command {
  return Object.freeze({
    ...command,
    run: (context: CommandContext): Promise<number> => {
      try {
        checkContext(command.name, context);
      } catch (error) {
        return Promise.reject(error);
      }
      return command.run(context);
    },
  });
}

function checkContext(name: string, context: unknown): asserts context is CommandContext {
  const what = `commands[${JSON.stringify(name)}].run`;
  if (typeof context !== 'object' || context === null) badArgument(what, 'context', 'a CommandContext { io, values, positionals }', context);
  const c = context as { io?: unknown; values?: unknown; positionals?: unknown };
  checkIo(c.io, what);
  if (typeof c.values !== 'object' || c.values === null || Array.isArray(c.values)) badArgument(what, 'context.values', 'an object of option values', c.values);
  for (const [key, value] of Object.entries(c.values)) {
    const ok = value === undefined || typeof value === 'string' || typeof value === 'boolean' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (!ok) badArgument(what, `context.values.${key}`, 'a string, a boolean or an array of strings', value);
  }
  if (!Array.isArray(c.positionals) || !c.positionals.every((p) => typeof p === 'string')) badArgument(what, 'context.positionals', 'an array of strings', c.positionals);
}

/** The top-level help text. */
export function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Usage: wintun-ts <command> [options]

A virtual layer-3 network adapter from the command line: Wintun on Windows, TUN on Linux.

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run 'wintun-ts <command> --help' for a command's options and examples.
Read commands (list, stats, status, driver-version, version, bench, explain) take --json; with --json,
a failure is one JSON object on stdout: {"error":{code,message,fix,kind,exitCode,command}}.
Every failure prints a stable ERR_WINTUN_* code; 'wintun-ts explain <code>' explains it offline.

Examples:
  wintun-ts up wt0 --address 10.6.7.7/24 --echo        # ping 10.6.7.8 answers
  wintun-ts capture wt0 -a 10.6.7.7/24 -w - | wireshark -k -i -
  wintun-ts bench --json

Options:
  -h, --help      show this help
  -V, --version   print the version

${EXIT_CODES_HELP}

Run from a clone of the repository: npx wintun-ts ...; installed from npm: npx @wintun-ts/cli ...
Docs: docs/guides/cli.md in the wintun-ts repository.`;
}

/**
 * Runs `wintun-ts` with `argv` (the arguments after the program name) and resolves to the exit
 * code: 0 ok, 1 runtime error, 2 usage error (also when `argv` is not an array of strings), 130
 * interrupted by SIGINT, 143 by SIGTERM. Every error is printed to `io.stderr`; the only
 * rejection is `ERR_WINTUN_INVALID_ARGUMENT` when `io` is not a {@link CliIo} (nowhere to print). Long-running commands watch `io.signal` and
 * tear down (session closed, adapter closed or deleted) before resolving.
 *
 * @example
 * ```ts
 * const code = await run(['version', '--json'], io);
 * ```
 * @since 0.1.0
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  checkIo(io);
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) {
    const bad = Array.isArray(argv) ? argv.find((a) => typeof a !== 'string') : argv;
    const code = reportFailure(io, new UsageError(`the arguments must be an array of strings (process.argv.slice(2)), got ${describeValue(bad)}.`, null), { json: false, command: null });
    await Promise.all([flush(io.stdout), flush(io.stderr)]);
    return code;
  }
  const code = await dispatch(argv, io);
  await Promise.all([flush(io.stdout), flush(io.stderr)]);
  return code;
}

/** Checks the io of {@link run}: two writable streams, two booleans and an AbortSignal. */
function checkIo(io: unknown, what = 'run'): asserts io is CliIo {
  if (typeof io !== 'object' || io === null) badArgument(what, 'io', 'a CliIo { stdout, stderr, stdoutIsTTY, stderrIsTTY, signal }', io);
  const o = io as { stdout?: unknown; stderr?: unknown; stdoutIsTTY?: unknown; stderrIsTTY?: unknown; signal?: unknown };
  checkWritable(what, 'io.stdout', o.stdout);
  checkWritable(what, 'io.stderr', o.stderr);
  if (typeof o.stdoutIsTTY !== 'boolean') badArgument(what, 'io.stdoutIsTTY', 'a boolean', o.stdoutIsTTY);
  if (typeof o.stderrIsTTY !== 'boolean') badArgument(what, 'io.stderrIsTTY', 'a boolean', o.stderrIsTTY);
  if (!(o.signal instanceof AbortSignal)) badArgument(what, 'io.signal', 'an AbortSignal', o.signal);
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  const json = wantsJson(argv);
  const fail = (error: unknown, command: string | null): number => reportFailure(io, error, { json, command });
  if (first === undefined) {
    io.stderr.write(`${mainHelp()}\n`);
    return ExitCode.USAGE;
  }
  if (first === '-h' || first === '--help' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    const command = topic === undefined ? undefined : commands.find((c) => c.name === topic);
    if (topic !== undefined && command === undefined) return fail(new UsageError(`unknown command '${topic}'; the commands are ${commands.map((c) => c.name).join(', ')}.`, null), null);
    writeLine(io.stdout, command === undefined ? mainHelp() : command.help);
    return ExitCode.OK;
  }
  if (first === '-V' || first === '--version') {
    writeLine(io.stdout, cliVersion());
    return ExitCode.OK;
  }
  const command = commands.find((c) => c.name === first);
  if (command === undefined) {
    const hint = first.startsWith('-') ? `unknown option '${first}' (options go after the command).` : `unknown command '${first}'; the commands are ${commands.map((c) => c.name).join(', ')}.`;
    return fail(new UsageError(hint, null), null);
  }
  try {
    const parsed = parseCommandArgs(command, rest);
    if (parsed.help) {
      writeLine(io.stdout, command.help);
      return ExitCode.OK;
    }
    return await command.run({ io, values: parsed.values, positionals: parsed.positionals });
  } catch (error) {
    if (error instanceof Interrupted || (io.signal.aborted && isAbort(error))) return interruptExitCode(io.signal);
    return fail(error, command.name);
  }
}

function isAbort(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ERR_WINTUN_ABORTED';
}
