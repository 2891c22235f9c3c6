#!/usr/bin/env node
// Makes a fresh clone runnable, then runs the given commands on the project's own Node:
//  1. the pinned Node of the primary maintained line (scripts/runtime.mjs), fetched from the npm
//     registry into .tools/ on first use; the machine's `node` may be any version that can start
//     this script (Debian 12's 20.x is end of life);
//  2. the npm packages (npm ci, from package-lock.json) when node_modules is missing or stale;
//  3. as root with apt-get, the Debian packages the chosen task needs;
//  4. for `test`, the Wine environment of the Windows suite.
// Anything it cannot install is reported in one line; the tests that need it then skip with a
// printed reason. Already-done steps cost a file check each.
//
// usage: node scripts/bootstrap.mjs demo|test|bench [-- command [args...]]...
// Each `--` starts a command, run in order with the pinned Node first on PATH (so `node`, npm
// scripts, turbo and vitest all use it); the first failure stops the chain and is the exit code.
// WINTUN_TS_SYSTEM_NODE=1 keeps the machine's own `node` instead (it must satisfy `engines`).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PRIMARY_LINE, NODE_VERSIONS, ensureNode, envWithNode, root } from './runtime.mjs';

const argv = process.argv.slice(2);
const task = argv[0] && argv[0] !== '--' ? argv[0] : 'test';
const commands = [];
for (const arg of argv.slice(argv[0] === task ? 1 : 0)) {
  if (arg === '--') commands.push([]);
  else if (commands.length > 0) commands[commands.length - 1].push(arg);
  else {
    console.error(`bootstrap: unexpected argument '${arg}' (usage: bootstrap.mjs demo|test|bench [-- command args...]...)`);
    process.exit(64);
  }
}

function satisfiesEngines(version) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  return (major === 22 && minor >= 18) || (major === 24 && minor >= 11) || major >= 26;
}

function chooseRuntime() {
  if (process.env.WINTUN_TS_SYSTEM_NODE === '1') {
    if (!satisfiesEngines(process.version)) {
      console.error(`bootstrap: WINTUN_TS_SYSTEM_NODE=1 but this node is ${process.version}; engines needs ^22.18 || ^24.11 || >=26`);
      process.exit(1);
    }
    return process.execPath;
  }
  try {
    return ensureNode(PRIMARY_LINE);
  } catch (error) {
    if (satisfiesEngines(process.version)) {
      console.log(`bootstrap: ${error.message}; using this machine's node ${process.version} instead`);
      return process.execPath;
    }
    console.error(`bootstrap: ${error.message}`);
    console.error(`bootstrap: this machine's node is ${process.version}, older than the project supports; install Node ${NODE_VERSIONS[PRIMARY_LINE]} (or any ^22.18 || ^24.11 || >=26) and rerun with WINTUN_TS_SYSTEM_NODE=1`);
    process.exit(1);
  }
}

const nodeBin = chooseRuntime();
const env = envWithNode(nodeBin);
const nodeVersion = nodeBin === process.execPath ? process.version : `v${NODE_VERSIONS[PRIMARY_LINE]}`;
if (!process.env.WINTUN_TS_BOOTSTRAPPED) {
  console.log(`bootstrap: Node ${nodeVersion} (${nodeBin.startsWith(root) ? nodeBin.slice(root.length + 1) : nodeBin})`);
}
env.WINTUN_TS_BOOTSTRAPPED = '1';

function npmInstall() {
  const marker = join(root, 'node_modules/.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('bootstrap: npm ci');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, stdio: 'inherit', env });
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

// The adapter suite checks what an unprivileged user (uid 65534) gets; that child loads koffi from
// this checkout, so every directory above it must be searchable by others (`mktemp -d` makes 0700).
function warnIfPrivate() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || task !== 'test') return;
  for (let dir = root; ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      console.log(`bootstrap: ${dir} is not searchable by other users (mode ${(statSync(dir).mode & 0o777).toString(8)}); the unprivileged-user test will fail: chmod o+x ${dir}, or clone elsewhere`);
      return;
    }
    if (dirname(dir) === dir) return;
  }
}

npmInstall();
warnIfPrivate();
const debs = {
  demo: [['ping', 'iputils-ping'], ['ip', 'iproute2']],
  test: [['ping', 'iputils-ping'], ['ip', 'iproute2'], ['tcpdump', 'tcpdump'], ['gcc', 'gcc']],
  bench: [['ip', 'iproute2'], ['gcc', 'gcc']],
}[task] ?? [];
aptInstall(debs);
if (task === 'test' && existsSync(join(root, 'scripts/wine/setup.sh'))) {
  const r = spawnSync('bash', [join(root, 'scripts/wine/setup.sh')], { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) console.log('bootstrap: Wine setup failed; the Windows suite will skip and say why');
}

// Runs one command with the pinned Node first on PATH. SIGINT from a terminal reaches the child
// through the process group, so it is only waited out here (the child tears down and exits);
// SIGTERM and SIGHUP, which are sent to this process alone, are passed on.
function run(command) {
  return new Promise((resolveRun) => {
    const child = spawn(command[0], command.slice(1), { cwd: root, stdio: 'inherit', env });
    const forward = (signal) => child.kill(signal);
    const ignore = () => {};
    process.on('SIGINT', ignore);
    process.on('SIGTERM', forward);
    process.on('SIGHUP', forward);
    const done = (code) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', forward);
      process.off('SIGHUP', forward);
      resolveRun(code);
    };
    child.on('error', (error) => {
      console.error(`bootstrap: cannot run ${command[0]}: ${error.message}`);
      done(127);
    });
    child.on('exit', (code, signal) => done(code ?? (signal ? 128 + (osSignals[signal] ?? 1) : 1)));
  });
}
const osSignals = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15, SIGKILL: 9 };

for (const command of commands) {
  if (command.length === 0) continue;
  const code = await run(command);
  if (code !== 0) process.exit(code);
}
