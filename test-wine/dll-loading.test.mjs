// DLL loading rules: explicit path or next to the program only, PE architecture checked first,
// all 14 exports or nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import koffi from 'koffi';
import { ROOT, abi, officialDll, standinDll, fixtureUrl } from './helpers.mjs';
import { fileURLToPath } from 'node:url';

// This process's architecture: x64, or x86 when the suite runs 32-bit node.exe (WINE_ARCH=x86).
const x86 = process.arch === 'ia32';
const ownDir = x86 ? 'x86' : 'amd64';
const ownArch = x86 ? 'ia32' : 'x64';
const koffiPkg = x86 ? 'koffi-win32-ia32' : 'koffi-win32-x64';
const koffiDir = x86 ? 'win32_ia32' : 'win32_x64';

const tmp = mkdtempSync(join(tmpdir(), 'wintun-ts-load-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

for (const dir of [x86 ? 'amd64' : 'x86', 'arm64']) {
  test(`wrong architecture (${dir} wintun.dll in an ${ownArch} process) -> ERR_WINTUN_DLL_ARCH naming both`, { skip: officialDll(dir) ? false : 'not staged' }, () => {
    assert.throws(() => abi.loadWintun({ dllPath: officialDll(dir) }), (e) => {
      assert.equal(e.code, 'ERR_WINTUN_DLL_ARCH');
      assert.match(e.message, new RegExp(`built for ${dir === 'amd64' ? '(amd64|x64)' : dir}`));
      assert.match(e.message, new RegExp(`this Node process is ${ownArch}`));
      assert.match(e.message, new RegExp(`bin/${ownDir}/wintun\\.dll`));
      return true;
    });
  });
}

test('missing file -> ERR_WINTUN_DLL_NOT_FOUND saying where to get it and where to put it', () => {
  const missing = join(tmp, 'nowhere', 'wintun.dll');
  assert.throws(() => abi.loadWintun({ dllPath: missing }), (e) => {
    assert.equal(e.code, 'ERR_WINTUN_DLL_NOT_FOUND');
    assert.ok(e.message.includes(missing));
    assert.ok(e.message.includes('https://www.wintun.net'));
    assert.match(e.message, new RegExp(`bin/${ownDir}/wintun\\.dll`));
    return true;
  });
});

test('a file that is not a PE image -> ERR_WINTUN_DLL_ARCH (not loaded)', () => {
  const p = join(tmp, 'text.dll');
  writeFileSync(p, 'not a dll at all, just some text that is long enough to pass the size check...........');
  assert.throws(() => abi.loadWintun({ dllPath: p }), { code: 'ERR_WINTUN_DLL_ARCH', message: /not a Windows DLL/ });
});

test(`an ${ownArch} DLL without the Wintun exports -> ERR_WINTUN_DLL_SYMBOL_MISSING listing all 14`, () => {
  const koffiNode = join(process.env.NODE_PATH, '@koromix', koffiPkg, koffiDir, 'koffi.node');
  assert.ok(existsSync(koffiNode), koffiNode);
  const p = join(tmp, 'notwintun.dll');
  copyFileSync(koffiNode, p);
  assert.throws(() => abi.loadWintun({ dllPath: p }), (e) => {
    assert.equal(e.code, 'ERR_WINTUN_DLL_SYMBOL_MISSING');
    for (const name of abi.WINTUN_EXPORTS) assert.ok(e.message.includes(name), name);
    return true;
  });
});

test('a directory as dllPath loads <dir>\\wintun.dll', { skip: standinDll() ? false : 'no stand-in' }, () => {
  const dir = join(tmp, 'asdir');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (!existsSync(dir)) return;
  copyFileSync(standinDll(), join(dir, 'wintun.dll'));
  const lib = abi.loadWintun({ dllPath: dir });
  assert.equal(lib.path.toLowerCase(), join(dir, 'wintun.dll').toLowerCase());
  lib.unload();
});

test('a bare name or no path never goes through the DLL search path (PATH holds a wintun.dll)', { skip: standinDll() ? false : 'no stand-in' }, () => {
  const onPath = join(tmp, 'onpath');
  const cwd = join(tmp, 'cwd');
  for (const d of [onPath, cwd]) mkdirSync(d, { recursive: true });
  copyFileSync(standinDll(), join(onPath, 'wintun.dll'));
  const oldPath = process.env.PATH;
  const oldCwd = process.cwd();
  process.env.PATH = `${onPath};${oldPath}`;
  process.chdir(cwd);
  try {
    // The search path would find it: koffi.load with a bare name does.
    const viaSearch = koffi.load('wintun.dll');
    viaSearch.unload();
    assert.throws(() => abi.loadWintun({ dllPath: 'wintun.dll' }), (e) => {
      assert.equal(e.code, 'ERR_WINTUN_DLL_NOT_FOUND');
      assert.ok(e.message.includes(join(cwd, 'wintun.dll')), e.message);
      return true;
    });
    assert.throws(() => abi.loadWintun(), { code: 'ERR_WINTUN_DLL_NOT_FOUND' });
    const candidates = abi.wintunDllCandidates();
    assert.ok(candidates.every((c) => /^[A-Za-z]:\\/.test(c)), candidates.join(', '));
    assert.ok(candidates.some((c) => c.toLowerCase().startsWith(join(ROOT, '.wine', 'stage').toLowerCase())));
  } finally {
    process.chdir(oldCwd);
    process.env.PATH = oldPath;
  }
});

test('no dllPath: wintun.dll next to the main script is found (child process)', { skip: standinDll() ? false : 'no stand-in' }, () => {
  const app = join(tmp, 'app');
  mkdirSync(app, { recursive: true });
  const script = join(app, 'main.mjs');
  copyFileSync(fileURLToPath(fixtureUrl('load-next-to-main.mjs')), script);
  copyFileSync(standinDll(), join(app, 'wintun.dll'));
  const r = spawnSync(process.execPath, [script], {
    stdio: 'ignore',
    env: { ...process.env, ABI_DIST: join(ROOT, 'packages', 'abi', 'dist', 'win32.js') },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, String(r.error ?? ''));
  const result = JSON.parse(readFileSync(join(app, 'result.json'), 'utf8'));
  assert.equal(result.ok, true, result.message);
  assert.equal(result.path.toLowerCase(), join(app, 'wintun.dll').toLowerCase());
  assert.equal(result.exports, 14);
});
