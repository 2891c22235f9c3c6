export * from '@wintun-ts/abi';
/**
 * `@wintun-ts/ring`: the Wintun ring protocol over any memory, zero-allocation and offset-based.
 * Client role ({@link SendRingReader}, {@link ReceiveRingWriter}, as wintun.dll's session) and
 * driver role ({@link SendRingProducer}, {@link ReceiveRingConsumer}, as the kernel driver), over
 * native memory ({@link allocateRingMemory}) or a SharedArrayBuffer. Re-exports `@wintun-ts/abi`.
 * Importing this package runs nothing native.
 *
 * @packageDocumentation
 */
export { allocateRingMemory, attachRingMemory, wrapRingMemory } from './memory.js';
export type { RingMemory, RingMemoryKind, AllocateRingMemoryOptions, WrapRingMemoryOptions } from './memory.js';
export { TunRing, ringPairSize, createRingPair, RING_EMPTY, RING_FULL, RING_EOF, RING_PAYLOAD_BIAS } from './ring.js';
export type { RingPairLayout, RingPair } from './ring.js';
export { SendRingReader, ReceiveRingWriter } from './client.js';
export { SendRingProducer, ReceiveRingConsumer } from './driver.js';
