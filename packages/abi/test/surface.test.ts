/// <reference path="../../../test-support/surface-walker.d.mts" />
// Issue 10 item 8: every export of @wintun-ts/abi (root and subpaths), called with bad values in
// every argument position, returns normally or throws a WintunError (never a TypeError, never a
// crash). New exports are walked by default.
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const walkerUrl = new URL('../../../test-support/surface-walker.mjs', import.meta.url).href;

it('every abi export refuses bad values with a WintunError', async () => {
  const { walkSurface } = (await import(walkerUrl)) as SurfaceWalker.Module;
  const report = await walkSurface({
    packageDir: fileURLToPath(new URL('..', import.meta.url)),
    importer: (specifier) => import(specifier),
    goodArgs: {
      linuxOpen: () => ['/dev/null', 0, 0],
      linuxRead: () => [-1, new Uint8Array(4), 4],
      linuxWrite: () => [-1, new Uint8Array(4), 4],
      linuxIoctl: () => [-1, 0, null, 'TEST'],
      linuxPoll: () => [-1, 0, 0],
      linuxFcntl: () => [-1, 0, 0],
      linuxSend: () => [-1, new Uint8Array(4), 4, 0],
      linuxSendto: () => [-1, new Uint8Array(4), 4, 0, null],
      linuxRecv: () => [-1, new Uint8Array(4), 4, 0],
      linuxRecvfrom: () => [-1, new Uint8Array(4), 4, 0, null],
      linuxBind: () => [-1, new Uint8Array(12)],
      linuxSetsockopt: () => [-1, 0, 0, new Uint8Array(4)],
      linuxSetsockoptInt: () => [-1, 0, 0, 1],
      linuxGetsockname: () => [-1, new Uint8Array(12)],
      encodeRegisterRings: () => [
        { send: { ringSize: 0x30000, ring: 0x1000n, tailMoved: 4n }, receive: { ringSize: 0x30000, ring: 0x2000n, tailMoved: 8n } },
        'x64',
      ],
      decodeRegisterRings: () => [new Uint8Array(48), 'x64'],
      encodeNetlinkMessage: () => [{ type: 16, flags: 1, seq: 1, pid: 0 }, new Uint8Array(16), []],
      win32Error: () => ['CreateFileW', 2, 'Opening'],
      errnoError: () => ['open', 2, 'ENOENT', 'Opening'],
      linuxErrnoError: () => ['open', 2, 'Opening'],
      'new WintunError': () => ['ERR_WINTUN_OS', 'message', {}],
    },
    staticOnly: {
      WintunError: 'an error value: its only method-like member is the retryable getter',
      WintunLibrary: 'built only by loadWintun on Windows; its methods are the raw wintun.dll calls',
    },
  });
  expect(report.failures).toEqual([]);
  expect(report.calls).toBeGreaterThan(1000);
});
