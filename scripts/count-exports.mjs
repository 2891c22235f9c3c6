#!/usr/bin/env node
// Counts the public names of every package root and subpath export, with the TypeScript checker
// over the sources (the `@wintun-ts/source` condition of each package.json "exports" entry, so no
// build is needed). Prints one table, writes the counts as JSON, and fails when the adapter's root
// reaches the budget: a user who installs `@wintun-ts/adapter` meets a few dozen names, not the
// whole stack (issue 11). Run by scripts/test-all.mjs so that growth is visible in CI.
//
//   node scripts/count-exports.mjs [--json <file>] [--list <package[/subpath]>]
//
// --json defaults to test-results/export-counts.json; --list prints the names of one entry.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { LAYERS, SCOPE } from './layers.mjs';

/** The adapter root must stay strictly below this many names. */
export const ADAPTER_ROOT_BUDGET = 80;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const jsonOut = resolve(root, option('--json') ?? 'test-results/export-counts.json');
const listWanted = option('--list');

/** Every export entry of every layer: { entry: '@wintun-ts/x[/sub]', file }. */
const entries = [];
for (const name of LAYERS) {
  const dir = join(root, 'packages', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const [key, target] of Object.entries(pkg.exports ?? {})) {
    if (typeof target !== 'object' || target === null) continue;
    const source = target['@wintun-ts/source'];
    if (typeof source !== 'string') continue;
    entries.push({ entry: key === '.' ? `${SCOPE}/${name}` : `${SCOPE}/${name}/${key.slice(2)}`, file: join(dir, source) });
  }
}

const base = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.base.json'), {}, {
  ...ts.sys,
  onUnRecoverableConfigFileDiagnostic: (d) => {
    throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  },
});
const program = ts.createProgram({
  rootNames: entries.map((e) => e.file),
  options: { ...base.options, noEmit: true, composite: false, declaration: false, declarationMap: false, sourceMap: false },
});
const checker = program.getTypeChecker();

const rows = [];
for (const { entry, file } of entries) {
  const sf = program.getSourceFile(file);
  const symbol = sf && checker.getSymbolAtLocation(sf);
  if (!symbol) {
    console.error(`count-exports: ${entry}: ${file} is not a module`);
    process.exit(2);
  }
  const names = checker.getExportsOfModule(symbol).map((s) => s.getName()).sort();
  rows.push({ entry, count: names.length, names });
  if (listWanted === entry) console.log(names.join('\n'));
}

if (listWanted === undefined) {
  const width = Math.max(...rows.map((r) => r.entry.length));
  console.log(`${'entry'.padEnd(width)}  names`);
  for (const r of rows) console.log(`${r.entry.padEnd(width)}  ${String(r.count).padStart(5)}`);
}
mkdirSync(dirname(jsonOut), { recursive: true });
writeFileSync(jsonOut, `${JSON.stringify({ budget: { [`${SCOPE}/adapter`]: ADAPTER_ROOT_BUDGET }, entries: rows }, null, 2)}\n`);

const adapter = rows.find((r) => r.entry === `${SCOPE}/adapter`);
if (adapter === undefined || adapter.count >= ADAPTER_ROOT_BUDGET) {
  console.error(
    `count-exports: ${SCOPE}/adapter exports ${adapter?.count ?? 'nothing'} names at its root; the budget is under ${ADAPTER_ROOT_BUDGET}. ` +
      'Move plumbing to a subpath (/testing, /packet, or the layer below) instead of re-exporting it from the root.',
  );
  process.exit(1);
}
