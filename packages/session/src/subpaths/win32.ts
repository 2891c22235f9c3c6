/**
 * `@wintun-ts/session/win32`: the Win32 and wintun.dll bindings of `@wintun-ts/abi/win32`, handed
 * up through `@wintun-ts/ring/win32`, plus this layer's Win32 auto-reset event. For the adapter's
 * Windows backend. Plumbing; importing it runs nothing native.
 *
 * @module @wintun-ts/session/win32
 * @group Plumbing (platform bindings and driver internals)
 */
export * from '@wintun-ts/ring/win32';
export { Win32Event, createWin32Event, openWin32Event } from '../events/win32.js';
export { win32PoolWaits } from '../events/win32-wait.js';
