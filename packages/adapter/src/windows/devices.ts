/**
 * Wintun devices through SetupAPI and cfgmgr32 (spec 6.3-6.4): enumerate present Net-class devices
 * of enumerator `SWD\Wintun`, read `NetCfgInstanceId`, `NetLuidIndex` and `*IfType` from each
 * device's driver key, find the device object path of an adapter by its LUID (the
 * `GUID_DEVINTERFACE_NET` interface of its instance), and remove a device (DIF_REMOVE).
 * wintun.dll has no enumeration since 0.14; this is how `Adapter.list()` and ring registration
 * find adapters. Synchronous calls; main thread or worker.
 *
 * @module
 */
import { WintunError } from '@wintun-ts/session';
import { loadKoffi } from '@wintun-ts/session/linux';
import {
  CM_GET_DEVICE_INTERFACE_LIST_PRESENT,
  CR_BUFFER_SMALL,
  CR_SUCCESS,
  DICS_FLAG_GLOBAL,
  DIF_REMOVE,
  DIGCF_PRESENT,
  DIREG_DRV,
  ERROR_NO_MORE_ITEMS,
  GUID_DEVCLASS_NET,
  GUID_DEVINTERFACE_NET,
  KEY_QUERY_VALUE,
  MAX_DEVICE_ID_LEN,
  REG_DWORD,
  REG_SZ,
  WINTUN_ENUMERATOR,
  advapi32,
  cfgmgr32,
  getLastError,
  guidBytesToStruct,
  isInvalidHandle,
  parseGuid,
  setupapi,
  splitMultiSz,
  utf16z,
  win32Error,
  win32Types,
  wintunInstanceIdForGuid,
  type SpDevinfoData,
} from '@wintun-ts/session/win32';
import { luidFromParts } from './encode.js';

/** One present Wintun device, as its driver key describes it. */
export interface WintunDevice {
  /** Device instance ID, e.g. `SWD\Wintun\{GUID}`. */
  readonly instanceId: string;
  /** `NetCfgInstanceId`: the interface GUID, `{...}`, or `null` when unreadable. */
  readonly netCfgInstanceId: string | null;
  /** The NET_LUID built from `*IfType` and `NetLuidIndex`, or `null` when unreadable. */
  readonly luid: bigint | null;
}

function emptyDevinfo(): SpDevinfoData {
  return {
    cbSize: loadKoffi().sizeof(win32Types().SP_DEVINFO_DATA),
    ClassGuid: guidBytesToStruct(new Uint8Array(16)),
    DevInst: 0,
    Reserved: 0,
  };
}

function readDword(key: bigint, name: string): number | null {
  const type = [0];
  const data = new Uint8Array(4);
  const size = [4];
  if (advapi32().RegQueryValueExW(key, name, null, type, data, size) !== 0 || type[0] !== REG_DWORD) return null;
  return new DataView(data.buffer).getUint32(0, true);
}

function readString(key: bigint, name: string): string | null {
  const type = [0];
  const data = new Uint8Array(512);
  const size = [data.byteLength];
  if (advapi32().RegQueryValueExW(key, name, null, type, data, size) !== 0 || type[0] !== REG_SZ) return null;
  return utf16z(new Uint16Array(data.buffer, 0, Math.floor((size[0] ?? 0) / 2)));
}

/**
 * Calls `visit` for each present `SWD\Wintun` Net-class device with its device-info set and
 * data (valid during the call only); stops when `visit` returns true.
 *
 * @throws WintunError mapped from `GetLastError()` when the enumeration cannot start.
 */
function forEachWintunDevice(visit: (set: bigint, data: SpDevinfoData, device: WintunDevice) => boolean): void {
  const sa = setupapi();
  const set = sa.SetupDiGetClassDevsExW(guidBytesToStruct(parseGuid(GUID_DEVCLASS_NET)), WINTUN_ENUMERATOR, null, DIGCF_PRESENT, null, null, null);
  if (isInvalidHandle(set)) {
    const code = getLastError();
    throw win32Error('SetupDiGetClassDevsExW', code, 'Enumerating Wintun adapters');
  }
  const handle = set as bigint;
  try {
    for (let i = 0; ; i++) {
      const data = emptyDevinfo();
      if (sa.SetupDiEnumDeviceInfo(handle, i, data) === 0) {
        const code = getLastError();
        if (code === ERROR_NO_MORE_ITEMS) return;
        throw win32Error('SetupDiEnumDeviceInfo', code, 'Enumerating Wintun adapters');
      }
      const id = new Uint16Array(MAX_DEVICE_ID_LEN);
      const required = [0];
      const instanceId = sa.SetupDiGetDeviceInstanceIdW(handle, data, id, id.length, required) !== 0 ? utf16z(id) : '';
      let netCfgInstanceId: string | null = null;
      let luid: bigint | null = null;
      const key = sa.SetupDiOpenDevRegKey(handle, data, DICS_FLAG_GLOBAL, 0, DIREG_DRV, KEY_QUERY_VALUE);
      if (!isInvalidHandle(key)) {
        try {
          netCfgInstanceId = readString(key as bigint, 'NetCfgInstanceId');
          const index = readDword(key as bigint, 'NetLuidIndex');
          const ifType = readDword(key as bigint, '*IfType');
          if (index !== null && ifType !== null) luid = luidFromParts(ifType, index);
        } finally {
          advapi32().RegCloseKey(key);
        }
      }
      if (visit(handle, data, { instanceId, netCfgInstanceId, luid })) return;
    }
  } finally {
    sa.SetupDiDestroyDeviceInfoList(handle);
  }
}

