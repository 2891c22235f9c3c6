/**
 * `@wintun-ts/ring/linux`: the Linux bindings of `@wintun-ts/abi/linux`, handed up the layer chain
 * with the FFI helpers that platform code needs (`loadKoffi`, `lazy`, `errnoError`). Plumbing for
 * the layers above; importing it runs nothing native.
 *
 * @module @wintun-ts/ring/linux
 * @group Plumbing (platform bindings and driver internals)
 */
export * from '@wintun-ts/abi/linux';
export { loadKoffi, lazy, errnoError } from '@wintun-ts/abi';
export type { Koffi } from '@wintun-ts/abi';
