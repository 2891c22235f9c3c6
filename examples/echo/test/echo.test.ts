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

const children = new Set<ReturnType<typeof spawn>>();
afterAll(() => {
  // A failed test must not leave its example running (the long --duration would keep it alive).
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  spawnSync('ip', ['netns', 'del', ns]);
});

function startExample(args: string[]): { child: ReturnType<typeof spawn>; output: () => string; closed: Promise<number | null> } {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, main, ...args]);
  children.add(child);
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => out, closed };
}

async function waitForUp(output: () => string): Promise<void> {
  for (let i = 0; i < 200 && !output().includes('is up'); i++) await new Promise((r) => setTimeout(r, 50));
  expect(output()).toContain('is up');
}

describe.skipIf(skip !== null)('examples/echo on a real adapter (root, in a namespace)', () => {
  it('answers ping to the peer address; Ctrl-C ends it at once although --duration is long', async () => {
    expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
    spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    // --duration 600: before the fix, the uncleared timer kept the process alive after Ctrl-C.
    const run = startExample(['--name', 'wtex0', '--address', '10.81.0.1/24', '--peer', '10.81.0.2', '--duration', '600']);
    await waitForUp(run.output);
    const ping = spawnSync('ip', ['netns', 'exec', ns, 'ping', '-c', '3', '-i', '0.2', '-W', '2', '10.81.0.2'], { encoding: 'utf8' });
    expect(ping.stdout).toMatch(/3 packets transmitted, 3 received/);
    const interrupted = Date.now();
    run.child.kill('SIGINT');
    await run.closed;
    expect(Date.now() - interrupted).toBeLessThan(5_000);
    expect(run.output()).toMatch(/answered icmp4/);
    expect(JSON.parse(run.output().trim().split('\n').pop() ?? '{}')).toMatchObject({ icmpV4Replies: 3 });
  }, 30_000);

  it('--duration ends it by itself', async () => {
    const run = startExample(['--name', 'wtex1', '--address', '10.82.0.1/24', '--peer', '10.82.0.2', '--duration', '0.5']);
    expect(await run.closed).toBe(0);
    expect(run.output()).toContain('is up');
    expect(JSON.parse(run.output().trim().split('\n').pop() ?? '{}')).toMatchObject({ icmpV4Replies: 0 });
  });
});
