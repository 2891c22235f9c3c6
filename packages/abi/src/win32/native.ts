/**
 * Shared plumbing of the Win32 bindings: loading system DLLs by name from System32 only, binding
 * `__stdcall` functions, and reading `GetLastError()` right after a failing call.
 *
 * @module
 */
import type { LibraryHandle, TypeObject } from 'koffi';
import { WintunError } from '../errors.js';
import { loadKoffi } from '../ffi.js';
import { badArgument, checkString } from '../check.js';

/** A koffi parameter or result type: a type name, a type object or a direction marker. */
export type Win32TypeSpec = string | TypeObject | ReturnType<ReturnType<typeof loadKoffi>['out']>;

/**
 * A bound native function with its asynchronous variant (koffi's `fn.async`, on libuv's pool).
 *
 * @typeParam F - the function's JS signature.
 */
export type NativeFunction<F extends (...args: never[]) => unknown> = F & {
  /** Runs the call on libuv's thread pool; `callback(error, result)` runs on the calling thread. */
  readonly async: (...args: [...Parameters<F>, (error: unknown, result: ReturnType<F>) => void]) => void;
};

function checkBindArgs(what: string, lib: unknown, dll: unknown, name: unknown, params: unknown): void {
  if (typeof lib !== 'object' || lib === null || typeof (lib as { func?: unknown }).func !== 'function') badArgument(what, 'lib', 'a koffi library handle', lib);
  checkString(what, 'dll', dll);
  checkString(what, 'name', name, true);
  if (!Array.isArray(params)) badArgument(what, 'params', 'an array of koffi types', params);
}

/**
 * Throws `ERR_WINTUN_UNSUPPORTED_PLATFORM` unless running on Windows.
 *
 * @param what - what needs Windows, for the message.
 */
export function requireWindows(what: string): void {
  checkString('requireWindows', 'what', what);
  if (process.platform !== 'win32') {
    throw new WintunError('ERR_WINTUN_UNSUPPORTED_PLATFORM', `${what} needs Windows; this is ${process.platform}.`);
  }
}

/**
 * Loads a Windows system DLL (`kernel32.dll`, `iphlpapi.dll`, ...). These are KnownDLLs or live in
 * System32; wintun.dll is never loaded through this function.
 *
 * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` off Windows; `ERR_WINTUN_OS` when the DLL
 *   does not load.
 */
export function loadSystemDll(name: string): LibraryHandle {
  checkString('loadSystemDll', 'name', name, true);
  requireWindows(name);
  const koffi = loadKoffi();
  try {
    return koffi.load(name);
  } catch (cause) {
    throw new WintunError('ERR_WINTUN_OS', `Could not load the system library ${name}.`, { cause, syscall: 'LoadLibrary' });
  }
}

/**
 * Binds one `__stdcall` export. `optional` returns `null` for a missing export instead of throwing.
 *
 * @typeParam F - the function's JS signature.
 * @throws WintunError `ERR_WINTUN_OS` when a required export is missing.
 */
export function bindStdcall<F extends (...args: never[]) => unknown>(
  lib: LibraryHandle,
  dll: string,
  name: string,
  result: Win32TypeSpec,
  params: readonly Win32TypeSpec[],
  optional = false,
): NativeFunction<F> | null {
  checkBindArgs('bindStdcall', lib, dll, name, params);
  try {
    return lib.func('__stdcall', name, result as TypeObject, params as TypeObject[]) as unknown as NativeFunction<F>;
  } catch (cause) {
    if (optional) return null;
    throw new WintunError('ERR_WINTUN_OS', `${dll} has no export ${name}.`, { cause, syscall: 'GetProcAddress' });
  }
}

/**
 * Binds one `__stdcall` export, or, when the DLL lacks it (an older Windows, or Wine), returns a
 * stand-in that throws `ERR_WINTUN_UNSUPPORTED_PLATFORM` naming the export when called (its `async`
 * variant reports the same error). The stand-in has `missing === true`.
 *
 * @typeParam F - the function's JS signature.
 */
export function bindStdcallOrStub<F extends (...args: never[]) => unknown>(
  lib: LibraryHandle,
  dll: string,
  name: string,
  result: Win32TypeSpec,
  params: readonly Win32TypeSpec[],
): NativeFunction<F> {
  checkBindArgs('bindStdcallOrStub', lib, dll, name, params);
  const bound = bindStdcall<F>(lib, dll, name, result, params, true);
  if (bound !== null) return bound;
  const error = (): WintunError =>
    new WintunError('ERR_WINTUN_UNSUPPORTED_PLATFORM', `${dll} on this system has no export ${name} (needs a newer Windows).`, {
      syscall: name,
      win32Code: 127,
    });
  const stub = (): never => {
    throw error();
  };
  stub.async = (...args: unknown[]): void => {
    const callback = args[args.length - 1];
    if (typeof callback === 'function') queueMicrotask(() => (callback as (e: unknown) => void)(error()));
  };
  stub.missing = true;
  return stub as unknown as NativeFunction<F>;
}

/** True when `fn` is a stand-in from {@link bindStdcallOrStub} for an export the DLL lacks. */
export function isMissingExport(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { missing?: unknown }).missing === true;
}
