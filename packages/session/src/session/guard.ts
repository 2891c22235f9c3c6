/**
 * The old-driver guard of a `Session` (spec 4.7): Wintun drivers up to 0.14.1 lack the fence
 * between storing `Alertable = 1` and re-reading `Tail`, so a wake-up can be lost and the driver
 * sleeps with packets pending. While the Receive ring has unconsumed packets, the guard checks it
 * every `intervalMs` and sets the write event again when Head has not moved for `stallMs`.
 * Internal: not exported.
 *
 * @module
 */
import type { TunRing } from '@wintun-ts/ring';
import type { AutoResetEvent } from '../events/types.js';
import { type SessionCore, now } from './core.js';

/** Runs only while packets are pending; its timer never keeps the process alive. Main thread only. */
export class OldDriverGuard {
  readonly #core: SessionCore;
  readonly #ring: TunRing | null;
  readonly #writeEvent: AutoResetEvent;
  readonly #stallMs: number;
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setInterval> | null = null;
  /**
   * The timer's callback, created once. An arrow created inside `afterCommit` would make V8
   * allocate a 40-byte closure context (it holds `this`) on every call, i.e. on every commit, even
   * when the arming branch is not taken.
   */
  readonly #onTimer = (): void => this.check();
  #head = 0;
  #since = 0;
  /**
   * True when a piggybacked check saw Head move but did not read the clock: `#since` is then
   * stamped by the next check that finds Head standing still (see {@link OldDriverGuard.check}).
   */
  #sinceStale = false;
  #commitsSinceCheck = 0;

  /** `stallMs <= 0` or no ring (the 'dll' engine) disables the guard. */
  constructor(core: SessionCore, ring: TunRing | null, writeEvent: AutoResetEvent, stallMs: number, intervalMs: number) {
    this.#core = core;
    this.#ring = ring;
    this.#writeEvent = writeEvent;
    this.#stallMs = ring === null ? 0 : stallMs;
    this.#intervalMs = intervalMs;
  }

  /** Called after every commit/publish: arms the timer, or piggybacks a check on busy senders. */
  afterCommit(): void {
    if (this.#stallMs <= 0) return;
    if (this.#timer === null) {
      this.#head = this.#ring!.loadHead();
      this.#since = now();
      this.#sinceStale = false;
      this.#timer = setInterval(this.#onTimer, this.#intervalMs);
      this.#timer.unref();
    } else if (++this.#commitsSinceCheck >= 64) {
      // Piggyback a check on busy senders whose event loop leaves the timer little room.
      this.#commitsSinceCheck = 0;
      this.check(true);
    }
  }

  /**
   * One check: stop when the ring drained, re-signal when Head stalled.
   *
   * A piggybacked check (`piggyback`, from a commit) that sees Head move does not read the clock:
   * `performance.now()` returns a heap number there, about 84 bytes per check, i.e. per 64
   * commits, on a path that is otherwise allocation-free. It marks the stamp stale instead; the
   * next check that finds Head standing still stamps it (and does not re-signal). A stall is thus
   * measured from that first still check, at most one check later than the movement was seen: the
   * same detection, `stallMs` of Head standing still, counted from one check later.
   */
  check(piggyback = false): void {
    if (this.#core.state !== 'open') return this.stop();
    const ring = this.#ring;
    if (ring === null) return this.stop();
    const head = ring.loadHead();
    const tail = ring.loadTail();
    if (head >= ring.capacity || head === tail) return this.stop();
    if (head !== this.#head) {
      this.#head = head;
      if (piggyback) {
        this.#sinceStale = true;
      } else {
        this.#since = now();
        this.#sinceStale = false;
      }
      return;
    }
    const t = now();
    if (this.#sinceStale) {
      this.#sinceStale = false;
      this.#since = t;
      return;
    }
    const stalled = t - this.#since;
    if (stalled >= this.#stallMs && (ring.loadAlertable() !== 0 || stalled >= 4 * this.#stallMs)) {
      this.#core.stats.guardResignals++;
      this.#since = t;
      this.#writeEvent.set();
    }
  }

  /** Stops the timer. Idempotent. */
  stop(): void {
    if (this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }
}
