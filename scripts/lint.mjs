#!/usr/bin/env node
// Package lint, run in each package directory by `turbo run lint`. Rules a reviewer would
// otherwise check by hand:
//  - no TODO/FIXME/XXX in shipped source (src/);
//  - every exported declaration in src/ carries a TSDoc comment (typedoc checks the public
//    surface too; this also covers internal modules);
//  - no tabs, no trailing whitespace, files end with a newline;
//  - no console.* in library source (the cli package prints by design).
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, basename } from 'node:path';

const pkgDir = process.cwd();
const pkgName = basename(pkgDir);
const problems = [];

function* files(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|mts|mjs|js)$/.test(name)) yield p;
  }
}

const exportRe = /^export\s+(?:declare\s+)?(?:default\s+)?(?:abstract\s+)?(async\s+)?(function\*?|class|const|let|interface|type|enum|namespace)\s+([A-Za-z_$][\w$]*)/;

for (const sub of ['src', 'test']) {
  for (const file of files(join(pkgDir, sub))) {
    const rel = relative(pkgDir, file);
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    if (!text.endsWith('\n')) problems.push(`${rel}: file must end with a newline`);
    lines.forEach((line, i) => {
      const at = `${rel}:${i + 1}`;
      if (/\t/.test(line)) problems.push(`${at}: tab character`);
      if (/\s+$/.test(line)) problems.push(`${at}: trailing whitespace`);
      if (sub !== 'src') return;
      if (/\b(TODO|FIXME|XXX)\b/.test(line)) problems.push(`${at}: unfinished-work marker in shipped source`);
      if (pkgName !== 'cli' && /\bconsole\.(log|info|debug)\(/.test(line)) problems.push(`${at}: console output in library source`);
      const m = exportRe.exec(line);
      if (m) {
        let j = i - 1;
        while (j >= 0 && (lines[j].trim().startsWith('@') || lines[j].trim() === '')) j--;
        if (j < 0 || !lines[j].trim().endsWith('*/')) problems.push(`${at}: export ${m[3]} has no TSDoc comment`);
      }
    });
  }
}

if (problems.length > 0) {
  console.error(`lint ${pkgName}: ${problems.length} problem(s)\n  ${problems.slice(0, 200).join('\n  ')}`);
  process.exit(1);
}
console.log(`lint ${pkgName}: ok`);
