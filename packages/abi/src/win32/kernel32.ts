/**
 * kernel32 bindings: events and waits, handles, `VirtualAlloc`, `CreateFileW`, `DeviceIoControl`
 * and `GetLastError`. Bound on first use per thread by {@link kernel32}; every function is
 * `__stdcall`, every `LPCWSTR` is `str16`, every `HANDLE` is an opaque pointer (`bigint`, or `null`
 * for NULL).
 *
 * Read `GetLastError()` right after the failing call, before any other native call (koffi keeps the
 * value across JavaScript activity in between). Functions are safe to call from any thread; each
 * thread binds its own copy.
 *
 * @module
 */
import { lazy, loadKoffi } from '../ffi.js';
import { bindStdcall, loadSystemDll, type NativeFunction } from './native.js';
import { win32Types } from './types.js';

/** A Win32 `HANDLE` as koffi passes it: a `bigint`, or `null` for NULL. */
export type Win32Handle = bigint | null;

/** `INFINITE`: a wait without timeout. Never use it on the main thread or on libuv's pool. */
export const INFINITE = 0xffffffff;
/** `WaitForSingleObject` result: the object is signalled. */
export const WAIT_OBJECT_0 = 0;
/** `WaitForSingleObject` result: an abandoned mutex. */
export const WAIT_ABANDONED = 0x80;
/** `WaitForSingleObject` result: the wait failed; see `GetLastError()`. */
export const WAIT_FAILED = 0xffffffff;
/** `VirtualAlloc` flag: commit pages. */
export const MEM_COMMIT = 0x1000;
/** `VirtualAlloc` flag: reserve address space. */
export const MEM_RESERVE = 0x2000;
/** `VirtualFree` flag: release the whole region (size must be 0). */
export const MEM_RELEASE = 0x8000;
/** Page protection: read and write. */
export const PAGE_READWRITE = 0x04;
/** Access right: read. */
export const GENERIC_READ = 0x80000000;
/** Access right: write. */
export const GENERIC_WRITE = 0x40000000;
/** Share mode: others may read. */
export const FILE_SHARE_READ = 1;
/** Share mode: others may write. */
export const FILE_SHARE_WRITE = 2;
/** Share mode: others may delete. */
export const FILE_SHARE_DELETE = 4;
/** `CreateFileW` disposition: open only if it exists. */
export const OPEN_EXISTING = 3;
/** `DuplicateHandle` option: same access as the source. */
export const DUPLICATE_SAME_ACCESS = 2;
/** `LoadLibraryExW` flag: search the loaded DLL's own directory for its dependencies. */
export const LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR = 0x100;
/** `LoadLibraryExW` flag: search System32 for dependencies. */
export const LOAD_LIBRARY_SEARCH_SYSTEM32 = 0x800;

/** `INVALID_HANDLE_VALUE` ((HANDLE)-1) as koffi returns it in a process of this pointer size. */
export function invalidHandleValue(): bigint {
  return process.arch === 'ia32' || process.arch === 'arm' ? 0xffffffffn : 0xffffffffffffffffn;
}

/** True for NULL and for `INVALID_HANDLE_VALUE`. */
export function isInvalidHandle(handle: Win32Handle): boolean {
  return handle === null || handle === 0n || handle === invalidHandleValue();
}

