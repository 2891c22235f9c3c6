/**
 * The 'dll' session engine: packets through wintun.dll's own session exports
 * (`WintunReceivePacket`/`WintunReleaseReceivePacket`, `WintunAllocateSendPacket`/`WintunSendPacket`)
 * instead of rings this process registered. One FFI call per operation; every packet is a
 * `koffi.view` of the DLL's ring memory, and every view is detached (`ArrayBuffer.transfer(0)`)
 * when its packet goes back to the DLL and, at the latest, before the session ends, so no view
 * handed out can reach memory the DLL freed. Internal: the parts of `Session` use it; the adapter
 * layer builds the {@link DllSessionBackend}.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/ring';
import type { AutoResetEvent } from '../events/types.js';
import { invalid, sessionError } from './core.js';
import type { DriverLink } from './types.js';

/**
 * The wintun.dll session calls the 'dll' engine makes: the checked wrappers of `WintunLibrary`
 * (`@wintun-ts/abi/win32`) fit. Each is one FFI call (plus `GetLastError` when it returns NULL).
 */
export interface WintunSessionCalls {
  /** `WintunReceivePacket`: the packet, or null when none is waiting (ERROR_NO_MORE_ITEMS). Throws the mapped error otherwise (`ERR_WINTUN_EOF`, `ERR_WINTUN_RING_CORRUPT`). */
  receivePacket(session: bigint): { readonly packet: bigint; readonly size: number } | null;
  /** `WintunReleaseReceivePacket`. */
  releaseReceivePacket(session: bigint, packet: bigint): void;
  /** `WintunAllocateSendPacket`: the address, or null when the ring is full (ERROR_BUFFER_OVERFLOW). Throws the mapped error otherwise (`ERR_WINTUN_EOF`). */
  allocateSendPacket(session: bigint, size: number): bigint | null;
  /** `WintunSendPacket`. */
  sendPacket(session: bigint, packet: bigint): void;
}

/**
 * What a `Session` with the 'dll' engine is built from. The session takes ownership of the
 * DLL session: its close wakes every waiter, waits until no call is in flight, detaches every view
 * it handed out, then calls `link.close()` (which must end the session with `WintunEndSession`).
 * The read event is the DLL's (`WintunGetReadWaitEvent`): the session never closes it.
 */
export interface DllSessionBackend {
  /** Always `'dll'`: tells this backend from a rings {@link SessionBackend}. */
  readonly engine: 'dll';
  /** The session calls of the loaded wintun.dll. */
  readonly calls: WintunSessionCalls;
  /** The `WINTUN_SESSION_HANDLE` from `WintunStartSession`. */
  readonly handle: bigint;
  /** Views `length` bytes at `address` (`koffi.view`); the result must be detachable. */
  readonly view: (address: bigint, length: number) => ArrayBuffer;
  /** A view of the DLL's read-wait event (not owned: never closed by the session). */
  readonly readEvent: AutoResetEvent;
  /** Ends the DLL session (`WintunEndSession`, off the event loop); called once, by close. */
  readonly link: DriverLink;
}

/** True when `backend` asks for the 'dll' engine. */
export function isDllBackend(backend: unknown): backend is DllSessionBackend {
  return typeof backend === 'object' && backend !== null && (backend as { engine?: unknown }).engine === 'dll';
}

/**
 * Checks a {@link DllSessionBackend}.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` naming what is missing.
 */
export function checkDllBackend(b: DllSessionBackend): void {
  const calls = b.calls as Partial<WintunSessionCalls> | null | undefined;
  if (typeof calls !== 'object' || calls === null || typeof calls.receivePacket !== 'function' || typeof calls.releaseReceivePacket !== 'function' || typeof calls.allocateSendPacket !== 'function' || typeof calls.sendPacket !== 'function') {
    invalid('new Session: a dll backend needs calls { receivePacket, releaseReceivePacket, allocateSendPacket, sendPacket } (a WintunLibrary).');
  }
  if (typeof b.handle !== 'bigint' || b.handle <= 0n) invalid('new Session: a dll backend needs handle, the positive bigint WintunStartSession returned.');
  if (typeof b.view !== 'function') invalid('new Session: a dll backend needs view(address, length) (koffi.view).');
  const e = b.readEvent as Partial<AutoResetEvent> | null | undefined;
  if (typeof e !== 'object' || e === null || typeof e.wait !== 'function' || typeof e.set !== 'function' || typeof e.close !== 'function') invalid('new Session: a dll backend needs readEvent, an AutoResetEvent.');
  if (typeof b.link !== 'object' || b.link === null || typeof b.link.close !== 'function') invalid('new Session: backend.link must have a close() method.');
}

