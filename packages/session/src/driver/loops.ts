/**
 * The two loops that play the Wintun driver (spec 3): the Send-ring producer (packets from a
 * {@link PacketSource} into the Send ring) and the Receive-ring consumer (packets from the Receive
 * ring into a {@link PacketSink}). They run synchronously in worker threads (Linux backend, test
 * driver) with bounded waits, and stop when the control block's stop flag is set.
 *
 * @module
 */
import { RING_EOF, ReceiveRingConsumer, SendRingProducer } from '@wintun-ts/ring';
import type { TunRing } from '@wintun-ts/ring';
import type { AutoResetEvent } from '../events/types.js';
import { checkConsumerLoopOptions, checkControl, checkEventArgument, checkMethodObject, checkProducerLoopOptions, checkRingArgument } from './check.js';
import { SpinGate } from '../rate.js';

/**
 * Where the producer loop gets packets from (Linux: the TUN fd; tests: a shared-memory queue).
 * Runs in the producer worker only.
 */
export interface PacketSource {
  /**
   * Reads one packet into `ringBytes[payloadOffset .. payloadOffset + n)`: straight into ring
   * memory when the ring has room for `maxLength` bytes, else into a worker-local bounce buffer
   * (the loop then copies the packet into the ring when it fits, or drops and counts it).
   * Must return within about `timeoutMs` (0 = do not wait), so the loop can see its stop flag.
   *
   * @param ringBytes - the whole Send ring (`TunRing.bytes`), or the loop's bounce buffer.
   * @param payloadOffset - where the payload goes.
   * @param maxLength - room available (the loop's `maxPacketSize`, 0xFFFF by default). A longer
   *   packet must never be truncated: drop it and return {@link SOURCE_OVERSIZE}.
   * @param timeoutMs - how long to wait for a packet at most.
   * @returns the packet length (> 0), 0 when no packet arrived in time, -1 when the source is closed
   *   for good (the loop then ends), {@link SOURCE_OVERSIZE} (-2) when a packet longer than
   *   `maxLength` was dropped (the loop counts it in {@link DriverControl.OVERSIZE_DROPS}).
   */
  read(ringBytes: Uint8Array, payloadOffset: number, maxLength: number, timeoutMs: number): number;
  /** Optional: releases what the source holds; called once when the loop ends. */
  close?(): void;
}

/** {@link PacketSource.read} result: a packet longer than `maxLength` was dropped whole (never truncated). */
export const SOURCE_OVERSIZE = -2;

/**
 * Where the consumer loop delivers the packets userspace sent (Linux: the TUN fd; tests: a
 * shared-memory queue). Runs in the consumer worker only.
 */
export interface PacketSink {
  /**
   * Delivers one IP packet, `ringBytes[payloadOffset .. payloadOffset + length)`. The bytes are
   * valid only during the call (the loop releases them afterwards). May block briefly; must return
   * within about 100 ms even when it cannot deliver (then it drops the packet).
   */
  write(ringBytes: Uint8Array, payloadOffset: number, length: number): void;
  /** Optional: releases what the sink holds; called once when the loop ends. */
  close?(): void;
}

/** Slots of the control block (an Int32Array over a SharedArrayBuffer) shared by the loops and their host. */
export const DriverControl = {
  /** Set to 1 to stop both loops. */
  STOP: 0,
  /** Set to 1 to make the producer end the Send ring (Tail = 0xFFFFFFFF) as unregistration does. */
  CLOSE_SEND: 1,
  /** Set to 1 to make the consumer abort the Receive ring (Head = 0xFFFFFFFF). */
  ABORT_RECEIVE: 2,
  /** Packets the producer wrote into the Send ring. */
  PRODUCED: 3,
  /** Packets the producer dropped (ring full or ended). */
  PRODUCER_DROPS: 4,
  /** Packets the consumer delivered to the sink. */
  CONSUMED: 5,
  /** Non-IP records the consumer discarded. */
  DISCARDS: 6,
  /** Times the consumer went to sleep on the write event. */
  WAITS: 7,
  /** Consumer waits that timed out while the Receive ring had data and no signal followed: missed wake-ups. */
  MISSED_WAKEUPS: 8,
  /** Consumer waits that ended with a signal. */
  WAKEUPS: 9,
  /** 1 once the producer loop has ended. */
  PRODUCER_DONE: 10,
  /** 1 once the consumer loop has ended. */
  CONSUMER_DONE: 11,
  /** Consumer waits that ended by timeout (with or without data). */
  WAIT_TIMEOUTS: 12,
  /** Times the producer set the read event. */
  READ_SIGNALS: 13,
  /** Packets the sink's system refused (kernel write errors such as ENOBUFS); bumped by I/O modules. */
  KERNEL_DROPS: 14,
  /** 1 once the I/O module found its device gone; set by I/O modules. */
  DEVICE_GONE: 15,
  /** Packets the source dropped whole because they were longer than the loop's `maxPacketSize` (never truncated). */
  OVERSIZE_DROPS: 16,
  /** Times the consumer spun on the Tail before its alertable wait (spins are gated by cost). */
  SPINS: 17,
  /** Consumer spins that found a packet. */
  SPIN_HITS: 18,
  /** Number of slots. */
  SIZE: 20,
} as const;