/** The kernel32 functions wintun-ts uses (names and argument order as in the Windows SDK). */
export interface Kernel32 {
  /** `HANDLE CreateEventW(LPSECURITY_ATTRIBUTES, BOOL bManualReset, BOOL bInitialState, LPCWSTR lpName)`; NULL on failure. */
  readonly CreateEventW: NativeFunction<(attributes: null, manualReset: number, initialState: number, name: string | null) => Win32Handle>;
  /** `BOOL SetEvent(HANDLE)`. */
  readonly SetEvent: NativeFunction<(event: Win32Handle) => number>;
  /** `BOOL ResetEvent(HANDLE)`. */
  readonly ResetEvent: NativeFunction<(event: Win32Handle) => number>;
  /** `DWORD WaitForSingleObject(HANDLE, DWORD dwMilliseconds)`: WAIT_OBJECT_0, WAIT_TIMEOUT (258) or WAIT_FAILED. */
  readonly WaitForSingleObject: NativeFunction<(handle: Win32Handle, milliseconds: number) => number>;
  /** `DWORD WaitForMultipleObjects(DWORD nCount, const HANDLE *lpHandles, BOOL bWaitAll, DWORD dwMilliseconds)`; pass the handles as an array of bigints. */
  readonly WaitForMultipleObjects: NativeFunction<(count: number, handles: readonly bigint[], waitAll: number, milliseconds: number) => number>;
  /** `BOOL CloseHandle(HANDLE)`. */
  readonly CloseHandle: NativeFunction<(handle: Win32Handle) => number>;
  /** `LPVOID VirtualAlloc(LPVOID lpAddress, SIZE_T dwSize, DWORD flAllocationType, DWORD flProtect)`; NULL on failure. */
  readonly VirtualAlloc: NativeFunction<(address: bigint | null, size: number, allocationType: number, protect: number) => bigint | null>;
  /** `BOOL VirtualFree(LPVOID lpAddress, SIZE_T dwSize, DWORD dwFreeType)`. */
  readonly VirtualFree: NativeFunction<(address: bigint, size: number, freeType: number) => number>;
  /** `HANDLE CreateFileW(LPCWSTR, DWORD access, DWORD share, LPSECURITY_ATTRIBUTES, DWORD disposition, DWORD flags, HANDLE template)`; INVALID_HANDLE_VALUE on failure. */
  readonly CreateFileW: NativeFunction<
    (path: string, access: number, share: number, attributes: null, disposition: number, flags: number, template: Win32Handle) => Win32Handle
  >;
  /** `BOOL DeviceIoControl(HANDLE, DWORD code, LPVOID in, DWORD inSize, LPVOID out, DWORD outSize, LPDWORD bytesReturned, LPOVERLAPPED)`; `bytesReturned` is a one-element array filled on return. */
  readonly DeviceIoControl: NativeFunction<
    (
      device: Win32Handle,
      code: number,
      input: Uint8Array | bigint | null,
      inputSize: number,
      output: Uint8Array | bigint | null,
      outputSize: number,
      bytesReturned: [number] | number[],
      overlapped: null,
    ) => number
  >;
  /** `DWORD GetLastError(void)`: call it right after the failing call. */
  readonly GetLastError: NativeFunction<() => number>;
  /** `void SetLastError(DWORD)`. */
  readonly SetLastError: NativeFunction<(code: number) => void>;
  /** `HANDLE GetCurrentProcess(void)`: the pseudo-handle -1. */
  readonly GetCurrentProcess: NativeFunction<() => Win32Handle>;
  /** `DWORD GetCurrentThreadId(void)`. */
  readonly GetCurrentThreadId: NativeFunction<() => number>;
  /** `BOOL DuplicateHandle(HANDLE srcProcess, HANDLE src, HANDLE dstProcess, LPHANDLE dst, DWORD access, BOOL inherit, DWORD options)`; `dst` is a one-element array filled on return. */
  readonly DuplicateHandle: NativeFunction<
    (sourceProcess: Win32Handle, source: Win32Handle, targetProcess: Win32Handle, target: Win32Handle[], access: number, inherit: number, options: number) => number
  >;
  /** `HMODULE LoadLibraryExW(LPCWSTR, HANDLE reserved, DWORD flags)`; NULL on failure. */
  readonly LoadLibraryExW: NativeFunction<(path: string, reserved: null, flags: number) => Win32Handle>;
  /** `FARPROC GetProcAddress(HMODULE, LPCSTR)`; NULL when missing. */
  readonly GetProcAddress: NativeFunction<(module: Win32Handle, name: string) => bigint | null>;
  /** `BOOL FreeLibrary(HMODULE)`. */
  readonly FreeLibrary: NativeFunction<(module: Win32Handle) => number>;
}

/**
 * Returns the kernel32 bindings, binding them on first use in this thread.
 *
 * @throws WintunError `ERR_WINTUN_UNSUPPORTED_PLATFORM` off Windows; `ERR_WINTUN_FFI_UNAVAILABLE`
 *   without koffi.
 */
export const kernel32: () => Kernel32 = lazy(() => {
  const koffi = loadKoffi();
  const lib = loadSystemDll('kernel32.dll');
  const { HANDLE } = win32Types();
  const f = <F extends (...args: never[]) => unknown>(name: string, result: Parameters<typeof bindStdcall>[3], params: Parameters<typeof bindStdcall>[4]) =>
    bindStdcall<F>(lib, 'kernel32.dll', name, result, params) as NativeFunction<F>;
  return {
    CreateEventW: f('CreateEventW', HANDLE, ['void *', 'int', 'int', 'str16']),
    SetEvent: f('SetEvent', 'int', [HANDLE]),
    ResetEvent: f('ResetEvent', 'int', [HANDLE]),
    WaitForSingleObject: f('WaitForSingleObject', 'uint32_t', [HANDLE, 'uint32_t']),
    WaitForMultipleObjects: f('WaitForMultipleObjects', 'uint32_t', ['uint32_t', koffi.pointer(HANDLE), 'int', 'uint32_t']),
    CloseHandle: f('CloseHandle', 'int', [HANDLE]),
    VirtualAlloc: f('VirtualAlloc', 'void *', ['void *', 'size_t', 'uint32_t', 'uint32_t']),
    VirtualFree: f('VirtualFree', 'int', ['void *', 'size_t', 'uint32_t']),
    CreateFileW: f('CreateFileW', HANDLE, ['str16', 'uint32_t', 'uint32_t', 'void *', 'uint32_t', 'uint32_t', HANDLE]),
    DeviceIoControl: f('DeviceIoControl', 'int', [
      HANDLE,
      'uint32_t',
      'void *',
      'uint32_t',
      'void *',
      'uint32_t',
      koffi.out(koffi.pointer('uint32_t')),
      'void *',
    ]),
    GetLastError: f('GetLastError', 'uint32_t', []),
    SetLastError: f('SetLastError', 'void', ['uint32_t']),
    GetCurrentProcess: f('GetCurrentProcess', HANDLE, []),
    GetCurrentThreadId: f('GetCurrentThreadId', 'uint32_t', []),
    DuplicateHandle: f('DuplicateHandle', 'int', [HANDLE, HANDLE, HANDLE, koffi.out(koffi.pointer(HANDLE)), 'uint32_t', 'int', 'uint32_t']),
    LoadLibraryExW: f('LoadLibraryExW', HANDLE, ['str16', 'void *', 'uint32_t']),
    GetProcAddress: f('GetProcAddress', 'void *', [HANDLE, 'str']),
    FreeLibrary: f('FreeLibrary', 'int', [HANDLE]),
  };
});

/** `GetLastError()` of the calling thread (binds kernel32 on first use). */
export function getLastError(): number {
  return kernel32().GetLastError() >>> 0;
}
