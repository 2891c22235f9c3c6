/**
 * Worker I/O module of the emulated Wintun driver (a tsup entry, `dist/windows/emulated-io.js`):
 * the "network stack" the driver loops of `@wintun-ts/session` talk to, over the `PacketQueue`s of `@wintun-ts/session/testing`.
 * The producer (Send ring) reads what the stack routes into the tunnel from one queue; the consumer
 * (Receive ring) hands what userspace injected to another queue, or, in echo mode, to the
 * producer's own queue with source and destination swapped (a peer answering every packet).
 * Imported by `startDriverWorkers` inside its workers; not for direct use.
 *
 * @module
 */
import type { PacketSink, PacketSource } from '@wintun-ts/session/driver';
import { PacketQueue, queuePacketSink, queuePacketSource, type PacketQueueDescriptor } from '@wintun-ts/session/testing';

/** Options of {@link createPacketSource}. */
export interface EmulatedSourceOptions {
  /** The queue the stack writes into (routed into the tunnel). */
  readonly queue: PacketQueueDescriptor;
}

/** Options of {@link createPacketSink}. */
export interface EmulatedSinkOptions {
  /** The queue injected packets go to. */
  readonly queue: PacketQueueDescriptor;
  /** Swap source and destination addresses before queueing (echo mode). */
  readonly reflect: boolean;
}

/** Reads packets the stack routes into the tunnel, straight into the Send ring (bounded waits). */
export function createPacketSource(options: EmulatedSourceOptions): PacketSource {
  return queuePacketSource(new PacketQueue(options.queue));
}

/** Hands injected packets to the stack; waits (bounded, re-checking stop) while the queue is full. */
export function createPacketSink(options: EmulatedSinkOptions, context: { stopped(): boolean }): PacketSink {
  return queuePacketSink(new PacketQueue(options.queue), context, options.reflect ? swapIpAddresses : undefined);
}

/**
 * Swaps the source and destination addresses of an IPv4 or IPv6 packet in place (anything else is
 * left alone): what a peer answering from the other end of the tunnel would send back. Pure apart
 * from mutating `bytes`.
 */
export function swapIpAddresses(bytes: Uint8Array, offset: number, length: number): void {
  const version = (bytes[offset] ?? 0) >> 4;
  let src: number;
  let size: number;
  if (version === 4 && length >= 20) {
    src = offset + 12;
    size = 4;
  } else if (version === 6 && length >= 40) {
    src = offset + 8;
    size = 16;
  } else {
    return;
  }
  for (let i = 0; i < size; i++) {
    const a = bytes[src + i] ?? 0;
    bytes[src + i] = bytes[src + size + i] ?? 0;
    bytes[src + size + i] = a;
  }
}
