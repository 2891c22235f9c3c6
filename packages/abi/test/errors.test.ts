import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  WintunError,
  WintunErrorCodes,
  errnoError,
  isWintunError,
  lazy,
  win32Error,
} from '@wintun-ts/abi';
import { ERROR_ACCESS_DENIED, ERROR_ALREADY_INITIALIZED, ERROR_HANDLE_EOF, ERROR_INVALID_DATA } from '@wintun-ts/abi/win32';

describe('WintunError', () => {
  it('every code is prefixed ERR_WINTUN_ and documents meaning, fix and retryability', () => {
    for (const [code, info] of Object.entries(WintunErrorCodes)) {
      expect(code).toMatch(/^ERR_WINTUN_[A-Z0-9_]+$/);
      expect(info.meaning.length).toBeGreaterThan(10);
      expect(info.fix.length).toBeGreaterThan(5);
      expect(typeof info.retryable).toBe('boolean');
    }
  });

  it('carries code, cause and native details', () => {
    const cause = new Error('inner');
    const e = new WintunError('ERR_WINTUN_OS', 'outer', { cause, errno: 1, syscall: 'open' });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('WintunError');
    expect(e.code).toBe('ERR_WINTUN_OS');
    expect(e.cause).toBe(cause);
    expect(e.errno).toBe(1);
    expect(e.syscall).toBe('open');
    expect(e.retryable).toBe(false);
    expect(isWintunError(e, 'ERR_WINTUN_OS')).toBe(true);
    expect(isWintunError(e, 'ERR_WINTUN_EOF')).toBe(false);
    expect(isWintunError(new Error('x'))).toBe(false);
  });

  it('instanceof works for an error branded by another copy of the package', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('wintun-ts.WintunError')]: true });
    expect(foreign instanceof WintunError).toBe(true);
    expect({} instanceof WintunError).toBe(false);
  });

  it('maps Win32 numbers to codes (spec 2.3, 4.9)', () => {
    expect(win32Error('DeviceIoControl', ERROR_ACCESS_DENIED, 'Registering rings').code).toBe('ERR_WINTUN_ACCESS_DENIED');
    expect(win32Error('DeviceIoControl', ERROR_ALREADY_INITIALIZED, 'x').code).toBe('ERR_WINTUN_ALREADY_REGISTERED');
    expect(win32Error('x', ERROR_HANDLE_EOF, 'x').code).toBe('ERR_WINTUN_EOF');
    expect(win32Error('x', ERROR_INVALID_DATA, 'x').code).toBe('ERR_WINTUN_RING_CORRUPT');
    const hr = win32Error('WintunCreateAdapter', 0x80070005, 'Creating adapter');
    expect(hr.code).toBe('ERR_WINTUN_OS');
    expect(hr.message).toContain('0x80070005');
    expect(hr.win32Code).toBe(0x80070005);
  });

  it('maps errno names to codes with a message that says what to do', () => {
    const e = errnoError('ioctl(TUNSETIFF)', 1, 'EPERM', 'Creating TUN device tun0');
    expect(e.code).toBe('ERR_WINTUN_ACCESS_DENIED');
    expect(e.message).toMatch(/CAP_NET_ADMIN/);
    expect(errnoError('x', 99, 'EWHATEVER', 'y').code).toBe('ERR_WINTUN_OS');
  });
});

describe('lazy binding', () => {
  it('runs the initialiser once and memoises its error too', () => {
    let calls = 0;
    const ok = lazy(() => ++calls);
    expect(ok()).toBe(1);
    expect(ok()).toBe(1);
    let failures = 0;
    const bad = lazy(() => {
      failures++;
      throw new WintunError('ERR_WINTUN_UNSUPPORTED_PLATFORM', 'no');
    });
    expect(bad).toThrow(WintunError);
    expect(bad).toThrow(WintunError);
    expect(failures).toBe(1);
  });

  it('importing the built package loads no native module (sideEffects: false holds)', () => {
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createRequire } from 'node:module';
         const abi = await import(${JSON.stringify(dist)});
         const cache = Object.keys(createRequire(import.meta.url).cache);
         console.log(JSON.stringify({ exports: Object.keys(abi).length, koffi: cache.some((k) => k.includes('koffi')) }));`,
      ],
      { encoding: 'utf8' },
    );
    const r = JSON.parse(out) as { exports: number; koffi: boolean };
    expect(r.exports).toBeGreaterThan(20);
    expect(r.koffi).toBe(false);
  });
});
