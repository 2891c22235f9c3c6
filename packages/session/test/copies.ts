/**
 * Copying receives for tests that compare bytes: built on the lease form, as the receive guide
 * shows (`lease.data.slice()` is a copy), since the session itself has no copy variants.
 *
 * @module
 */
import type { ReceiveOptions, Session } from '@wintun-ts/session';

/** A copy of the next packet: a lease, copied and released. */
export async function receiveCopy(session: Session, options?: ReceiveOptions): Promise<Uint8Array> {
  using lease = await session.receive(options);
  return lease.data.slice();
}

/** A copy of the next ready packet, or null when none is ready. */
export function tryReceiveCopy(session: Session): Uint8Array | null {
  const lease = session.tryReceive();
  if (lease === null) return null;
  const copy = lease.data.slice();
  lease.release();
  return copy;
}
