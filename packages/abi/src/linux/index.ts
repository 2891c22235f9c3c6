/**
 * `@wintun-ts/abi/linux`: the Linux bindings (libc, `/dev/net/tun` and interface ioctls,
 * rtnetlink) the Linux adapter backend is built from. Bound on first use: importing this module
 * runs nothing native. Plumbing: an application uses `@wintun-ts/adapter`, not these.
 *
 * @module @wintun-ts/abi/linux
 * @group Plumbing (platform bindings and driver internals)
 */
export * from './constants.js';
export { LINUX_ERRNO, linuxErrnoName, linuxErrnoError } from './errno.js';
export type { LinuxErrnoName } from './errno.js';
export {
  linuxLibc,
  linuxErrno,
  linuxStrerror,
  linuxOpen,
  linuxClose,
  linuxRead,
  linuxWrite,
  linuxIoctl,
  linuxPoll,
  linuxFcntl,
  linuxSocket,
  linuxBind,
  linuxGetsockname,
  linuxSetsockopt,
  linuxSetsockoptInt,
  linuxSend,
  linuxSendto,
  linuxRecv,
  linuxRecvfrom,
  linuxGetpid,
  linuxGeteuid,
  linuxIfNameToIndex,
  linuxSetns,
  encodeIfreq,
  decodeIfreqName,
  decodeIfreqFlags,
  decodeIfreqInt,
} from './libc.js';
export type { LinuxLibc, LinuxBuffer } from './libc.js';
export {
  netlinkAlign,
  encodeNetlinkMessage,
  netlinkU32,
  netlinkString,
  netlinkBytes,
  decodeNetlinkMessages,
  decodeNetlinkAttributes,
  netlinkReadU32,
  netlinkReadString,
  encodeIfinfomsg,
  decodeIfinfomsg,
  encodeIfaddrmsg,
  decodeIfaddrmsg,
  encodeRtmsg,
  decodeRtmsg,
  decodeNetlinkError,
  encodeSockaddrNl,
} from './netlink.js';
export type {
  NetlinkAttribute,
  NetlinkHeader,
  NetlinkMessage,
  Ifinfomsg,
  Ifaddrmsg,
  Rtmsg,
  NetlinkErrorMessage,
} from './netlink.js';
