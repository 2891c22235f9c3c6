/**
 * Linux constants used by the `/dev/net/tun` backend: open flags, poll events, socket families,
 * TUN ioctls and flags, interface flags and the rtnetlink message types, flags and attributes.
 *
 * Values are those of the Linux UAPI headers on x86-64 and arm64 (the asm-generic values; both
 * architectures agree on every constant here). Names that Windows headers also define (`AF_*`,
 * `POLL*`, `O_*`, `SOCK_*`, `SOL_*`, `SO_*`, `MSG_*`) carry a `LINUX_` prefix so they cannot clash
 * with the Win32 names of this package; Linux-only names (`TUNSETIFF`, `IFF_*`, `RTM_*`, `NLM_F_*`,
 * `IFLA_*`, `IFA_*`, `RTA_*`) keep their C spelling.
 *
 * @module
 */

// ---- open(2) / fcntl(2) -------------------------------------------------------------------------

/** `O_RDONLY`: open for reading only. */
export const LINUX_O_RDONLY = 0;
/** `O_WRONLY`: open for writing only. */
export const LINUX_O_WRONLY = 1;
/** `O_RDWR`: open for reading and writing. */
export const LINUX_O_RDWR = 2;
/** `O_NONBLOCK` (04000): reads and writes return `EAGAIN` instead of blocking. */
export const LINUX_O_NONBLOCK = 0o4000;
/** `O_CLOEXEC` (02000000): the descriptor is closed in children started with exec. */
export const LINUX_O_CLOEXEC = 0o2000000;
/** `fcntl` command: get the file descriptor flags. */
export const LINUX_F_GETFD = 1;
/** `fcntl` command: set the file descriptor flags. */
export const LINUX_F_SETFD = 2;
/** `fcntl` command: get the file status flags (`O_NONBLOCK`, ...). */
export const LINUX_F_GETFL = 3;
/** `fcntl` command: set the file status flags. */
export const LINUX_F_SETFL = 4;
/** File descriptor flag: close on exec. */
export const LINUX_FD_CLOEXEC = 1;

// ---- poll(2) ------------------------------------------------------------------------------------

/** `POLLIN`: data to read. */
export const LINUX_POLLIN = 0x001;
/** `POLLPRI`: urgent data. */
export const LINUX_POLLPRI = 0x002;
/** `POLLOUT`: writing will not block. */
export const LINUX_POLLOUT = 0x004;
/** `POLLERR`: error condition (output only). */
export const LINUX_POLLERR = 0x008;
/** `POLLHUP`: hang up (output only); a TUN fd reports it when its device is gone. */
export const LINUX_POLLHUP = 0x010;
/** `POLLNVAL`: the fd is not open (output only). */
export const LINUX_POLLNVAL = 0x020;
/** Size of `struct pollfd` (`int fd; short events; short revents;`). */
export const LINUX_POLLFD_SIZE = 8;

// ---- sockets ------------------------------------------------------------------------------------

/** `AF_UNSPEC`. */
export const LINUX_AF_UNSPEC = 0;
/** `AF_INET` (IPv4). Windows uses the same value. */
export const LINUX_AF_INET = 2;
/** `AF_INET6` (IPv6): 10 on Linux, 23 on Windows. */
export const LINUX_AF_INET6 = 10;
/** `AF_NETLINK`: kernel <-> user messaging (rtnetlink). */
export const LINUX_AF_NETLINK = 16;
/** `SOCK_DGRAM`. */
export const LINUX_SOCK_DGRAM = 2;
/** `SOCK_RAW`. */
export const LINUX_SOCK_RAW = 3;
/** `SOCK_NONBLOCK` flag for `socket(2)`'s type. */
export const LINUX_SOCK_NONBLOCK = 0o4000;
/** `SOCK_CLOEXEC` flag for `socket(2)`'s type. */
export const LINUX_SOCK_CLOEXEC = 0o2000000;
/** `SOL_SOCKET` option level. */
export const LINUX_SOL_SOCKET = 1;
/** `SO_SNDBUF`. */
export const LINUX_SO_SNDBUF = 7;
/** `SO_RCVBUF`. */
export const LINUX_SO_RCVBUF = 8;
/** `SO_RCVTIMEO` (a 16-byte `struct timeval` on 64-bit). */
export const LINUX_SO_RCVTIMEO = 20;
/** `SO_SNDTIMEO` (a 16-byte `struct timeval` on 64-bit). */
export const LINUX_SO_SNDTIMEO = 21;
/** `MSG_PEEK`. */
export const LINUX_MSG_PEEK = 0x02;
/** `MSG_TRUNC`: report the real length of a datagram longer than the buffer. */
export const LINUX_MSG_TRUNC = 0x20;
/** `MSG_DONTWAIT`: non-blocking for this call. */
export const LINUX_MSG_DONTWAIT = 0x40;
/** `CLONE_NEWNET`: the network namespace type for `setns(2)`. */
export const LINUX_CLONE_NEWNET = 0x40000000;

