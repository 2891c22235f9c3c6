/**
 * I/O module of the in-memory test driver: a `PacketSource` and a `PacketSink` over
 * SharedArrayBuffer packet queues shared with the main thread. Imported inside driver workers.
 *
 * @module
 */
import { PacketQueue } from '../testing/queue.js';
import type { PacketQueueDescriptor } from '../testing/queue.js';
import type { PacketSink, PacketSource } from '../driver/loops.js';

/** Options of both factories: the queue to read from / write to. */
export interface MemoryIoOptions {
  /** The queue. */
  readonly queue: PacketQueueDescriptor;
}

/** Reads injected packets from the queue straight into the Send ring. */
export function createPacketSource(options: MemoryIoOptions): PacketSource {
  const queue = new PacketQueue(options.queue);
  const pop = (bytes: Uint8Array, offset: number, max: number): number => {
    try {
      return queue.popInto(bytes, offset, max);
    } catch {
      return 0; // larger than the reservation: dropped
    }
  };
  return {
    read(bytes, offset, max, timeoutMs) {
      const n = pop(bytes, offset, max);
      if (n !== 0 || timeoutMs <= 0) return n;
      queue.waitReadableSync(timeoutMs);
      return pop(bytes, offset, max);
    },
  };
}

/** Writes the packets userspace sent into the queue; waits (bounded, rechecking stop) when it is full. */
export function createPacketSink(options: MemoryIoOptions, context: { stopped(): boolean }): PacketSink {
  const queue = new PacketQueue(options.queue);
  return {
    write(bytes, offset, length) {
      while (!queue.push(bytes, offset, length)) {
        if (queue.closed || context.stopped()) return;
        queue.waitWritableSync(10);
      }
    },
  };
}
