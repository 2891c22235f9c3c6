import { describe, it, expect } from 'vitest';
import { PassThrough } from 'node:stream';
import { run, ExitCode, PcapWriter, LINKTYPE_RAW, pcapRecordHeader, type CliIo } from '@wintun-ts/cli';

function memoryIo(signal: AbortSignal = new AbortController().signal): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  return { io: { stdout, stderr, stdoutIsTTY: false, stderrIsTTY: false, signal }, out: () => out, err: () => err };
}

describe('run(argv, io) in process', () => {
  it('writes to the injected streams', async () => {
    const m = memoryIo();
    expect(await run(['version', '--json'], m.io)).toBe(ExitCode.OK);
    expect(JSON.parse(m.out())).toMatchObject({ name: '@wintun-ts/cli', version: '0.1.0' });
    expect(m.err()).toBe('');
  });

  it('usage errors return 2 and never throw', async () => {
    const m = memoryIo();
    expect(await run(['up'], m.io)).toBe(ExitCode.USAGE);
    expect(m.err()).toMatch(/missing argument <name>/);
  });

  it('capture refuses to write pcap to a terminal', async () => {
    const m = memoryIo();
    const io = { ...m.io, stdoutIsTTY: true };
    expect(await run(['capture', 'wt0', '-w', '-'], io)).toBe(ExitCode.USAGE);
    expect(m.err()).toMatch(/refusing to write binary pcap data to a terminal/);
  });

  it('an interrupt before setup returns 130 (SIGINT) or 143 (SIGTERM) without touching an adapter', async () => {
    for (const [reason, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const ac = new AbortController();
      ac.abort(reason);
      const m = memoryIo(ac.signal);
      expect(await run(['create', 'wtint0'], m.io)).toBe(code);
    }
  });
});

describe('pcap writer', () => {
  it('writes the global header (LINKTYPE_RAW) and one record per packet', () => {
    const chunks: Uint8Array[] = [];
    const sink = new PassThrough();
    sink.on('data', (b: Buffer) => chunks.push(b));
    const w = new PcapWriter(sink, 100);
    w.write(new Uint8Array(150).fill(0x45), 1_700_000_000_123_456n);
    expect(w.count).toBe(1);
    const all = Buffer.concat(chunks);
    expect(all.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(all.readUInt16LE(4)).toBe(2);
    expect(all.readUInt16LE(6)).toBe(4);
    expect(all.readUInt32LE(16)).toBe(100);
    expect(all.readUInt32LE(20)).toBe(LINKTYPE_RAW);
    expect(all.readUInt32LE(24)).toBe(1_700_000_000);
    expect(all.readUInt32LE(28)).toBe(123_456);
    expect(all.readUInt32LE(32)).toBe(100); // captured: snaplen
    expect(all.readUInt32LE(36)).toBe(150); // original
    expect(all.length).toBe(24 + 16 + 100);
    expect(Buffer.from(pcapRecordHeader(5_000_001n, 1, 2)).readUInt32LE(4)).toBe(1);
  });
});