// ---- netlink sockets ----------------------------------------------------------------------------

/** `NETLINK_ROUTE`: the rtnetlink protocol (links, addresses, routes). */
export const NETLINK_ROUTE = 0;
/** `SOL_NETLINK` option level. */
export const SOL_NETLINK = 270;
/** `NETLINK_CAP_ACK`: error replies do not echo the request payload. */
export const NETLINK_CAP_ACK = 10;
/** `NETLINK_EXT_ACK`: error replies carry a human-readable message (`NLMSGERR_ATTR_MSG`). */
export const NETLINK_EXT_ACK = 11;
/** Size of `struct sockaddr_nl` (`nl_family u16, nl_pad u16, nl_pid u32, nl_groups u32`). */
export const SOCKADDR_NL_SIZE = 12;

// ---- TUN ----------------------------------------------------------------------------------------

/** `IFNAMSIZ`: interface name buffer size, including the terminating NUL (names are 1-15 bytes). */
export const IFNAMSIZ = 16;
/** Size of `struct ifreq` on 64-bit Linux: name at 0 (16 bytes), union at 16 (flags are a u16). */
export const IFREQ_SIZE = 40;
/** Offset of `ifr_flags` (u16) / `ifr_ifindex` / `ifr_mtu` (i32) in `struct ifreq`. */
export const IFREQ_UNION_OFFSET = 16;
/** `TUNSETNOCSUM` = `_IOW('T', 200, int)`. */
export const TUNSETNOCSUM = 0x400454c8;
/** `TUNSETIFF` = `_IOW('T', 202, int)`: attach the fd to a new or existing TUN/TAP device. */
export const TUNSETIFF = 0x400454ca;
/** `TUNSETPERSIST` = `_IOW('T', 203, int)`: keep the device when its last fd closes (arg 1) or not (0). */
export const TUNSETPERSIST = 0x400454cb;
/** `TUNSETOWNER` = `_IOW('T', 204, int)`: uid allowed to attach without CAP_NET_ADMIN. */
export const TUNSETOWNER = 0x400454cc;
/** `TUNSETLINK` = `_IOW('T', 205, int)`. */
export const TUNSETLINK = 0x400454cd;
/** `TUNSETGROUP` = `_IOW('T', 206, int)`: gid allowed to attach without CAP_NET_ADMIN. */
export const TUNSETGROUP = 0x400454ce;
/** `TUNGETFEATURES` = `_IOR('T', 207, unsigned int)`: the IFF_* flags this kernel supports. */
export const TUNGETFEATURES = 0x800454cf;
/** `TUNGETIFF` = `_IOR('T', 210, unsigned int)`: name and flags of the attached device. */
export const TUNGETIFF = 0x800454d2;
/** `TUNSETSNDBUF` = `_IOW('T', 212, int)`. */
export const TUNSETSNDBUF = 0x400454d4;
/** `TUNSETQUEUE` = `_IOW('T', 217, int)`: attach/detach a queue of a multi-queue device. */
export const TUNSETQUEUE = 0x400454d9;
/** TUN flag: layer-3 device (IP packets). */
export const IFF_TUN = 0x0001;
/** TUN flag: layer-2 device (Ethernet frames). */
export const IFF_TAP = 0x0002;
/** TUN flag: the device has several queues, one fd each. */
export const IFF_MULTI_QUEUE = 0x0100;
/** TUNSETQUEUE flag: attach this fd's queue. */
export const IFF_ATTACH_QUEUE = 0x0200;
/** TUNSETQUEUE flag: detach this fd's queue. */
export const IFF_DETACH_QUEUE = 0x0400;
/** TUNGETIFF flag: the device is persistent. */
export const IFF_PERSIST = 0x0800;
/** TUN flag: no 4-byte packet information header; reads and writes carry bare IP packets. */
export const IFF_NO_PI = 0x1000;
/** TUN flag: virtio-net header before each packet. */
export const IFF_VNET_HDR = 0x4000;
/** TUN flag: fail with `EBUSY` if a device with that name exists (create-only). */
export const IFF_TUN_EXCL = 0x8000;

