/**
 * The one place the cli takes names from outside the adapter lifecycle: the packet toolkit. When
 * these names move between packages, only this file changes.
 *
 * @module
 */
export { classifyEcho, echoReplyInPlace } from '@wintun-ts/adapter/packet';
export type { EchoFilter } from '@wintun-ts/adapter/packet';
