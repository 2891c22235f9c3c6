/**
 * A typed handle on `Atomics.waitAsync` (Node 20 has it; the project's TypeScript lib, ES2023,
 * does not declare it).
 *
 * @module
 */

/** Result of `Atomics.waitAsync`. */
export type WaitAsyncResult =
  | { readonly async: false; readonly value: 'not-equal' | 'timed-out' }
  | { readonly async: true; readonly value: Promise<'ok' | 'timed-out'> };

/**
 * `Atomics.waitAsync(array, index, value, timeoutMs)`: waits on the event loop (never blocks)
 * while `array[index] === value`, at most `timeoutMs`. Shared memory only.
 */
export function waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): WaitAsyncResult {
  return (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): WaitAsyncResult }).waitAsync(array, index, value, timeoutMs);
}
