/**
 * Lifecycle races and resource guarantees of the Linux adapter (issue 10 items 2, 4, 5, 7 and
 * issue 11's session options), each in a child process inside a namespace the test creates:
 * - close/delete during startSession, 1,000 times with varied timing, with a canary file taking
 *   the freed fd numbers: it never changes, nothing is left running, and the child exits by itself;
 * - a real session in a process started with flags worker threads refuse;
 * - the MTU raised under a running session: 4,028- and 9,000-byte packets arrive whole;
 * - RSS over hundreds of session cycles: no linear growth;
 * - session options through Adapter.startSession, validated.
 */
import { describe, expect, it } from 'vitest';
import { requireAll } from '../helpers/index.js';
import { IO_MODES, canRunAdapter, useAdapterContext } from './adapter-setup.js';

const env = requireAll('Adapter race tests', canRunAdapter());

describe.skipIf(!env.ok).each(IO_MODES)('Adapter lifecycle races (in a test namespace, io %s)', (io) => {
  const ctx = useAdapterContext(`braces${io[0]}`, 1, io);

  it('close or delete while startSession is in flight (1,000 races): no I/O on a stranger fd, nothing left running, the process exits', async () => {
    const iterations = 1000;
    const outcome = await ctx.run('closeRace', { name: 'wttb0', persistentName: 'wttb0p', iterations }, { timeoutMs: 240_000 });
    if (!outcome.ok) throw new Error(`closeRace failed: ${JSON.stringify(outcome.error)}\n${outcome.stderr}`);
    const r = outcome.result as Record<string, any>;
    console.log(`closeRace: ${JSON.stringify({ ...r, newFds: r['newFds'].length, exit: outcome.exit })}`);
    expect(r['canaryReads']).toBe(iterations);
    expect(r['canaryChanged']).toBe(0);
    // Every start either lost the race cleanly or was closed by the adapter's close.
    const outcomes = r['outcomes'] as Record<string, number>;
    expect(Object.keys(outcomes).every((k) => k === 'resolved' || k === 'ERR_WINTUN_CLOSED')).toBe(true);
    expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(iterations);
    // A session that resolved before the close is closed by it.
    expect(Object.keys(r['sendAfter']).every((k) => k === 'ERR_WINTUN_CLOSED')).toBe(true);
    expect(Object.keys(r['concurrentSecond'])).toEqual(['ERR_WINTUN_ALREADY_REGISTERED']);
    expect(r['pool'].threads).toBe(r['pool'].idle); // no loop still running
    expect(r['threadsAfter']).toBe(r['threadsBefore']);
    expect(r['newFds']).toEqual([]);
    expect(r['devices']).toEqual(['wttb0p']);
    expect(r['devicesEnd']).toEqual([]);
    expect(outcome.exit).toMatchObject({ status: 0, signal: null });
  }, 300_000);

  it('a real session starts in a process run with --max-old-space-size, --expose-gc, --stack-size, --title, --conditions, --enable-source-maps', async () => {
    const nodeArgs = ['--max-old-space-size=2048', '--expose-gc', '--stack-size=2000', '--title=wtts-b-flags', '--conditions=development', '--enable-source-maps'];
    const outcome = await ctx.run('flagsSession', { name: 'wttb1' }, { nodeArgs });
    if (!outcome.ok) throw new Error(`flagsSession failed: ${JSON.stringify(outcome.error)}\n${outcome.stderr}`);
    const r = outcome.result as Record<string, any>;
    expect(r['execArgv']).toEqual(nodeArgs);
    expect(r['sent']).toBe(true);
    expect(r['consumed']).toBe(1);
    expect(outcome.exit).toMatchObject({ status: 0, signal: null });
  });

  it('setMtu(9000) under a running session: 4,028- and 9,000-byte packets arrive whole, none dropped as oversize', async () => {
    const r = await ctx.result('mtuRaise', { name: 'wttb2' });
    expect(r['mtuAtStart']).toBe(1500);
    expect(r['sizes']).toEqual([
      { size: 4028, total: 4028 },
      { size: 9000, total: 9000 },
      { size: 128, total: 128 },
    ]);
    expect(r['driver'].oversizeDrops).toBe(0);
    expect(r['driver'].producerDrops).toBe(0);
  });

});

describe.skipIf(!env.ok)('Adapter resources and options (in a test namespace, default io)', () => {
  const ctx = useAdapterContext('bres');

  it('RSS stays flat over 300 session start/close cycles and 300 adapter create/session/close cycles (after 100 warm-up cycles each)', async () => {
    const cycles = 300;
    const r = await ctx.result('cycles', { name: 'wttb3', cycles, warmup: 100 }, { nodeArgs: ['--expose-gc'], timeoutMs: 240_000 });
    console.log(`cycles: ${JSON.stringify(r)}`);
    // The leak this guards against grew ~45 KB per cycle (koffi loaded by two fresh workers per
    // session; then SharedArrayBuffers kept alive by idle pooled workers). The Theil-Sen slope over
    // the second half of 300 cycles still swings by a few KB per cycle with the allocator, so the
    // bound is a third of that leak; the 3,000-cycle figures (< 5 MiB) are in the changeset.
    const limit = 15 * 1024;
    expect(r['oneAdapter'].slope).toBeLessThan(limit);
    expect(r['createCycles'].slope).toBeLessThan(limit);
    expect(r['pool'].threads).toBeLessThanOrEqual(4);
  }, 300_000);

  it('startSession takes the session options and validates them before starting anything', async () => {
    const r = await ctx.result('sessionOptions', { name: 'wttb4' });
    expect(r['started']).toBe(true);
    for (const key of ['null', 'string', 'waitNaN', 'waitNegative', 'waitString', 'spinTrue', 'spinUsBad', 'guardString', 'guardStallZero', 'engineBad', 'engineNull', 'ioBad', 'ioNull']) {
      expect(r[key], key).toMatchObject({ code: 'ERR_WINTUN_INVALID_ARGUMENT' });
    }
    expect(r['engineDll'], "engine 'dll' is Windows-only").toMatchObject({ code: 'ERR_WINTUN_UNSUPPORTED_PLATFORM' });
    expect(r['engine_rings']).toBe('rings');
    expect(r['engine_auto']).toBe('rings');
    expect(r['io_inline_threads']).toBe(0);
    expect(r['io_workers_threads']).toBe(2);
    expect(r['afterBad']).toBe('ok');
  });
});
