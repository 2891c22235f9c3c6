/**
 * Lazy access to koffi. Nothing native loads at import time: the first call to {@link loadKoffi}
 * loads the koffi addon, and a platform without it gets `ERR_WINTUN_FFI_UNAVAILABLE`.
 *
 * @module
 */
import { createRequire } from 'node:module';
import type * as KoffiModule from 'koffi';
import { WintunError } from './errors.js';

/** The koffi module type (koffi 3.x: pointers are `bigint`, NULL is `null`). */
export type Koffi = typeof KoffiModule;

let cached: Koffi | undefined;

/**
 * Returns the koffi module, loading it on first use. Safe to call from any thread (each Worker
 * loads its own instance).
 *
 * @throws WintunError `ERR_WINTUN_FFI_UNAVAILABLE` when the native addon cannot be loaded.
 */
export function loadKoffi(): Koffi {
  if (cached !== undefined) return cached;
  try {
    const require = createRequire(import.meta.url);
    cached = require('koffi') as Koffi;
    return cached;
  } catch (cause) {
    throw new WintunError(
      'ERR_WINTUN_FFI_UNAVAILABLE',
      `koffi could not be loaded for ${process.platform}-${process.arch}; reinstall without --omit=optional so that @koromix/koffi-${process.platform}-${process.arch} is present.`,
      { cause },
    );
  }
}

/**
 * Memoises `init` per thread: the function runs on first call and its result (or its error) is
 * returned from then on. Used for every native binding so that binding happens on first use.
 */
export function lazy<T>(init: () => T): () => T {
  let state: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  return () => {
    if (state === undefined) {
      try {
        state = { ok: true, value: init() };
      } catch (error) {
        state = { ok: false, error };
      }
    }
    if (state.ok) return state.value;
    throw state.error;
  };
}
