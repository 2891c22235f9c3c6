/**
 * Pure rtnetlink encoders and decoders: `nlmsghdr`, `rtattr` (with nesting), `ifinfomsg`,
 * `ifaddrmsg`, `rtmsg`, `nlmsgerr`. No native code; little-endian hosts (x86-64, arm64).
 *
 * @module
 */
import { WintunError } from '../errors.js';
import {
  IFADDRMSG_SIZE,
  IFINFOMSG_SIZE,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_HDRLEN,
  NLMSGERR_ATTR_MSG,
  RTA_HDRLEN,
  RTMSG_SIZE,
  SOCKADDR_NL_SIZE,
  LINUX_AF_NETLINK,
} from './constants.js';
import { badArgument, checkBytes, checkInt, checkInt32, checkObject, checkString } from '../check.js';
import { isUint8Array } from 'node:util/types';

/** Rounds up to the 4-byte netlink alignment (`NLMSG_ALIGN` / `RTA_ALIGN`). */
export function netlinkAlign(length: number): number {
  if (typeof length !== 'number') badArgument('netlinkAlign', 'length', 'a number', length);
  return (length + 3) & ~3;
}

/** One route attribute to encode: a raw value, or nested attributes. */
export interface NetlinkAttribute {
  /** Attribute type (`IFLA_*`, `IFA_*`, `RTA_*`, ...). */
  readonly type: number;
  /** The value bytes, or the nested attributes. */
  readonly value: Uint8Array | readonly NetlinkAttribute[];
}

function attributesLength(attributes: readonly NetlinkAttribute[]): number {
  let total = 0;
  for (const attribute of attributes) total += netlinkAlign(attributeLength(attribute));
  return total;
}

function attributeLength(attribute: NetlinkAttribute): number {
  return RTA_HDRLEN + (isUint8Array(attribute.value) ? attribute.value.byteLength : attributesLength(attribute.value));
}

function writeAttributes(target: Uint8Array, view: DataView, offset: number, attributes: readonly NetlinkAttribute[]): number {
  for (const attribute of attributes) {
    const length = attributeLength(attribute);
    view.setUint16(offset, length, true);
    view.setUint16(offset + 2, attribute.type, true);
    if (isUint8Array(attribute.value)) target.set(attribute.value, offset + RTA_HDRLEN);
    else writeAttributes(target, view, offset + RTA_HDRLEN, attribute.value);
    offset += netlinkAlign(length);
  }
  return offset;
}

/** Header fields of a netlink message to encode. */
export interface NetlinkHeader {
  /** `nlmsg_type` (`RTM_*`). */
  readonly type: number;
  /** `nlmsg_flags` (`NLM_F_*`). */
  readonly flags: number;
  /** `nlmsg_seq`: matched against the reply. */
  readonly seq: number;
  /** `nlmsg_pid`: 0 for the kernel. */
  readonly pid?: number | undefined;
}

/**
 * Encodes one netlink message: header, fixed body (`ifinfomsg`, ...), attributes.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` when an attribute exceeds 65535 bytes.
 */
export function encodeNetlinkMessage(header: NetlinkHeader, body: Uint8Array, attributes: readonly NetlinkAttribute[] = []): Uint8Array {
  checkFields('encodeNetlinkMessage', 'header', header, ['type', 'flags', 'seq'], ['pid']);
  checkBytes('encodeNetlinkMessage', 'body', body);
  checkAttributes('encodeNetlinkMessage', attributes, 0);
  for (const attribute of attributes) {
    if (attributeLength(attribute) > 0xffff) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `Netlink attribute ${attribute.type} is longer than 65535 bytes.`);
    }
  }
  const length = NLMSG_HDRLEN + netlinkAlign(body.byteLength) + attributesLength(attributes);
  const message = new Uint8Array(length);
  const view = new DataView(message.buffer);
  view.setUint32(0, length, true);
  view.setUint16(4, header.type, true);
  view.setUint16(6, header.flags, true);
  view.setUint32(8, header.seq >>> 0, true);
  view.setUint32(12, (header.pid ?? 0) >>> 0, true);
  message.set(body, NLMSG_HDRLEN);
  writeAttributes(message, view, NLMSG_HDRLEN + netlinkAlign(body.byteLength), attributes);
  return message;
}

/** A u32 attribute (host order). */
export function netlinkU32(type: number, value: number): NetlinkAttribute {
  checkInt('netlinkU32', 'type', type, 0, 0xffff);
  checkInt32('netlinkU32', 'value', value);
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
  return { type, value: bytes };
}

