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

/** Options of a {@link SpinGate}. */
export interface SpinGateOptions {
  /** Longest spin in microseconds (the spin window). Default 100. */
  readonly spinUs?: number | undefined;
  /**
   * What one sleep and wake-up costs the waiting thread, in microseconds of CPU and latency (the
   * futex or event-loop round trip a spin avoids). Spinning pays for itself while the expected
   * spin, `E[min(gap, spinUs)]`, stays at or below this. Default 20.
   */
  readonly breakEvenUs?: number | undefined;
  /** Every this many episodes the gate spins (for `breakEvenUs` only) even when closed, to measure the real gap. Default 32. */
  readonly probeEvery?: number | undefined;
}

/**
 * Decides, from what spinning has cost recently, whether a reader that found its ring empty should
 * spin before it sleeps. Each "empty episode" (from the moment the reader saw the ring empty until
 * data arrived, or its wait timed out) is reported with {@link SpinGate.record}; the gate keeps an
 * exponentially weighted mean of `min(gap, spinUs)` (what a spin would have burnt) and opens only
 * while that mean is at most `breakEvenUs` (what a sleep and wake-up costs). So a spin is taken
 * only when it is expected to save more than it burns: at high rates (short gaps) it spins, at low
 * rates (gaps longer than a wake-up) it sleeps at once, and when traffic stops the first missed
 * spin (a whole window burnt) closes it. While closed, one episode in `probeEvery` still spins,
 * for the break-even time only, because a gap measured by sleeping includes the wake-up latency
 * and overstates the real one.
 *
 * Thread-safety: single-threaded (one instance per reading thread). Allocation-free.
 */
export class SpinGate {
  /** The spin window in milliseconds (the unit of `performance.now()`). */
  readonly spinMs: number;
  readonly #breakEvenMs: number;
  readonly #probeEvery: number;
  #meanMs: number;
  #episodes = 0;

  /**
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` unless the options are an object whose
   *   fields (when given) are finite numbers > 0 (`probeEvery` an integer).
   */
  constructor(options: SpinGateOptions = {}) {
    if (typeof options !== 'object' || options === null) invalid('new SpinGate: options must be an object.');
    this.spinMs = positiveGate('spinUs', options.spinUs, 100) / 1000;
    this.#breakEvenMs = positiveGate('breakEvenUs', options.breakEvenUs, 20) / 1000;
    const probe = positiveGate('probeEvery', options.probeEvery, 32);
    if (!Number.isInteger(probe)) invalid('new SpinGate: probeEvery must be an integer >= 1.');
    this.#probeEvery = probe;
    // Start closed: a reader spins only once short gaps were seen.
    this.#meanMs = this.spinMs;
  }

  /**
   * How long the next empty episode should spin, in milliseconds: {@link SpinGate.spinMs} while the
   * gate is open, 0 (sleep at once) while it is closed, except one episode in `probeEvery`, which
   * spins for the break-even time only (a probe that costs at most what a wake-up costs, and tells
   * whether gaps have become shorter than that).
   */
  nextSpinMs(): number {
    if (this.#meanMs <= this.#breakEvenMs) return this.spinMs;
    return ++this.#episodes % this.#probeEvery === 0 ? Math.min(this.#breakEvenMs, this.spinMs) : 0;
  }

  /**
   * Reports one empty episode: `gapMs` from seeing the ring empty until data was there (a spin hit,
   * or the wake-up), or `Infinity` when the wait ended without data. `slept` says the gap was
   * measured by sleeping: such a gap includes the wake-up latency, so one shorter than the spin
   * window says nothing certain and is ignored (the probes measure those); a longer one is a
   * certain "the spin would have burnt its whole window".
   *
   * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` unless `gapMs` is a number >= 0 and `slept` a boolean.
   */
  record(gapMs: number, slept = false): void {
    if (typeof gapMs !== 'number' || !(gapMs >= 0) || typeof slept !== 'boolean') invalid('SpinGate.record: gapMs must be a number >= 0 (or Infinity) and slept a boolean.');
    if (slept && gapMs < this.spinMs) return;
    const cost = gapMs < this.spinMs ? gapMs : this.spinMs;
    // Weight 1/4: a few episodes move the decision, one outlier does not flip it for long.
    this.#meanMs += (cost - this.#meanMs) / 4;
  }

  /** The current mean cost of a spin in microseconds (diagnostics). */
  get meanSpinUs(): number {
    return this.#meanMs * 1000;
  }
}

function positiveGate(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) invalid(`new SpinGate: ${name} must be a finite number > 0.`);
  return value;
}
