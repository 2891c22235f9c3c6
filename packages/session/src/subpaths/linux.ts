/**
 * `@wintun-ts/session/linux`: the Linux bindings (libc, TUN and interface ioctls, rtnetlink) of
 * `@wintun-ts/abi/linux`, handed up through `@wintun-ts/ring/linux` for the adapter's Linux
 * backend. Plumbing; importing it runs nothing native.
 *
 * @module @wintun-ts/session/linux
 * @group Plumbing (platform bindings and driver internals)
 */
export * from '@wintun-ts/ring/linux';
