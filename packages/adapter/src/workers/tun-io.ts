/**
 * I/O module of the Linux driver workers (`dist/workers/tun-io.js`), imported by the session's
 * driver worker: a `PacketSource` that reads the TUN fd straight into the Send ring's native memory
 * and a `PacketSink` that writes straight out of the Receive ring's native memory. Both wait at most
 * the loop's bound (poll with a timeout), so stopping never hangs.
 *
 * Each loop gets its own duplicate of the device fd (made by the main thread, passed by number:
 * fds are process-wide), which the main thread closes only after that loop has ended. Counters go
 * to the loops' control block (`DriverControl.KERNEL_DROPS`, `DEVICE_GONE`), which the session
 * exposes as `session.driverStats`.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/session';
import { DriverControl, type DriverIoContext, type PacketSink, type PacketSource } from '@wintun-ts/session/driver';
import { TUN_READ_GONE, TUN_READ_TIMEOUT, bindTunIo, tunRead, tunReadAfterEmpty, tunReadBytes, tunReadNext, tunWrite } from '../linux/tun-io.js';

/** Options of both factories (structured-clonable; passed to the driver worker). */
export interface TunIoOptions {
  /**
   * An O_NONBLOCK TUN fd for this loop alone: a duplicate the host made for this loop, closed by
   * the host only after the loop ended. The loop never sees the number the adapter itself holds,
   * so closing the adapter can never leave a loop doing I/O on a number it does not own.
   */
  readonly fd: number;
  /** Native address of the ring's first byte (`TunRing.bytes[0]`): the Send ring for the source, the Receive ring for the sink. */
  readonly address: bigint;
  /** `TunRing.ringSize` of that ring: tells the ring (read in place) from the producer's bounce buffer. */
  readonly ringSize: number;
}

/**
 * The producer's source: one packet per call, read from the TUN fd straight into ring memory at
 * `address + payloadOffset` (poll-bounded by `timeoutMs`). When the device disappears, it asks the
 * loop to end the Send ring (Tail = 0xFFFFFFFF, as Wintun does on unregistration), so the session
 * sees the end of its stream.
 */
export function createPacketSource(options: TunIoOptions, context: DriverIoContext): PacketSource {
  const { fd, address, ringSize } = options;
  // Before the worker reports ready, never at the first read: see bindTunIo.
  bindTunIo();
  // True once a read found the fd empty: the next waiting read polls first instead of failing a
  // read again (the producer's batch always ends with such a read, so at low rates this saves one
  // syscall per packet; under load reads succeed and no poll is made).
  let empty = false;
  // True when the last read returned a packet: a read that does not wait is then the next of the
  // same batch, and the batch usually ends with it (EAGAIN): tunReadNext skips the errno call.
  let more = false;
  return {
    read(ringBytes, payloadOffset, maxLength, timeoutMs) {
      // maxLength is 0xFFFF (the loop's default): the kernel never truncates a TUN packet then.
      const inRing = ringBytes.byteLength === ringSize;
      let n: number;
      if (more && timeoutMs === 0 && inRing) {
        n = tunReadNext(fd, address + BigInt(payloadOffset), maxLength);
      } else if (empty && timeoutMs > 0) {
        n = tunReadAfterEmpty(fd, inRing ? address + BigInt(payloadOffset) : ringBytes.subarray(payloadOffset, payloadOffset + maxLength), maxLength, timeoutMs);
      } else if (inRing) {
        n = tunRead(fd, address + BigInt(payloadOffset), maxLength, timeoutMs);
      } else {
        n = tunReadBytes(fd, ringBytes.subarray(payloadOffset, payloadOffset + maxLength), timeoutMs);
      }
      empty = n === TUN_READ_TIMEOUT;
      more = n > 0;
      if (n === TUN_READ_GONE) {
        Atomics.store(context.control, DriverControl.DEVICE_GONE, 1);
        Atomics.store(context.control, DriverControl.CLOSE_SEND, 1);
        return 0;
      }
      return n;
    },
  };
}

/**
 * The consumer's sink: writes each validated IP packet from ring memory at `address + payloadOffset`
 * to the TUN fd (never blocks). A packet the kernel refuses is counted; a vanished device aborts the
 * Receive ring (Head = 0xFFFFFFFF), so the session's next send reports the end.
 */
export function createPacketSink(options: TunIoOptions, context: DriverIoContext): PacketSink {
  const { fd, address } = options;
  bindTunIo();
  return {
    write(_ringBytes, payloadOffset, length) {
      try {
        if (!tunWrite(fd, address + BigInt(payloadOffset), length)) Atomics.add(context.control, DriverControl.KERNEL_DROPS, 1);
      } catch (error) {
        if (!(error instanceof WintunError) || error.code !== 'ERR_WINTUN_EOF') throw error;
        Atomics.store(context.control, DriverControl.DEVICE_GONE, 1);
        Atomics.store(context.control, DriverControl.ABORT_RECEIVE, 1);
      }
    },
  };
}