/**
 * Lists the present Wintun devices (any process's).
 *
 * @throws WintunError mapped from `GetLastError()` when SetupAPI fails.
 */
export function listWintunDevices(): WintunDevice[] {
  const out: WintunDevice[] = [];
  forEachWintunDevice((_set, _data, device) => {
    out.push(device);
    return false;
  });
  return out;
}

/** The present Wintun device whose LUID is `luid`, or `null`. */
export function findWintunDevice(luid: bigint): WintunDevice | null {
  let found: WintunDevice | null = null;
  forEachWintunDevice((_set, _data, device) => {
    if (device.luid === luid) found = device;
    return found !== null;
  });
  return found;
}

/**
 * The first `GUID_DEVINTERFACE_NET` interface path of a device instance (`\\?\SWD#Wintun#...`), or
 * `null` when it has none (not started).
 *
 * @throws WintunError mapped from the CONFIGRET when cfgmgr32 fails otherwise.
 */
export function deviceInterfacePath(instanceId: string): string | null {
  const cm = cfgmgr32();
  const klass = guidBytesToStruct(parseGuid(GUID_DEVINTERFACE_NET));
  for (let attempt = 0; attempt < 4; attempt++) {
    const length = [0];
    let cr = cm.CM_Get_Device_Interface_List_SizeW(length, klass, instanceId, CM_GET_DEVICE_INTERFACE_LIST_PRESENT);
    if (cr !== CR_SUCCESS) return null;
    const chars = length[0] ?? 0;
    if (chars <= 1) return null;
    const buffer = new Uint16Array(chars);
    cr = cm.CM_Get_Device_Interface_ListW(klass, instanceId, buffer, chars, CM_GET_DEVICE_INTERFACE_LIST_PRESENT);
    if (cr === CR_BUFFER_SMALL) continue;
    if (cr !== CR_SUCCESS) {
      throw new WintunError('ERR_WINTUN_DEVICE_NOT_AVAILABLE', `CM_Get_Device_Interface_ListW for ${instanceId} failed with CONFIGRET 0x${cr.toString(16)}.`, {
        syscall: 'CM_Get_Device_Interface_ListW',
      });
    }
    return splitMultiSz(buffer)[0] ?? null;
  }
  return null;
}

/**
 * Finds the device object path to open for ring registration (spec 6.4): the shortcut
 * `SWD\Wintun\{GUID}` when the interface GUID is known, else the device whose driver key matches
 * `luid`.
 *
 * @throws WintunError `ERR_WINTUN_DEVICE_NOT_AVAILABLE` when no started device matches.
 */
export function findDeviceObjectPath(luid: bigint, guid: string | null): string {
  if (guid !== null) {
    const path = deviceInterfacePath(wintunInstanceIdForGuid(guid));
    if (path !== null) return path;
  }
  const device = findWintunDevice(luid);
  const path = device === null ? null : deviceInterfacePath(device.instanceId);
  if (path === null) {
    throw new WintunError(
      'ERR_WINTUN_DEVICE_NOT_AVAILABLE',
      `No started Wintun device matches LUID 0x${luid.toString(16)}${device === null ? '' : ` (instance ${device.instanceId} has no network interface)`}. Recreate the adapter; check Device Manager for a problem code.`,
      { win32Code: 4319 },
    );
  }
  return path;
}

/**
 * Removes the Wintun device whose LUID is `luid` (SetupDiCallClassInstaller(DIF_REMOVE)), as
 * wintun.dll does when the creating handle closes. Needs elevation.
 *
 * @returns false when no present device has that LUID.
 * @throws WintunError mapped from `GetLastError()` when removal fails.
 */
export function removeWintunDevice(luid: bigint): boolean {
  let removed = false;
  let failure: WintunError | null = null;
  forEachWintunDevice((set, data, device) => {
    if (device.luid !== luid) return false;
    if (setupapi().SetupDiCallClassInstaller(DIF_REMOVE, set, data) === 0) {
      failure = win32Error('SetupDiCallClassInstaller', getLastError(), `Removing ${device.instanceId}`);
    } else {
      removed = true;
    }
    return true;
  });
  if (failure !== null) throw failure;
  return removed;
}
