// The capture tap (issue 15): both directions, pcapng framing, bounded buffering and drops, the
// endpoint (several readers joining and leaving, status, permissions).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { isWintunError } from '@wintun-ts/session';
import { createInThreadDriver } from '../src/testing.js';
import { PcapngReader, captureEndpointPaths, connectCaptureEndpoint, fetchEndpointStatus, serveCaptureEndpoint, type CapturedPacket } from '../src/capture/index.js';
import { ip4 } from './helpers.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'wintun-k-cap-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Collects a pcapng stream and parses it. */
function collector(): { stream: PassThrough; packets: () => CapturedPacket[]; drops: () => number | null; reader: PcapngReader } {
  const stream = new PassThrough();
  const reader = new PcapngReader();
  const packets: CapturedPacket[] = [];
  let drops: number | null = null;
  stream.on('data', (d: Buffer) => {
    const c = reader.push(d);
    packets.push(...c.packets);
    if (c.dropped !== null) drops = c.dropped;
  });
  return { stream, packets: () => packets, drops: () => drops, reader };
}

/** Waits until `cond()` holds (at most 5 s). */
async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

const hasTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;

describe('Session.capture', () => {
  it('records every packet of every receive and send form, in order, with its direction', async () => {
    await using d = createInThreadDriver();
    const s = d.session;
    const c = collector();
    const cap = s.capture(c.stream, { interfaceName: 'wt-k0' });
    d.inject(ip4(1), ip4(2));
    s.tryReceive()!.release(); // lease
    s.drain(() => undefined, 10); // drain
    s.send(ip4(3)); // send
    s.sendMany([ip4(4), ip4(5)]); // sendMany
    s.sendWith(40, (b, o) => b.set(ip4(6), o), true); // deferred
    s.flushSends();
    const slot = s.allocateSend(40)!;
    slot.data.set(ip4(7));
    slot.commit(); // slot
    d.inject(ip4(8), ip4(9));
    const it = s.batches();
    await it.next(); // batch iterator
    await it.return!();
    await cap.close();
    const tags = c.packets().map((p) => `${p.direction}${p.data[1]}`);
    expect(tags).toEqual(['out1', 'out2', 'in3', 'in4', 'in5', 'in6', 'in7', 'out8', 'out9']);
    expect(c.reader.interfaces).toEqual(['wt-k0']);
    expect(c.drops()).toBe(0);
    expect(cap.stats).toEqual({ packets: 9, dropped: 0 });
    const ts = c.packets().map((p) => p.timestampUs);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
    expect(Math.abs(ts[0]! / 1000 - Date.now())).toBeLessThan(60_000);
    expect(d.takeSent().map((p) => p[1])).toEqual([3, 4, 5, 6, 7]);
  });

  it('captures the bytes as the system sent them, before the application rewrites them in place', async () => {
    await using d = createInThreadDriver();
    const c = collector();
    const cap = d.session.capture(c.stream);
    d.inject(ip4(1));
    d.session.drain((b, o) => (b[o + 1] = 99), 1);
    await cap.close();
    expect(c.packets()[0]!.data[1]).toBe(1);
  });

  it('filters by direction and lets several readers run at once', async () => {
    await using d = createInThreadDriver();
    const a = collector();
    const b = collector();
    const ca = d.session.capture(a.stream, { direction: 'in' });
    const cb = d.session.capture(b.stream, { direction: 'out' });
    d.inject(ip4(1));
    d.session.tryReceive()!.release();
    d.session.send(ip4(2));
    await tick();
    await ca.close();
    await cb.close();
    expect(a.packets().map((p) => `${p.direction}${p.data[1]}`)).toEqual(['in2']);
    expect(b.packets().map((p) => `${p.direction}${p.data[1]}`)).toEqual(['out1']);
  });

  it('never waits for a stalled reader: its records are dropped, counted and reported in the stream', async () => {
    await using d = createInThreadDriver();
    const s = d.session;
    // A stream that accepts writes but never completes them (a reader that stopped reading).
    const stalled = new Writable({ highWaterMark: 1, write: () => undefined });
    const chunks: Buffer[] = [];
    stalled.write = ((chunk: Buffer) => {
      chunks.push(Buffer.from(chunk));
      return false;
    }) as never;
    Object.defineProperty(stalled, 'writableLength', { get: () => chunks.reduce((n, c) => n + c.length, 0) });
    const healthy = collector();
    const slow = s.capture(stalled, { maxPendingBytes: 65536, end: false });
    const fine = s.capture(healthy.stream);
    const n = 400;
    for (let i = 0; i < n; i++) {
      expect(s.send(ip4(i & 0xff, 1000))).toBe(true);
      d.takeSent();
      if (i % 50 === 0) await tick();
    }
    await tick();
    expect(slow.stats.dropped).toBeGreaterThan(0);
    expect(slow.stats.packets + slow.stats.dropped).toBe(n);
    expect(s.stats.captureDrops).toBe(slow.stats.dropped);
    expect(s.stats.packetsSent).toBe(n); // the application lost nothing
    await slow.close();
    await fine.close();
    expect(healthy.packets()).toHaveLength(n); // the other reader got everything
    // The stalled reader's own stream carries its drop count.
    const parsed = new PcapngReader().push(Buffer.concat(chunks));
    expect(parsed.dropped).toBe(slow.stats.dropped);
  });

  it('drops records beyond the bounded buffer when the event loop does not turn', async () => {
    await using d = createInThreadDriver({ capacity: 0x400000 });
    const s = d.session;
    const c = collector();
    const cap = s.capture(c.stream, { bufferBytes: 65536 });
    for (let i = 0; i < 200; i++) {
      s.send(ip4(1, 1000)); // ~1 KiB records, no await: the buffer holds about 60
      d.takeSent();
    }
    await cap.close();
    expect(cap.stats.dropped).toBeGreaterThan(100);
    expect(cap.stats.packets + cap.stats.dropped).toBe(200);
    expect(c.packets()).toHaveLength(cap.stats.packets);
    expect(c.drops()).toBe(cap.stats.dropped);
    expect(s.stats.packetsSent).toBe(200);
  });

  it('is free when off: the tap is gone once the last reader left', async () => {
    await using d = createInThreadDriver();
    const c = collector();
    const cap = d.session.capture(c.stream);
    await cap.close();
    d.session.send(ip4(1));
    await tick();
    expect(c.packets()).toHaveLength(0);
    // A reader whose stream closes by itself also leaves.
    const c2 = collector();
    const cap2 = d.session.capture(c2.stream);
    c2.stream.destroy();
    await cap2.closed;
  });

  it('writes a file that ends with the statistics block when the session closes', async () => {
    const file = join(tempDir(), 'a.pcapng');
    const d = createInThreadDriver();
    const cap = d.session.capture(file, { interfaceName: 'wt-file' });
    d.session.send(ip4(7));
    d.inject(ip4(8));
    d.session.tryReceive()!.release();
    await d.close();
    await cap.closed;
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const r = new PcapngReader();
    const out = r.push(readFileSync(file));
    expect(out.packets.map((p) => `${p.direction}${p.data[1]}`)).toEqual(['in7', 'out8']);
    expect(out.dropped).toBe(0);
    expect(r.interfaces).toEqual(['wt-file']);
    if (hasTshark) {
      const text = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.packet_flags_direction', '-e', 'frame.interface_name'], { encoding: 'utf8' });
      expect(text.trim().split('\n')).toEqual(['0x00000001\twt-file', '0x00000002\twt-file']);
    }
  });

  it('checks its arguments before anything changes', async () => {
    await using d = createInThreadDriver();
    const bad = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return isWintunError(e) ? e.code : 'other';
      }
      return 'none';
    };
    expect(bad(() => d.session.capture(42 as never))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(bad(() => d.session.capture('', {}))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(bad(() => d.session.capture(new PassThrough(), { direction: 'up' as never }))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(bad(() => d.session.capture(new PassThrough(), { bufferBytes: 10 }))).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    await d.close();
    expect(bad(() => d.session.capture(new PassThrough()))).toBe('ERR_WINTUN_CLOSED');
  });
});

describe.skipIf(process.platform === 'win32')('capture endpoint', () => {
  it('serves readers that join and leave, and status, on a private socket', async () => {
    const run = join(tempDir(), 'run');
    const env = { ...process.env, WINTUN_TS_RUN_DIR: run };
    const path = captureEndpointPaths('wt k/1', env)[0]!;
    expect(path).toBe(join(run, 'wt%20k%2f1.sock'));
    await using d = createInThreadDriver();
    const ep = await serveCaptureEndpoint(d.session, { name: 'wt k/1', path, status: () => ({ adapter: { mtu: 1400 } }) });
    expect(statSync(run).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // a second server for the same name is refused while the first lives
    await expect(serveCaptureEndpoint(d.session, { name: 'wt k/1', path })).rejects.toMatchObject({ code: 'ERR_WINTUN_INVALID_STATE' });

    const join1 = async (direction: string): Promise<{ packets: CapturedPacket[]; socket: import('node:net').Socket; names: string[] }> => {
      const socket = (await connectCaptureEndpoint('wt k/1', { op: 'capture', direction }, { path }))!;
      const reader = new PcapngReader();
      const packets: CapturedPacket[] = [];
      socket.on('data', (b: Buffer) => packets.push(...reader.push(b).packets));
      await until(() => reader.interfaces.length === 1);
      return { packets, socket, names: reader.interfaces };
    };
    const a = await join1('both');
    d.session.send(ip4(1));
    const b = await join1('out');
    d.inject(ip4(2));
    d.session.tryReceive()!.release();
    await until(() => a.packets.length === 2 && b.packets.length === 1);
    a.socket.destroy(); // a leaves
    await until(() => ep.readers === 1);
    d.session.send(ip4(3));
    d.inject(ip4(4));
    d.session.tryReceive()!.release();
    await until(() => b.packets.length === 2);
    expect(a.packets.map((p) => `${p.direction}${p.data[1]}`)).toEqual(['in1', 'out2']);
    expect(b.packets.map((p) => `${p.direction}${p.data[1]}`)).toEqual(['out2', 'out4']);
    expect(a.names).toEqual(['wt k/1']);
    const status = (await fetchEndpointStatus('wt k/1', { path }))!;
    expect(status).toMatchObject({ name: 'wt k/1', adapter: { mtu: 1400 }, session: { open: true, stats: { packetsSent: 2, packetsReceived: 2 } } });
    b.socket.destroy();
    await ep.close();
    expect(await fetchEndpointStatus('wt k/1', { path })).toBeNull();
    expect(d.session.stats.packetsSent).toBe(2);
  });

  it.skipIf(typeof process.getuid !== 'function' || process.getuid() !== 0)('refuses another user (nobody)', async (ctx) => {
    const run = join(tempDir(), 'run');
    const path = join(run, 'wt-k2.sock');
    await using d = createInThreadDriver();
    await serveCaptureEndpoint(d.session, { name: 'wt-k2', path });
    if (spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '-e', '0']).status !== 0) {
      console.warn(`[skip] the refusal of user nobody: nobody cannot run ${process.execPath} (a parent directory is private: chmod o+rx it)`);
      ctx.skip();
    }
    const script = `require('net').createConnection(${JSON.stringify(path)}).on('connect',()=>{console.log('connected');process.exit(0)}).on('error',e=>{console.log(e.code);process.exit(0)})`;
    const out = execFileSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '-e', script], { encoding: 'utf8' });
    expect(out.trim()).toBe('EACCES');
    // and root (an administrator) may connect
    expect(existsSync(path)).toBe(true);
    expect(await fetchEndpointStatus('wt-k2', { path })).toMatchObject({ name: 'wt-k2' });
  });
});
