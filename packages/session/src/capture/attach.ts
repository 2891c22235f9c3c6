/**
 * `Session.capture`: argument checks, the sinks (a file path or a Node `Writable`), and the handle
 * a capture returns. Internal: reached through `Session.capture`.
 *
 * @module
 */
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import type { SessionCore } from '../session/core.js';
import { describe, invalid } from '../session/core.js';
import { CaptureTap, DEFAULT_CAPTURE_BUFFER_BYTES, DEFAULT_READER_PENDING_BYTES, type CaptureFilter, type CaptureStats } from './tap.js';

/** Options of `Session.capture`. Every field is optional. */
export interface CaptureOptions {
  /** Which packets: `in` (sent by the application), `out` (sent by the system), `both` (default). */
  readonly direction?: CaptureFilter | undefined;
  /** The interface name written into the pcapng interface block (default `wintun`; the adapter passes its name). */
  readonly interfaceName?: string | undefined;
  /**
   * Bytes a reader's stream may hold unwritten before its records are dropped (counted, never
   * waited for); default 1 MiB.
   */
  readonly maxPendingBytes?: number | undefined;
  /**
   * Bound of the session's capture buffer (records encoded but not yet handed to the readers,
   * shared by all of them; set by the first capture of the session); default 4 MiB.
   */
  readonly bufferBytes?: number | undefined;
  /** End the stream when the capture ends (default true; a file sink is always ended). */
  readonly end?: boolean | undefined;
}

/**
 * A running capture. Ends with {@link CaptureHandle.close}, when its stream closes or fails (a
 * reader that went away), or when the session closes. Main thread only.
 */
export interface CaptureHandle {
  /** Live counters of this capture (records written and records lost). */
  readonly stats: Readonly<CaptureStats>;
  /**
   * Ends the capture: hands over what is buffered, writes a statistics block with the drop count,
   * and ends the stream (unless `end: false`). Idempotent.
   *
   * @returns a promise that settles once the stream finished (a file is complete); never rejects.
   */
  close(): Promise<void>;
  /** Resolves when the capture ended for any reason. Never rejects. */
  readonly closed: Promise<void>;
}

const FILTERS: readonly string[] = ['in', 'out', 'both'];

function bytesOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0x10000 || value > 0x40000000) {
    invalid(`Session.capture: options.${name} must be an integer number of bytes in [65536, 1073741824], got ${describe(value)}.`);
  }
  return value;
}

/**
 * Starts a capture on a session (the body of `Session.capture`).
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for a target that is neither a non-empty path
 *   nor a Writable, or a bad option; `ERR_WINTUN_CLOSED` when the session is not open.
 */
export function startCapture(core: SessionCore, target: unknown, options: CaptureOptions | undefined): CaptureHandle {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    invalid(`Session.capture: options must be an object, got ${describe(options)}.`);
  }
  const direction = options?.direction ?? 'both';
  if (!FILTERS.includes(direction)) invalid(`Session.capture: options.direction must be 'in', 'out' or 'both', got ${describe(direction)}.`);
  const interfaceName = options?.interfaceName ?? 'wintun';
  if (typeof interfaceName !== 'string') invalid(`Session.capture: options.interfaceName must be a string, got ${describe(interfaceName)}.`);
  const maxPending = bytesOption('maxPendingBytes', options?.maxPendingBytes, DEFAULT_READER_PENDING_BYTES);
  const bufferBytes = bytesOption('bufferBytes', options?.bufferBytes, DEFAULT_CAPTURE_BUFFER_BYTES);
  if (options?.end !== undefined && typeof options.end !== 'boolean') invalid(`Session.capture: options.end must be a boolean, got ${describe(options.end)}.`);
  let stream: Writable;
  let end = options?.end ?? true;
  if (typeof target === 'string') {
    if (target.length === 0) invalid('Session.capture: the file path is empty; pass a path such as "capture.pcapng" or a Writable.');
    core.checkOpen();
    stream = createWriteStream(target, { mode: 0o600 });
    end = true;
  } else if (target instanceof Writable || (typeof target === 'object' && target !== null && typeof (target as Writable).write === 'function' && typeof (target as Writable).once === 'function' && typeof (target as Writable).off === 'function')) {
    core.checkOpen();
    stream = target as Writable;
  } else {
    invalid(`Session.capture: the target must be a file path or a Writable stream, got ${describe(target)}.`);
  }
  const tap = (core.tap ??= new CaptureTap(core.stats, bufferBytes, () => {
    if (core.tap === tap) core.tap = null;
  }));
  const reader = tap.add(stream, direction, maxPending, end, interfaceName);
  return {
    stats: reader.stats,
    closed: reader.closed,
    close(): Promise<void> {
      if (!reader.done) {
        tap.flush();
        reader.finish();
      }
      return reader.closed;
    },
  };
}
