/**
 * Number formatting for human output (status line, tables) and the live status line itself.
 *
 * @module
 */
import type { DriverStats, SessionStats } from '@wintun-ts/adapter';
import type { Writable } from 'node:stream';

/** `1234567` -> `1.2 MB` (decimal units, as network tools count bytes). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i] ?? ''}`;
}

/** `12345678` -> `12.3 M` (decimal, for packet rates). */
export function formatCount(n: number): string {
  if (n < 10_000) return String(Math.round(n));
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} k`;
  if (n < 1e9) return `${(n / 1e6).toFixed(2)} M`;
  return `${(n / 1e9).toFixed(2)} G`;
}

/** `65` seconds -> `01:05`. */
export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  const mm = String(Math.floor(s / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${mm}:${ss}`;
}

/** A snapshot of the counters the status line shows. */
export interface StatusSnapshot {
  /** Packets received from the system (Send ring). */
  readonly rxPackets: number;
  /** Bytes received from the system. */
  readonly rxBytes: number;
  /** Packets sent into the system (Receive ring). */
  readonly txPackets: number;
  /** Bytes sent into the system. */
  readonly txBytes: number;
  /**
   * Packets dropped: by the session because the Receive ring was full, plus (Linux) by the driver
   * side because the Send ring was full or the kernel refused a packet.
   */
  readonly drops: number;
}

/** Takes a {@link StatusSnapshot} of a session's live counters (and its driver's, when known). */
export function snapshotOf(stats: SessionStats, driver: DriverStats | null = null): StatusSnapshot {
  return {
    rxPackets: stats.packetsReceived,
    rxBytes: stats.bytesReceived,
    txPackets: stats.packetsSent,
    txBytes: stats.bytesSent,
    drops: stats.sendDrops + (driver === null ? 0 : driver.producerDrops + driver.kernelDrops + driver.oversizeDrops),
  };
}

/** One status line: totals, drops and the rate over the last interval. */
export function formatStatus(now: StatusSnapshot, before: StatusSnapshot, intervalMs: number, elapsedMs: number, extra = ''): string {
  const seconds = Math.max(intervalMs, 1) / 1000;
  const pps = (now.rxPackets + now.txPackets - before.rxPackets - before.txPackets) / seconds;
  const bps = ((now.rxBytes + now.txBytes - before.rxBytes - before.txBytes) * 8) / seconds;
  return (
    `[${formatElapsed(elapsedMs)}] rx ${now.rxPackets} pkts ${formatBytes(now.rxBytes)} | ` +
    `tx ${now.txPackets} pkts ${formatBytes(now.txBytes)} | drops ${now.drops} | ` +
    `${formatCount(pps)} pkt/s ${(bps / 1e6).toFixed(2)} Mbit/s${extra}`
  );
}

/**
 * The live status line on stderr, refreshed every `intervalMs`: redrawn in place on a terminal,
 * one plain line per refresh otherwise (logs, pipes). Main thread only.
 */
export class StatusLine {
  readonly #out: Writable;
  readonly #tty: boolean;
  readonly #read: () => StatusSnapshot;
  readonly #extra: () => string;
  readonly #intervalMs: number;
  readonly #started = performance.now();
  #last: StatusSnapshot;
  #lastAt = performance.now();
  #timer: ReturnType<typeof setInterval> | undefined;
  #drawn = false;

  /**
   * @param out - stderr.
   * @param tty - whether `out` is a terminal.
   * @param read - reads the current counters.
   * @param extra - appended to each line (e.g. `| echoed 3`).
   * @param intervalMs - refresh period (default 1000).
   */
  constructor(out: Writable, tty: boolean, read: () => StatusSnapshot, extra: () => string = () => '', intervalMs = 1000) {
    this.#out = out;
    this.#tty = tty;
    this.#read = read;
    this.#extra = extra;
    this.#intervalMs = intervalMs;
    this.#last = read();
  }

  /** Starts refreshing. */
  start(): void {
    this.#timer ??= setInterval(() => this.#draw(), this.#intervalMs);
  }

  #draw(): void {
    const now = this.#read();
    const at = performance.now();
    const line = formatStatus(now, this.#last, at - this.#lastAt, at - this.#started, this.#extra());
    this.#last = now;
    this.#lastAt = at;
    if (this.#tty) {
      this.#out.write(`\r\x1b[2K${line}`);
      this.#drawn = true;
    } else {
      this.#out.write(`${line}\n`);
    }
  }

  /** Stops refreshing and ends the in-place line (idempotent). */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#drawn) this.#out.write('\n');
    this.#drawn = false;
  }
}
