/**
 * Helpers for the cli tests: run the built binary (`node dist/main.js`), optionally inside a
 * network namespace the test created, and probe what the machine allows (root, /dev/net/tun,
 * `ip netns`, ping, tcpdump), so privileged tests skip with a printed reason.
 *
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, accessSync, constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

/** The built executable under test. */
export const BIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** The result of a finished run. */
export interface RunResult {
  /** Exit code (null when killed). */
  readonly status: number | null;
  /** stdout as text. */
  readonly stdout: string;
  /** stderr as text. */
  readonly stderr: string;
}

/** Runs `node dist/main.js ...args` to completion (bounded by `timeoutMs`). */
export function cli(args: readonly string[], options: { netns?: string; timeoutMs?: number; input?: string } = {}): RunResult {
  const [cmd, argv] = command(args, options.netns);
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: options.timeoutMs ?? 30_000, killSignal: 'SIGKILL', input: options.input ?? '' });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function command(args: readonly string[], netns: string | undefined): [string, string[]] {
  return netns === undefined ? [process.execPath, [BIN, ...args]] : ['ip', ['netns', 'exec', netns, process.execPath, BIN, ...args]];
}

/** A running binary: its process, collected output, and a promise of its exit. */
export interface Running {
  /** The child process. */
  readonly child: ChildProcess;
  /** stdout so far (binary). */
  stdout(): Buffer;
  /** stderr so far (text). */
  stderr(): string;
  /** Resolves when stderr contains `text` (rejects after `timeoutMs` or if the process exits first). */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
}

/** Starts the binary in the background (killed with SIGKILL after `timeoutMs`). */
export function start(args: readonly string[], options: { netns?: string; timeoutMs?: number } = {}): Running {
  const [cmd, argv] = command(args, options.netns);
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  const exited = new Promise<number | string>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve(code ?? signal ?? -1);
    }),
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    stdout: () => Buffer.concat(out),
    stderr: () => err,
    exited,
    async waitFor(text, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      while (!err.includes(text)) {
        if (done) throw new Error(`process exited before printing '${text}'; stderr:\n${err}`);
        if (Date.now() > end) throw new Error(`timed out waiting for '${text}'; stderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

/** Runs a command, bounded; never throws. */
export function sh(cmd: string, args: readonly string[], timeoutMs = 15_000): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
  return { status: r.error === undefined ? r.status : null, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error?.message ?? '') };
}

/** Why the privileged tests cannot run here, or null when they can. */
export function privilegedSkipReason(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root (run as root: the tests create network namespaces and TUN devices)';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing (modprobe tun, or --device /dev/net/tun in a container)';
  try {
    accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
  } catch {
    return '/dev/net/tun is not readable and writable';
  }
  const probe = `wtcli-probe-${process.pid}`;
  const add = sh('ip', ['netns', 'add', probe]);
  if (add.status !== 0) return `\`ip netns add\` does not work: ${add.stderr.trim() || 'iproute2 missing?'}`;
  sh('ip', ['netns', 'del', probe]);
  if (sh('ping', ['-V']).status !== 0) return '`ping` is not installed (apt-get install -y iputils-ping)';
  return null;
}

/** Whether Debian's tcpdump is installed (the capture tests read the pcap back with it). */
export function tcpdumpSkipReason(): string | null {
  return sh('tcpdump', ['--version']).status === 0 ? null : '`tcpdump` is not installed (apt-get install -y tcpdump)';
}

const live = new Set<string>();
process.on('exit', () => {
  for (const ns of live) spawnSync('ip', ['netns', 'del', ns], { timeout: 5000 });
});

/** Creates a network namespace with loopback up; deleted by `destroy()` or at exit. */
export function createNetns(label: string): { name: string; exec(cmd: string, args: readonly string[], timeoutMs?: number): RunResult; destroy(): void } {
  const name = `wtcli-${label}-${process.pid}-${randomBytes(2).toString('hex')}`;
  const r = sh('ip', ['netns', 'add', name]);
  if (r.status !== 0) throw new Error(`ip netns add ${name}: ${r.stderr}`);
  live.add(name);
  sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return {
    name,
    exec: (cmd, args, timeoutMs) => sh('ip', ['netns', 'exec', name, cmd, ...args], timeoutMs),
    destroy() {
      if (live.delete(name)) sh('ip', ['netns', 'del', name]);
    },
  };
}

/** TUN devices in a namespace (names). */
export function tunDevices(netns: string): string[] {
  return sh('ip', ['-n', netns, '-o', 'link', 'show', 'type', 'tun'])
    .stdout.split('\n')
    .map((line) => /^\d+:\s+([^:@]+)/.exec(line)?.[1] ?? '')
    .filter((n) => n !== '');
}
