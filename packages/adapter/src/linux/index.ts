/**
 * The Linux backend of the adapter layer: TUN devices, bounded packet I/O on their fds, and an
 * rtnetlink client for links, MTU, addresses and routes.
 *
 * @module
 */
export { TunDevice, validateLinuxInterfaceName, TUN_CLONE_DEVICE, LINUX_CAP_NET_ADMIN_HINT } from './tun-device.js';
export type { TunDeviceOptions, TunOpenMode } from './tun-device.js';
export { tunRead, tunReadBytes, tunWrite, tunWriteBytes, tunWaitReadable, TUN_READ_TIMEOUT, TUN_READ_GONE, TUN_MAX_PACKET } from './tun-io.js';
export { RtNetlink } from './netlink.js';
export type { LinkInfo, TunLinkInfo, AddressInfo, RouteSpec, RouteInfo, RtNetlinkOptions, AddAddressOptions } from './netlink.js';
export { parseIpAddress, parseCidr, parseRouteDestination, isNetworkPrefix, formatIpAddress } from './cidr.js';
export type { IpAddress, IpPrefix } from './cidr.js';
