// Issue 15 end to end: a running application (this example with --capture-endpoint) exchanges
// traffic while `wintun-ts capture` and tshark (through `wintun-ts extcap`) attach and detach; both
// see every packet in both directions, in order, with the right direction; a stalled reader costs
// the application nothing (its records are dropped and counted); `status` reads the counters;
// another user is refused.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const BIN = fileURLToPath(new URL('../../../packages/cli/bin/wintun-ts.js', import.meta.url));
const CLI_MAIN = fileURLToPath(new URL('../../../packages/cli/dist/main.js', import.meta.url));
const ns = `wtk-cap-${process.pid}`;
const NAME = 'wtkc0';

function reason(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root (the test creates a network namespace and a TUN device)';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing';
  if (spawnSync('ping', ['-V']).status !== 0) return '`ping` is not installed (apt-get install -y iputils-ping)';
  if (spawnSync('tshark', ['-v']).status !== 0) return '`tshark` is not installed (apt-get install -y tshark)';
  if (spawnSync('unshare', ['--user', 'true']).status !== 0) return 'unshare --user is not available (tshark honours WIRESHARK_EXTCAP_DIR only when not root)';
  if (!existsSync(main)) return `${main} is missing: run npm run build in examples/echo`;
  if (!existsSync(CLI_MAIN)) return `${CLI_MAIN} is missing: run npm run build in packages/cli`;
  return null;
}
const skip = reason();
if (skip !== null) console.warn(`[skip] example echo capture: ${skip}`);

const dir = mkdtempSync(join(tmpdir(), 'wintun-k-e2e-'));
const run = join(dir, 'run');
const extcapDir = join(dir, 'extcap');
const env = { ...process.env, WINTUN_TS_RUN_DIR: run };
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  spawnSync('ip', ['netns', 'del', ns]);
  rmSync(dir, { recursive: true, force: true });
});

function start(cmd: string, args: string[]): { child: ChildProcess; out: () => string; done: Promise<number | null> } {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out: () => out, done };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

type Status = { adapters: { name: string; session: { captureReaders: number; stats: Record<string, number>; driverStats: Record<string, number> | null } | null }[] };
function status(): Status {
  const r = spawnSync(process.execPath, [BIN, 'status', NAME, '--json'], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`status failed: ${r.stdout}${r.stderr}`);
  return JSON.parse(r.stdout) as Status;
}
const readers = (): number => status().adapters[0]?.session?.captureReaders ?? -1;

/** direction flag and ICMP type/seq of every packet of a capture file, as tshark reads it. */
function read(file: string): string[] {
  const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.packet_flags_direction', '-e', 'icmp.type', '-e', 'icmp.seq', '-e', 'frame.interface_name'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout.trim().split('\n');
}

function expected(n: number): string[] {
  const lines: string[] = [];
  for (let seq = 1; seq <= n; seq++) lines.push(`0x00000002\t8\t${seq}\t${NAME}`, `0x00000001\t0\t${seq}\t${NAME}`);
  return lines;
}

