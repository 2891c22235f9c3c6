/**
 * The `wintun-ts` executable: runs {@link run} with the process's streams, turns SIGINT/SIGTERM
 * into a clean teardown (a second Ctrl-C exits at once), and exits with the command's code.
 *
 * @module
 */
import { run } from './run.js';
import type { CliIo } from './io.js';

const controller = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals): void => {
  interrupts++;
  if (interrupts > 1) {
    process.stderr.write(`\nwintun-ts: ${signal} again: exiting without cleanup; remove a leftover adapter with 'wintun-ts delete <name>'.\n`);
    process.exit(signal === 'SIGTERM' ? 143 : 130);
  }
  controller.abort(signal);
  // Teardown is bounded by the layers below; this is the last resort if it is not.
  setTimeout(() => {
    process.stderr.write(`wintun-ts: teardown took longer than 15 s; exiting.\n`);
    process.exit(signal === 'SIGTERM' ? 143 : 130);
  }, 15_000).unref();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// A closed stdout pipe (`wintun-ts capture -w - | head -c 100`) is handled by the command; never crash on it.
process.stdout.on('error', () => undefined);

const io: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  signal: controller.signal,
};

const code = await run(process.argv.slice(2), io);
process.exitCode = code;
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
// Everything is torn down by now. Output a reader never took (a stalled `capture -w - | ...`:
// run() waited for it, bounded) must not keep the process alive: exit now, dropping it.
if (process.stdout.writableLength > 0 || process.stderr.writableLength > 0) process.exit(code);
