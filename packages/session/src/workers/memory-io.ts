/**
 * I/O module of the in-memory test driver: a `PacketSource` and a `PacketSink` over
 * SharedArrayBuffer packet queues shared with the main thread. Imported inside driver workers.
 *
 * @module
 */
import { PacketQueue, queuePacketSink, queuePacketSource } from '../testing/queue.js';
import type { PacketQueueDescriptor } from '../testing/queue.js';
import type { PacketSink, PacketSource } from '../driver/loops.js';

/** Options of both factories: the queue to read from / write to. */
export interface MemoryIoOptions {
  /** The queue. */
  readonly queue: PacketQueueDescriptor;
}

/** Reads injected packets from the queue straight into the Send ring. */
export function createPacketSource(options: MemoryIoOptions): PacketSource {
  return queuePacketSource(new PacketQueue(options.queue));
}

/** Writes the packets userspace sent into the queue; waits (bounded, rechecking stop) when it is full. */
export function createPacketSink(options: MemoryIoOptions, context: { stopped(): boolean }): PacketSink {
  return queuePacketSink(new PacketQueue(options.queue), context);
}
