#!/usr/bin/env node
// Publishability check for every layer, run by the test command after the build:
//  1. publint --strict and @arethetypeswrong/cli (ESM-only profile) on each package;
//  2. the published metadata: repository (with its directory), homepage, bugs, keywords, license,
//     engines (the promise the test matrix keeps), publishConfig { access: public, provenance };
//  3. the tarball's file list, as `npm publish` would upload it: dist/ present with every file the
//     manifest points at, README.md, LICENSE (identical to the repository's) and package.json present,
//     no test files, fixtures, configs or build caches;
//  4. `npm pack` each package, install all tarballs into a scratch project OUTSIDE the workspace,
//     import every entry point (each root and subpath) by name there (ESM import runs, no native
//     code loads at import), and type-check a file that imports them under moduleResolution nodenext.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAYERS, SCOPE } from './layers.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules/.bin', name);
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const work = mkdtempSync(join(tmpdir(), 'wintun-ts-pack-'));
const failures = [];
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const license = readFileSync(join(root, 'LICENSE'), 'utf8');
/** The Node lines every package promises: the ones scripts/test-all.mjs tests. */
const ENGINES = '>=22.18';

function checkManifest(name, dir, pkg) {
  const problems = [];
  const repo = rootManifest.repository?.url;
  if (pkg.repository?.url !== repo) problems.push(`repository.url must be ${repo} (the root package.json's)`);
  if (pkg.repository?.directory !== `packages/${name}`) problems.push(`repository.directory must be packages/${name}`);
  const web = repo?.replace(/^git\+/, '').replace(/\.git$/, '');
  if (pkg.homepage !== `${web}/tree/main/packages/${name}#readme`) problems.push(`homepage must be ${web}/tree/main/packages/${name}#readme`);
  if (pkg.bugs?.url !== `${web}/issues`) problems.push(`bugs.url must be ${web}/issues`);
  if (!Array.isArray(pkg.keywords) || pkg.keywords.length === 0) problems.push('keywords are missing');
  if (pkg.license !== rootManifest.license) problems.push(`license must be ${rootManifest.license}`);
  if (pkg.engines?.node !== ENGINES) problems.push(`engines.node must be ${ENGINES}`);
  if (pkg.publishConfig?.access !== 'public' || pkg.publishConfig?.provenance !== true) {
    problems.push('publishConfig must be { access: "public", provenance: true }');
  }
  if (!existsSync(join(dir, 'LICENSE')) || readFileSync(join(dir, 'LICENSE'), 'utf8') !== license) {
    problems.push('LICENSE must be a copy of the repository LICENSE');
  }
  return problems;
}

