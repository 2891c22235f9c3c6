/**
 * `@wintun-ts/session/packet`: the packet toolkit in one place. IP address parsing and formatting,
 * the Internet checksum, ICMP echo and UDP builders, a parser, the in-place echo rewrite, and
 * {@link EchoResponder}, which answers pings and UDP datagrams through a `Session`. Pure code
 * over bytes (the responder aside, which owns its session's receiving side); importing it runs
 * nothing native.
 *
 * @module @wintun-ts/session/packet
 * @group Subpaths
 */
export { parseIp, parseCidr, networkOf, formatIp, formatIpv6 } from './address.js';
export type { IpAddress, IpPrefix } from './address.js';
export { internetChecksum, buildIcmpEcho, buildUdpPacket, parsePacket, echoReplyInPlace, classifyEcho } from './toolkit.js';
export type { IcmpEchoFields, UdpFields, ParsedPacket, EchoKind, EchoFilter } from './toolkit.js';
export { EchoResponder, startEchoResponder } from './echo.js';
export type { EchoResponderOptions, EchoStats } from './echo.js';
