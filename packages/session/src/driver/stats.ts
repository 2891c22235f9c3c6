/**
 * {@link DriverStats}: the counters of whatever plays the Wintun driver for a session, as the
 * session exposes them (`session.driverStats`).
 *
 * @module
 */

/**
 * Counters kept by the driver side of a session (the worker threads that play the Wintun driver on
 * Linux and in the test driver), read live from shared memory. `null` on `session.driverStats`
 * where the platform keeps no such counters (the Windows kernel driver keeps its own).
 *
 * Thread-safety: every getter is an atomic load; read from the session's thread.
 */
export interface DriverStats {
  /** Packets the driver wrote into the Send ring (delivered to userspace). */
  readonly produced: number;
  /** Packets the driver dropped because the Send ring was full or ended (spec 3.1 step 3.4). */
  readonly producerDrops: number;
  /** Packets the driver took from the Receive ring and delivered (to the TUN fd, the test queue). */
  readonly consumed: number;
  /** Records from the Receive ring discarded as not IPv4/IPv6 (spec 3.2 step 4). */
  readonly discarded: number;
  /** Packets the system refused on delivery (link down, no buffer space). */
  readonly kernelDrops: number;
  /** Packets the driver could not take whole (larger than any record it can reserve) and dropped. */
  readonly oversizeDrops: number;
  /** True once the device disappeared under the session (the session then ends). */
  readonly deviceGone: boolean;
  /**
   * Times the Receive-ring consumer spun before sleeping (it spins only while the measured gaps
   * say a spin costs less than a sleep and wake-up; see `SpinGate`).
   */
  readonly consumerSpins: number;
  /** Of those spins, the ones that found a packet (the others burnt their whole window). */
  readonly consumerSpinHits: number;
}
