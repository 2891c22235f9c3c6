/**
 * `@wintun-ts/adapter`: a virtual layer-3 network adapter on Windows (Wintun) and Linux (TUN), and
 * the session that moves its packets. {@link Adapter} creates, opens, configures and lists
 * adapters and starts their `Session`; the session's types, the driver's counters,
 * `WintunError` with its code table, and the ring capacity limits come with it.
 *
 * Re-exported by name from the layers below (each documented once, where it is declared):
 * - the session:
 *   {@link @wintun-ts/session!"@wintun-ts/session".Session | Session},
 *   {@link @wintun-ts/session!"@wintun-ts/session".SessionOptions | SessionOptions},
 *   {@link @wintun-ts/session!"@wintun-ts/session".SessionStats | SessionStats},
 *   {@link @wintun-ts/session!"@wintun-ts/session".ReceiveOptions | ReceiveOptions},
 *   {@link @wintun-ts/session!"@wintun-ts/session".ReceivedPacket | ReceivedPacket},
 *   {@link @wintun-ts/session!"@wintun-ts/session".SendSlot | SendSlot};
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
 *   {@link @wintun-ts/abi!"@wintun-ts/abi".isValidRingCapacity | isValidRingCapacity};
 * - addresses:
 *   {@link @wintun-ts/session!"@wintun-ts/session/packet".parseIp | parseIp},
 *   {@link @wintun-ts/session!"@wintun-ts/session/packet".parseCidr | parseCidr},
 *   {@link @wintun-ts/session!"@wintun-ts/session/packet".IpAddress | IpAddress},
 *   {@link @wintun-ts/session!"@wintun-ts/session/packet".IpPrefix | IpPrefix}.
 *
 * Subpaths, off this page: `@wintun-ts/adapter/testing` (an in-memory driver and injectable
 * platform backends for your tests), `@wintun-ts/adapter/packet` (checksums, packet builders and
 * parser, the echo responder), `@wintun-ts/adapter/driver` (rings, events and driver loops, for
 * benchmarks and custom drivers). Platform code loads lazily: importing this package runs nothing
 * native and loads no backend.
 *
 * @module @wintun-ts/adapter
 * @group Package root
 */
export { Adapter } from './adapter.js';
export type {
  AdapterAddress,
  AdapterCreateOptions,
  AdapterInfo,
  AdapterLogLevel,
  AdapterLogger,
  AdapterOpenOptions,
  InterfaceCounters,
  RouteOptions,
  StartSessionOptions,
  StartSessionEngine,
  StartSessionIo,
} from './types.js';
export { parseIp, parseCidr, validateAdapterName, validateTunnelType, normalizeGuid, MAX_ADAPTER_NAME_LENGTH } from './net.js';
export type { IpAddress, IpPrefix } from './net.js';
export { Session } from '@wintun-ts/session';
export type { SessionOptions, SessionStats, ReceiveOptions, ReceivedPacket, SendSlot, DriverStats, SessionEngine } from '@wintun-ts/session';
export {
  WintunError,
  WintunErrorCodes,
  isWintunError,
  WINTUN_MIN_RING_CAPACITY,
  WINTUN_MAX_RING_CAPACITY,
  WINTUN_DEFAULT_RING_CAPACITY,
  WINTUN_MAX_IP_PACKET_SIZE,
  isValidRingCapacity,
} from '@wintun-ts/session';
export type { WintunErrorCode, WintunErrorCodeInfo } from '@wintun-ts/session';
