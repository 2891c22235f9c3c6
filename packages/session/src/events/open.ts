/**
 * {@link openEvent}: reopens an {@link AutoResetEvent} from its descriptor (the worker side).
 *
 * @module
 */
import { WintunError } from '@wintun-ts/ring';
import { SharedEvent } from './shared.js';
import type { AutoResetEvent, EventDescriptor } from './types.js';
import { openWin32Event } from './win32.js';

/**
 * Opens the event a descriptor names, typically inside a worker that received the descriptor by
 * `postMessage`. The returned view never owns the underlying resource (a Win32 handle is not
 * closed by it; a SharedArrayBuffer slot is freed with its buffer).
 *
 * @param descriptor - from {@link AutoResetEvent.describe}.
 * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` for `'win32'` off Windows;
 *   `ERR_WINTUN_INVALID_ARGUMENT` for an unknown kind or a bad slot.
 */
export function openEvent(descriptor: EventDescriptor): AutoResetEvent {
  if (typeof descriptor !== 'object' || descriptor === null) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', 'openEvent: descriptor must be an object from AutoResetEvent.describe().');
  }
  switch (descriptor.kind) {
    case 'shared':
      return new SharedEvent(descriptor.buffer, descriptor.index);
    case 'win32':
      return openWin32Event(descriptor.handle);
    default:
      throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `openEvent: unknown event kind ${typeof (descriptor as { kind?: unknown }).kind === 'string' ? (descriptor as { kind: string }).kind : typeof (descriptor as { kind?: unknown }).kind}.`);
  }
}

/**
 * Creates `count` {@link SharedEvent}s in one SharedArrayBuffer (one Int32 slot each), e.g. the
 * read and write events of a session. The buffer lives as long as any thread holds a view.
 *
 * @param count - number of events, an integer in [1, 1024].
 * @throws WintunError `ERR_WINTUN_INVALID_ARGUMENT` for another count.
 */
export function createSharedEvents(count: number): SharedEvent[] {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1024) {
    throw new WintunError('ERR_WINTUN_INVALID_ARGUMENT', `createSharedEvents: count must be an integer in [1, 1024], got ${typeof count === 'number' ? count : typeof count}.`);
  }
  const buffer = new SharedArrayBuffer(4 * Math.max(1, count));
  return Array.from({ length: count }, (_, i) => new SharedEvent(buffer, i));
}
