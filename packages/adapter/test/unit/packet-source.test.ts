/**
 * The Linux driver's packet source (`createPacketSource`, shared by the inline driver and the
 * producer worker) over a non-blocking FIFO standing in for the TUN fd: a batch that ends on an
 * empty fd costs no extra FFI call for `errno`, and a first read still classifies what it finds.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { allocateRingMemory, createDriverControl, createRingPair, ringPairSize } from '@wintun-ts/session/driver';
import { loadKoffi } from '@wintun-ts/session/linux';
import { createPacketSource } from '../../src/workers/tun-io.js';

const linux = process.platform === 'linux';

describe.skipIf(!linux)('createPacketSource (Linux)', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const c of cleanups.splice(0)) c();
  });

  function fifoSource() {
    const dir = mkdtempSync(join(tmpdir(), 'wt-h5-src-'));
    const path = join(dir, 'fifo');
    execFileSync('mkfifo', [path]);
    const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
    cleanups.push(() => {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    });
    const layout = { sendCapacity: 0x20000, receiveCapacity: 0x20000 };
    const memory = allocateRingMemory(ringPairSize(layout), { kind: 'native' });
    const rings = createRingPair(memory, layout);
    const send = rings.send;
    const source = createPacketSource(
      { fd, address: (memory.address as bigint) + BigInt(send.byteOffset), ringSize: send.ringSize },
      { role: 'producer', control: createDriverControl(), stopped: () => false },
    );
    return { fd, source, bytes: send.bytes };
  }

  it('the read after a packet that finds the fd empty ends the batch without an errno call', () => {
    const { fd, source, bytes } = fifoSource();
    const errno = vi.spyOn(loadKoffi(), 'errno');
    writeSync(fd, Uint8Array.of(0x45, 1, 2, 3, 4));
    expect(source.read(bytes, 16, 0xffff, 0)).toBe(5);
    expect(Array.from(bytes.subarray(16, 21))).toEqual([0x45, 1, 2, 3, 4]);
    // The batch's usual end (EAGAIN): before, linuxRead asked koffi for errno here.
    expect(source.read(bytes, 32, 0xffff, 0)).toBe(0);
    expect(errno).not.toHaveBeenCalled();
    // A first read (no packet before it) still reads errno to classify the failure.
    expect(source.read(bytes, 32, 0xffff, 0)).toBe(0);
    expect(errno).toHaveBeenCalledTimes(1);
  });
});
