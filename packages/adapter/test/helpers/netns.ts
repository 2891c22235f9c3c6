/**
 * Network namespaces for tests: unique names, bounded commands, and guaranteed cleanup (explicit
 * `destroy`, the `cleanupNamespaces` hook for `afterAll`, and a process `exit` handler).
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Prefix of every namespace the tests create (used by the leftover check). */
export const NETNS_PREFIX = 'wtts-';

const live = new Set<string>();
let exitHookInstalled = false;

function ip(args: readonly string[], timeoutMs = 10_000): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('ip', args, { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
  return { status: result.error === undefined ? result.status : null, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const name of live) spawnSync('ip', ['netns', 'del', name], { timeout: 5000, killSignal: 'SIGKILL' });
    live.clear();
  });
}

/** A network namespace created by a test. */
export interface TestNetns {
  /** Its name (`wtts-<pid>-<n>-<random>`). */
  readonly name: string;
  /**
   * Runs a command inside the namespace (`ip netns exec`), bounded by `timeoutMs`.
   * Never throws; check `status`.
   */
  exec(command: string, args: readonly string[], timeoutMs?: number): { status: number | null; stdout: string; stderr: string };
  /** Deletes the namespace. Idempotent. */
  destroy(): void;
}

let counter = 0;

/**
 * Creates a namespace with a unique name and its loopback up. It is deleted by `destroy()`, by
 * {@link cleanupNamespaces}, or at process exit at the latest.
 *
 * @throws Error when `ip netns add` fails.
 */
export function createNetns(label = 't'): TestNetns {
  installExitHook();
  const name = `${NETNS_PREFIX}${label}-${process.pid}-${++counter}-${randomBytes(2).toString('hex')}`;
  const added = ip(['netns', 'add', name]);
  if (added.status !== 0) throw new Error(`ip netns add ${name} failed: ${added.stderr.trim()}`);
  live.add(name);
  ip(['-n', name, 'link', 'set', 'lo', 'up']);
  return {
    name,
    exec(command, args, timeoutMs = 10_000) {
      const result = spawnSync('ip', ['netns', 'exec', name, command, ...args], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
      return { status: result.error === undefined ? result.status : null, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
    },
    destroy() {
      if (!live.delete(name)) return;
      ip(['netns', 'del', name]);
    },
  };
}

/** Deletes every namespace this process created and has not deleted yet (for `afterAll`). */
export function cleanupNamespaces(): void {
  for (const name of [...live]) {
    live.delete(name);
    ip(['netns', 'del', name]);
  }
}

/**
 * What the tests may have left behind on the host: namespaces named with {@link NETNS_PREFIX}
 * created by this process (`pid` in the name), and TUN devices in the root namespace whose name
 * starts with `namePrefix`.
 */
export function leftovers(namePrefix = 'wtt'): { namespaces: string[]; tunDevices: string[] } {
  const namespaces = ip(['netns', 'list'])
    .stdout.split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(NETNS_PREFIX) && name.includes(`-${process.pid}-`));
  const tunDevices = ip(['-o', 'link', 'show', 'type', 'tun'])
    .stdout.split('\n')
    .map((line) => /^\d+:\s+([^:@]+)/.exec(line)?.[1] ?? '')
    .filter((name) => name.startsWith(namePrefix));
  return { namespaces, tunDevices };
}
