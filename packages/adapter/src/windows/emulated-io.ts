/**
 * Worker I/O module of the emulated Wintun driver (a tsup entry, `dist/windows/emulated-io.js`):
 * the "network stack" the driver loops of `@wintun-ts/session` talk to, over {@link StackQueue}s.
 * The producer (Send ring) reads what the stack routes into the tunnel from one queue; the consumer
 * (Receive ring) hands what userspace injected to another queue, or, in echo mode, to the
 * producer's own queue with source and destination swapped (a peer answering every packet).
 * Imported by `startDriverWorkers` inside its workers; not for direct use.
 *
 * @module
 */
import type { PacketSink, PacketSource } from '@wintun-ts/session';
import { StackQueue, swapIpAddresses } from './stack-queue.js';

/** Options of {@link createPacketSource}. */
export interface EmulatedSourceOptions {
  /** The queue the stack writes into (routed into the tunnel). */
  readonly queue: SharedArrayBuffer;
}

/** Options of {@link createPacketSink}. */
export interface EmulatedSinkOptions {
  /** The queue injected packets go to. */
  readonly queue: SharedArrayBuffer;
  /** Swap source and destination addresses before queueing (echo mode). */
  readonly reflect: boolean;
}

/** Reads packets the stack routes into the tunnel, straight into the Send ring (bounded waits). */
export function createPacketSource(options: EmulatedSourceOptions): PacketSource {
  const queue = new StackQueue(options.queue);
  return {
    read(bytes, offset, max, timeoutMs) {
      const n = queue.popInto(bytes, offset, max);
      if (n !== 0 || timeoutMs <= 0) return n;
      queue.waitReadableSync(timeoutMs);
      return queue.popInto(bytes, offset, max);
    },
  };
}

/** Hands injected packets to the stack; waits (bounded, re-checking stop) while the queue is full. */
export function createPacketSink(options: EmulatedSinkOptions, context: { stopped(): boolean }): PacketSink {
  const queue = new StackQueue(options.queue);
  const transform = options.reflect ? swapIpAddresses : undefined;
  return {
    write(bytes, offset, length) {
      while (!queue.push(bytes, offset, length, transform)) {
        if (queue.closed || context.stopped()) return;
        queue.waitWritableSync(10);
      }
    },
  };
}
