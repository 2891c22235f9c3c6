import { describe, it, expect } from 'vitest';
import { PassThrough, Writable } from 'node:stream';
import { run, ExitCode, PcapWriter, LINKTYPE_RAW, pcapRecordHeader, type CliIo } from '@wintun-ts/cli';
import { WintunErrorCodes } from '@wintun-ts/adapter';

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

/** A stream whose reader never reads: the first write is taken and never completes. */
function stalledStream(): Writable {
  return new Writable({
    highWaterMark: 1024,
    write(_chunk, _encoding, _callback) {
      // never calls back: a pipe whose reader stopped reading
    },
  });
}

describe('pcap writer on a stalled stream (a reader that stopped reading)', () => {
  it('never blocks: records beyond the bound are dropped and counted, memory stays bounded', () => {
    const out = stalledStream();
    const w = new PcapWriter(out, 0xffff, { maxBufferedBytes: 64 * 1024 });
    const packet = new Uint8Array(1000).fill(0x45);
    const started = performance.now();
    let written = 0;
    for (let i = 0; i < 10_000; i++) if (w.write(packet)) written++;
    expect(performance.now() - started).toBeLessThan(5_000); // bounded, not a speed claim: it must return at all
    expect(written).toBe(w.count);
    expect(w.count).toBeGreaterThan(0);
    expect(w.count).toBeLessThanOrEqual(64); // 64 KiB / 1016-byte records
    expect(w.dropped).toBe(10_000 - w.count);
    expect(w.droppedBytes).toBe(w.dropped * 1016);
    expect(w.buffered).toBeLessThanOrEqual(64 * 1024);
  });

  it('close() gives up after its timeout and reports what was never written', async () => {
    const out = stalledStream();
    const w = new PcapWriter(out, 0xffff, { maxBufferedBytes: 8192 });
    for (let i = 0; i < 20; i++) w.write(new Uint8Array(500));
    const started = performance.now();
    const result = await w.close({ end: true, timeoutMs: 100 });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(result.flushed).toBe(false);
    expect(result.unwrittenBytes).toBeGreaterThan(0);
    expect(out.destroyed).toBe(true);
    expect(w.write(new Uint8Array(10))).toBe(false); // after close: dropped, never thrown
  });

  it('a stream error is kept: failed resolves with it, later records are dropped', async () => {
    const out = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
      },
    });
    const w = new PcapWriter(out);
    const error = (await w.failed) as { code?: string };
    expect(error.code).toBe('ENOSPC');
    expect(w.write(new Uint8Array(40))).toBe(false);
    expect(w.dropped).toBe(1);
  });

  it('a reader that keeps up loses nothing, and close() flushes', async () => {
    const chunks: Buffer[] = [];
    const sink = new PassThrough();
    sink.on('data', (b: Buffer) => chunks.push(b));
    const w = new PcapWriter(sink, 0xffff, { maxBufferedBytes: 1 << 20 });
    for (let i = 0; i < 100; i++) expect(w.write(new Uint8Array(100))).toBe(true);
    expect(await w.close({ end: true, timeoutMs: 1000 })).toEqual({ flushed: true, unwrittenBytes: 0 });
    expect(Buffer.concat(chunks).length).toBe(24 + 100 * 116);
    expect(w.dropped).toBe(0);
  });

  it('a record larger than the bound goes through when nothing is queued', () => {
    const taken: number[] = [];
    const out = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        taken.push(chunk.length);
        callback();
      },
    });
    const w = new PcapWriter(out, 0xffff, { maxBufferedBytes: 0x10000 });
    expect(w.write(new Uint8Array(0xffff))).toBe(true);
    expect(taken).toEqual([24, 16 + 0xffff]);
    expect(w.dropped).toBe(0);
  });

  it('refuses a bound that is not a positive integer', () => {
    // A WintunError with the documented code (it was a raw RangeError).
    for (const maxBufferedBytes of [0, -1, 1.5, Number.NaN, '64' as never]) {
      expect(() => new PcapWriter(new PassThrough(), 100, { maxBufferedBytes })).toThrow(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
    }
  });
});

describe('failures in process', () => {
  it('--json anywhere turns a usage error into one JSON object on stdout', async () => {
    const m = memoryIo();
    expect(await run(['up', 'wt0', '--json', '--mtu', 'x'], m.io)).toBe(ExitCode.USAGE);
    expect(JSON.parse(m.out())).toEqual({
      error: {
        code: 'ERR_WINTUN_INVALID_ARGUMENT',
        message: "--mtu must be an integer in [576, 65535], got 'x'.",
        fix: 'Pass --mtu a whole number from 576 to 65535.',
        kind: 'usage',
        exitCode: 2,
        command: 'up',
      },
    });
    expect(m.err()).toBe('');
  });

  it('explain answers for every code of the table', async () => {
    for (const code of Object.keys(WintunErrorCodes)) {
      const m = memoryIo();
      expect(await run(['explain', code, '--json'], m.io)).toBe(ExitCode.OK);
      const entry = JSON.parse(m.out()) as { code: string; meaning: string; fix: string };
      expect(entry.code).toBe(code);
      expect(entry.meaning.length).toBeGreaterThan(10);
      expect(entry.fix.length).toBeGreaterThan(10);
    }
  });
});
