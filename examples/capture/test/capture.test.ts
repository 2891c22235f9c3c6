import { describe, it, expect, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pcapHeader, pcapRecord } from '../src/pcap.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const ns = `wtex-cap-${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'wtex-cap-'));

function reason(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root (the test creates a network namespace and a TUN device)';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing';
  if (spawnSync('ping', ['-V']).status !== 0) return '`ping` is not installed (apt-get install -y iputils-ping)';
  if (!existsSync(main)) return `${main} is missing: run npm run build in examples/capture`;
  return null;
}
const skip = reason();
if (skip !== null) console.warn(`[skip] example capture on a real adapter: ${skip}`);

afterAll(() => {
  spawnSync('ip', ['netns', 'del', ns]);
  rmSync(dir, { recursive: true, force: true });
});

/** Parses a pcap file into its packets. */
function records(file: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 24; at + 16 <= file.length; ) {
    const length = file.readUInt32LE(at + 8);
    out.push(file.subarray(at + 16, at + 16 + length));
    at += 16 + length;
  }
  return out;
}

describe('pcap encoding', () => {
  it('header and record layout', () => {
    const h = pcapHeader();
    expect([h.readUInt32LE(0), h.readUInt16LE(4), h.readUInt16LE(6), h.readUInt32LE(20)]).toEqual([0xa1b2c3d4, 2, 4, 101]);
    const r = pcapRecord(Uint8Array.of(0x45, 1, 2), 1_500);
    expect([r.readUInt32LE(0), r.readUInt32LE(4), r.readUInt32LE(8), r.readUInt32LE(12)]).toEqual([1, 500_000, 3, 3]);
    expect(records(Buffer.concat([h, r]))).toEqual([Buffer.from([0x45, 1, 2])]);
  });
});

describe.skipIf(skip !== null)('examples/capture on a real adapter (root, in a namespace)', () => {
  it('writes the ICMP echo requests of a ping to the file', async () => {
    expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
    spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const file = join(dir, 'ping.pcap');
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, main, '--name', 'wtex1', '--address', '10.82.0.1/24', '--out', file, '--duration', '20']);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    for (let i = 0; i < 100 && !out.includes('capturing'); i++) await new Promise((r) => setTimeout(r, 50));
    spawnSync('ip', ['netns', 'exec', ns, 'ping', '-c', '3', '-i', '0.2', '-W', '1', '10.82.0.2']);
    child.kill('SIGINT');
    await new Promise((resolve) => child.on('close', resolve));
    expect(out).toMatch(/\d+ packets written/);
    const requests = records(readFileSync(file)).filter((p) => p[0] === 0x45 && p[9] === 1 && p[20] === 8);
    expect(requests).toHaveLength(3);
    expect([...requests[0]!.subarray(16, 20)]).toEqual([10, 82, 0, 2]);
  });
});