// ---- interface flags (net/if.h, ifi_flags) -------------------------------------------------------

/** Interface flag: administratively up. */
export const IFF_UP = 0x1;
/** Interface flag: broadcast address valid. */
export const IFF_BROADCAST = 0x2;
/** Interface flag: loopback. */
export const IFF_LOOPBACK = 0x8;
/** Interface flag: point-to-point link (TUN devices). */
export const IFF_POINTOPOINT = 0x10;
/** Interface flag: resources allocated, operationally running. */
export const IFF_RUNNING = 0x40;
/** Interface flag: no ARP. */
export const IFF_NOARP = 0x80;
/** Interface flag: multicast capable. */
export const IFF_MULTICAST = 0x1000;
/** Interface flag: the lower layer is up (carrier). */
export const IFF_LOWER_UP = 0x10000;
/** `ifi_type` of a TUN device (`ARPHRD_NONE`). */
export const ARPHRD_NONE = 0xfffe;
/** `ifi_type` of an Ethernet device (`ARPHRD_ETHER`). */
export const ARPHRD_ETHER = 1;
/** `ifi_type` of the loopback device (`ARPHRD_LOOPBACK`). */
export const ARPHRD_LOOPBACK = 772;
/** `SIOCGIFINDEX`: interface index by name (on any socket). */
export const SIOCGIFINDEX = 0x8933;

// ---- netlink messages ----------------------------------------------------------------------------

/** Size of `struct nlmsghdr` (len u32, type u16, flags u16, seq u32, pid u32). */
export const NLMSG_HDRLEN = 16;
/** Message type: nothing. */
export const NLMSG_NOOP = 1;
/** Message type: error or ACK (`struct nlmsgerr`: i32 error, then the request header). */
export const NLMSG_ERROR = 2;
/** Message type: end of a multipart dump. */
export const NLMSG_DONE = 3;
/** Message type: data lost. */
export const NLMSG_OVERRUN = 4;
/** Flag: a request. */
export const NLM_F_REQUEST = 0x01;
/** Flag: part of a multipart reply. */
export const NLM_F_MULTI = 0x02;
/** Flag: reply with an ACK (an `NLMSG_ERROR` with error 0) on success. */
export const NLM_F_ACK = 0x04;
/** Flag: echo this request. */
export const NLM_F_ECHO = 0x08;
/** Flag: the dump was inconsistent (changed while dumping). */
export const NLM_F_DUMP_INTR = 0x10;
/** GET flag: return the whole table. */
export const NLM_F_ROOT = 0x100;
/** GET flag: return all matching entries. */
export const NLM_F_MATCH = 0x200;
/** GET flags: `NLM_F_ROOT | NLM_F_MATCH`. */
export const NLM_F_DUMP = 0x300;
/** NEW flag: replace an existing object. */
export const NLM_F_REPLACE = 0x100;
/** NEW flag: fail with `EEXIST` if the object exists. */
export const NLM_F_EXCL = 0x200;
/** NEW flag: create the object if it does not exist. */
export const NLM_F_CREATE = 0x400;
/** NEW flag: add to the end of the list. */
export const NLM_F_APPEND = 0x800;
/** ACK flag: the request payload was not echoed. */
export const NLM_F_CAPPED = 0x100;
/** ACK flag: extended-ACK attributes follow. */
export const NLM_F_ACK_TLVS = 0x200;
/** Extended-ACK attribute: error message string. */
export const NLMSGERR_ATTR_MSG = 1;
/** Extended-ACK attribute: offset of the offending attribute. */
export const NLMSGERR_ATTR_OFFS = 2;
/** Size of `struct rtattr` / `struct nlattr` header (len u16, type u16). */
export const RTA_HDRLEN = 4;

