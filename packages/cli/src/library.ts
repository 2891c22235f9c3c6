/**
 * The one place the cli takes names from outside the adapter lifecycle: the packet toolkit and the
 * driver-side counters. When these names move between packages, only this file changes.
 *
 * @module
 */
import { getDriverStats, type DriverStats, type Session } from '@wintun-ts/adapter';
import { classifyEcho, echoReplyInPlace, type EchoFilter } from '@wintun-ts/adapter/packet';

export { classifyEcho, echoReplyInPlace };
export type { EchoFilter };

/** The driver side's counters of a session, where the platform keeps any (else null). */
export function driverStatsOf(session: Session): DriverStats | null {
  return session.driverStats ?? getDriverStats(session);
}