/** Allocates a zeroed control block for {@link runProducerLoop}/{@link runConsumerLoop}. */
export function createDriverControl(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(DriverControl.SIZE * 4));
}

/** Options shared by both loops. */
export interface DriverLoopOptions {
  /** Bound of every wait in milliseconds (event waits, source reads). Default 50. */
  readonly waitMs?: number | undefined;
}

/** Options of {@link runProducerLoop}. */
export interface ProducerLoopOptions extends DriverLoopOptions {
  /**
   * Room of every read: the largest packet the source may return whole (default 0xFFFF, the
   * largest IP packet; keep the default for devices whose MTU can change under the session). A
   * longer packet is dropped and counted in `OVERSIZE_DROPS`, never truncated.
   */
  readonly maxPacketSize?: number | undefined;
  /** Most packets per batch before Tail is published. Default 256. */
  readonly batchLimit?: number | undefined;
}

/** Options of {@link runConsumerLoop}. */
export interface ConsumerLoopOptions extends DriverLoopOptions {
  /**
   * Longest spin on the Tail, in microseconds, before the alertable wait (the driver's 100 us).
   * Default 100; 0 never spins. The spin is taken only while it pays for itself (see
   * `spinBreakEvenUs`), so an idle or slow stream costs no spinning.
   */
  readonly spinUs?: number | undefined;
  /**
   * Spin only while the recent empty gaps, capped at `spinUs`, average at most this many
   * microseconds: what a sleep and wake-up through the write event costs (a {@link SpinGate}).
   * Default 20.
   */
  readonly spinBreakEvenUs?: number | undefined;
  /**
   * `'fenced'` (default): the fixed driver's handshake (Alertable = 1, full fence, re-read Tail).
   * `'old-driver'`: reproduces drivers up to 0.14.1, whose missing fence lets the Tail re-read
   * come before the Alertable store: here Tail is read first, then (after `raceWindowUs`)
   * Alertable is stored, so a commit landing in between is missed until the next signal or timeout.
   */
  readonly mode?: 'fenced' | 'old-driver' | undefined;
  /** In `'old-driver'` mode: microseconds between the Tail read and the Alertable store. Default 0. */
  readonly raceWindowUs?: number | undefined;
}

function spinFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/**
 * The Send-ring producer, as the driver's send path behaves (spec 3.1): reads a packet, commits it
 * as a record, and after a batch (until the source has nothing more, or `batchLimit`) publishes
 * Tail and sets the read event on every Tail move.
 *
 * Packets are never truncated, whatever the link MTU does meanwhile: every read has room for
 * `maxPacketSize` bytes (default 0xFFFF, the largest IP packet and record). When the ring has that
 * much room free, the read goes straight into ring memory; otherwise into a worker-local bounce
 * buffer, and the packet is copied into the ring when its record fits, or dropped and counted in
 * `PRODUCER_DROPS` (the ring is full: the driver never waits). A packet longer than
 * `maxPacketSize` is dropped by the source and counted in `OVERSIZE_DROPS`.
 *
 * Returns when the stop flag is set, when `CLOSE_SEND` is requested (the ring is then ended with
 * the sentinel and the read event set), or when the source closes. Synchronous; worker threads only.
 *
 * @param ring - the Send ring.
 * @param source - where packets come from.
 * @param readEvent - the Send ring's TailMoved event.
 * @param control - the control block ({@link DriverControl}).
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` (before anything runs) for a malformed
 *   argument; whatever the source throws; the ring itself never throws here unless its memory was freed.
 */
