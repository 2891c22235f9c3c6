/**
 * `@wintun-ts/adapter`: adapter lifecycle and configuration on Windows (Wintun) and Linux (TUN),
 * and sessions on them. Re-exports everything of `@wintun-ts/session` and below.
 *
 * @packageDocumentation
 */
export * from '@wintun-ts/session';
export { Adapter, setPlatformBackend } from './adapter.js';
export {
  parseIp,
  parseCidr,
  networkOf,
  formatIp,
  formatIpv6,
  validateAdapterName,
  validateTunnelType,
  normalizeGuid,
  MAX_ADAPTER_NAME_LENGTH,
} from './net.js';
export type { IpAddress, IpPrefix } from './net.js';
export type {
  AdapterAddress,
  AdapterBackend,
  AdapterCreateOptions,
  AdapterInfo,
  AdapterLogLevel,
  AdapterLogger,
  AdapterOpenOptions,
  ParsedRoute,
  PlatformBackend,
  RouteOptions,
  StartSessionOptions,
} from './types.js';
export {
  EchoResponder,
  startEchoResponder,
  internetChecksum,
  buildIcmpEcho,
  buildUdpPacket,
  parsePacket,
  echoReplyInPlace,
  classifyEcho,
} from './echo.js';
export type { EchoFilter, EchoKind, EchoResponderOptions, EchoStats, IcmpEchoFields, ParsedPacket, UdpFields } from './echo.js';
