/**
 * `@wintun-ts/session`: a Wintun session with wait/alert semantics over two rings (layer 3 of
 * wintun-ts). {@link Session} receives and sends packets; its types, the driver's counters
 * ({@link DriverStats}), `WintunError` and the ring capacity limits are all a session user
 * needs. Importing this package runs nothing native.
 *
 * Re-exported by name from the layers below (each documented once, where it is declared):
 * - errors:
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".WintunError | WintunError},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".WintunErrorCodes | WintunErrorCodes},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".isWintunError | isWintunError},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".WintunErrorCode | WintunErrorCode},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".WintunErrorCodeInfo | WintunErrorCodeInfo};
 * - ring capacity:
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".WINTUN_MIN_RING_CAPACITY | WINTUN_MIN_RING_CAPACITY},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".WINTUN_MAX_RING_CAPACITY | WINTUN_MAX_RING_CAPACITY},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".WINTUN_DEFAULT_RING_CAPACITY | WINTUN_DEFAULT_RING_CAPACITY},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".WINTUN_MAX_IP_PACKET_SIZE | WINTUN_MAX_IP_PACKET_SIZE},
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".isValidRingCapacity | isValidRingCapacity}.
 *
 * Subpaths, off this page: `@wintun-ts/session/testing` (an in-memory driver for your tests),
 * `@wintun-ts/session/packet` (checksums, packet builders and parser, the echo responder),
 * `@wintun-ts/session/driver` (rings, events, driver loops and worker hosting: what a backend
 * that plays the driver is built from), and `@wintun-ts/session/linux`, `@wintun-ts/session/win32`
 * (the platform bindings handed up from `@wintun-ts/abi`).
 *
 * @module @wintun-ts/session
 * @group Package root
 */
export { Session } from './session.js';
export type { SessionEngine } from './session.js';
export type { SessionOptions, SessionStats, ReceiveOptions, ReceivedPacket, SendSlot, PacketBatch, BatchOptions, ReceiveIntoOptions } from './session.js';
export type { DriverStats } from './driver/stats.js';
export {
  WintunError,
  WintunErrorCodes,
  isWintunError,
  WINTUN_MIN_RING_CAPACITY,
  WINTUN_MAX_RING_CAPACITY,
  WINTUN_DEFAULT_RING_CAPACITY,
  WINTUN_MAX_IP_PACKET_SIZE,
  isValidRingCapacity,
} from '@wintun-ts/ring';
export type { WintunErrorCode, WintunErrorCodeInfo } from '@wintun-ts/ring';