export function runProducerLoop(
  ring: TunRing,
  source: PacketSource,
  readEvent: AutoResetEvent,
  control: Int32Array,
  options: ProducerLoopOptions = {},
): void {
  checkRingArgument('runProducerLoop', ring);
  checkMethodObject('runProducerLoop', 'source', source, 'read');
  checkEventArgument('runProducerLoop', 'readEvent', readEvent);
  checkControl('runProducerLoop', control);
  checkProducerLoopOptions('runProducerLoop', options);
  const producer = new SendRingProducer(ring);
  const waitMs = options.waitMs ?? 50;
  const max = options.maxPacketSize ?? 0xffff;
  const batchLimit = options.batchLimit ?? 256;
  const bytes = ring.bytes;
  let bounce: Uint8Array | null = null;
  try {
    for (;;) {
      if (Atomics.load(control, DriverControl.STOP) !== 0) return;
      if (Atomics.load(control, DriverControl.CLOSE_SEND) !== 0) {
        producer.close();
        readEvent.set();
        return;
      }
      let batch = 0;
      let timeout = waitMs;
      let sourceClosed = false;
      for (;;) {
        const offset = producer.reserve(max);
        let n: number;
        if (offset >= 0) {
          n = source.read(bytes, offset, max, timeout);
          if (n > 0) {
            producer.commitRecord(offset, n);
            batch++;
          }
        } else {
          // Less than `max` free (or the ring ended): read into the bounce buffer, then copy the
          // packet in if its own record fits.
          bounce ??= new Uint8Array(max);
          n = source.read(bounce, 0, max, timeout);
          if (n > 0) {
            const at = offset === RING_EOF ? offset : producer.reserve(n);
            if (at >= 0) {
              bytes.set(bounce.subarray(0, n), at);
              producer.commitRecord(at, n);
              batch++;
            } else {
              Atomics.add(control, DriverControl.PRODUCER_DROPS, 1);
            }
          }
        }
        if (n === SOURCE_OVERSIZE) {
          // Dropped whole by the source: end this batch; the next read does not wait if more is there.
          Atomics.add(control, DriverControl.OVERSIZE_DROPS, 1);
          n = 0;
        }
        if (n < 0) sourceClosed = true;
        if (n <= 0 || batch >= batchLimit || Atomics.load(control, DriverControl.STOP) !== 0 || Atomics.load(control, DriverControl.CLOSE_SEND) !== 0) break;
        timeout = 0;
      }
      if (producer.publish()) {
        Atomics.add(control, DriverControl.PRODUCED, batch);
        Atomics.add(control, DriverControl.READ_SIGNALS, 1);
        readEvent.set();
      }
      if (sourceClosed) return;
    }
  } finally {
    Atomics.store(control, DriverControl.PRODUCER_DONE, 1);
    Atomics.notify(control, DriverControl.PRODUCER_DONE);
    source.close?.();
  }
}

/**
 * The Receive-ring consumer, as the driver's receive thread behaves (spec 3.2): take the next IP
 * packet, hand it to the sink, release it; when empty, spin up to `spinUs` (only while recent gaps
 * say the spin pays for itself, see {@link SpinGate}), then the alertable handshake and a bounded wait on the write event. Non-IP records are discarded and counted,
 * corruption aborts the ring (Head = 0xFFFFFFFF). A wait that times out with data pending and no
 * late signal is counted in `MISSED_WAKEUPS`. Returns when the stop flag is set, when the ring is
 * aborted (corruption or `ABORT_RECEIVE`), never otherwise. Synchronous; worker threads only.
 *
 * @param ring - the Receive ring.
 * @param sink - where packets go.
 * @param writeEvent - the Receive ring's TailMoved event.
 * @param control - the control block ({@link DriverControl}).
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` (before anything runs) for a malformed
 *   argument; whatever the sink throws.
 */