/** One packet handed out by the DLL: a view of its memory and its address. */
export interface DllPacket {
  /** The payload (a view of DLL memory; detached once the packet went back to the DLL). */
  readonly bytes: Uint8Array;
  /** The address the DLL returned (the key it takes back). */
  readonly address: bigint;
}

/** `ArrayBuffer.prototype.transfer` and `detached` (ES2024; Node >= 21): declared here for the ES2022 lib. */
type Transferable = ArrayBuffer & { readonly detached: boolean; transfer(length?: number): ArrayBuffer };

/** Detaches the view's buffer: every view of it then has length 0 and reaches no memory. */
function detach(bytes: Uint8Array): void {
  const buffer = bytes.buffer as Transferable;
  if (buffer.byteLength > 0 && !buffer.detached) buffer.transfer(0);
}

/**
 * The DLL session's packets for one `Session`. Main thread only. Tracks every view it handed out
 * that is not settled yet (received and not released, allocated and not sent): {@link DllPackets.end}
 * detaches them all before the DLL frees their memory.
 */
export class DllPackets {
  readonly #calls: WintunSessionCalls;
  readonly #handle: bigint;
  readonly #view: (address: bigint, length: number) => ArrayBuffer;
  readonly #live = new Set<Uint8Array>();
  #ended = false;

  constructor(backend: DllSessionBackend) {
    this.#calls = backend.calls;
    this.#handle = backend.handle;
    this.#view = backend.view;
  }

  #wrap(address: bigint, size: number): DllPacket {
    const bytes = size === 0 ? new Uint8Array(new ArrayBuffer(0)) : new Uint8Array(this.#view(address, size));
    this.#live.add(bytes);
    return { bytes, address };
  }

  /**
   * `WintunReceivePacket`.
   *
   * @returns the packet, or null when the ring is empty.
   * @throws WintunError `ERR_WINTUN_EOF` (the DLL ended the session), `ERR_WINTUN_RING_CORRUPT`, another mapped error.
   */
  receive(): DllPacket | null {
    if (this.#ended) throw sessionError('ERR_WINTUN_CLOSED', 'The session was closed.');
    const got = this.#calls.receivePacket(this.#handle);
    if (got === null) return null;
    return this.#wrap(got.packet, got.size);
  }

  /** `WintunReleaseReceivePacket`, then detaches the view. Nothing but the detach after {@link DllPackets.end}. */
  release(p: DllPacket): void {
    if (!this.#live.delete(p.bytes)) return;
    detach(p.bytes);
    if (!this.#ended) this.#calls.releaseReceivePacket(this.#handle, p.address);
  }

  /**
   * `WintunAllocateSendPacket`.
   *
   * @returns the packet to fill, or null when the ring is full.
   * @throws WintunError `ERR_WINTUN_EOF` (the DLL ended the session), another mapped error.
   */
  allocate(size: number): DllPacket | null {
    if (this.#ended) throw sessionError('ERR_WINTUN_CLOSED', 'The session was closed.');
    const address = this.#calls.allocateSendPacket(this.#handle, size);
    if (address === null) return null;
    return this.#wrap(address, size);
  }

  /** `WintunSendPacket`, then detaches the view. Nothing but the detach after {@link DllPackets.end}. */
  send(p: DllPacket): void {
    if (!this.#live.delete(p.bytes)) return;
    if (!this.#ended) this.#calls.sendPacket(this.#handle, p.address);
    detach(p.bytes);
  }

  /**
   * Sends an allocated packet as one the driver drops (first byte 0: not IP), then detaches it.
   * Used for a fill that threw and for a slot given up.
   */
  discard(p: DllPacket): void {
    if (!this.#live.has(p.bytes)) return;
    if (p.bytes.byteLength > 0) p.bytes[0] = 0;
    this.send(p);
  }

  /** Views handed out and not settled yet. */
  get outstanding(): number {
    return this.#live.size;
  }

  /**
   * Before the DLL session ends: detaches every view still out (leases, slots), so none can reach
   * freed memory; later settles do nothing. Idempotent.
   */
  end(): void {
    this.#ended = true;
    for (const bytes of this.#live) detach(bytes);
    this.#live.clear();
  }
}

/** True for the error the DLL reports when it ended the session. */
export function isDllEof(error: unknown): boolean {
  return error instanceof WintunError && error.code === 'ERR_WINTUN_EOF';
}
