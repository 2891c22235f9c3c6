#!/usr/bin/env node
// Proves that koffi's prebuilt native binary loads and calls into the C library on the Node that
// runs this script: loads libc (kernel32 on Windows), binds getpid (GetCurrentProcessId) and
// compares the answer with process.pid. Prints one line, exits 1 on any failure. test-all.mjs runs
// it on every Node line that `engines` promises; the Wine suite covers koffi's win32-x64 binary.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
try {
  const koffi = require('koffi');
  // koffi's exports map hides package.json; its entry point sits at the package root.
  const { version } = JSON.parse(readFileSync(join(dirname(require.resolve('koffi')), 'package.json'), 'utf8'));
  const pid =
    process.platform === 'win32'
      ? koffi.load('kernel32.dll').func('uint32_t __stdcall GetCurrentProcessId(void)')()
      : koffi.load(process.platform === 'darwin' ? 'libc.dylib' : 'libc.so.6').func('int getpid(void)')();
  if (pid !== process.pid) throw new Error(`getpid() returned ${pid}, process.pid is ${process.pid}`);
  console.log(`koffi ${version} loads on Node ${process.version} (${process.platform}-${process.arch}) and calls libc`);
} catch (error) {
  console.error(`koffi does not work on Node ${process.version} (${process.platform}-${process.arch}): ${error.message}`);
  process.exit(1);
}
