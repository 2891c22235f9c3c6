/**
 * A private, minimal kernel32 binding for ring memory on Windows: `VirtualAlloc`, `VirtualFree` and
 * `GetLastError`, bound on first use. The full Win32 bindings live in `@wintun-ts/abi`; this file
 * exists so that the ring layer does not depend on them. Not exported from the package.
 *
 * @module
 */
import { lazy, loadKoffi } from '@wintun-ts/abi';

/** `MEM_COMMIT` allocation type. */
export const MEM_COMMIT = 0x1000;
/** `MEM_RESERVE` allocation type. */
export const MEM_RESERVE = 0x2000;
/** `MEM_RELEASE` free type (size must be 0). */
export const MEM_RELEASE = 0x8000;
/** `PAGE_READWRITE` protection. */
export const PAGE_READWRITE = 0x04;

/** The three kernel32 functions ring memory needs. */
export interface RingKernel32 {
  /** `LPVOID VirtualAlloc(LPVOID, SIZE_T, DWORD, DWORD)`: the address, or null on failure. */
  readonly VirtualAlloc: (address: bigint | null, size: number, type: number, protect: number) => bigint | null;
  /** `BOOL VirtualFree(LPVOID, SIZE_T, DWORD)`. */
  readonly VirtualFree: (address: bigint, size: number, type: number) => number;
  /** `DWORD GetLastError(void)`. */
  readonly GetLastError: () => number;
}

/**
 * The binding, loaded on first call (per thread).
 *
 * @throws WintunError `ERR_WINTUN_FFI_UNAVAILABLE` when koffi cannot load.
 */
export const ringKernel32: () => RingKernel32 = lazy(() => {
  const koffi = loadKoffi();
  const lib = koffi.load('kernel32.dll');
  return {
    VirtualAlloc: lib.func('void * __stdcall VirtualAlloc(void *lpAddress, size_t dwSize, uint32_t flAllocationType, uint32_t flProtect)') as RingKernel32['VirtualAlloc'],
    VirtualFree: lib.func('int __stdcall VirtualFree(void *lpAddress, size_t dwSize, uint32_t dwFreeType)') as RingKernel32['VirtualFree'],
    GetLastError: lib.func('uint32_t __stdcall GetLastError()') as RingKernel32['GetLastError'],
  };
});
