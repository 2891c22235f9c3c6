/**
 * The driver worker pool and the driver-side guarantees of `startSessionWithDriverWorkers` and the
 * in-memory test driver (issue 10 items 4, 5, 7 and "Also"; issue 11's driverStats):
 * - workers start under Node flags a program may be started with (allow-listed execArgv);
 * - unref'd workers let a process with an open idle session exit; ref'd ones keep it alive;
 * - workers are reused across sessions (a few threads, not two per session) and stopped when idle;
 * - every read has room for 0xFFFF bytes: the Send ring fills up whole (bounce buffer), a packet
 *   longer than the loop's room is dropped and counted, never truncated;
 * - a failed start stops its loops before the caller's cleanup runs.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isWintunError } from '@wintun-ts/session';
import { DRIVER_POOL_MAX_IDLE, driverPoolStats, driverWorkerExecArgv, stopIdleDriverWorkers } from '../src/driver/pool.js';
import { startSessionWithDriverWorkers } from '../src/driver/start-session.js';
import { workerUrl } from '../src/worker-url.js';
import { createTestDriver } from '../src/testing.js';

const CHILD = fileURLToPath(new URL('./fixtures/driver-child.mjs', import.meta.url));

interface ChildResult {
  readonly status: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

function runChild(nodeArgs: readonly string[], mode: string, killAfterMs = 15_000): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, CHILD, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, ms: performance.now() - began });
    });
  });
}

function ip4(size: number, tag = 0): Uint8Array {
  const b = new Uint8Array(size);
  b[0] = 0x45;
  b[2] = size >> 8;
  b[3] = size & 0xff;
  b[8] = tag;
  return b;
}

describe('driver worker execArgv', () => {
  it('keeps only allow-listed flags: no V8/process flags, no inspector, no loaders, no source condition', () => {
    expect(
      driverWorkerExecArgv([
        '--max-old-space-size=2048',
        '--expose-gc',
        '--stack-size=2000',
        '--title=x',
        '--inspect=127.0.0.1:0',
        '--inspect-brk',
        '--import',
        'tsx',
        '--require=./x.cjs',
        '--conditions=@wintun-ts/source',
        '-C',
        '@wintun-ts/source',
        '--conditions',
        'development',
        '-C',
        'custom',
        '--enable-source-maps',
        '--no-warnings',
        '--unhandled-rejections=strict',
      ]),
    ).toEqual(['--conditions=development', '--conditions=custom', '--enable-source-maps', '--no-warnings', '--unhandled-rejections=strict']);
    expect(driverWorkerExecArgv([])).toEqual([]);
  });

  const flagSets: readonly (readonly string[])[] = [
    ['--max-old-space-size=2048'],
    ['--expose-gc'],
    ['--stack-size=2000'],
    ['--title=wtts-b-child'],
    ['--conditions=development', '--enable-source-maps', '--no-warnings'],
    ['--max-old-space-size=2048', '--expose-gc', '--stack-size=2000', '--title=wtts-b-child', '--trace-warnings'],
  ];
  for (const flags of flagSets) {
    it(`the in-memory test driver works in a process started with ${flags.join(' ')}`, async () => {
      const r = await runChild(flags, 'close');
      expect(r.stderr).not.toContain('ERR_WORKER_INVALID_EXEC_ARGV');
      expect({ status: r.status, signal: r.signal }).toEqual({ status: 0, signal: null });
      const line = JSON.parse(r.stdout.trim().split('\n')[0]!);
      expect(line).toMatchObject({ received: 40, sent: 40, execArgv: flags, driverStats: { produced: 1, consumed: 1 } });
    });
  }
});

describe('unref of the driver link', () => {
  it('a process whose idle session was unref\'d exits by itself; without unref the open session keeps it alive', async () => {
    const unref = await runChild([], 'unref');
    expect({ status: unref.status, signal: unref.signal }).toEqual({ status: 0, signal: null });
    expect(unref.ms).toBeLessThan(10_000);
    const open = await runChild([], 'open', 2500);
    expect(open.signal).toBe('SIGKILL');
    expect(open.stdout).toContain('"received":40');
  });
});

describe('the pool', () => {
  it('reuses a few workers across many sessions and stops the idle ones on request', async () => {
    for (let i = 0; i < 30; i++) {
      const driver = await createTestDriver({ capacity: 0x20000 });
      driver.inject(ip4(40));
      (await driver.session.receive({ timeout: 5000 })).release();
      await driver.close();
      const stats = driverPoolStats();
      expect(stats.threads).toBe(stats.idle);
      expect(stats.threads).toBeLessThanOrEqual(DRIVER_POOL_MAX_IDLE);
    }
    // Two sessions at once need four workers; they all go back to the pool.
    const a = await createTestDriver({ capacity: 0x20000 });
    const b = await createTestDriver({ capacity: 0x20000 });
    expect(driverPoolStats().threads - driverPoolStats().idle).toBe(4);
    await Promise.all([a.close(), b.close()]);
    expect(driverPoolStats()).toEqual({ threads: 4, idle: 4 });
    await stopIdleDriverWorkers();
    expect(driverPoolStats()).toEqual({ threads: 0, idle: 0 });
  });

  it('a start whose I/O module fails stops the loops that started before the caller cleans up; the failed thread is not reused', async () => {
    const events: string[] = [];
    const bad = new URL('data:text/javascript,export function createPacketSink(){ throw new Error("sink refused") }');
    const error = await startSessionWithDriverWorkers({
      layout: { sendCapacity: 0x20000, receiveCapacity: 0x20000 },
      memory: 'shared',
      workers: () => ({
        producer: { io: workerUrl('memory-io'), ioOptions: { queue: { buffer: new SharedArrayBuffer(4096 + 32) } } },
        consumer: { io: bad.href },
      }),
      onClose: () => {
        const stats = driverPoolStats();
        events.push(`onClose busy=${stats.threads - stats.idle}`);
      },
    }).catch((e: unknown) => e);
    expect(isWintunError(error) && error.code).toBe('ERR_WINTUN_WORKER_FAILED');
    expect(String((error as Error).message)).toContain('sink refused');
    expect(events).toEqual(['onClose busy=0']);
    await stopIdleDriverWorkers();
  });
});

describe('bounded start', () => {
  it('ioOptions that cannot be sent to a worker fail the start with ERR_WINTUN_INVALID_ARGUMENT, quickly, leaving no loop', async () => {
    const began = performance.now();
    const error = await startSessionWithDriverWorkers({
      layout: { sendCapacity: 0x20000, receiveCapacity: 0x20000 },
      memory: 'shared',
      workers: () => ({ producer: { io: workerUrl('memory-io'), ioOptions: { notCloneable: () => 1 } } }),
    }).catch((e: unknown) => e);
    expect(isWintunError(error) && error.code).toBe('ERR_WINTUN_INVALID_ARGUMENT');
    expect(performance.now() - began).toBeLessThan(1000);
    const stats = driverPoolStats();
    expect(stats.threads).toBe(stats.idle);
  });

  it('an I/O module whose factory never returns fails the start after startTimeoutMs; its thread is terminated, cleanup runs', async () => {
    const hang = new URL('data:text/javascript,export function createPacketSource(){ return new Promise(() => {}) }');
    let cleaned = false;
    const began = performance.now();
    const error = await startSessionWithDriverWorkers({
      layout: { sendCapacity: 0x20000, receiveCapacity: 0x20000 },
      memory: 'shared',
      workers: () => ({ producer: { io: hang.href }, startTimeoutMs: 300, stopTimeoutMs: 200 }),
      onClose: () => {
        cleaned = true;
      },
    }).catch((e: unknown) => e);
    expect(isWintunError(error) && error.code).toBe('ERR_WINTUN_WORKER_FAILED');
    expect(String((error as Error).message)).toContain('did not start within 300 ms');
    expect(cleaned).toBe(true);
    expect(performance.now() - began).toBeLessThan(5000);
    const stats = driverPoolStats();
    expect(stats.threads).toBe(stats.idle);
    await stopIdleDriverWorkers();
  });
});

describe('the producer never truncates', () => {
  it('fills the Send ring with packets whole while less than 0xFFFF bytes are free (bounce buffer), no drops', async () => {
    await using driver = await createTestDriver({ capacity: 0x20000 });
    // 80 x 1,504-byte records = 120 KiB of a 128 KiB ring: past the point where a 0xFFFF-byte
    // reservation fits (64 KiB), so most go through the bounce buffer.
    for (let i = 0; i < 80; i++) expect(driver.inject(ip4(1500, i))).toBe(true);
    await expect.poll(() => driver.stats.produced + driver.stats.producerDrops, { timeout: 5000 }).toBe(80);
    expect(driver.stats.producerDrops).toBe(0);
    for (let i = 0; i < 80; i++) {
      const lease = await driver.session.receive({ timeout: 5000 });
      expect(lease.data.byteLength).toBe(1500);
      expect(lease.data[8]).toBe(i);
      lease.release();
    }
    // Over capacity: dropped and counted, never truncated.
    for (let i = 0; i < 100; i++) driver.inject(ip4(1500, i));
    await expect.poll(() => driver.stats.produced + driver.stats.producerDrops, { timeout: 5000 }).toBe(180);
    expect(driver.session.driverStats?.producerDrops).toBeGreaterThan(0);
    for (let lease = driver.session.tryReceive(); lease !== null; lease = driver.session.tryReceive()) {
      expect(lease.data.byteLength).toBe(1500);
      lease.release();
    }
  });

  it('a packet longer than the loop\'s room is dropped whole and counted in driverStats.oversizeDrops; the next one arrives', async () => {
    await using driver = await createTestDriver({ capacity: 0x20000, maxPacketSize: 2000 });
    driver.inject(ip4(3000, 1));
    driver.inject(ip4(100, 2));
    const lease = await driver.session.receive({ timeout: 5000 });
    expect([lease.data.byteLength, lease.data[8]]).toEqual([100, 2]);
    lease.release();
    expect(driver.session.driverStats).toMatchObject({ oversizeDrops: 1, produced: 1, producerDrops: 0, deviceGone: false });
  });
});