/** Files of the manifest's entry points (exports conditions except the source one, bin). */
function entryFiles(pkg) {
  const files = new Set();
  const walk = (v, key) => {
    if (typeof v === 'string') {
      if (key !== '@wintun-ts/source' && v.startsWith('./')) files.add(v.slice(2));
    } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(pkg.exports, '');
  walk(typeof pkg.bin === 'string' ? { bin: pkg.bin } : pkg.bin, 'bin');
  return [...files].filter((f) => f !== 'package.json');
}

const FORBIDDEN = [
  [/(^|\/)(test|tests|__tests__|fixtures)\//, 'test directory'],
  [/\.(test|spec)\.[cm]?[jt]sx?$/, 'test file'],
  [/(^|\/)(vitest|tsup|typedoc)\.config\.[cm]?[jt]s$|(^|\/)tsconfig[^/]*\.json$/, 'build config'],
  [/\.tsbuildinfo$|(^|\/)\.turbo\//, 'build cache'],
  [/\.tgz$/, 'tarball'],
];

function checkFiles(pkg, files) {
  const problems = [];
  const have = new Set(files);
  for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']) {
    if (!have.has(f)) problems.push(`${f} is not in the tarball`);
  }
  for (const f of entryFiles(pkg)) if (!have.has(f)) problems.push(`${f} (named by exports/bin) is not in the tarball`);
  for (const f of files) {
    const hit = FORBIDDEN.find(([re]) => re.test(f));
    if (hit) problems.push(`${f} is in the tarball (${hit[1]})`);
  }
  return problems;
}

try {
  const tarballs = [];
  for (const name of LAYERS) {
    const dir = join(root, 'packages', name);
    if (!existsSync(join(dir, 'dist/index.js'))) {
      failures.push(`${name}: dist/index.js missing (build first)`);
      continue;
    }
    try {
      run(bin('publint'), ['--strict'], dir);
    } catch (e) {
      failures.push(`${name}: publint: ${e.stdout}${e.stderr}`);
    }
    try {
      run(bin('attw'), ['--pack', '.', '--profile', 'esm-only', '--format', 'table-flipped'], dir);
    } catch (e) {
      failures.push(`${name}: attw: ${e.stdout}${e.stderr}`);
    }
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const p of checkManifest(name, dir, pkg)) failures.push(`${name}: package.json: ${p}`);
    // The same file list `npm publish` uploads (npm publish --dry-run prints it from the same code).
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], dir));
    const files = packed.files.map((f) => f.path);
    for (const p of checkFiles(pkg, files)) failures.push(`${name}: tarball: ${p}`);
    console.log(`check-pack: ${packed.filename}: ${files.length} files, ${(packed.size / 1024).toFixed(0)} kB packed`);
    tarballs.push(join(work, packed.filename));
  }
  const scratch = join(work, 'scratch');
  mkdirSync(scratch);
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], scratch);
  const names = LAYERS.filter((n) => existsSync(join(root, 'packages', n, 'dist/index.js')));
  // Every entry point each package declares: the root and its subpaths (e.g. @wintun-ts/abi/linux).
  const specifiers = names.flatMap((n) =>
    Object.keys(JSON.parse(readFileSync(join(root, 'packages', n, 'package.json'), 'utf8')).exports ?? { '.': null })
      .filter((key) => key !== './package.json')
      .map((key) => (key === '.' ? `${SCOPE}/${n}` : `${SCOPE}/${n}/${key.slice(2)}`)),
  );
  const smoke = `
    import { createRequire } from 'node:module';
    const mods = {};
    ${specifiers.map((s) => `mods[${JSON.stringify(s)}] = await import('${s}');`).join('\n')}
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('koffi'));
    if (loaded.length) throw new Error('native code loaded at import: ' + loaded.join(','));
    for (const n of ${JSON.stringify(names.filter((n) => n !== 'cli').map((n) => `${SCOPE}/${n}`))}) {
      const m = mods[n];
      if (typeof m.WintunError !== 'function') throw new Error(n + ' does not re-export WintunError');
      if (m.WINTUN_MIN_RING_CAPACITY !== 0x20000) throw new Error(n + ' lost the ring capacity limits');
    }
    if (mods['${SCOPE}/cli'] && typeof mods['${SCOPE}/cli'].run !== 'function') throw new Error('${SCOPE}/cli does not export run');
    console.log('imported ' + Object.keys(mods).join(', '));
  `;
  writeFileSync(join(scratch, 'smoke.mjs'), smoke);
  process.stdout.write(`check-pack: ${run(process.execPath, ['smoke.mjs'], scratch)}`);
  writeFileSync(
    join(scratch, 'types.ts'),
    specifiers.map((s, i) => `import * as m${i} from '${s}';\nvoid m${i};`).join('\n') +
      '\n' +
      names.filter((n) => n !== 'cli').map((n) => `import { WintunError as E_${n} } from '${SCOPE}/${n}';\nvoid E_${n};`).join('\n') +
      '\n',
  );
  mkdirSync(join(scratch, 'node_modules/@types'), { recursive: true });
  // The packages' .d.ts reference Node's types (Buffer, Worker): give the scratch project the
  // workspace's @types/node, as a consumer would have it.
  run('cp', ['-r', join(root, 'node_modules/@types/node'), join(scratch, 'node_modules/@types/node')]);
  run('cp', ['-r', join(root, 'node_modules/undici-types'), join(scratch, 'node_modules/undici-types')]);
  writeFileSync(
    join(scratch, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], lib: ['ES2023', 'ESNext.Disposable'], target: 'ES2022' }, files: ['types.ts'] }),
  );
  try {
    run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.'], scratch);
    console.log(`check-pack: types resolve under nodenext for ${specifiers.join(', ')}`);
  } catch (e) {
    failures.push(`types under nodenext: ${e.stdout}${e.stderr}`);
  }
  console.log(`check-pack: ${readdirSync(work).filter((f) => f.endsWith('.tgz')).length} tarballs packed; publint and attw clean: ${failures.length === 0}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`check-pack: ${failures.length} failure(s)\n${failures.join('\n')}`);
  process.exit(1);
}
