#!/usr/bin/env node
// Enforces the layering of ARCHITECTURE.md: abi -> ring -> session -> adapter -> cli.
// For each package: its workspace dependency is exactly the package directly below, its tsconfig
// references match, no entry file re-exports the layer below whole (`export * from` the package
// below's root: a root re-exports by name what its users need), every "exports" subpath names a
// source file that exists, and no source or test file imports another @wintun-ts package except
// the layer directly below (tests may also import their own package by name), and then only
// through an entry that package declares in its "exports" (its root or a subpath such as
// `@wintun-ts/session/driver`; never a path into src/ or dist/). Exits non-zero with one line per
// violation.
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

/** The subpaths (`.`, `./linux`, ...) each layer declares in its package.json "exports". */
const subpaths = new Map(
  LAYERS.map((name) => {
    const pkg = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
    return [name, new Set(Object.keys(pkg.exports ?? { '.': null }))];
  }),
);

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
  for (const [key, target] of Object.entries(pkg.exports ?? {})) {
    const source = typeof target === 'object' && target !== null ? target['@wintun-ts/source'] : undefined;
    if (key === './package.json') continue;
    if (typeof source !== 'string') {
      fail(`${where}/package.json`, `exports[${JSON.stringify(key)}] has no "@wintun-ts/source" condition (tests and docs read sources through it)`);
      continue;
    }
    const file = join(dir, source);
    if (!existsSync(file)) {
      fail(`${where}/package.json`, `exports[${JSON.stringify(key)}] names ${source}, which does not exist`);
    } else if (below && readFileSync(file, 'utf8').includes(`export * from '${SCOPE}/${below}';`)) {
      fail(relative(root, file), `re-exports ${SCOPE}/${below} whole; re-export by name what a user of this entry needs`);
    }
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
          const subpath = rest.length === 0 ? '.' : `./${rest.join('/')}`;
          const declared = subpaths.get(target);
          if (declared !== undefined && !declared.has(subpath)) {
            fail(rel, `imports ${spec}: ${SCOPE}/${target} exports no ${JSON.stringify(subpath)}; import its root or one of ${[...declared].filter((k) => k !== './package.json').join(', ')}`);
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

// Examples are users of the public API: they may import any package, but only through an entry it
// declares in its "exports" (never a path into src/ or dist/).
for (const example of existsSync(join(root, 'examples')) ? readdirSync(join(root, 'examples')) : []) {
  const dir = join(root, 'examples', example);
  if (!statSync(dir).isDirectory()) continue;
  for (const sub of ['src', 'test']) {
    for (const file of files(join(dir, sub))) {
      for (const m of readFileSync(file, 'utf8').matchAll(importRe)) {
        const spec = m[1] ?? m[2] ?? m[3];
        if (!spec?.startsWith(`${SCOPE}/`)) continue;
        const [, target, ...rest] = spec.split('/');
        const subpath = rest.length === 0 ? '.' : `./${rest.join('/')}`;
        const declared = subpaths.get(target);
        if (declared !== undefined && !declared.has(subpath)) {
          fail(relative(root, file), `imports ${spec}: ${SCOPE}/${target} exports no ${JSON.stringify(subpath)}; use its root or one of ${[...declared].filter((k) => k !== './package.json').join(', ')}`);
        }
      }
    }
  }
}

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
