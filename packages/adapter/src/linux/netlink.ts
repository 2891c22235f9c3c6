/**
 * A small synchronous rtnetlink (NETLINK_ROUTE) client: links, MTU, addresses and routes,
 * configured by the library itself (never by spawning `ip`). Every wait is bounded.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/session';
import {
  IFA_ADDRESS,
  IFA_F_NODAD,
  IFA_F_TENTATIVE,
  IFA_FLAGS,
  IFA_LOCAL,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MTU,
  IFLA_OPERSTATE,
  IFLA_TUN_MULTI_QUEUE,
  IFLA_TUN_NUM_QUEUES,
  IFLA_TUN_PERSIST,
  IFLA_TUN_TYPE,
  IFLA_TXQLEN,
  IFF_RUNNING,
  IFF_UP,
  LINUX_AF_INET,
  LINUX_AF_INET6,
  LINUX_AF_NETLINK,
  LINUX_AF_UNSPEC,
  LINUX_ERRNO,
  LINUX_MSG_DONTWAIT,
  LINUX_MSG_TRUNC,
  LINUX_POLLIN,
  LINUX_SOCK_CLOEXEC,
  LINUX_SOCK_RAW,
  NETLINK_EXT_ACK,
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_OVERRUN,
  RT_SCOPE_LINK,
  RT_SCOPE_NOWHERE,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_LOCAL,
  RT_TABLE_MAIN,
  RTA_DST,
  RTA_GATEWAY,
  RTA_OIF,
  RTA_PRIORITY,
  RTA_TABLE,
  RTM_DELADDR,
  RTM_DELLINK,
  RTM_DELROUTE,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_GETROUTE,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWROUTE,
  RTN_LOCAL,
  RTN_UNICAST,
  RTPROT_STATIC,
  SOL_NETLINK,
  decodeIfaddrmsg,
  decodeIfinfomsg,
  decodeNetlinkAttributes,
  decodeNetlinkError,
  decodeNetlinkMessages,
  decodeRtmsg,
  encodeIfaddrmsg,
  encodeIfinfomsg,
  encodeNetlinkMessage,
  encodeRtmsg,
  encodeSockaddrNl,
  linuxBind,
  linuxClose,
  linuxErrnoError,
  linuxErrnoName,
  linuxGetsockname,
  linuxPoll,
  linuxRecv,
  linuxSend,
  linuxSetsockoptInt,
  linuxSocket,
  netlinkBytes,
  netlinkReadString,
  netlinkReadU32,
  netlinkString,
  netlinkU32,
  type NetlinkAttribute,
  type NetlinkMessage,
} from '@wintun-ts/session/linux';
import { LINUX_CAP_NET_ADMIN_HINT } from './tun-device.js';
import { formatIpAddress, parseCidr, parseIpAddress, parseRouteDestination, type IpPrefix } from './cidr.js';

/** A link (network interface) as rtnetlink reports it. */
export interface LinkInfo {
  /** Interface index. */
  readonly index: number;
  /** Interface name. */
  readonly name: string;
  /** `ifi_type` (`ARPHRD_NONE` = 0xfffe for TUN, 1 for Ethernet, 772 for loopback). */
  readonly type: number;
  /** Link kind from `IFLA_INFO_KIND` (`tun`, `veth`, `dummy`, ...), if the driver reports one. */
  readonly kind: string | undefined;
  /** `ifi_flags` (`IFF_UP`, `IFF_RUNNING`, `IFF_LOWER_UP`, ...). */
  readonly flags: number;
  /** Administratively up (`IFF_UP`). */
  readonly up: boolean;
  /** Operationally running (`IFF_RUNNING`; for TUN: up and an fd attached). */
  readonly running: boolean;
  /** MTU in bytes. */
  readonly mtu: number;
  /** Transmit queue length (`txqueuelen`), if reported. */
  readonly txQueueLength: number | undefined;
  /** RFC 2863 operational state (`IF_OPER_*`: 6 = up, 2 = down, 0 = unknown), if reported. */
  readonly operState: number | undefined;
  /** TUN details from `IFLA_INFO_DATA`, for `kind === 'tun'` on kernels that report them. */
  readonly tun: TunLinkInfo | undefined;
}

/** TUN-specific link details (`IFLA_TUN_*`). */
export interface TunLinkInfo {
  /** True for TAP (layer 2), false for TUN. */
  readonly tap: boolean;
  /** Persistent (survives its last fd). */
  readonly persistent: boolean;
  /** Multi-queue. */
  readonly multiQueue: boolean;
  /** Attached queues (open fds); 0 = free to attach. */
  readonly queues: number | undefined;
}