/** rtnetlink: create or modify a link. */
export const RTM_NEWLINK = 16;
/** rtnetlink: delete a link. */
export const RTM_DELLINK = 17;
/** rtnetlink: get one link or dump all. */
export const RTM_GETLINK = 18;
/** rtnetlink: modify a link (old style). */
export const RTM_SETLINK = 19;
/** rtnetlink: add an address. */
export const RTM_NEWADDR = 20;
/** rtnetlink: remove an address. */
export const RTM_DELADDR = 21;
/** rtnetlink: dump addresses. */
export const RTM_GETADDR = 22;
/** rtnetlink: add a route. */
export const RTM_NEWROUTE = 24;
/** rtnetlink: remove a route. */
export const RTM_DELROUTE = 25;
/** rtnetlink: get or dump routes. */
export const RTM_GETROUTE = 26;

/** Size of `struct ifinfomsg` (family u8, pad u8, type u16, index i32, flags u32, change u32). */
export const IFINFOMSG_SIZE = 16;
/** Size of `struct ifaddrmsg` (family, prefixlen, flags, scope: u8; index u32). */
export const IFADDRMSG_SIZE = 8;
/** Size of `struct rtmsg` (family, dst_len, src_len, tos, table, protocol, scope, type: u8; flags u32). */
export const RTMSG_SIZE = 12;

/** Link attribute: hardware address. */
export const IFLA_ADDRESS = 1;
/** Link attribute: broadcast hardware address. */
export const IFLA_BROADCAST = 2;
/** Link attribute: interface name (NUL-terminated string). */
export const IFLA_IFNAME = 3;
/** Link attribute: MTU (u32). */
export const IFLA_MTU = 4;
/** Link attribute: link index. */
export const IFLA_LINK = 5;
/** Link attribute: queueing discipline name. */
export const IFLA_QDISC = 6;
/** Link attribute: master device index. */
export const IFLA_MASTER = 10;
/** Link attribute: transmit queue length (u32). */
export const IFLA_TXQLEN = 13;
/** Link attribute: RFC 2863 operational state (u8). */
export const IFLA_OPERSTATE = 16;
/** Link attribute: nested link info (`IFLA_INFO_KIND`, ...). */
export const IFLA_LINKINFO = 18;
/** Link attribute: move to the network namespace of this pid (u32). */
export const IFLA_NET_NS_PID = 19;
/** Link attribute: move to the network namespace of this fd (u32). */
export const IFLA_NET_NS_FD = 28;
/** Link attribute: number of transmit queues (u32). */
export const IFLA_NUM_TX_QUEUES = 31;
/** Link attribute: number of receive queues (u32). */
export const IFLA_NUM_RX_QUEUES = 32;
/** Link attribute: carrier (u8). */
export const IFLA_CARRIER = 33;
/** Link attribute: smallest MTU allowed (u32). */
export const IFLA_MIN_MTU = 50;
/** Link attribute: largest MTU allowed (u32). */
export const IFLA_MAX_MTU = 51;
/** Nested in `IFLA_LINKINFO`: link kind string (`tun`, `veth`, ...). */
export const IFLA_INFO_KIND = 1;
/** Nested in `IFLA_LINKINFO`: kind-specific data. */
export const IFLA_INFO_DATA = 2;
/** Nested in `IFLA_INFO_DATA` of a `tun` link: owner uid (u32). */
export const IFLA_TUN_OWNER = 1;
/** Nested in `IFLA_INFO_DATA` of a `tun` link: owner gid (u32). */
export const IFLA_TUN_GROUP = 2;
/** Nested in `IFLA_INFO_DATA` of a `tun` link: `IFF_TUN` or `IFF_TAP` (u8). */
export const IFLA_TUN_TYPE = 3;
/** Nested in `IFLA_INFO_DATA` of a `tun` link: packet information header in use (u8). */
export const IFLA_TUN_PI = 4;
/** Nested in `IFLA_INFO_DATA` of a `tun` link: persistent (u8). */
export const IFLA_TUN_PERSIST = 6;
/** Nested in `IFLA_INFO_DATA` of a `tun` link: multi-queue (u8). */
export const IFLA_TUN_MULTI_QUEUE = 7;
/** Nested in `IFLA_INFO_DATA` of a `tun` link: number of attached queues (fds) (u32). */
export const IFLA_TUN_NUM_QUEUES = 8;

