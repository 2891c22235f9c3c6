/**
 * `@wintun-ts/ring`: the Wintun ring protocol over any memory, zero-allocation and offset-based.
 * Client role ({@link SendRingReader}, {@link ReceiveRingWriter}, as wintun.dll's session) and
 * driver role ({@link SendRingProducer}, {@link ReceiveRingConsumer}, as the kernel driver), over
 * native memory ({@link allocateRingMemory}) or a SharedArrayBuffer. Importing this package runs
 * nothing native.
 *
 * Re-exported by name from `@wintun-ts/abi`, what a ring user needs (each documented once, where it is declared):
 * - errors:
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".WintunError | WintunError},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".WintunErrorCodes | WintunErrorCodes},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".isWintunError | isWintunError},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".WintunErrorCode | WintunErrorCode},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".WintunErrorCodeInfo | WintunErrorCodeInfo};
 * - ring geometry:
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".WINTUN_MIN_RING_CAPACITY | WINTUN_MIN_RING_CAPACITY},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".WINTUN_MAX_RING_CAPACITY | WINTUN_MAX_RING_CAPACITY},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".WINTUN_DEFAULT_RING_CAPACITY | WINTUN_DEFAULT_RING_CAPACITY},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".WINTUN_MAX_IP_PACKET_SIZE | WINTUN_MAX_IP_PACKET_SIZE},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".TUN_RING_SENTINEL | TUN_RING_SENTINEL},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".isValidRingCapacity | isValidRingCapacity},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".ringSizeFromCapacity | ringSizeFromCapacity},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".capacityFromRingSize | capacityFromRingSize},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".tunPacketAlign | tunPacketAlign}.
 *
 * The platform bindings are handed up on `@wintun-ts/ring/linux` and `@wintun-ts/ring/win32`;
 * everything else of the ABI is in `@wintun-ts/abi`.
 *
 * @module @wintun-ts/ring
 * @group Package root
 */
export { allocateRingMemory, attachRingMemory, wrapRingMemory } from './memory.js';
export type { RingMemory, RingMemoryKind, AllocateRingMemoryOptions, WrapRingMemoryOptions } from './memory.js';
export { TunRing, ringPairSize, createRingPair, RING_EMPTY, RING_FULL, RING_EOF, RING_PAYLOAD_BIAS } from './ring.js';
export type { RingPairLayout, RingPair } from './ring.js';
export { SendRingReader, ReceiveRingWriter } from './client.js';
export { SendRingProducer, ReceiveRingConsumer } from './driver.js';
export {
  WintunError,
  WintunErrorCodes,
  isWintunError,
  WINTUN_MIN_RING_CAPACITY,
  WINTUN_MAX_RING_CAPACITY,
  WINTUN_DEFAULT_RING_CAPACITY,
  WINTUN_MAX_IP_PACKET_SIZE,
  TUN_RING_SENTINEL,
  isValidRingCapacity,
  ringSizeFromCapacity,
  capacityFromRingSize,
  tunPacketAlign,
} from '@wintun-ts/abi';
export type { WintunErrorCode, WintunErrorCodeInfo } from '@wintun-ts/abi';
