/**
 * What the Linux integration tests need from the machine, with a printable reason when something
 * is missing (tests then skip with that reason, never silently).
 *
 * @module
 */
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';

/** Result of an environment probe: usable, or not with the reason why. */
export type Probe = { readonly ok: true; readonly reason: '' } | { readonly ok: false; readonly reason: string };

const OK: Probe = { ok: true, reason: '' };
const cache = new Map<string, Probe>();

function memo(key: string, probe: () => Probe): Probe {
  let result = cache.get(key);
  if (result === undefined) {
    result = probe();
    cache.set(key, result);
  }
  return result;
}

/** Runs a command with a bounded wait; never throws. */
export function runQuiet(command: string, args: readonly string[], timeoutMs = 10_000): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
  return { status: result.error === undefined ? result.status : null, stdout: result.stdout ?? '', stderr: result.stderr ?? (result.error?.message ?? '') };
}

/**
 * Whether real-TUN tests can run: Linux, root, `/dev/net/tun` readable and writable, and
 * `ip netns add/del` working (probed with a throw-away namespace).
 */
export function canTun(): Probe {
  return memo('tun', () => {
    if (process.platform !== 'linux') return { ok: false, reason: `not Linux (${process.platform})` };
    if (process.getuid?.() !== 0) return { ok: false, reason: 'not root (run the Linux adapter tests as root, e.g. sudo npx vitest run test/linux)' };
    if (!existsSync('/dev/net/tun')) return { ok: false, reason: '/dev/net/tun is missing (modprobe tun, or --device /dev/net/tun in a container)' };
    try {
      accessSync('/dev/net/tun', constants.R_OK | constants.W_OK);
    } catch {
      return { ok: false, reason: '/dev/net/tun is not readable and writable' };
    }
    const probe = `wtts-probe-${process.pid}`;
    const add = runQuiet('ip', ['netns', 'add', probe]);
    if (add.status !== 0) return { ok: false, reason: `\`ip netns add\` does not work: ${add.stderr.trim() || 'iproute2 missing?'}` };
    runQuiet('ip', ['netns', 'del', probe]);
    return OK;
  });
}

/** Whether `ping` (iputils-ping) is installed. */
export function canPing(): Probe {
  return memo('ping', () => {
    const result = runQuiet('ping', ['-V']);
    return result.status === 0 ? OK : { ok: false, reason: '`ping` is not installed (apt-get install -y iputils-ping)' };
  });
}

/**
 * Whether a child can be started without any capability (for the access-denied tests):
 * `setpriv` from util-linux is needed.
 */
export function canDropPrivileges(): Probe {
  return memo('setpriv', () => {
    const result = runQuiet('setpriv', ['--version']);
    return result.status === 0 ? OK : { ok: false, reason: '`setpriv` (util-linux) is not installed' };
  });
}

/**
 * Whether `nobody` (uid/gid 65534, no capabilities) can run this checkout's Node and load koffi:
 * a checkout under a directory private to root (mode 0700, as `mktemp -d` makes) cannot be read by
 * that user, and the unprivileged tests then have nothing to observe.
 */
export function canRunAsNobody(): Probe {
  return memo('nobody', () => {
    const setpriv = canDropPrivileges();
    if (!setpriv.ok) return setpriv;
    const koffi = createRequire(import.meta.url).resolve('koffi');
    const result = runQuiet('setpriv', [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '--inh-caps=-all',
      process.execPath,
      '-e',
      `require(${JSON.stringify(koffi)})`,
    ]);
    return result.status === 0
      ? OK
      : { ok: false, reason: `user nobody cannot run ${process.execPath} or load koffi from this checkout (a parent directory is private: chmod o+rx it)` };
  });
}

/**
 * Combines probes; the first failing one gives the reason. Prints the reason with
 * `console.warn` under `label` when skipping, so a skip is never silent.
 */
export function requireAll(label: string, ...probes: Probe[]): Probe {
  const failed = probes.find((p) => !p.ok);
  if (failed === undefined) return OK;
  console.warn(`[skip] ${label}: ${failed.reason}`);
  return failed;
}
