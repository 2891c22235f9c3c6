#!/usr/bin/env node
// Checks every fenced code block of every guide (docs/**/*.md but docs/design/) and every README
// of the repository (root, packages, examples, bench, docs), so that no block a reader pastes fails:
//  - ```ts blocks are whole programs: each becomes docs/.snippets/<file>-<n>.mts (an ES module:
//    top-level await works), and `tsc --noEmit` checks them with the repository's strict settings,
//    resolving @wintun-ts/* by name to the packages' sources (an undefined name is a type error, so
//    a block that would throw ReferenceError when pasted fails here). Indented blocks (inside list
//    items) count too.
//  - ```json blocks must parse.
//  - shell and output blocks are marked as such (```sh, ```console, ```text) and are not run.
//  - a block without a language, or with another one, is an error: mark what it is.
// Exits non-zero on any problem, printing the markdown file and line.
//   node docs/scripts/check-snippets.mjs
import { readFileSync, writeFileSync, mkdirSync, rmSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, 'docs/.snippets');
const SKIP_DIRS = new Set(['node_modules', 'dist', 'api', '.snippets', '.turbo', '.git', 'design', 'test-results', '.wine']);
/** Languages of blocks that are shown, not run: shell sessions and program output. */
const SHOWN = new Set(['sh', 'console', 'text']);

/** Every markdown file to check: all of docs/ (but design sketches) and every README.md. */
function* markdown(dir, all) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (SKIP_DIRS.has(name)) continue;
    if (statSync(p).isDirectory()) yield* markdown(p, all);
    else if (name.endsWith('.md') && (all || name === 'README.md')) yield p;
  }
}

const sources = new Set([...markdown(join(root, 'docs'), true), ...markdown(root, false)]);

/** The fenced blocks of a markdown text: { info, body, line } (line of the first body line). */
function fences(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(.*)$/.exec(lines[i]);
    if (open === null) continue;
    const [, indent, ticks, info] = open;
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^(\s*)(`{3,})\s*$/.exec(lines[j]);
      if (close !== null && close[2].length >= ticks.length) break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    }
    blocks.push({ info: info.trim(), body: body.join('\n'), line: i + 2 });
    i = j;
  }
  return blocks;
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const origin = new Map();
const problems = [];
let count = 0;
let shown = 0;
for (const file of sources) {
  const rel = relative(root, file);
  let n = 0;
  for (const { info, body, line } of fences(readFileSync(file, 'utf8'))) {
    const lang = info.split(/\s+/)[0] ?? '';
    if (lang === 'ts') {
      n++;
      const name = `${rel.replace(/[/.]/g, '_')}-${n}.mts`;
      writeFileSync(join(out, name), `${body}\nexport {};\n`);
      origin.set(name, `${rel}:${line}`);
      count++;
    } else if (lang === 'json') {
      try {
        JSON.parse(body);
        count++;
      } catch (error) {
        problems.push(`${rel}:${line}: the json block does not parse: ${error.message}`);
      }
    } else if (SHOWN.has(lang)) {
      shown++;
    } else {
      problems.push(`${rel}:${line}: a code block ${lang === '' ? 'without a language' : `marked ${JSON.stringify(lang)}`}; mark it ts (type-checked), json, or sh / console / text (shown, not run)`);
    }
  }
}
writeFileSync(
  join(out, 'tsconfig.json'),
  JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: { noEmit: true, composite: false, declaration: false, declarationMap: false, noUnusedLocals: false, noUnusedParameters: false, rootDir: '.' },
      include: ['*.mts'],
    },
    null,
    2,
  ),
);
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(out, 'tsconfig.json'), '--pretty', 'false'], { encoding: 'utf8' });
const report = (r.stdout + r.stderr).replace(/^(\S+?\.mts)\((\d+),(\d+)\)/gm, (all, f, l, c) => {
  const name = f.split('/').pop();
  const at = origin.get(name);
  if (at === undefined) return all;
  const [md, start] = at.split(':');
  return `${md}:${Number(start) + Number(l) - 1}:${c}`;
});
if (r.status !== 0) problems.push(report.trim());
if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`check-snippets: the code blocks above fail (${count} checked, ${shown} shell/output blocks)`);
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
console.log(`check-snippets: ${count} code blocks check (ts type-checks, json parses) in ${sources.size} files; ${shown} shell/output blocks are marked`);
