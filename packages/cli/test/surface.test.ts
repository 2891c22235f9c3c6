/// <reference path="../../../test-support/surface-walker.d.mts" />
// Issue 10 item 8: every export of @wintun-ts/cli (run with bad argv or io, the pcap writer and
// its helpers, the echo responder), called with bad values in every argument position, returns
// normally or throws/rejects with a WintunError (never a TypeError or RangeError, never a hang),
// and the objects still work afterwards. `run` with bad argv and a good io is a usage error
// (exit code 2, a message on stderr), not an exception. New exports are walked by default.
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { EchoResponder, ExitCode, PcapWriter, commands, run, type CliIo, type Command } from '@wintun-ts/cli';
import { createTestDriver, type TestDriver } from '@wintun-ts/adapter/testing';

const walkerUrl = new URL('../../../test-support/surface-walker.mjs', import.meta.url).href;

/** An in-memory CliIo whose output is drained (never backs up). */
function memoryIo(): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
  return { stdout, stderr, stdoutIsTTY: false, stderrIsTTY: false, signal: new AbortController().signal, out: () => out, err: () => err };
}

function ip4(tag: number): Uint8Array {
  const b = new Uint8Array(28);
  b[0] = 0x45;
  b[1] = tag;
  return b;
}

/** A drained stream for a PcapWriter, with what it received. */
function sink(): PassThrough & { bytes: () => number } {
  const stream = new PassThrough();
  let n = 0;
  stream.on('data', (b: Buffer) => (n += b.length));
  return Object.assign(stream, { bytes: () => n });
}

const writerStreams = new WeakMap<PcapWriter, ReturnType<typeof sink>>();
const responderDrivers = new WeakMap<EchoResponder, TestDriver>();

it('every cli export refuses bad values with a WintunError (run: a usage error) and stays usable', async () => {
  const { walkSurface } = (await import(walkerUrl)) as SurfaceWalker.Module;
  const report = await walkSurface({
    packageDir: fileURLToPath(new URL('..', import.meta.url)),
    importer: (specifier) => import(specifier),
    timeoutMs: 5000,
    goodArgs: {
      run: () => [['version', '--json'], memoryIo()],
      pcapGlobalHeader: () => [0xffff, 101],
      pcapRecordHeader: () => [1_000_000n, 20, 20],
      'new PcapWriter': () => [sink(), 0xffff, {}],
      'PcapWriter.write': () => [ip4(1), 1_000_000n],
      'PcapWriter.close': () => [{ timeoutMs: 100 }],
      startEchoResponder: () => [null, {}],
    },
    instances: {
      // Every command's run(context) (the commands are exported): a bad context never runs anything.
      ...Object.fromEntries(commands.map((command) => [`Command[${command.name}]`, { create: (): Command => command }])),
      PcapWriter: {
        create: () => {
          const stream = sink();
          const writer = new PcapWriter(stream);
          writerStreams.set(writer, stream);
          return writer;
        },
        check: async (writer: PcapWriter) => {
          const before = writer.count;
          if (!writer.write(ip4(2))) throw new Error('write dropped a packet on a drained stream');
          if (writer.count !== before + 1) throw new Error('count did not move');
        },
        dispose: async (writer: PcapWriter) => {
          await writer.close({ end: true, timeoutMs: 100 });
        },
        terminal: ['close'],
      },
      EchoResponder: {
        create: async () => {
          const driver = await createTestDriver({ capacity: 0x20000, queueBytes: 0x20000 });
          const responder = new EchoResponder(driver.session);
          responderDrivers.set(responder, driver);
          return responder;
        },
        dispose: async (responder: EchoResponder) => {
          await responder.stop();
          await responderDrivers.get(responder)?.close();
        },
        terminal: ['stop'],
      },
    },
  });
  expect(report.failures).toEqual([]);
  expect(report.walked).toEqual(
    expect.arrayContaining([
      'run',
      'mainHelp',
      'PcapWriter',
      'PcapWriter.write',
      'PcapWriter.close',
      'pcapGlobalHeader',
      'pcapRecordHeader',
      'nowMicros',
      'EchoResponder',
      'startEchoResponder',
      ...commands.map((command) => `Command[${command.name}].run`),
    ]),
  );
}, 600_000);

it('run with argv that is not an array of strings is a usage error on stderr (exit 2), not an exception', async () => {
  for (const argv of [null, undefined, 'version', [null], ['version', 5], [Symbol('x')]]) {
    const io = memoryIo();
    expect(await run(argv as never, io)).toBe(ExitCode.USAGE);
    expect(io.err()).toContain('ERR_WINTUN_INVALID_ARGUMENT');
  }
});

it('a command run with a malformed context rejects before anything runs', async () => {
  const io = memoryIo();
  const up = commands.find((c) => c.name === 'up')!;
  for (const context of [
    { io, values: {}, positionals: [null] },
    { io, values: { address: 5 }, positionals: ['wt0'] },
    { io, values: null, positionals: ['wt0'] },
    { io: null, values: {}, positionals: ['wt0'] },
  ]) {
    await expect(up.run(context as never)).rejects.toEqual(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
  }
  expect(io.out() + io.err()).toBe('');
});

it('run with an io that is not a CliIo rejects with ERR_WINTUN_INVALID_ARGUMENT (there is nowhere to print)', async () => {
  const good = memoryIo();
  for (const io of [null, {}, { ...good, stdout: null }, { ...good, signal: 'x' }, { ...good, stderrIsTTY: 'yes' }]) {
    await expect(run(['version'], io as never)).rejects.toEqual(expect.objectContaining({ code: 'ERR_WINTUN_INVALID_ARGUMENT' }));
  }
});
