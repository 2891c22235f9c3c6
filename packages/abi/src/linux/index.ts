/**
 * Linux bindings (libc, `/dev/net/tun` and interface ioctls, rtnetlink). Bound on first use.
 *
 * @module
 */
export {};
