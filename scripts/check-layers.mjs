#!/usr/bin/env node
// Enforces the layering of ARCHITECTURE.md: abi -> ring -> session -> adapter -> cli.
// For each package: its workspace dependency is exactly the package directly below, its tsconfig
// references match, its index re-exports the layer below, and no source or test file imports
// another @wintun-ts package (or a path into one) except the layer directly below (tests may also
// import their own package by name). Exits non-zero with one line per violation.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAYERS, SCOPE } from './layers.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const problems = [];
const fail = (where, rule) => problems.push(`${where}: ${rule}`);

function* files(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(m?[jt]s|cts|mts)$/.test(name) && !name.endsWith('.d.ts')) yield p;
  }
}

const importRe = /(?:^|[\s;])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[\s;])import\s+['"]([^'"]+)['"]/gm;

LAYERS.forEach((name, i) => {
  const dir = join(root, 'packages', name);
  const below = i > 0 ? LAYERS[i - 1] : null;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const where = `packages/${name}`;
  if (pkg.name !== `${SCOPE}/${name}`) fail(where, `package name must be ${SCOPE}/${name}`);
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies']) {
    for (const dep of Object.keys(pkg[field] ?? {})) {
      if (dep.startsWith(`${SCOPE}/`) && dep !== `${SCOPE}/${below}`) {
        fail(where, `${field} names ${dep}; a layer may depend only on the layer directly below (${below ? `${SCOPE}/${below}` : 'none'})`);
      }
    }
  }
  if (below && !pkg.dependencies?.[`${SCOPE}/${below}`]) fail(where, `must depend on ${SCOPE}/${below}`);
  const ts = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8'));
  const refs = (ts.references ?? []).map((r) => r.path.replace(/\/$/, ''));
  const want = below ? [`../${below}`] : [];
  if (JSON.stringify(refs) !== JSON.stringify(want)) {
    fail(`${where}/tsconfig.json`, `references must be exactly ${JSON.stringify(want)}, found ${JSON.stringify(refs)}`);
  }
  const index = join(dir, 'src/index.ts');
  if (below && existsSync(index) && !readFileSync(index, 'utf8').includes(`export * from '${SCOPE}/${below}';`)) {
    fail(`${where}/src/index.ts`, `must re-export the layer below: export * from '${SCOPE}/${below}';`);
  }
  for (const sub of ['src', 'test']) {
    for (const file of files(join(dir, sub))) {
      const text = readFileSync(file, 'utf8');
      const rel = relative(root, file);
      for (const m of text.matchAll(importRe)) {
        const spec = m[1] ?? m[2] ?? m[3];
        if (!spec) continue;
        if (spec.startsWith(`${SCOPE}/`)) {
          const [, target, ...rest] = spec.split('/');
          const own = target === name;
          if (rest.length > 0 && (rest[0] === 'src' || rest[0] === 'dist' || rest[0] === 'internal')) {
            fail(rel, `imports ${spec}: deep imports into a package's src/dist/internal are forbidden; import the package by name`);
          } else if (own && sub === 'src') {
            fail(rel, `imports its own package ${spec} by name; use a relative import inside a package`);
          } else if (!own && target !== below) {
            fail(rel, `imports ${spec}; ${where} may import only ${below ? `${SCOPE}/${below}` : 'no other layer'}`);
          }
        } else if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec);
          if (!target.startsWith(dir + '/')) fail(rel, `relative import ${spec} leaves the package; import the package by name`);
        }
      }
    }
  }
});

// No workspace package outside the chain (examples are users of the public API, not layers).
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
for (const ws of rootPkg.workspaces) {
  if (ws.startsWith('packages/') && !LAYERS.includes(ws.slice('packages/'.length))) {
    fail('package.json', `workspace ${ws} is not one of the layers ${LAYERS.join(', ')}`);
  }
}

if (problems.length > 0) {
  console.error(`check-layers: ${problems.length} violation(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`check-layers: ${LAYERS.join(' -> ')} ok`);
