/**
 * Reading the target CPU of a Windows PE image (a DLL) from its header, without loading it:
 * `MZ` at 0, `e_lfanew` (u32) at 0x3C, then `PE\0\0` and the COFF `Machine` (u16). Pure functions:
 * they run on any host and any thread.
 *
 * @module
 */
import { WintunError } from '../errors.js';
import { checkBytes, checkInt, checkString } from '../check.js';

/** COFF machine type of x86 (32-bit) images. */
export const IMAGE_FILE_MACHINE_I386 = 0x014c;
/** COFF machine type of x64 images. */
export const IMAGE_FILE_MACHINE_AMD64 = 0x8664;
/** COFF machine type of ARM64 images. */
export const IMAGE_FILE_MACHINE_ARM64 = 0xaa64;
/** COFF machine type of ARM Thumb-2 (32-bit ARM) images. */
export const IMAGE_FILE_MACHINE_ARMNT = 0x01c4;

/** How many leading bytes of a file {@link readPeMachine} may need in the usual case. */
export const PE_HEADER_PROBE_SIZE = 4096;

/** Result of {@link readPeMachine}: the machine of a valid PE header, or why there is none. */
export type PeMachineResult =
  | { readonly ok: true; readonly machine: number }
  | { readonly ok: false; readonly reason: string };

/**
 * Reads the COFF `Machine` field of a PE image from its first bytes (pass at least
 * {@link PE_HEADER_PROBE_SIZE} bytes, or the whole file when shorter). Never throws.
 *
 * @param bytes - the start of the file.
 * @returns `{ ok: true, machine }`, or `{ ok: false, reason }` when the bytes are not a PE image
 *   (no `MZ`, `e_lfanew` out of range, no `PE\0\0` signature, truncated header).
 */
export function readPeMachine(bytes: Uint8Array): PeMachineResult {
  checkBytes('readPeMachine', 'bytes', bytes);
  if (bytes.byteLength < 0x40) return { ok: false, reason: `too short for a DOS header (${bytes.byteLength} bytes)` };
  if (bytes[0] !== 0x4d || bytes[1] !== 0x5a) return { ok: false, reason: 'no MZ signature' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lfanew = view.getUint32(0x3c, true);
  if (lfanew < 0x40 || lfanew > bytes.byteLength - 6) {
    return { ok: false, reason: `e_lfanew 0x${lfanew.toString(16)} is outside the ${bytes.byteLength} bytes read` };
  }
  if (bytes[lfanew] !== 0x50 || bytes[lfanew + 1] !== 0x45 || bytes[lfanew + 2] !== 0 || bytes[lfanew + 3] !== 0) {
    return { ok: false, reason: `no PE\\0\\0 signature at 0x${lfanew.toString(16)}` };
  }
  return { ok: true, machine: view.getUint16(lfanew + 4, true) };
}

/** A readable name for a COFF machine type: `x86`, `x64`, `arm64`, `arm`, else `machine 0x....`. */
export function peMachineName(machine: number): string {
  checkInt('peMachineName', 'machine', machine, 0, 0xffff);
  switch (machine) {
    case IMAGE_FILE_MACHINE_I386:
      return 'x86';
    case IMAGE_FILE_MACHINE_AMD64:
      return 'x64';
    case IMAGE_FILE_MACHINE_ARM64:
      return 'arm64';
    case IMAGE_FILE_MACHINE_ARMNT:
      return 'arm';
    default:
      return `machine 0x${machine.toString(16).padStart(4, '0')}`;
  }
}

/**
 * The COFF machine a DLL must have to load into a Node process of `nodeArch` (`process.arch`):
 * `ia32` -> 0x14c, `x64` -> 0x8664, `arm64` -> 0xAA64, `arm` -> 0x1C4; `null` for any other.
 */
export function peMachineForNodeArch(nodeArch: string = process.arch): number | null {
  checkString('peMachineForNodeArch', 'nodeArch', nodeArch);
  switch (nodeArch) {
    case 'ia32':
      return IMAGE_FILE_MACHINE_I386;
    case 'x64':
      return IMAGE_FILE_MACHINE_AMD64;
    case 'arm64':
      return IMAGE_FILE_MACHINE_ARM64;
    case 'arm':
      return IMAGE_FILE_MACHINE_ARMNT;
    default:
      return null;
  }
}

/** The directory of the official wintun zip (`bin/<dir>/wintun.dll`) that fits `nodeArch`. */
export function wintunZipDirForNodeArch(nodeArch: string = process.arch): string {
  checkString('wintunZipDirForNodeArch', 'nodeArch', nodeArch);
  switch (nodeArch) {
    case 'ia32':
      return 'x86';
    case 'x64':
      return 'amd64';
    default:
      return nodeArch;
  }
}

/**
 * Checks that the PE image whose first bytes are `bytes` can load into a process of `nodeArch`.
 *
 * @param bytes - the start of the DLL (at least {@link PE_HEADER_PROBE_SIZE} bytes, or all of it).
 * @param path - the DLL's path, for the message.
 * @param nodeArch - the process architecture (`process.arch`).
 * @returns the image's machine type.
 * @throws WintunError `ERR_WINTUN_DLL_ARCH` naming both architectures when they differ, or when the
 *   bytes are not a PE image.
 */
export function checkPeArch(bytes: Uint8Array, path: string, nodeArch: string = process.arch): number {
  checkBytes('checkPeArch', 'bytes', bytes);
  checkString('checkPeArch', 'path', path);
  checkString('checkPeArch', 'nodeArch', nodeArch);
  const result = readPeMachine(bytes);
  if (!result.ok) {
    throw new WintunError('ERR_WINTUN_DLL_ARCH', `${path} is not a Windows DLL (${result.reason}).`, { win32Code: 193 });
  }
  const expected = peMachineForNodeArch(nodeArch);
  if (expected !== result.machine) {
    throw new WintunError(
      'ERR_WINTUN_DLL_ARCH',
      `${path} is built for ${peMachineName(result.machine)} but this Node process is ${nodeArch}` +
        `${expected === null ? '' : ` (needs ${peMachineName(expected)})`}. Use bin/${wintunZipDirForNodeArch(nodeArch)}/wintun.dll from the official zip (https://www.wintun.net).`,
      { win32Code: 193 },
    );
  }
  return result.machine;
}