/** A NUL-terminated string attribute (UTF-8). */
export function netlinkString(type: number, value: string): NetlinkAttribute {
  checkInt('netlinkString', 'type', type, 0, 0xffff);
  checkString('netlinkString', 'value', value);
  const encoded = new TextEncoder().encode(value);
  const bytes = new Uint8Array(encoded.length + 1);
  bytes.set(encoded);
  return { type, value: bytes };
}

/** A raw bytes attribute (addresses in network order, ...). */
export function netlinkBytes(type: number, value: Uint8Array): NetlinkAttribute {
  checkInt('netlinkBytes', 'type', type, 0, 0xffff);
  checkBytes('netlinkBytes', 'value', value);
  return { type, value };
}

/** One decoded netlink message; `payload` is a view of the receive buffer (copy it to keep it). */
export interface NetlinkMessage {
  /** `nlmsg_type`. */
  readonly type: number;
  /** `nlmsg_flags`. */
  readonly flags: number;
  /** `nlmsg_seq`. */
  readonly seq: number;
  /** `nlmsg_pid`. */
  readonly pid: number;
  /** Everything after the 16-byte header, up to `nlmsg_len`. */
  readonly payload: Uint8Array;
}

/**
 * Splits a received datagram into netlink messages.
 *
 * @throws WintunError `ERR_WINTUN_OS` when a header length is impossible (truncated datagram).
 */
export function decodeNetlinkMessages(buffer: Uint8Array): NetlinkMessage[] {
  checkBytes('decodeNetlinkMessages', 'buffer', buffer);
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const messages: NetlinkMessage[] = [];
  let offset = 0;
  while (offset + NLMSG_HDRLEN <= buffer.byteLength) {
    const length = view.getUint32(offset, true);
    if (length < NLMSG_HDRLEN || offset + length > buffer.byteLength) {
      throw new WintunError('ERR_WINTUN_OS', `Malformed netlink message: length ${length} at offset ${offset} of a ${buffer.byteLength}-byte datagram.`);
    }
    messages.push({
      type: view.getUint16(offset + 4, true),
      flags: view.getUint16(offset + 6, true),
      seq: view.getUint32(offset + 8, true),
      pid: view.getUint32(offset + 12, true),
      payload: buffer.subarray(offset + NLMSG_HDRLEN, offset + length),
    });
    offset += netlinkAlign(length);
  }
  return messages;
}

/**
 * Decodes the attributes in `bytes` (a payload after its fixed body, or a nested attribute's
 * value) into a map from type to value view. Later duplicates win; the nested flag bits (0x8000,
 * 0x4000) are masked off the type.
 */