describe.skipIf(skip !== null)('capture of a running application (root, in a namespace)', () => {
  it('wintun-ts capture and tshark attach and detach; a stalled reader costs nothing; status and permissions', async () => {
    expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
    spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const app = start('ip', ['netns', 'exec', ns, process.execPath, main, '--name', NAME, '--address', '10.83.0.1/24', '--peer', '10.83.0.2', '--duration', '120', '--capture-endpoint']);
    await until('the application', () => app.out().includes('is up'));
    // No IPv6 chatter: the captures must hold exactly the pings.
    spawnSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${NAME}.disable_ipv6=1`]);
    expect(readers()).toBe(0);

    // Reader 1: wintun-ts capture, attached (no --own), 12 packets = 6 pings and their replies.
    const fileA = join(dir, 'a.pcapng');
    const capA = start(process.execPath, [BIN, 'capture', NAME, '-w', fileA, '--count', '12']);
    // Reader 2: Wireshark's tshark through the extcap, installed into a private extcap folder.
    const install = spawnSync(process.execPath, [BIN, 'extcap', '--install', extcapDir], { env, encoding: 'utf8' });
    expect(install.status).toBe(0);
    const tsEnv = ['env', `WIRESHARK_EXTCAP_DIR=${extcapDir}`];
    const listed = spawnSync('unshare', ['--user', ...tsEnv, 'tshark', '-D'], { env, encoding: 'utf8' });
    expect(listed.stdout).toContain(`wintun-ts.${NAME} (Wintun ${NAME}`);
    const fileB = join(dir, 'b.pcapng');
    const tshark = start('unshare', ['--user', ...tsEnv, 'tshark', '-i', `wintun-ts.${NAME}`, '-c', '12', '-w', fileB]);
    // Reader 3: connects, asks for the capture and never reads.
    const stalled = createConnection(join(run, `${NAME}.sock`));
    stalled.write(`${JSON.stringify({ op: 'capture' })}\n`);
    stalled.pause();
    await until('three readers', () => readers() === 3, 30_000);

    const ping = spawnSync('ip', ['netns', 'exec', ns, 'ping', '-c', '6', '-i', '0.2', '-W', '2', '10.83.0.2'], { encoding: 'utf8' });
    expect(ping.stdout).toMatch(/6 packets transmitted, 6 received/);
    expect(await capA.done).toBe(0);
    expect(await tshark.done).toBe(0);
    expect(read(fileA)).toEqual(expected(6));
    expect(read(fileB)).toEqual(expected(6));
    await until('the two readers to leave', () => readers() === 1);

    // Much more traffic than the stalled reader's socket and queue hold: the application does not
    // notice; the stalled reader's records are dropped and counted.
    const flood = spawnSync('ip', ['netns', 'exec', ns, 'ping', '-f', '-c', '3000', '-s', '1200', '-W', '2', '10.83.0.2'], { encoding: 'utf8' });
    expect(flood.stdout).toMatch(/3000 packets transmitted, 3000 received/);
    const s = status().adapters[0]!.session!;
    expect(s.stats['captureDrops']).toBeGreaterThan(0);
    expect(s.stats['sendDrops']).toBe(0);
    expect(s.driverStats?.['producerDrops'] ?? 0).toBe(0);

    // A reader joining later gets a fresh stream with the packets from then on.
    const fileC = join(dir, 'c.pcap');
    const capC = start(process.execPath, [BIN, 'capture', NAME, '-w', fileC, '--format', 'pcap', '--direction', 'in', '--count', '2']);
    await until('the late reader', () => readers() === 2);
    spawnSync('ip', ['netns', 'exec', ns, 'ping', '-c', '2', '-i', '0.2', '-W', '2', '10.83.0.2']);
    expect(await capC.done).toBe(0);
    const c = spawnSync('tshark', ['-r', fileC, '-T', 'fields', '-e', 'icmp.type', '-e', 'icmp.seq'], { encoding: 'utf8' });
    expect(c.stdout.trim().split('\n')).toEqual(['0\t1', '0\t2']);

    // status --watch --json: one object per line; ends cleanly when its reader goes away.
    const watch = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" status ${NAME} --watch 0.2 --json | head -n 2`], { env, encoding: 'utf8', timeout: 20_000 });
    const lines = watch.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ schema: 1, adapters: [{ name: NAME, session: { open: true } }] });

    // Another user is refused (the endpoint is 0600 in a 0700 directory).
    let readable = true;
    try {
      accessSync(BIN, constants.R_OK);
      readable = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', CLI_MAIN]).status === 0;
    } catch {
      readable = false;
    }
    if (readable) {
      const other = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'status', NAME, '--json'], { env, encoding: 'utf8' });
      expect(other.status).toBe(1);
      expect(other.stdout).toContain('ERR_WINTUN_ACCESS_DENIED');
    } else console.warn('[skip] the refusal of user nobody: nobody cannot read the checkout');

    stalled.destroy();
    app.child.kill('SIGINT');
    await app.done;
    const final = JSON.parse(app.out().trim().split('\n').pop() ?? '{}') as Record<string, number>;
    expect(final['icmpV4Replies']).toBe(6 + 3000 + 2);
  }, 180_000);
});
