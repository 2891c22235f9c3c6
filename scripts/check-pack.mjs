#!/usr/bin/env node
// Publishability check for every layer, run by the test command after the build:
//  1. publint --strict and @arethetypeswrong/cli (ESM-only profile) on each package;
//  2. `npm pack` each package, install all tarballs into a scratch project OUTSIDE the workspace,
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
    const out = run('npm', ['pack', '--silent', '--pack-destination', work], dir).trim().split('\n').pop();
    tarballs.push(join(work, out));
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