export function runConsumerLoop(
  ring: TunRing,
  sink: PacketSink,
  writeEvent: AutoResetEvent,
  control: Int32Array,
  options: ConsumerLoopOptions = {},
): void {
  checkRingArgument('runConsumerLoop', ring);
  checkMethodObject('runConsumerLoop', 'sink', sink, 'write');
  checkEventArgument('runConsumerLoop', 'writeEvent', writeEvent);
  checkControl('runConsumerLoop', control);
  checkConsumerLoopOptions('runConsumerLoop', options);
  const consumer = new ReceiveRingConsumer(ring);
  const waitMs = options.waitMs ?? 50;
  const spinUs = options.spinUs ?? 100;
  const gate = spinUs > 0 ? new SpinGate({ spinUs, breakEvenUs: options.spinBreakEvenUs ?? 20 }) : null;
  const oldDriver = options.mode === 'old-driver';
  const raceMs = (options.raceWindowUs ?? 0) / 1000;
  const bytes = ring.bytes;
  let consumed = 0;
  try {
    for (;;) {
      if (Atomics.load(control, DriverControl.STOP) !== 0) return;
      if (Atomics.load(control, DriverControl.ABORT_RECEIVE) !== 0) {
        consumer.abort();
        return;
      }
      const offset = consumer.next();
      if (offset >= 0) {
        try {
          sink.write(bytes, offset, consumer.lastSize);
        } finally {
          consumer.release();
        }
        // Counted locally, published once the ring runs empty (or every 256 packets): one shared
        // read-modify-write per burst instead of one per packet.
        if (++consumed === 256) {
          Atomics.add(control, DriverControl.CONSUMED, consumed);
          consumed = 0;
        }
        continue;
      }
      if (consumed > 0) {
        Atomics.add(control, DriverControl.CONSUMED, consumed);
        consumed = 0;
      }
      Atomics.store(control, DriverControl.DISCARDS, consumer.discardedPackets);
      if (offset === RING_EOF) return;
      // Empty: spin on the Tail (cheap atomic loads) before the handshake, but only while the
      // gate says spinning has paid for itself lately (the measured gaps are short).
      const emptyAt = gate === null ? 0 : performance.now();
      let measured = false;
      const spinMs = gate === null ? 0 : gate.nextSpinMs();
      if (gate !== null && spinMs > 0) {
        const head = ring.loadHead();
        const end = emptyAt + spinMs;
        let moved = false;
        let t = emptyAt;
        while (t < end) {
          if (ring.loadTail() !== head) {
            moved = true;
            break;
          }
          t = performance.now();
        }
        Atomics.add(control, DriverControl.SPINS, 1);
        if (moved) {
          Atomics.add(control, DriverControl.SPIN_HITS, 1);
          gate.record(t - emptyAt);
          continue;
        }
        gate.record(Infinity);
        measured = true;
      }
      if (Atomics.load(control, DriverControl.STOP) !== 0) return;
      let mustWait: boolean;
      if (oldDriver) {
        // The old driver's race: Tail is effectively read before Alertable = 1 is visible.
        const empty = ring.loadTail() === ring.loadHead();
        if (raceMs > 0) spinFor(raceMs);
        ring.storeAlertable(1);
        mustWait = empty;
      } else {
        mustWait = consumer.prepareWait();
      }
      let slept = false;
      let timedOut = false;
      if (mustWait) {
        slept = true;
        Atomics.add(control, DriverControl.WAITS, 1);
        if (writeEvent.waitSync(waitMs)) {
          Atomics.add(control, DriverControl.WAKEUPS, 1);
        } else {
          timedOut = true;
          Atomics.add(control, DriverControl.WAIT_TIMEOUTS, 1);
          const head = ring.loadHead();
          if (head < ring.capacity && ring.loadTail() !== head && !writeEvent.waitSync(2)) {
            Atomics.add(control, DriverControl.MISSED_WAKEUPS, 1);
          }
        }
      }
      if (!measured && gate !== null) gate.record(timedOut ? Infinity : performance.now() - emptyAt, slept);
      if (oldDriver) ring.storeAlertable(0);
      else consumer.endWait();
    }
  } finally {
    if (consumed > 0) Atomics.add(control, DriverControl.CONSUMED, consumed);
    Atomics.store(control, DriverControl.DISCARDS, consumer.discardedPackets);
    Atomics.store(control, DriverControl.CONSUMER_DONE, 1);
    Atomics.notify(control, DriverControl.CONSUMER_DONE);
    sink.close?.();
  }
}
