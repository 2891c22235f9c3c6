// Compares the target verdicts of two bench runs (JSON written by bench/run.mjs) side by side, as a
// Markdown table: one line per target, its measured ratio before and after, and both verdicts.
//
//   node bench/compare.mjs BEFORE.json AFTER.json [--rows 2,3,6] [--match TEXT] [--changed]
//
// --rows keeps the targets of those rows, --match those whose name contains TEXT, --changed those
// whose verdict differs. Targets present in one run only are listed with "-" on the other side.
// Reads files only; prints to stdout; exit code 1 for a usage error.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
function option(flag) {
  const i = args.indexOf(flag);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
}
const rowsOption = option('--rows');
const match = option('--match');
const changedOnly = args.includes('--changed');
const files = args.filter((a) => !a.startsWith('--'));
if (files.length !== 2) {
  console.error('usage: node bench/compare.mjs BEFORE.json AFTER.json [--rows 2,3,6] [--match TEXT] [--changed]');
  process.exit(1);
}
const rows = rowsOption === undefined ? null : new Set(rowsOption.split(',').map((r) => Number(r.trim())));

function load(file) {
  let json;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    console.error(`${file}: not a bench result (${error.message})`);
    process.exit(1);
  }
  if (!Array.isArray(json.targets)) {
    console.error(`${file}: has no "targets" array (was it written by bench/run.mjs?)`);
    process.exit(1);
  }
  return json;
}

const [before, after] = files.map(load);
const key = (t) => `${t.row}\u0000${t.name}`;
const byKey = new Map();
for (const t of before.targets) byKey.set(key(t), { row: t.row, name: t.name, before: t, after: null });
for (const t of after.targets) {
  const entry = byKey.get(key(t)) ?? { row: t.row, name: t.name, before: null, after: null };
  entry.after = t;
  byKey.set(key(t), entry);
}

const fmt = (t) => (t === null ? '-' : `${Number(t.measured).toFixed(2)} ${t.result}`);
const describeRun = (j, file) => `${file}: ${j.meta?.date ?? '?'}, node ${j.meta?.node ?? '?'}, load ${(j.meta?.loadavg ?? []).map((l) => l.toFixed(1)).join(' ')}${j.meta?.quick ? ', quick' : ''}`;
console.log(`before = ${describeRun(before, files[0])}`);
console.log(`after  = ${describeRun(after, files[1])}`);
console.log('');
console.log('| row | target | before | after |');
console.log('|---|---|---|---|');
const count = { before: 0, after: 0, shown: 0 };
for (const e of [...byKey.values()].sort((a, b) => a.row - b.row)) {
  if (rows !== null && !rows.has(e.row)) continue;
  if (match !== undefined && !e.name.includes(match)) continue;
  if (changedOnly && e.before?.result === e.after?.result) continue;
  if (e.before?.result === 'PASS') count.before++;
  if (e.after?.result === 'PASS') count.after++;
  count.shown++;
  console.log(`| ${e.row} | ${e.name} | ${fmt(e.before)} | ${fmt(e.after)} |`);
}
console.log('');
console.log(`${count.shown} targets shown: PASS before ${count.before}, after ${count.after}`);
