/**
 * `@wintun-ts/adapter/packet`: the packet toolkit of `@wintun-ts/session/packet`, handed up by
 * name for programs built on the adapter (the CLI, the examples): IP address parsing, the Internet
 * checksum, ICMP echo and UDP builders, a parser, the in-place echo rewrite and
 * `EchoResponder`. Pure code over bytes; importing it runs nothing native.
 *
 * @module @wintun-ts/adapter/packet
 * @group Subpaths
 */
export {
  parseIp,
  parseCidr,
  networkOf,
  formatIp,
  formatIpv6,
  internetChecksum,
  buildIcmpEcho,
  buildUdpPacket,
  parsePacket,
  echoReplyInPlace,
  classifyEcho,
  EchoResponder,
  startEchoResponder,
} from '@wintun-ts/session/packet';
export type {
  IpAddress,
  IpPrefix,
  IcmpEchoFields,
  UdpFields,
  ParsedPacket,
  EchoKind,
  EchoFilter,
  EchoResponderOptions,
  EchoStats,
} from '@wintun-ts/session/packet';
