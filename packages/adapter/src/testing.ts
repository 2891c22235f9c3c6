/**
 * `@wintun-ts/adapter/testing`: the in-memory Wintun driver of `@wintun-ts/session/testing`,
 * re-exported so code built on the adapter layer can unit-test its session logic with no adapter
 * and no privileges.
 *
 * @packageDocumentation
 */
export * from '@wintun-ts/session/testing';