export function decodeNetlinkAttributes(bytes: Uint8Array): Map<number, Uint8Array> {
  checkBytes('decodeNetlinkAttributes', 'bytes', bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const attributes = new Map<number, Uint8Array>();
  let offset = 0;
  while (offset + RTA_HDRLEN <= bytes.byteLength) {
    const length = view.getUint16(offset, true);
    if (length < RTA_HDRLEN || offset + length > bytes.byteLength) break;
    attributes.set(view.getUint16(offset + 2, true) & 0x3fff, bytes.subarray(offset + RTA_HDRLEN, offset + length));
    offset += netlinkAlign(length);
  }
  return attributes;
}

/** Reads a u32 attribute value (host order); `undefined` when absent or short. */
export function netlinkReadU32(value: Uint8Array | undefined): number | undefined {
  if (value !== undefined) checkBytes('netlinkReadU32', 'value', value);
  if (value === undefined || value.byteLength < 4) return undefined;
  return new DataView(value.buffer, value.byteOffset, 4).getUint32(0, true);
}

/** Reads a NUL-terminated string attribute value; `undefined` when absent. */
export function netlinkReadString(value: Uint8Array | undefined): string | undefined {
  if (value === undefined) return undefined;
  checkBytes('netlinkReadString', 'value', value);
  const end = value.indexOf(0);
  return new TextDecoder().decode(end < 0 ? value : value.subarray(0, end));
}

/** `struct ifinfomsg`. */
export interface Ifinfomsg {
  /** `ifi_family` (`AF_UNSPEC`). */
  readonly family: number;
  /** `ifi_type` (`ARPHRD_*`). */
  readonly type: number;
  /** `ifi_index` (0 = by name / any). */
  readonly index: number;
  /** `ifi_flags` (`IFF_UP`, ...). */
  readonly flags: number;
  /** `ifi_change`: which flag bits to change (0xffffffff = all). */
  readonly change: number;
}

/** Encodes a `struct ifinfomsg` (16 bytes). */
export function encodeIfinfomsg(value: Partial<Ifinfomsg>): Uint8Array {
  checkFields('encodeIfinfomsg', 'value', value, [], ['family', 'type', 'index', 'flags', 'change']);
  const bytes = new Uint8Array(IFINFOMSG_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, value.family ?? 0);
  view.setUint16(2, value.type ?? 0, true);
  view.setInt32(4, value.index ?? 0, true);
  view.setUint32(8, (value.flags ?? 0) >>> 0, true);
  view.setUint32(12, (value.change ?? 0) >>> 0, true);
  return bytes;
}

/**
 * Decodes the `struct ifinfomsg` at the start of a payload.
 *
 * @throws WintunError `ERR_WINTUN_OS` when the payload is too short.
 */
export function decodeIfinfomsg(payload: Uint8Array): Ifinfomsg {
  need(payload, IFINFOMSG_SIZE, 'ifinfomsg');
  const view = new DataView(payload.buffer, payload.byteOffset, IFINFOMSG_SIZE);
  return {
    family: view.getUint8(0),
    type: view.getUint16(2, true),
    index: view.getInt32(4, true),
    flags: view.getUint32(8, true),
    change: view.getUint32(12, true),
  };
}

/** `struct ifaddrmsg`. */
export interface Ifaddrmsg {
  /** `ifa_family` (`LINUX_AF_INET` / `LINUX_AF_INET6`). */
  readonly family: number;
  /** `ifa_prefixlen`. */
  readonly prefixLength: number;
  /** `ifa_flags` (low 8 bits of `IFA_F_*`). */
  readonly flags: number;
  /** `ifa_scope` (`RT_SCOPE_*`). */
  readonly scope: number;
  /** `ifa_index`: interface index. */
  readonly index: number;
}

/** Encodes a `struct ifaddrmsg` (8 bytes). */
export function encodeIfaddrmsg(value: Ifaddrmsg): Uint8Array {
  checkFields('encodeIfaddrmsg', 'value', value, ['family', 'prefixLength', 'flags', 'scope', 'index']);
  const bytes = new Uint8Array(IFADDRMSG_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint8(0, value.family);
  view.setUint8(1, value.prefixLength);
  view.setUint8(2, value.flags & 0xff);
  view.setUint8(3, value.scope);
  view.setUint32(4, value.index >>> 0, true);
  return bytes;
}

/**
 * Decodes the `struct ifaddrmsg` at the start of a payload.
 *
 * @throws WintunError `ERR_WINTUN_OS` when the payload is too short.
 */
export function decodeIfaddrmsg(payload: Uint8Array): Ifaddrmsg {
  need(payload, IFADDRMSG_SIZE, 'ifaddrmsg');
  const view = new DataView(payload.buffer, payload.byteOffset, IFADDRMSG_SIZE);
  return {
    family: view.getUint8(0),
    prefixLength: view.getUint8(1),
    flags: view.getUint8(2),
    scope: view.getUint8(3),
    index: view.getUint32(4, true),
  };
}

/** `struct rtmsg`. */
export interface Rtmsg {
  /** `rtm_family`. */
  readonly family: number;
  /** `rtm_dst_len`: destination prefix length. */
  readonly dstLength: number;
  /** `rtm_src_len`. */
  readonly srcLength: number;
  /** `rtm_tos`. */
  readonly tos: number;
  /** `rtm_table` (`RT_TABLE_MAIN`, ...). */
  readonly table: number;
  /** `rtm_protocol` (`RTPROT_*`). */
  readonly protocol: number;
  /** `rtm_scope` (`RT_SCOPE_*`). */
  readonly scope: number;
  /** `rtm_type` (`RTN_*`). */
  readonly type: number;
  /** `rtm_flags`. */
  readonly flags: number;
}

/** Encodes a `struct rtmsg` (12 bytes). */
export function encodeRtmsg(value: Rtmsg): Uint8Array {
  checkFields('encodeRtmsg', 'value', value, ['family', 'dstLength', 'srcLength', 'tos', 'table', 'protocol', 'scope', 'type', 'flags']);
  const bytes = new Uint8Array(RTMSG_SIZE);
  const view = new DataView(bytes.buffer);
  bytes.set([value.family, value.dstLength, value.srcLength, value.tos, value.table, value.protocol, value.scope, value.type], 0);
  view.setUint32(8, value.flags >>> 0, true);
  return bytes;
}

/**
 * Decodes the `struct rtmsg` at the start of a payload.
 *
 * @throws WintunError `ERR_WINTUN_OS` when the payload is too short.
 */
export function decodeRtmsg(payload: Uint8Array): Rtmsg {
  need(payload, RTMSG_SIZE, 'rtmsg');
  const view = new DataView(payload.buffer, payload.byteOffset, RTMSG_SIZE);
  return {
    family: view.getUint8(0),
    dstLength: view.getUint8(1),
    srcLength: view.getUint8(2),
    tos: view.getUint8(3),
    table: view.getUint8(4),
    protocol: view.getUint8(5),
    scope: view.getUint8(6),
    type: view.getUint8(7),
    flags: view.getUint32(8, true),
  };
}

/** A decoded `NLMSG_ERROR`: `error` is 0 for an ACK, else a negative errno. */
export interface NetlinkErrorMessage {
  /** 0 (ACK) or `-errno`. */
  readonly error: number;
  /** `nlmsg_seq` of the request this answers. */
  readonly requestSeq: number;
  /** `nlmsg_type` of the request this answers. */
  readonly requestType: number;
  /** The kernel's extended-ACK message (`NLMSGERR_ATTR_MSG`), when it sent one. */
  readonly message: string | undefined;
}

/**
 * Decodes the payload of an `NLMSG_ERROR` message, including the extended-ACK message when the
 * socket enabled `NETLINK_EXT_ACK`.
 *
 * @param flags - the error message's `nlmsg_flags` (tell whether the request was echoed and TLVs follow).
 * @throws WintunError `ERR_WINTUN_OS` when the payload is too short.
 */
export function decodeNetlinkError(payload: Uint8Array, flags: number): NetlinkErrorMessage {
  checkInt32('decodeNetlinkError', 'flags', flags);
  need(payload, 4 + NLMSG_HDRLEN, 'nlmsgerr');
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const error = view.getInt32(0, true);
  const requestLength = view.getUint32(4, true);
  let message: string | undefined;
  if ((flags & NLM_F_ACK_TLVS) !== 0) {
    const tlvOffset = 4 + ((flags & NLM_F_CAPPED) !== 0 ? NLMSG_HDRLEN : netlinkAlign(requestLength));
    if (tlvOffset <= payload.byteLength) {
      message = netlinkReadString(decodeNetlinkAttributes(payload.subarray(tlvOffset)).get(NLMSGERR_ATTR_MSG));
    }
  }
  return { error, requestType: view.getUint16(8, true), requestSeq: view.getUint32(12, true), message };
}

/** Encodes a `struct sockaddr_nl` (12 bytes) for `bind(2)`: pid 0 lets the kernel choose. */
export function encodeSockaddrNl(pid = 0, groups = 0): Uint8Array {
  checkInt32('encodeSockaddrNl', 'pid', pid);
  checkInt32('encodeSockaddrNl', 'groups', groups);
  const bytes = new Uint8Array(SOCKADDR_NL_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, LINUX_AF_NETLINK, true);
  view.setUint32(4, pid >>> 0, true);
  view.setUint32(8, groups >>> 0, true);
  return bytes;
}

function need(payload: Uint8Array, size: number, what: string): void {
  checkBytes(`decode ${what}`, 'payload', payload);
  if (payload.byteLength < size) {
    throw new WintunError('ERR_WINTUN_OS', `Truncated netlink ${what}: ${payload.byteLength} bytes, expected at least ${size}.`);
  }
}

/** Checks that `value` is an object whose `required` fields (and present `optional` ones) are numbers. */
function checkFields(what: string, name: string, value: unknown, required: readonly string[], optional: readonly string[] = []): void {
  checkObject(what, name, value, false);
  const record = value as Record<string, unknown>;
  for (const field of required) checkInt32(what, `${name}.${field}`, record[field]);
  for (const field of optional) if (record[field] !== undefined) checkInt32(what, `${name}.${field}`, record[field]);
}

/** Checks a (nested) attribute list: an array of `{ type, value }` with bytes or nested lists. */
function checkAttributes(what: string, attributes: unknown, depth: number): void {
  if (!Array.isArray(attributes) || depth > 8) badArgument(what, 'attributes', 'an array of { type, value } (nested at most 8 deep)', attributes);
  for (const attribute of attributes as unknown[]) {
    checkObject(what, 'an attribute', attribute, false);
    const a = attribute as { type?: unknown; value?: unknown };
    checkInt(what, 'attribute.type', a.type, 0, 0xffff);
    if (!isUint8Array(a.value)) checkAttributes(what, a.value, depth + 1);
  }
}
