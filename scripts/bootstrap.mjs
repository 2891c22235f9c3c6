#!/usr/bin/env node
// Makes a fresh clone runnable: installs the npm packages (npm ci, from package-lock.json) when
// node_modules is missing or stale, and, when running as root with apt-get, the Debian packages
// the chosen task needs. Anything it cannot install is reported in one line; the tests that need
// it then skip with a printed reason.
//
// usage: node scripts/bootstrap.mjs demo|test|bench
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const task = process.argv[2] ?? 'test';

function npmInstall() {
  const marker = join(root, 'node_modules/.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('bootstrap: npm ci');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('bootstrap: npm ci failed');
    process.exit(r.status ?? 1);
  }
}

const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

function aptInstall(packages) {
  const missing = packages.filter(([cmd]) => !have(cmd)).map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !have('apt-get')) {
    console.log(`bootstrap: not installing ${missing.join(' ')} (needs root and apt-get); tests that need them will skip and say so`);
    return;
  }
  console.log(`bootstrap: apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env, timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'ignore', env, timeout: 600_000 });
  } catch (error) {
    console.log(`bootstrap: apt-get install ${missing.join(' ')} failed (${error.message.split('\n')[0]}); tests that need them will skip and say so`);
  }
}

npmInstall();
const debs = {
  demo: [['ping', 'iputils-ping'], ['ip', 'iproute2']],
  test: [['ping', 'iputils-ping'], ['ip', 'iproute2'], ['tcpdump', 'tcpdump'], ['gcc', 'gcc']],
  bench: [['ip', 'iproute2'], ['gcc', 'gcc']],
}[task] ?? [];
aptInstall(debs);
if (task === 'test' && existsSync(join(root, 'scripts/wine/setup.sh'))) {
  const r = spawnSync('bash', [join(root, 'scripts/wine/setup.sh')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) console.log('bootstrap: Wine setup failed; the Windows suite will skip and say why');
}