/** Address attribute: the peer address (IPv4 point-to-point) or the address (IPv6). */
export const IFA_ADDRESS = 1;
/** Address attribute: the local address. */
export const IFA_LOCAL = 2;
/** Address attribute: label (IPv4). */
export const IFA_LABEL = 3;
/** Address attribute: broadcast address (IPv4). */
export const IFA_BROADCAST = 4;
/** Address attribute: lifetimes (`struct ifa_cacheinfo`). */
export const IFA_CACHEINFO = 6;
/** Address attribute: 32-bit flags (`IFA_F_*`, beyond the 8 bits of `ifa_flags`). */
export const IFA_FLAGS = 8;
/** Address attribute: metric of the prefix route (u32). */
export const IFA_RT_PRIORITY = 9;
/** Address flag: secondary address. */
export const IFA_F_SECONDARY = 0x01;
/** Address flag: skip duplicate address detection (IPv6). */
export const IFA_F_NODAD = 0x02;
/** Address flag: optimistic DAD (IPv6). */
export const IFA_F_OPTIMISTIC = 0x04;
/** Address flag: DAD failed (IPv6). */
export const IFA_F_DADFAILED = 0x08;
/** Address flag: deprecated (IPv6). */
export const IFA_F_DEPRECATED = 0x20;
/** Address flag: DAD still running (IPv6). */
export const IFA_F_TENTATIVE = 0x40;
/** Address flag: permanent (configured, not autoconfigured). */
export const IFA_F_PERMANENT = 0x80;
/** Address flag: do not add the prefix route. */
export const IFA_F_NOPREFIXROUTE = 0x200;

/** Route attribute: destination address. */
export const RTA_DST = 1;
/** Route attribute: source address. */
export const RTA_SRC = 2;
/** Route attribute: input interface index. */
export const RTA_IIF = 3;
/** Route attribute: output interface index (u32). */
export const RTA_OIF = 4;
/** Route attribute: gateway address. */
export const RTA_GATEWAY = 5;
/** Route attribute: priority, i.e. the metric (u32). */
export const RTA_PRIORITY = 6;
/** Route attribute: preferred source address. */
export const RTA_PREFSRC = 7;
/** Route attribute: routing table id (u32, for ids above 255). */
export const RTA_TABLE = 15;
/** Route scope: global. */
export const RT_SCOPE_UNIVERSE = 0;
/** Route scope: site. */
export const RT_SCOPE_SITE = 200;
/** Route scope: on-link (directly attached). */
export const RT_SCOPE_LINK = 253;
/** Route scope: this host. */
export const RT_SCOPE_HOST = 254;
/** Route scope: nowhere. */
export const RT_SCOPE_NOWHERE = 255;
/** Route type: unicast. */
export const RTN_UNICAST = 1;
/** Route type: local address. */
export const RTN_LOCAL = 2;
/** Route protocol: installed by the kernel. */
export const RTPROT_KERNEL = 2;
/** Route protocol: installed during boot. */
export const RTPROT_BOOT = 3;
/** Route protocol: installed by the administrator. */
export const RTPROT_STATIC = 4;
/** Routing table: unspecified. */
export const RT_TABLE_UNSPEC = 0;
/** Routing table: main. */
export const RT_TABLE_MAIN = 254;
/** Routing table: local. */
export const RT_TABLE_LOCAL = 255;
