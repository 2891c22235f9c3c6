// capture/status/extcap against a capture endpoint served in this process (issue 15): no TUN
// device needed, so these run everywhere the endpoint does (not on Windows named pipes here).
import { describe, it, expect, afterAll, afterEach, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { run, ExitCode, type CliIo } from '@wintun-ts/cli';
import { createInThreadDriver, type InThreadDriver } from '@wintun-ts/adapter/testing';
import { PcapngReader, serveCaptureEndpoint, type CaptureEndpoint } from '@wintun-ts/adapter/capture';

function memoryIo(signal: AbortSignal = new AbortController().signal): { io: CliIo; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  stderr.on('data', (b: Buffer) => (err += b.toString()));
  return { io: { stdout, stderr, stdoutIsTTY: false, stderrIsTTY: false, signal }, out: () => out, err: () => err };
}

function ip4(tag: number): Uint8Array {
  const b = new Uint8Array(40);
  b[0] = 0x45;
  b[1] = tag;
  return b;
}

const dir = mkdtempSync(join(tmpdir(), 'wintun-k-cli-'));
const saved = process.env['WINTUN_TS_RUN_DIR'];
let driver: InThreadDriver;
let endpoint: CaptureEndpoint;
const NAME = 'wtk-attach';

beforeAll(async () => {
  process.env['WINTUN_TS_RUN_DIR'] = join(dir, 'run');
  driver = createInThreadDriver();
  endpoint = await serveCaptureEndpoint(driver.session, { name: NAME, status: () => ({ adapter: { mtu: 1280, addresses: ['10.9.9.1/24'] } }) });
});

afterAll(async () => {
  await endpoint.close();
  await driver.close();
  if (saved === undefined) delete process.env['WINTUN_TS_RUN_DIR'];
  else process.env['WINTUN_TS_RUN_DIR'] = saved;
  rmSync(dir, { recursive: true, force: true });
});

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

// Every test starts with no reader attached (a finished capture leaves a moment later).
afterEach(async () => {
  await until(() => endpoint.readers === 0);
});

describe.skipIf(process.platform === 'win32')('capture, status and extcap on a served endpoint', () => {
  it('capture attaches, writes pcapng with directions and stops at --count', async () => {
    const file = join(dir, 'a.pcapng');
    const m = memoryIo();
    const done = run(['capture', NAME, '-w', file, '--count', '3'], m.io);
    await until(() => endpoint.readers === 1);
    driver.inject(ip4(1));
    driver.session.tryReceive()!.release();
    driver.session.send(ip4(2));
    driver.session.send(ip4(3));
    driver.session.send(ip4(4)); // beyond --count
    expect(await done).toBe(ExitCode.OK);
    expect(m.err()).toMatch(/attached to the application running wtk-attach/);
    const r = new PcapngReader();
    const got = r.push(readFileSync(file));
    expect(got.packets.map((p) => `${p.direction}${p.data[1]}`)).toEqual(['out1', 'in2', 'in3']);
    expect(r.interfaces).toEqual([NAME]);
    driver.takeSent();
  });

  it('capture --format pcap --direction out writes classic pcap of one direction', async () => {
    const file = join(dir, 'b.pcap');
    const m = memoryIo();
    const done = run(['capture', NAME, '-w', file, '--count', '1', '--format', 'pcap', '--direction', 'out', '-q'], m.io);
    await until(() => endpoint.readers === 1);
    driver.session.send(ip4(5));
    driver.inject(ip4(6));
    driver.session.tryReceive()!.release();
    expect(await done).toBe(ExitCode.OK);
    const bytes = readFileSync(file);
    expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(bytes.readUInt32LE(20)).toBe(101);
    expect(bytes.length).toBe(24 + 16 + 40);
    expect(bytes[24 + 16 + 1]).toBe(6);
    driver.takeSent();
  });

  it('capture stops on Ctrl-C with 130', async () => {
    const ac = new AbortController();
    const m = memoryIo(ac.signal);
    const done = run(['capture', NAME, '-w', join(dir, 'c.pcapng'), '-q'], m.io);
    await until(() => endpoint.readers === 1);
    ac.abort('SIGINT');
    expect(await done).toBe(ExitCode.INTERRUPTED);
    await until(() => endpoint.readers === 0);
    expect(endpoint.readers).toBe(0);
  });

  it('status NAME --json has the documented schema', async () => {
    const m = memoryIo();
    expect(await run(['status', NAME, '--json'], m.io)).toBe(ExitCode.OK);
    const s = JSON.parse(m.out()) as Record<string, unknown>;
    expect(s).toMatchObject({
      schema: 1,
      adapters: [{ name: NAME, mtu: 1280, addresses: ['10.9.9.1/24'], session: { open: true, captureReaders: 0, stats: { packetsReceived: driver.session.stats.packetsReceived, packetsSent: driver.session.stats.packetsSent, captureDrops: 0 } } }],
    });
    expect(typeof s['time']).toBe('string');
  });

  it('status without a name includes the adapters of applications serving an endpoint', async () => {
    const m = memoryIo();
    expect(await run(['status', '--json'], m.io)).toBe(ExitCode.OK);
    const s = JSON.parse(m.out()) as { adapters: { name: string; session: unknown }[] };
    expect(s.adapters.find((a) => a.name === NAME)).toMatchObject({ session: { open: true } });
  });

  it('status --watch --json prints one object per line until Ctrl-C', async () => {
    const ac = new AbortController();
    const m = memoryIo(ac.signal);
    const done = run(['status', NAME, '--watch', '0.1', '--json'], m.io);
    await until(() => m.out().split('\n').length >= 3);
    ac.abort('SIGINT');
    expect(await done).toBe(ExitCode.INTERRUPTED);
    const lines = m.out().trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ schema: 1 });
  });

  it('extcap lists the served adapter and answers dlts and config', async () => {
    const m = memoryIo();
    expect(await run(['extcap', '--extcap-interfaces', '--extcap-version=4.0'], m.io)).toBe(ExitCode.OK);
    expect(m.out()).toMatch(/^extcap \{version=/);
    expect(m.out()).toContain(`interface {value=wintun-ts.${NAME}}`);
    const d = memoryIo();
    expect(await run(['extcap', '--extcap-interface', `wintun-ts.${NAME}`, '--extcap-dlts'], d.io)).toBe(ExitCode.OK);
    expect(d.out()).toBe('dlt {number=101}{name=RAW}{display=Raw IPv4/IPv6}\n');
    const c = memoryIo();
    expect(await run(['extcap', '--extcap-interface', `wintun-ts.${NAME}`, '--extcap-config'], c.io)).toBe(ExitCode.OK);
    expect(c.out()).toContain('{call=--direction}');
  });

  it('usage errors', async () => {
    const cases: [string[], RegExp][] = [
      [['capture', NAME, '-w', 'x', '--format', 'pcapx'], /--format is pcapng or pcap/],
      [['capture', NAME, '-w', 'x', '--direction', 'up'], /--direction is in, out or both/],
      [['status', NAME, '--interval', '1'], /an interval needs --watch/],
      [['status', NAME, '--watch', '0'], /--watch interval/],
      [['extcap', '--extcap-dlts', '--extcap-interface', 'eth0'], /--extcap-interface must be/],
      [['extcap'], /nothing to do/],
    ];
    for (const [argv, message] of cases) {
      const m = memoryIo();
      expect(await run(argv, m.io)).toBe(ExitCode.USAGE);
      expect(m.err()).toMatch(message);
    }
  });
});
