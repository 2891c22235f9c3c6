/**
 * `wintun-ts explain`: the troubleshooting entry of an `ERR_WINTUN_*` code, offline, from the
 * error table shipped in the package (the same words as docs/guides/troubleshooting.md).
 *
 * @module
 */
import { WintunErrorCodes, type WintunErrorCode } from '@wintun-ts/adapter';
import { EXIT_CODES_HELP, flag, type Command } from '../command.js';
import { CLI_FIXES, UsageError } from '../errors.js';
import { writeLine } from '../io.js';
import { table } from './list.js';

/**
 * One entry of `explain --json`.
 *
 * @since 0.2.0
 */
export interface ExplainedCode {
  /** The stable code. */
  readonly code: WintunErrorCode;
  /** What happened, in one sentence. */
  readonly meaning: string;
  /** What to do (the library's wording). */
  readonly fix: string;
  /** What to do from the command line, when it differs from `fix`; else null. */
  readonly cliFix: string | null;
  /** Whether the same operation may succeed later unchanged. */
  readonly retryable: boolean;
}

/** All codes, in table order. */
function allCodes(): WintunErrorCode[] {
  return Object.keys(WintunErrorCodes) as WintunErrorCode[];
}

/** The entry of one code. */
export function explainCode(code: WintunErrorCode): ExplainedCode {
  const info = WintunErrorCodes[code];
  const cli = CLI_FIXES[code];
  return { code, meaning: info.meaning, fix: info.fix, cliFix: cli === undefined || cli === info.fix ? null : cli, retryable: info.retryable };
}

/**
 * Finds a code from what a user typed: the exact code in any letter case, or without the
 * `ERR_WINTUN_` prefix (`file`, `name-taken`).
 */
export function findCode(text: string): WintunErrorCode | undefined {
  const wanted = text.trim().toUpperCase().replaceAll('-', '_');
  return allCodes().find((c) => c === wanted || c === `ERR_WINTUN_${wanted}`);
}

/** The `explain` command. */
export const explainCommand: Command = {
  name: 'explain',
  summary: 'explain an ERR_WINTUN_* error code and its fix (offline); no code: list them',
  positionals: [],
  optionalPositionals: ['code'],
  options: { json: { type: 'boolean' } },
  help: `Usage: wintun-ts explain [CODE] [--json]

Prints what an ERR_WINTUN_* code means, how to fix it and whether retrying can help, from the
error table shipped with wintun-ts (no network needed). Every failure of wintun-ts prints its code;
this is the longer story. Without CODE, lists every code with its meaning. CODE may be written
in any letter case and without the ERR_WINTUN_ prefix (e.g. 'name_taken').

Options:
      --json   CODE: one JSON object { code, meaning, fix, cliFix, retryable } (cliFix: the
               command-line wording of the fix when it differs, else null); without CODE: an
               array of them
  -h, --help   show this help

Examples:
  wintun-ts explain ERR_WINTUN_ACCESS_DENIED
  wintun-ts explain name_taken
  wintun-ts explain --json | jq -r '.[].code'

${EXIT_CODES_HELP}`,
  run({ io, values, positionals }) {
    const json = flag(values, 'json');
    const text = positionals[0];
    if (text === undefined) {
      const entries = allCodes().map(explainCode);
      if (json) writeLine(io.stdout, JSON.stringify(entries));
      else {
        writeLine(io.stdout, table([['CODE', 'MEANING'], ...entries.map((e) => [e.code, e.meaning])]));
        writeLine(io.stdout, "\nRun 'wintun-ts explain <CODE>' for the fix.");
      }
      return Promise.resolve(0);
    }
    const code = findCode(text);
    if (code === undefined) {
      throw new UsageError(`unknown error code '${text}'.`, 'explain', { fix: "Run 'wintun-ts explain' without a code to list every code; codes look like ERR_WINTUN_ACCESS_DENIED." });
    }
    const entry = explainCode(code);
    if (json) {
      writeLine(io.stdout, JSON.stringify(entry));
      return Promise.resolve(0);
    }
    writeLine(io.stdout, entry.code);
    writeLine(io.stdout, `  What happened: ${entry.meaning}`);
    writeLine(io.stdout, `  Fix: ${entry.cliFix ?? entry.fix}`);
    if (entry.cliFix !== null) writeLine(io.stdout, `  In a program using the library: ${entry.fix}`);
    writeLine(io.stdout, `  Retryable: ${entry.retryable ? 'yes, the same operation may succeed later' : 'no, something must change first'}.`);
    return Promise.resolve(0);
  },
};
