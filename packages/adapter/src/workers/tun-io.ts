/**
 * I/O module of the Linux driver workers (`dist/workers/tun-io.js`), imported by the session's
 * driver worker: a `PacketSource` that reads the TUN fd straight into the Send ring's native memory
 * and a `PacketSink` that writes straight out of the Receive ring's native memory. Both wait at most
 * the loop's bound (poll with a timeout), so stopping never hangs.
 *
 * The fd is opened by the main thread and passed by number (fds are process-wide); the main thread
 * closes it only after both workers have stopped.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/session';
import { DriverControl, type DriverIoContext, type PacketSink, type PacketSource } from '@wintun-ts/session/driver';
import { TUN_READ_GONE, tunRead, tunReadBytes, tunWrite } from '../linux/tun-io.js';

/** Slots of {@link TunIoOptions.counters} (an Int32Array over a SharedArrayBuffer). */
export const TunIoCounter = {
  /** Packets the kernel refused on write (interface down, no buffer space, not IP to the kernel). */
  KERNEL_DROPS: 0,
  /** 1 once the producer saw the device disappear. */
  DEVICE_GONE: 1,
  /** Number of slots. */
  SIZE: 4,
} as const;

/** Options of both factories (structured-clonable; passed through the worker's `workerData`). */
export interface TunIoOptions {
  /** The TUN fd (O_NONBLOCK), owned by the main thread. */
  readonly fd: number;
  /** Native address of the ring's first byte (`TunRing.bytes[0]`): the Send ring for the source, the Receive ring for the sink. */
  readonly address: bigint;
  /** `TunRing.ringSize` of that ring: tells the ring (read in place) from the producer's scratch buffer (dropped packet). */
  readonly ringSize: number;
  /** Counters shared with the main thread ({@link TunIoCounter}). */
  readonly counters: SharedArrayBuffer;
}

/**
 * The producer's source: one packet per call, read from the TUN fd straight into ring memory at
 * `address + payloadOffset` (poll-bounded by `timeoutMs`). When the device disappears, it asks the
 * loop to end the Send ring (Tail = 0xFFFFFFFF, as Wintun does on unregistration), so the session
 * sees the end of its stream.
 */
export function createPacketSource(options: TunIoOptions, context: DriverIoContext): PacketSource {
  const { fd, address, ringSize } = options;
  const counters = new Int32Array(options.counters);
  return {
    read(ringBytes, payloadOffset, maxLength, timeoutMs) {
      const n =
        ringBytes.byteLength === ringSize
          ? tunRead(fd, address + BigInt(payloadOffset), maxLength, timeoutMs)
          : tunReadBytes(fd, ringBytes.subarray(payloadOffset, payloadOffset + maxLength), timeoutMs);
      if (n === TUN_READ_GONE) {
        Atomics.store(counters, TunIoCounter.DEVICE_GONE, 1);
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
  const counters = new Int32Array(options.counters);
  return {
    write(_ringBytes, payloadOffset, length) {
      try {
        if (!tunWrite(fd, address + BigInt(payloadOffset), length)) Atomics.add(counters, TunIoCounter.KERNEL_DROPS, 1);
      } catch (error) {
        if (!(error instanceof WintunError) || error.code !== 'ERR_WINTUN_EOF') throw error;
        Atomics.store(counters, TunIoCounter.DEVICE_GONE, 1);
        Atomics.store(context.control, DriverControl.ABORT_RECEIVE, 1);
      }
    },
  };
}
