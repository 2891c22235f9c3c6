import { describe, it, expect, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const ns = `wtex-echo-${process.pid}`;

function reason(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root (the test creates a network namespace and a TUN device)';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing';
  if (spawnSync('ping', ['-V']).status !== 0) return '`ping` is not installed (apt-get install -y iputils-ping)';
  if (!existsSync(main)) return `${main} is missing: run npm run build in examples/echo`;
  return null;
}
const skip = reason();
if (skip !== null) console.warn(`[skip] example echo: ${skip}`);

afterAll(() => {
  spawnSync('ip', ['netns', 'del', ns]);
});

describe.skipIf(skip !== null)('examples/echo on a real adapter (root, in a namespace)', () => {
  it('answers ping to the peer address and prints its counters', async () => {
    expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
    spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, main, '--name', 'wtex0', '--address', '10.81.0.1/24', '--peer', '10.81.0.2', '--duration', '20']);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    for (let i = 0; i < 100 && !out.includes('is up'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain('is up');
    const ping = spawnSync('ip', ['netns', 'exec', ns, 'ping', '-c', '3', '-i', '0.2', '-W', '2', '10.81.0.2'], { encoding: 'utf8' });
    expect(ping.stdout).toMatch(/3 packets transmitted, 3 received/);
    child.kill('SIGINT');
    await new Promise((resolve) => child.on('close', resolve));
    expect(out).toMatch(/answered icmp4/);
    expect(JSON.parse(out.trim().split('\n').pop() ?? '{}')).toMatchObject({ icmpV4Replies: 3 });
  });
});
