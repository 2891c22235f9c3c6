// The Linux driver worker's I/O module binds libc while the worker sets up (before it reports
// ready), never at its first read or write. Node terminates a worker at process exit (an unref'd
// session lets the process end while its workers run); a worker caught inside koffi's binding
// cannot throw there, and Node aborted the whole process ("FATAL ERROR:
// Error::ThrowAsJavaScriptException napi_throw", 4 exits in 300 before the fix). The exit itself is
// exercised by the lifecycle test "Session.unref(): ... lets the process exit by itself"; this test
// pins the ordering that makes it safe.
import { describe, expect, it, vi } from 'vitest';

const bind = vi.hoisted(() => ({ calls: 0 }));

vi.mock('@wintun-ts/session/linux', async (importOriginal) => {
  const real = await importOriginal<typeof import('@wintun-ts/session/linux')>();
  return {
    ...real,
    linuxLibc: () => {
      bind.calls++;
      return real.linuxLibc();
    },
  };
});

const onLinux = process.platform === 'linux';
if (!onLinux) console.warn(`[skip] driver worker I/O binding: libc bindings exist only on Linux (this is ${process.platform})`);

describe.skipIf(!onLinux)('driver worker I/O module (Linux)', () => {
  const control = new Int32Array(new SharedArrayBuffer(64));
  const context = { role: 'producer' as const, control, stopped: () => false };

  it('createPacketSource and createPacketSink bind libc before they return, with no I/O yet', async () => {
    const { createPacketSource, createPacketSink } = await import('../../src/workers/tun-io.js');
    const before = bind.calls;
    // A closed fd number and a dummy address: nothing is read or written here; only setup runs.
    const source = createPacketSource({ fd: 0x7fffffff, address: 0x1000n, ringSize: 0x20000 }, context);
    expect(bind.calls).toBeGreaterThan(before);
    expect(typeof source.read).toBe('function');
    const afterSource = bind.calls;
    const sink = createPacketSink({ fd: 0x7fffffff, address: 0x1000n, ringSize: 0x20000 }, { ...context, role: 'consumer' as const });
    expect(bind.calls).toBeGreaterThan(afterSource);
    expect(typeof sink.write).toBe('function');
  });
});
