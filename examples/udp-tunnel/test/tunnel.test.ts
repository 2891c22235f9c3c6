import { describe, it, expect, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Two namespaces joined by a veth pair (the "internet": 192.168.83.1 <-> .2). Each runs the
// example with its own adapter (10.83.0.1 and 10.83.0.2); a TCP connection between the adapter
// addresses must cross the UDP tunnel.
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const a = `wtex-tun-a-${process.pid}`;
const b = `wtex-tun-b-${process.pid}`;

function reason(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root (the test creates two network namespaces, a veth pair and TUN devices)';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing';
  if (!existsSync(main)) return `${main} is missing: run npm run build in examples/udp-tunnel`;
  return null;
}
const skip = reason();
if (skip !== null) console.warn(`[skip] example udp-tunnel: ${skip}`);

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  spawnSync('ip', ['netns', 'del', a]);
  spawnSync('ip', ['netns', 'del', b]);
});

function ip(...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

function tunnel(ns: string, address: string, peer: string): { child: ChildProcess; output: () => string } {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, main, '--name', 'wtex2', '--address', address, '--listen', '0.0.0.0:51820', '--peer', `${peer}:51820`]);
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

const SERVER = `
const net = require('node:net');
const crypto = require('node:crypto');
net.createServer((s) => {
  const h = crypto.createHash('sha256'); let n = 0;
  s.on('data', (d) => { h.update(d); n += d.length; });
  s.on('end', () => { s.end(JSON.stringify({ bytes: n, sha256: h.digest('hex') })); });
}).listen(7000, '10.83.0.2', () => console.log('listening'));`;

const CLIENT = `
const net = require('node:net');
const crypto = require('node:crypto');
const data = crypto.randomBytes(2 * 1024 * 1024);
const s = net.connect(7000, '10.83.0.2', () => s.end(data));
let reply = '';
s.on('data', (d) => (reply += d));
s.on('end', () => console.log(JSON.stringify({ sent: { bytes: data.length, sha256: crypto.createHash('sha256').update(data).digest('hex') }, got: JSON.parse(reply) })));
s.on('error', (e) => { console.error(e.message); process.exit(1); });`;

describe.skipIf(skip !== null)('examples/udp-tunnel between two namespaces (root)', () => {
  it('carries a 2 MiB TCP transfer intact through two adapters and UDP', async () => {
    ip('netns', 'add', a);
    ip('netns', 'add', b);
    ip('-n', a, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'veth0', 'netns', b);
    ip('-n', a, 'addr', 'add', '192.168.83.1/24', 'dev', 'veth0');
    ip('-n', b, 'addr', 'add', '192.168.83.2/24', 'dev', 'veth0');
    for (const ns of [a, b]) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', 'veth0', 'up');
    }
    const ta = tunnel(a, '10.83.0.1/24', '192.168.83.2');
    const tb = tunnel(b, '10.83.0.2/24', '192.168.83.1');
    await until(() => ta.output().includes('Ctrl-C') && tb.output().includes('Ctrl-C'), 'both tunnels');

    const server = spawn('ip', ['netns', 'exec', b, process.execPath, '-e', SERVER]);
    children.push(server);
    let serverOut = '';
    server.stdout.on('data', (d: Buffer) => (serverOut += d.toString()));
    await until(() => serverOut.includes('listening'), 'the TCP server');

    const client = spawnSync('ip', ['netns', 'exec', a, process.execPath, '-e', CLIENT], { encoding: 'utf8', timeout: 60_000 });
    expect(client.status, client.stderr).toBe(0);
    const result = JSON.parse(client.stdout) as { sent: unknown; got: unknown };
    expect(result.got).toEqual(result.sent);

    server.kill('SIGKILL');
    for (const t of [ta, tb]) t.child.kill('SIGINT');
    await Promise.all([ta, tb].map((t) => new Promise((r) => t.child.on('close', r))));
    const stats = JSON.parse(/stopped: (.*)/.exec(ta.output())?.[1] ?? '{}') as { fromSystem: number; toSystem: number };
    expect(stats.fromSystem).toBeGreaterThan(1000); // 2 MiB at MTU 1400
    expect(stats.toSystem).toBeGreaterThan(10); // ACKs
  });
});
