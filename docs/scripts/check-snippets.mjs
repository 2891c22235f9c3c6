#!/usr/bin/env node
// Type-checks every ```ts code block of the guides (docs/**/*.md) and of the package READMEs
// marked ```ts check, without duplicating them: each block becomes docs/.snippets/<file>-<n>.mts
// (an ES module: top-level await works), and `tsc --noEmit` checks them with the repository's
// strict settings, resolving @wintun-ts/* by name to the packages' sources. Exits non-zero on any
// type error, printing the markdown file and line of the block.
//   node docs/scripts/check-snippets.mjs
// A block that is deliberately not a whole program is written ```ts nocheck.
import { readFileSync, writeFileSync, mkdirSync, rmSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, 'docs/.snippets');

function* markdown(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'api' || name === 'design' || name === '.snippets' || name === 'node_modules') continue; // design/: sketches of internal contracts, not programs
    if (statSync(p).isDirectory()) yield* markdown(p);
    else if (name.endsWith('.md')) yield p;
  }
}

const sources = [...markdown(join(root, 'docs'))];
for (const pkg of readdirSync(join(root, 'packages'))) sources.push(join(root, 'packages', pkg, 'README.md'));
sources.push(join(root, 'README.md'));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const origin = new Map();
let count = 0;
for (const file of sources) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue;
  }
  const isReadme = file.endsWith('README.md') && (file.includes('/packages/') || file === join(root, 'README.md'));
  const re = /^```ts([^\n]*)\n([\s\S]*?)^```$/gm;
  let m;
  let n = 0;
  while ((m = re.exec(text)) !== null) {
    const info = m[1].trim();
    if (info.includes('nocheck')) continue;
    if (isReadme && !info.includes('check')) continue;
    n++;
    const line = text.slice(0, m.index).split('\n').length + 1;
    const name = `${relative(root, file).replace(/[/.]/g, '_')}-${n}.mts`;
    writeFileSync(join(out, name), `${m[2]}\nexport {};\n`);
    origin.set(name, `${relative(root, file)}:${line}`);
    count++;
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
if (r.status !== 0) {
  console.error(report.trim());
  console.error(`check-snippets: type errors in the code blocks above (${count} blocks checked)`);
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
console.log(`check-snippets: ${count} code blocks type-check`);