/** An interface address. */
export interface AddressInfo {
  /** Interface index. */
  readonly index: number;
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** The address, canonical text. */
  readonly address: string;
  /** Prefix length. */
  readonly prefixLength: number;
  /** `address/prefixLength`. */
  readonly cidr: string;
  /** `IFA_F_*` flags (32-bit when the kernel sends `IFA_FLAGS`). */
  readonly flags: number;
  /** `RT_SCOPE_*` (0 global, 253 link, 254 host). */
  readonly scope: number;
}

/** A route to add or remove. */
export interface RouteSpec {
  /** Destination network in CIDR with zero host bits (`10.6.0.0/16`, `fd00:6::/64`), or `default` / `default6`. */
  readonly destination: string;
  /** Output interface (name or index). */
  readonly link: string | number;
  /** Next hop; omitted = on-link through the interface (the usual case for a TUN device). */
  readonly gateway?: string | undefined;
  /** Route metric (`RTA_PRIORITY`); omitted = kernel default (0 for IPv4, 1024 for IPv6). */
  readonly metric?: number | undefined;
  /** Routing table; default `RT_TABLE_MAIN` (254). */
  readonly table?: number | undefined;
}

/** A route as rtnetlink reports it. */
export interface RouteInfo {
  /** 4 or 6. */
  readonly family: 4 | 6;
  /** Destination in CIDR (`0.0.0.0/0` / `::/0` for default routes). */
  readonly destination: string;
  /** Gateway, when the route has one. */
  readonly gateway: string | undefined;
  /** Output interface index, when the route has one. */
  readonly index: number | undefined;
  /** Metric (`RTA_PRIORITY`), when set. */
  readonly metric: number | undefined;
  /** Routing table id. */
  readonly table: number;
  /** `RTPROT_*` (2 kernel, 3 boot, 4 static). */
  readonly protocol: number;
  /** `RT_SCOPE_*`. */
  readonly scope: number;
  /** `RTN_*` (1 unicast, 2 local, ...). */
  readonly type: number;
}

/** Options of {@link RtNetlink.open}. */
export interface RtNetlinkOptions {
  /** Longest wait for one request's reply, ms (default 5000). */
  readonly timeoutMs?: number | undefined;
}

/** Options of {@link RtNetlink.addAddress}. */
export interface AddAddressOptions {
  /**
   * IPv6: skip duplicate address detection (`IFA_F_NODAD`) so the address is usable at once, as
   * Wintun's example does. Default true; ignored for IPv4.
   */
  readonly noDad?: boolean | undefined;
  /** Replace an existing identical address instead of failing (default false). */
  readonly replace?: boolean | undefined;
  /**
   * IPv6 with `noDad`: how long to wait (ms) until the kernel has made the address usable (its
   * local route installed; the kernel finishes that asynchronously, microseconds after the ACK).
   * Default 1000; 0 = return at the ACK. The wait polls with 1 ms sleeps; if the time runs out the
   * call returns anyway (the address is configured, just not confirmed usable).
   */
  readonly readyTimeoutMs?: number | undefined;
}

const RECEIVE_BUFFER_SIZE = 65536;

/**
 * A NETLINK_ROUTE socket with synchronous, bounded request/reply calls.
 *
 * Namespaces: the socket belongs to the network namespace of the thread that called
 * {@link RtNetlink.open}, and every call applies there. A device moved to another namespace is
 * invisible to it (`ERR_WINTUN_ADAPTER_NOT_FOUND`): configure a device from a process (or thread)
 * in its namespace, e.g. a program started with `ip netns exec NS`.
 *
 * Not thread-safe: one thread uses an instance. Calls block the calling thread for at most
 * `timeoutMs` each (typically tens of microseconds). `close()` is idempotent.
 *
 * Errors: every call throws {@link WintunError} with `errno` and `syscall` (`netlink(RTM_...)`) set,
 * plus the kernel's extended-ACK text when it gave one: EPERM -> `ERR_WINTUN_ACCESS_DENIED`,
 * ENODEV -> `ERR_WINTUN_ADAPTER_NOT_FOUND`, EINVAL -> `ERR_WINTUN_INVALID_ARGUMENT`, an existing or
 * missing address/route (EEXIST -> `ERR_WINTUN_ALREADY_EXISTS`; EADDRNOTAVAIL, ESRCH -> `ERR_WINTUN_NOT_FOUND`), no reply ->
 * `ERR_WINTUN_TIMEOUT`.
 */
