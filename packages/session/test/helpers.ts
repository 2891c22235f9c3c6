/**
 * Helpers shared by the session's tests: a minimal IPv4-looking packet, the error code of a call,
 * copying receives built on leases (the session has no copy variants: `lease.data.slice()` is a
 * copy), and a bounded child process running one of `fixtures/`.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isWintunError } from '@wintun-ts/session';
import type { ReceiveOptions, Session } from '@wintun-ts/session';

/** `size` bytes whose first byte says IPv4 (so a driver accepts them), tagged in bytes 1-2 (little-endian). */
export function ip4(tag: number, size = 40): Uint8Array {
  const b = new Uint8Array(size);
  b[0] = 0x45;
  b[1] = tag & 0xff;
  b[2] = (tag >>> 8) & 0xff;
  return b;
}

/** `'ok'`, the `WintunError` code `fn` threw, or a description of any other throw. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return isWintunError(error) ? error.code : `not a WintunError: ${String(error)}`;
  }
}

/** A copy of the next packet: a lease, copied and released. */
export async function receiveCopy(session: Session, options?: ReceiveOptions): Promise<Uint8Array> {
  using lease = await session.receive(options);
  return lease.data.slice();
}

/** A copy of the next ready packet, or null when none is ready. */
export function tryReceiveCopy(session: Session): Uint8Array | null {
  const lease = session.tryReceive();
  if (lease === null) return null;
  const copy = lease.data.slice();
  lease.release();
  return copy;
}

/** What a fixture child process did: exit code or signal, its trimmed stdout, and how long it ran. */
export interface FixtureRun {
  readonly code: number | null;
  readonly signal: string | null;
  readonly out: string;
  readonly ms: number;
}

/** Runs `fixtures/<script>` in a child Node (with `nodeArgs`), killed after `killAfterMs`. */
export function runFixture(script: string, args: readonly string[], options: { nodeArgs?: readonly string[]; killAfterMs?: number } = {}): Promise<FixtureRun> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), fileURLToPath(new URL(`./fixtures/${script}`, import.meta.url)), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out: out.trim(), ms: performance.now() - t });
    });
  });
}
