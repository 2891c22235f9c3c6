/**
 * An echo responder over a {@link Session}: answers ICMPv4 echo requests, ICMPv6 echo requests and
 * UDP datagrams (echoed back to their sender) addressed to chosen peer addresses, so a session can
 * play a remote host for `ping` and UDP tests.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/ring';
import type { Session } from '../session.js';
import { parseIp } from './address.js';
import { classifyEcho, echoReplyInPlace, type EchoFilter, type EchoKind } from './toolkit.js';
import { checkObject, invalid } from './check.js';

/** Options of {@link startEchoResponder}. */
export interface EchoResponderOptions {
  /** Peer addresses to answer for (e.g. `['10.89.0.2', 'fd00:89::2']`); omitted or empty = any destination. */
  readonly addresses?: readonly string[] | undefined;
  /** UDP destination ports to echo; omitted = any port. */
  readonly udpPorts?: readonly number[] | undefined;
  /**
   * Called (synchronously, on the responder's thread) with every packet that was not answered:
   * `bytes[offset .. offset + length)`, valid only during the call.
   */
  readonly onOther?: ((bytes: Uint8Array, offset: number, length: number) => void) | undefined;
  /** Called for every answer sent, after it was committed (e.g. to print it). */
  readonly onReply?: ((kind: EchoKind, length: number) => void) | undefined;
}

/** Live counters of an {@link EchoResponder}. */
export interface EchoStats {
  /** Packets taken from the session. */
  received: number;
  /** ICMPv4 echo replies sent. */
  icmpV4Replies: number;
  /** ICMPv6 echo replies sent. */
  icmpV6Replies: number;
  /** UDP datagrams echoed. */
  udpReplies: number;
  /** Packets not answered (other protocols, other addresses or ports, malformed). */
  ignored: number;
  /** Answers dropped because the session's Receive ring was full. */
  sendDrops: number;
}

function isEnd(error: unknown): boolean {
  return error instanceof WintunError && (error.code === 'ERR_WINTUN_CLOSED' || error.code === 'ERR_WINTUN_EOF' || error.code === 'ERR_WINTUN_ABORTED');
}

/**
 * A running echo responder: it owns the receiving side of its session (every packet the session
 * receives goes through it) until {@link EchoResponder.stop}. Answers are built straight in the
 * Receive ring (`sendWith`: one copy from the Send ring, rewritten in place). Main thread only.
 */
export class EchoResponder {
  /** Live counters. */
  readonly stats: EchoStats = { received: 0, icmpV4Replies: 0, icmpV6Replies: 0, udpReplies: 0, ignored: 0, sendDrops: 0 };
  /** Settles when the responder has stopped: resolves on stop, session close or end; rejects on a session failure (corruption, worker failure). */
  readonly done: Promise<void>;
  readonly #session: Session;
  readonly #filter: EchoFilter;
  readonly #options: EchoResponderOptions;
  readonly #abort = new AbortController();

  /**
   * Starts answering at once. Prefer {@link startEchoResponder}.
   *
   * @throws WintunError `ERR_WINTUN_ADDRESS_INVALID` for a bad address; `ERR_WINTUN_INVALID_ARGUMENT` for a bad port.
   */
  constructor(session: Session, options: EchoResponderOptions = {}) {
    checkResponderArgs(session, options);
    this.#session = session;
    this.#options = options;
    const addresses = options.addresses === undefined || options.addresses.length === 0 ? null : options.addresses.map((a) => parseIp(a).bytes);
    for (const port of options.udpPorts ?? []) {
      if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `A UDP port is an integer 0-65535, got ${typeof port === 'number' ? port : typeof port}.`);
    }
    this.#filter = { addresses, udpPorts: options.udpPorts === undefined ? null : new Set(options.udpPorts) };
    this.done = this.#run();
    this.done.catch(() => undefined);
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    const handle = (bytes: Uint8Array, offset: number, length: number): void => this.#handle(bytes, offset, length);
    for (;;) {
      if (signal.aborted) return;
      try {
        await this.#session.receiveInto(handle, { signal });
      } catch (error) {
        if (isEnd(error)) return;
        throw error;
      }
    }
  }

  #handle(bytes: Uint8Array, offset: number, length: number): void {
    this.stats.received++;
    const match = classifyEcho(bytes, offset, length, this.#filter);
    if (match === null) {
      this.stats.ignored++;
      this.#options.onOther?.(bytes, offset, length);
      return;
    }
    let sent = false;
    try {
      sent = this.#session.sendWith(match.length, (out, at) => {
        out.set(bytes.subarray(offset, offset + match.length), at);
        echoReplyInPlace(out, at, match.length, this.#filter);
      });
    } catch (error) {
      if (!isEnd(error)) throw error;
      return;
    }
    if (!sent) {
      this.stats.sendDrops++;
      return;
    }
    if (match.kind === 'icmp4') this.stats.icmpV4Replies++;
    else if (match.kind === 'icmp6') this.stats.icmpV6Replies++;
    else this.stats.udpReplies++;
    this.#options.onReply?.(match.kind, match.length);
  }

  /** Stops answering (the session stays open) and waits until the responder has left the session. Idempotent. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.done.catch(() => undefined);
  }
}

function checkResponderArgs(session: unknown, options: unknown): void {
  const s = session as { receiveInto?: unknown; sendWith?: unknown } | null;
  if (typeof s !== 'object' || s === null || typeof s.receiveInto !== 'function' || typeof s.sendWith !== 'function') {
    invalid('EchoResponder', 'session', 'a Session');
  }
  checkObject('EchoResponder', 'options', options);
  const o = options as EchoResponderOptions;
  if (o.addresses !== undefined && (!Array.isArray(o.addresses) || !o.addresses.every((a) => typeof a === 'string'))) invalid('EchoResponder', 'options.addresses', 'an array of address strings');
  if (o.udpPorts !== undefined && !Array.isArray(o.udpPorts)) invalid('EchoResponder', 'options.udpPorts', 'an array of ports');
  if (o.onOther !== undefined && typeof o.onOther !== 'function') invalid('EchoResponder', 'options.onOther', 'a function');
  if (o.onReply !== undefined && typeof o.onReply !== 'function') invalid('EchoResponder', 'options.onReply', 'a function');
}

/**
 * Starts an {@link EchoResponder} on `session`: ICMPv4/ICMPv6 echo requests and UDP datagrams
 * addressed to `addresses` (any when omitted) on `udpPorts` (any when omitted) are answered back
 * through the session; every other packet is counted as ignored (and passed to `onOther`).
 *
 * @throws WintunError `ERR_WINTUN_ADDRESS_INVALID`, `ERR_WINTUN_INVALID_ARGUMENT`.
 */
export function startEchoResponder(session: Session, options: EchoResponderOptions = {}): EchoResponder {
  return new EchoResponder(session, options);
}
