/**
 * {@link RateGate}: decides whether a reader may spin before sleeping, from the packet rate it
 * measured recently (the idea of wireguard-go's rate-gated spin, in our own code).
 *
 * @module
 */
import { WintunError } from '@wintun-ts/ring';

function invalid(message: string): never {
  throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', message);
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) invalid(`new RateGate: ${name} must be a finite number > 0.`);
  return value;
}

/** Options of a {@link RateGate}. */
export interface RateGateOptions {
  /** Spin only when at least this many packets per second were seen recently. Default 20 000. */
  readonly thresholdPps?: number | undefined;
  /** Length of one measurement window in milliseconds. Default 250. */
  readonly windowMs?: number | undefined;
}

/**
 * Measures the packet rate in two consecutive windows and says "spin" only while the current or
 * the previous window reached the threshold. When traffic stops the gate closes within two
 * windows, so an idle reader never spins.
 *
 * Thread-safety: single-threaded (one instance per reading thread). Allocation-free.
 */
export class RateGate {
  readonly #threshold: number;
  readonly #windowMs: number;
  #windowStart = 0;
  #current = 0;
  #previousRate = 0;

  /**
   * @param options - threshold and window length.
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` unless the options are an object whose
   *   fields (when given) are finite numbers > 0.
   */
  constructor(options: RateGateOptions = {}) {
    if (typeof options !== 'object' || options === null) invalid('new RateGate: options must be an object.');
    this.#threshold = positive('thresholdPps', options.thresholdPps, 20_000);
    this.#windowMs = positive('windowMs', options.windowMs, 250);
  }

  /**
   * Counts `packets` that just arrived.
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` unless both arguments are numbers.
   */
  record(packets: number, now: number = performance.now()): void {
    if (typeof packets !== 'number' || typeof now !== 'number') invalid('RateGate.record: packets and now must be numbers.');
    this.#roll(now);
    this.#current += packets;
  }

  /**
   * True when the recent rate justifies a short spin before sleeping.
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` unless `now` is a number.
   */
  shouldSpin(now: number = performance.now()): boolean {
    if (typeof now !== 'number') invalid('RateGate.shouldSpin: now must be a number (performance.now()).');
    this.#roll(now);
    if (this.#previousRate >= this.#threshold) return true;
    const elapsed = now - this.#windowStart;
    // The current window counts only once it is long enough to say something.
    return elapsed >= this.#windowMs / 4 && (this.#current * 1000) / elapsed >= this.#threshold;
  }

  #roll(now: number): void {
    const elapsed = now - this.#windowStart;
    if (elapsed < this.#windowMs) return;
    // A gap longer than two windows means the previous window was idle.
    this.#previousRate = elapsed < 2 * this.#windowMs ? (this.#current * 1000) / elapsed : 0;
    this.#current = 0;
    this.#windowStart = now;
  }
}