export class RtNetlink implements Disposable {
  #fd: number;
  #seq: number;
  readonly #portId: number;
  readonly #timeoutMs: number;
  readonly #buffer = new Uint8Array(RECEIVE_BUFFER_SIZE);

  private constructor(fd: number, portId: number, timeoutMs: number) {
    this.#fd = fd;
    this.#portId = portId;
    this.#timeoutMs = timeoutMs;
    this.#seq = (Date.now() & 0x3fffffff) >>> 0;
  }

  /**
   * Opens a NETLINK_ROUTE socket in the calling thread's network namespace.
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a bad timeout; errno-based codes from
   *   socket/bind; `ERR_WINTUN_UNSUPPORTED_PLATFORM` off Linux.
   */
  static open(options: RtNetlinkOptions = {}): RtNetlink {
    const timeoutMs = options.timeoutMs ?? 5000;
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `RtNetlink.open: timeoutMs must be a positive integer, got ${timeoutMs}.`);
    }
    const fd = linuxSocket(LINUX_AF_NETLINK, LINUX_SOCK_RAW | LINUX_SOCK_CLOEXEC, NETLINK_ROUTE);
    try {
      try {
        linuxSetsockoptInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      } catch {
        // Extended ACKs only improve messages; old kernels lack them.
      }
      linuxBind(fd, encodeSockaddrNl());
      const address = new Uint8Array(12);
      linuxGetsockname(fd, address);
      const portId = new DataView(address.buffer).getUint32(4, true);
      return new RtNetlink(fd, portId, timeoutMs);
    } catch (error) {
      linuxClose(fd);
      throw error;
    }
  }

  /** The socket fd, or -1 after close. */
  get fd(): number {
    return this.#fd;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /** Closes the socket. Idempotent. */
  close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    linuxClose(fd);
  }

  /** Same as {@link RtNetlink.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  // ---- links -----------------------------------------------------------------------------------

  /**
   * Every link in this namespace.
   *
   * @throws WintunError see the class.
   */
  listLinks(): LinkInfo[] {
    return this.#dump(RTM_GETLINK, encodeIfinfomsg({ family: LINUX_AF_UNSPEC }), 'Listing links').map((m) => parseLink(m));
  }

  /**
   * One link by name or index, or `undefined` when there is none.
   *
   * @throws WintunError see the class (not for a missing link).
   */
  findLink(link: string | number): LinkInfo | undefined {
    try {
      return this.getLink(link);
    } catch (error) {
      if (error instanceof WintunError && error.code === 'ERR_WINTUN_ADAPTER_NOT_FOUND') return undefined;
      throw error;
    }
  }

  /**
   * One link by name or index.
   *
   * @throws WintunError `ERR_WINTUN_ADAPTER_NOT_FOUND` when there is none in this namespace.
   */
  getLink(link: string | number): LinkInfo {
    const byName = typeof link === 'string';
    const body = encodeIfinfomsg({ family: LINUX_AF_UNSPEC, index: byName ? 0 : checkIndex(link) });
    const attributes = byName ? [netlinkString(IFLA_IFNAME, link)] : [];
    let replies: NetlinkMessage[];
    try {
      replies = this.#request(RTM_GETLINK, NLM_F_REQUEST, body, attributes, `Looking up link ${describe(link)}`, true);
    } catch (error) {
      if (error instanceof WintunError && error.code === 'ERR_WINTUN_ADAPTER_NOT_FOUND') throw notFound(link, error.errno);
      throw error;
    }
    const message = replies.find((m) => m.type === RTM_NEWLINK);
    if (message === undefined) throw notFound(link);
    return parseLink(message);
  }

  /**
   * Interface index of a link (an index is checked to exist).
   *
   * @throws WintunError `ERR_WINTUN_ADAPTER_NOT_FOUND`.
   */
  indexOf(link: string | number): number {
    return this.getLink(link).index;
  }

  /**
   * Sets a link administratively up or down (`IFF_UP`).
   *
   * @throws WintunError `ERR_WINTUN_ADAPTER_NOT_FOUND`, `ERR_WINTUN_ACCESS_DENIED`, ...
   */
  setLinkUp(link: string | number, up: boolean): void {
    const index = this.#index(link);
    const body = encodeIfinfomsg({ family: LINUX_AF_UNSPEC, index, flags: up ? IFF_UP : 0, change: IFF_UP });
    this.#ack(RTM_NEWLINK, 0, body, [], `Setting link ${describe(link)} ${up ? 'up' : 'down'}`);
  }

  /**
   * The MTU of a link.
   *
   * @throws WintunError `ERR_WINTUN_ADAPTER_NOT_FOUND`.
   */
  getMtu(link: string | number): number {
    return this.getLink(link).mtu;
  }

  /**
   * Sets the MTU (`IFLA_MTU`). TUN accepts 68-65535 (IPv6 needs at least 1280).
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a value the kernel refuses.
   */
  setMtu(link: string | number, mtu: number): void {
    if (!Number.isInteger(mtu) || mtu <= 0 || mtu > 0xffffffff) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `setMtu: mtu must be a positive integer, got ${mtu}.`);
    }
    const index = this.#index(link);
    this.#ack(RTM_NEWLINK, 0, encodeIfinfomsg({ family: LINUX_AF_UNSPEC, index }), [netlinkU32(IFLA_MTU, mtu)], `Setting the MTU of link ${describe(link)} to ${mtu}`);
  }

  /**
   * Sets the transmit queue length (`txqueuelen`; raising it from 500 avoids drops when a reader
   * stalls briefly).
   *
   * @throws WintunError see the class.
   */
  setTxQueueLength(link: string | number, length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > 0xffffffff) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `setTxQueueLength: length must be a non-negative integer, got ${length}.`);
    }
    const index = this.#index(link);
    this.#ack(RTM_NEWLINK, 0, encodeIfinfomsg({ family: LINUX_AF_UNSPEC, index }), [netlinkU32(IFLA_TXQLEN, length)], `Setting the txqueuelen of link ${describe(link)}`);
  }

  /**
   * Deletes a link (`RTM_DELLINK`), e.g. a persistent TUN device.
   *
   * @throws WintunError `ERR_WINTUN_ADAPTER_NOT_FOUND` when there is none.
   */
  deleteLink(link: string | number): void {
    const index = this.#index(link);
    this.#ack(RTM_DELLINK, 0, encodeIfinfomsg({ family: LINUX_AF_UNSPEC, index }), [], `Deleting link ${describe(link)}`);
  }

  // ---- addresses -------------------------------------------------------------------------------

  /**
   * Adds an address (`10.6.7.7/24`, `fd00:6::7/64`; no prefix = host prefix). IPv6 addresses get
   * `IFA_F_NODAD` unless `noDad: false`. The kernel adds the prefix route with it.
   *
   * @throws WintunError `ERR_WINTUN_ADDRESS_INVALID` when malformed; `ERR_WINTUN_ALREADY_EXISTS` (errno EEXIST)
   *   when the address exists; `ERR_WINTUN_ADAPTER_NOT_FOUND`; `ERR_WINTUN_ACCESS_DENIED`.
   */
  addAddress(link: string | number, cidr: string, options: AddAddressOptions = {}): void {
    const prefix = parseCidr(cidr);
    const index = this.#index(link);
    const flags = prefix.family === 6 && options.noDad !== false ? IFA_F_NODAD : 0;
    const attributes: NetlinkAttribute[] = [netlinkBytes(IFA_LOCAL, prefix.bytes), netlinkBytes(IFA_ADDRESS, prefix.bytes)];
    if (flags !== 0) attributes.push(netlinkU32(IFA_FLAGS, flags));
    const mode = options.replace === true ? NLM_F_CREATE | NLM_F_REPLACE : NLM_F_CREATE | NLM_F_EXCL;
    this.#ack(RTM_NEWADDR, mode, addrBody(prefix, index, flags), attributes, `Adding address ${prefix.cidr} to link ${describe(link)}`);
    const readyTimeoutMs = options.readyTimeoutMs ?? 1000;
    if (flags !== 0 && readyTimeoutMs > 0) this.waitAddressUsable(index, prefix.cidr, readyTimeoutMs);
  }

  /**
   * Waits (bounded, polling every 1 ms) until an address is usable: present, not tentative, and
   * (IPv6) its local route installed. Blocks the calling thread for at most `timeoutMs`.
   *
   * @returns true when usable, false when the time ran out.
   * @throws WintunError `ERR_WINTUN_ADDRESS_INVALID` when malformed; see the class.
   */
  waitAddressUsable(link: string | number, cidr: string, timeoutMs = 1000): boolean {
    const prefix = parseCidr(cidr);
    const index = this.#index(link);
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const address = this.listAddresses(index, prefix.family).find((a) => a.address === prefix.text);
      const settled = address !== undefined && (address.flags & IFA_F_TENTATIVE) === 0;
      if (settled && (prefix.family === 4 || this.#hasLocalRoute(prefix))) return true;
      if (performance.now() >= deadline) return false;
      sleepMs(1);
    }
  }

  #hasLocalRoute(prefix: IpPrefix): boolean {
    const host = `${prefix.text}/${prefix.family === 4 ? 32 : 128}`;
    return this.listRoutes({ family: prefix.family, table: RT_TABLE_LOCAL }).some((r) => r.type === RTN_LOCAL && r.destination === host);
  }

  /**
   * Removes an address (same text as added; the prefix length must match).
   *
   * @throws WintunError `ERR_WINTUN_ADDRESS_INVALID` when malformed; `ERR_WINTUN_NOT_FOUND` (errno
   *   EADDRNOTAVAIL) when the link has no such address.
   */
  removeAddress(link: string | number, cidr: string): void {
    const prefix = parseCidr(cidr);
    const index = this.#index(link);
    this.#ack(RTM_DELADDR, 0, addrBody(prefix, index, 0), [netlinkBytes(IFA_LOCAL, prefix.bytes), netlinkBytes(IFA_ADDRESS, prefix.bytes)], `Removing address ${prefix.cidr} from link ${describe(link)}`);
  }

  /**
   * Addresses of one link (or of all links), optionally of one family.
   *
   * @throws WintunError `ERR_WINTUN_ADAPTER_NOT_FOUND` for an unknown link.
   */
  listAddresses(link?: string | number | undefined, family?: 4 | 6 | undefined): AddressInfo[] {
    const index = link === undefined ? undefined : this.#index(link);
    const af = family === 4 ? LINUX_AF_INET : family === 6 ? LINUX_AF_INET6 : LINUX_AF_UNSPEC;
    const messages = this.#dump(RTM_GETADDR, encodeIfaddrmsg({ family: af, prefixLength: 0, flags: 0, scope: 0, index: 0 }), 'Listing addresses');
    const out: AddressInfo[] = [];
    for (const message of messages) {
      if (message.type !== RTM_NEWADDR) continue;
      const header = decodeIfaddrmsg(message.payload);
      if (index !== undefined && header.index !== index) continue;
      if (header.family !== LINUX_AF_INET && header.family !== LINUX_AF_INET6) continue;
      const attributes = decodeNetlinkAttributes(message.payload.subarray(8));
      const bytes = attributes.get(IFA_LOCAL) ?? attributes.get(IFA_ADDRESS);
      if (bytes === undefined) continue;
      const address = formatIpAddress(bytes.slice());
      out.push({
        index: header.index,
        family: header.family === LINUX_AF_INET ? 4 : 6,
        address,
        prefixLength: header.prefixLength,
        cidr: `${address}/${header.prefixLength}`,
        flags: netlinkReadU32(attributes.get(IFA_FLAGS)) ?? header.flags,
        scope: header.scope,
      });
    }
    return out;
  }

  // ---- routes ----------------------------------------------------------------------------------

  /**
   * Adds a route through a link (on-link, or via `gateway`), with an optional metric.
   *
   * @throws WintunError `ERR_WINTUN_ADDRESS_INVALID` for a malformed destination/gateway or host
   *   bits set; `ERR_WINTUN_ALREADY_EXISTS` (errno EEXIST) when the route exists; `ERR_WINTUN_ADAPTER_NOT_FOUND`.
   */
  addRoute(route: RouteSpec): void {
    const { body, attributes, what } = this.#route(route, true);
    this.#ack(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, body, attributes, `Adding route ${what}`);
  }

  /**
   * Removes a route (destination, link and, when given, gateway and metric must match).
   *
   * @throws WintunError `ERR_WINTUN_NOT_FOUND` (errno ESRCH) when there is no such route.
   */
  removeRoute(route: RouteSpec): void {
    const { body, attributes, what } = this.#route(route, false);
    this.#ack(RTM_DELROUTE, 0, body, attributes, `Removing route ${what}`);
  }

  /**
   * Routes of the main table (or `table`), optionally only those through one link and of one family.
   *
   * @throws WintunError see the class.
   */
  listRoutes(options: { link?: string | number | undefined; family?: 4 | 6 | undefined; table?: number | undefined } = {}): RouteInfo[] {
    const index = options.link === undefined ? undefined : this.#index(options.link);
    const table = options.table ?? RT_TABLE_MAIN;
    const af = options.family === 4 ? LINUX_AF_INET : options.family === 6 ? LINUX_AF_INET6 : LINUX_AF_UNSPEC;
    const body = encodeRtmsg({ family: af, dstLength: 0, srcLength: 0, tos: 0, table: 0, protocol: 0, scope: 0, type: 0, flags: 0 });
    const out: RouteInfo[] = [];
    for (const message of this.#dump(RTM_GETROUTE, body, 'Listing routes')) {
      if (message.type !== RTM_NEWROUTE) continue;
      const header = decodeRtmsg(message.payload);
      if (header.family !== LINUX_AF_INET && header.family !== LINUX_AF_INET6) continue;
      const attributes = decodeNetlinkAttributes(message.payload.subarray(12));
      const routeTable = netlinkReadU32(attributes.get(RTA_TABLE)) ?? header.table;
      if (routeTable !== table) continue;
      const oif = netlinkReadU32(attributes.get(RTA_OIF));
      if (index !== undefined && oif !== index) continue;
      const family = header.family === LINUX_AF_INET ? 4 : 6;
      const dst = attributes.get(RTA_DST);
      const destination = `${dst === undefined ? (family === 4 ? '0.0.0.0' : '::') : formatIpAddress(dst.slice())}/${header.dstLength}`;
      const gateway = attributes.get(RTA_GATEWAY);
      out.push({
        family,
        destination,
        gateway: gateway === undefined ? undefined : formatIpAddress(gateway.slice()),
        index: oif,
        metric: netlinkReadU32(attributes.get(RTA_PRIORITY)),
        table: routeTable,
        protocol: header.protocol,
        scope: header.scope,
        type: header.type,
      });
    }
    return out;
  }

  // ---- internals -------------------------------------------------------------------------------

  #route(route: RouteSpec, adding: boolean): { body: Uint8Array; attributes: NetlinkAttribute[]; what: string } {
    if (typeof route !== 'object' || route === null) throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'A route must be an object { destination, link, gateway?, metric? }.');
    const destination = parseRouteDestination(route.destination);
    const gateway = route.gateway === undefined ? undefined : parseIpAddress(route.gateway);
    if (gateway !== undefined && gateway.family !== destination.family) {
      throw new WintunError('ERR_WINTUN_ADDRESS_INVALID', `Route ${destination.cidr}: gateway ${gateway.text} is of another IP family.`);
    }
    if (route.metric !== undefined && (!Number.isInteger(route.metric) || route.metric < 0 || route.metric > 0xffffffff)) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `Route ${destination.cidr}: metric must be an integer 0-4294967295, got ${route.metric}.`);
    }
    const table = route.table ?? RT_TABLE_MAIN;
    if (!Number.isInteger(table) || table <= 0 || table > 0xffffffff) {
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `Route ${destination.cidr}: table must be a positive integer, got ${table}.`);
    }
    const index = this.#index(route.link);
    const body = encodeRtmsg({
      family: destination.family === 4 ? LINUX_AF_INET : LINUX_AF_INET6,
      dstLength: destination.prefixLength,
      srcLength: 0,
      tos: 0,
      table: table > 255 ? 0 : table,
      protocol: adding ? RTPROT_STATIC : 0,
      // Deletion matches any scope only with RT_SCOPE_NOWHERE (as `ip route del` sends).
      scope: adding ? (gateway === undefined ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE) : RT_SCOPE_NOWHERE,
      type: adding ? RTN_UNICAST : 0,
      flags: 0,
    });
    const attributes: NetlinkAttribute[] = [];
    if (destination.prefixLength > 0) attributes.push(netlinkBytes(RTA_DST, destination.bytes));
    attributes.push(netlinkU32(RTA_OIF, index));
    if (gateway !== undefined) attributes.push(netlinkBytes(RTA_GATEWAY, gateway.bytes));
    if (route.metric !== undefined) attributes.push(netlinkU32(RTA_PRIORITY, route.metric));
    if (table > 255) attributes.push(netlinkU32(RTA_TABLE, table));
    const via = gateway === undefined ? '' : ` via ${gateway.text}`;
    return { body, attributes, what: `${destination.cidr}${via} dev ${describe(route.link)}` };
  }

  #index(link: string | number): number {
    if (typeof link === 'number') return checkIndex(link);
    return this.getLink(link).index;
  }

  #socket(): number {
    if (this.#fd < 0) throw new WintunError('ERR_WINTUN_CLOSED', 'The rtnetlink socket was closed.');
    return this.#fd;
  }

  #ack(type: number, flags: number, body: Uint8Array, attributes: readonly NetlinkAttribute[], what: string): void {
    this.#request(type, NLM_F_REQUEST | NLM_F_ACK | flags, body, attributes, what, false);
  }

  #dump(type: number, body: Uint8Array, what: string): NetlinkMessage[] {
    for (let attempt = 0; ; attempt++) {
      const messages = this.#request(type, NLM_F_REQUEST | NLM_F_DUMP, body, [], what, false);
      // A dump that changed while running is retried (a few times) rather than returned half-right.
      if (attempt >= 3 || !messages.some((m) => (m.flags & NLM_F_DUMP_INTR) !== 0)) return messages;
    }
  }

  /**
   * Sends one request and collects the replies with its sequence number until the ACK/error (or
   * `NLMSG_DONE` for dumps, or the single reply of a plain GET).
   */
  #request(type: number, flags: number, body: Uint8Array, attributes: readonly NetlinkAttribute[], what: string, single: boolean): NetlinkMessage[] {
    const fd = this.#socket();
    const seq = (this.#seq = (this.#seq + 1) >>> 0);
    const message = encodeNetlinkMessage({ type, flags, seq }, body, attributes);
    const syscall = `netlink(${RTM_NAMES.get(type) ?? type})`;
    const sent = linuxSend(fd, message, undefined, 0);
    if (sent < 0) throw linuxErrnoError('send', -sent, what);
    const deadline = performance.now() + this.#timeoutMs;
    const collected: NetlinkMessage[] = [];
    const dump = (flags & NLM_F_DUMP) === NLM_F_DUMP;
    const acked = (flags & NLM_F_ACK) !== 0;
    for (;;) {
      let n = linuxRecv(fd, this.#buffer, undefined, LINUX_MSG_DONTWAIT | LINUX_MSG_TRUNC);
      if (n === -LINUX_ERRNO.EAGAIN || n === -LINUX_ERRNO.EINTR) {
        const left = Math.ceil(deadline - performance.now());
        if (left <= 0) {
          throw new WintunError('ERR_WINTUN_TIMEOUT', `${what}: no rtnetlink reply within ${this.#timeoutMs} ms.`, { syscall });
        }
        const revents = linuxPoll(fd, LINUX_POLLIN, left);
        if (revents < 0) throw linuxErrnoError('poll', -revents, what);
        continue;
      }
      if (n < 0) {
        if (-n === LINUX_ERRNO.ENOBUFS) throw new WintunError('ERR_WINTUN_OS', `${what}: the rtnetlink socket overran (ENOBUFS).`, { errno: -n, syscall: 'recv' });
        throw linuxErrnoError('recv', -n, what);
      }
      if (n > this.#buffer.byteLength) {
        throw new WintunError('ERR_WINTUN_OS', `${what}: an rtnetlink reply of ${n} bytes exceeded the ${this.#buffer.byteLength}-byte buffer.`, { syscall });
      }
      n = Math.min(n, this.#buffer.byteLength);
      for (const reply of decodeNetlinkMessages(this.#buffer.subarray(0, n))) {
        if (reply.seq !== seq || (reply.pid !== this.#portId && reply.pid !== 0)) continue; // stale reply of an earlier, timed-out request
        if (reply.type === NLMSG_ERROR) {
          const error = decodeNetlinkError(reply.payload, reply.flags);
          if (error.error === 0) return collected;
          throw netlinkError(syscall, -error.error, what, error.message, type);
        }
        if (reply.type === NLMSG_DONE) return collected;
        if (reply.type === NLMSG_OVERRUN) throw new WintunError('ERR_WINTUN_OS', `${what}: rtnetlink reported an overrun.`, { syscall });
        collected.push({ ...reply, payload: reply.payload.slice() });
        if (single && !dump && !acked) return collected;
      }
    }
  }
}

const RTM_NAMES: ReadonlyMap<number, string> = new Map([
  [RTM_NEWLINK, 'RTM_NEWLINK'],
  [RTM_DELLINK, 'RTM_DELLINK'],
  [RTM_GETLINK, 'RTM_GETLINK'],
  [RTM_NEWADDR, 'RTM_NEWADDR'],
  [RTM_DELADDR, 'RTM_DELADDR'],
  [RTM_GETADDR, 'RTM_GETADDR'],
  [RTM_NEWROUTE, 'RTM_NEWROUTE'],
  [RTM_DELROUTE, 'RTM_DELROUTE'],
  [RTM_GETROUTE, 'RTM_GETROUTE'],
]);

function netlinkError(syscall: string, errno: number, what: string, kernelMessage: string | undefined, type: number): WintunError {
  const detail = kernelMessage === undefined || kernelMessage === '' ? '' : ` Kernel: ${kernelMessage}.`;
  const addressOrRoute = type === RTM_NEWADDR || type === RTM_DELADDR || type === RTM_NEWROUTE || type === RTM_DELROUTE;
  if (addressOrRoute && (errno === LINUX_ERRNO.EEXIST || errno === LINUX_ERRNO.EADDRNOTAVAIL || errno === LINUX_ERRNO.ESRCH)) {
    const exists = errno === LINUX_ERRNO.EEXIST;
    const adding = type === RTM_NEWADDR || type === RTM_NEWROUTE;
    const state = exists ? 'it already exists' : adding ? 'the kernel refused it on this link' : 'there is no such entry';
    return new WintunError(exists ? 'ERR_WINTUN_ALREADY_EXISTS' : 'ERR_WINTUN_NOT_FOUND', `${what}: ${syscall} failed with ${linuxErrnoName(errno)} (errno ${errno}): ${state}.${detail}`, { errno, syscall });
  }
  const base = linuxErrnoError(syscall, errno, what);
  if (base.code === 'ERR_WINTUN_ACCESS_DENIED') {
    return new WintunError(base.code, `${what}: ${syscall} failed with ${linuxErrnoName(errno)} (errno ${errno}): changing network configuration needs CAP_NET_ADMIN.${detail} ${LINUX_CAP_NET_ADMIN_HINT}`, { errno, syscall });
  }
  return new WintunError(base.code, `${base.message}${detail}`, { errno, syscall });
}

let sleeper: Int32Array | undefined;

/** Sleeps the calling thread (bounded; used only for short polling waits). */
function sleepMs(ms: number): void {
  sleeper ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleeper, 0, 0, ms);
}

function checkIndex(index: number): number {
  if (!Number.isInteger(index) || index <= 0 || index > 0x7fffffff) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `An interface index must be a positive integer, got ${index}.`);
  }
  return index;
}

function describe(link: string | number): string {
  return typeof link === 'number' ? `#${link}` : `"${link}"`;
}

function notFound(link: string | number, errno?: number | undefined): WintunError {
  return new WintunError('ERR_WINTUN_ADAPTER_NOT_FOUND', `No link ${describe(link)} in this network namespace (a device moved to another namespace is visible only from there).`, {
    errno,
    syscall: 'netlink(RTM_GETLINK)',
  });
}

function addrBody(prefix: IpPrefix, index: number, flags: number): Uint8Array {
  return encodeIfaddrmsg({
    family: prefix.family === 4 ? LINUX_AF_INET : LINUX_AF_INET6,
    prefixLength: prefix.prefixLength,
    flags,
    scope: RT_SCOPE_UNIVERSE,
    index,
  });
}

function parseLink(message: NetlinkMessage): LinkInfo {
  const header = decodeIfinfomsg(message.payload);
  const attributes = decodeNetlinkAttributes(message.payload.subarray(16));
  const linkInfo = attributes.get(IFLA_LINKINFO);
  const nested = linkInfo === undefined ? undefined : decodeNetlinkAttributes(linkInfo);
  const kind = netlinkReadString(nested?.get(IFLA_INFO_KIND));
  let tun: TunLinkInfo | undefined;
  const data = nested?.get(IFLA_INFO_DATA);
  if (kind === 'tun' && data !== undefined) {
    const tunAttributes = decodeNetlinkAttributes(data);
    const u8 = (t: number): number | undefined => tunAttributes.get(t)?.[0];
    tun = {
      tap: u8(IFLA_TUN_TYPE) === 2,
      persistent: u8(IFLA_TUN_PERSIST) === 1,
      multiQueue: u8(IFLA_TUN_MULTI_QUEUE) === 1,
      queues: netlinkReadU32(tunAttributes.get(IFLA_TUN_NUM_QUEUES)),
    };
  }
  const operState = attributes.get(IFLA_OPERSTATE)?.[0];
  return {
    index: header.index,
    name: netlinkReadString(attributes.get(IFLA_IFNAME)) ?? '',
    type: header.type,
    kind,
    flags: header.flags,
    up: (header.flags & IFF_UP) !== 0,
    running: (header.flags & IFF_RUNNING) !== 0,
    mtu: netlinkReadU32(attributes.get(IFLA_MTU)) ?? 0,
    txQueueLength: netlinkReadU32(attributes.get(IFLA_TXQLEN)),
    operState,
    tun,
  };
}
