/**
 * `@wintun-ts/adapter/driver`: the driver-side plumbing of `@wintun-ts/session/driver`, handed up
 * for programs built on the adapter that play the driver themselves (the CLI's `bench` runs a
 * session against rings of its own): ring memory, ring pairs and both ring roles, auto-reset
 * events, the driver loops and their worker hosting. Applications use `Adapter.startSession()`.
 *
 * @module @wintun-ts/adapter/driver
 * @group Plumbing (platform bindings and driver internals)
 */
export * from '@wintun-ts/session/driver';
