/**
 * koffi type declarations of the Win32 structs wintun-ts passes to Windows, declared under the
 * Windows x64/arm64 ABI with fixed-width fields (`ULONG` = u32, `BOOLEAN` = u8, enums = i32).
 * Anonymous types (nothing is registered in koffi's global name table), built on first use per
 * thread by {@link win32Types}.
 *
 * Sizes on 64-bit Windows (asserted by the Wine suite): `GUID` 16, `NET_LUID` 8, `SOCKADDR_INET`
 * 28, `IP_ADDRESS_PREFIX` 32, `MIB_UNICASTIPADDRESS_ROW` 80, `MIB_IPINTERFACE_ROW` 168,
 * `MIB_IPFORWARD_ROW2` 104, `DNS_INTERFACE_SETTINGS` 64, `SP_DEVINFO_DATA` 32,
 * `TUN_REGISTER_RINGS` 48.
 *
 * @module
 */
import type { TypeObject } from 'koffi';
import { lazy, loadKoffi } from '../ffi.js';

/** The koffi type objects of {@link win32Types}. */
export interface Win32Types {
  /** `HANDLE` (and `HKEY`, `HDEVINFO`, Wintun handles): an opaque pointer; a `bigint` or `null` in JS. */
  readonly HANDLE: TypeObject;
  /** `GUID { u32 Data1; u16 Data2; u16 Data3; u8 Data4[8]; }`, 16 bytes. */
  readonly GUID: TypeObject;
  /** `NET_LUID { u64 Value; }` (the bit-field view is not declared), 8 bytes. */
  readonly NET_LUID: TypeObject;
  /** `IN_ADDR`: 4 bytes. */
  readonly IN_ADDR: TypeObject;
  /** `IN6_ADDR`: 16 bytes. */
  readonly IN6_ADDR: TypeObject;
  /** `SOCKADDR_IN { u16 sin_family; u16 sin_port (network order); IN_ADDR sin_addr; u8 sin_zero[8]; }`, 16 bytes. */
  readonly SOCKADDR_IN: TypeObject;
  /** `SOCKADDR_IN6 { u16 sin6_family; u16 sin6_port; u32 sin6_flowinfo; IN6_ADDR sin6_addr; u32 sin6_scope_id; }`, 28 bytes. */
  readonly SOCKADDR_IN6: TypeObject;
  /** `SOCKADDR_INET`: union of `Ipv4`, `Ipv6` and `si_family`, 28 bytes, align 4. */
  readonly SOCKADDR_INET: TypeObject;
  /** `IP_ADDRESS_PREFIX { SOCKADDR_INET Prefix; u8 PrefixLength; }`, 32 bytes. */
  readonly IP_ADDRESS_PREFIX: TypeObject;
  /** `MIB_UNICASTIPADDRESS_ROW`, 80 bytes. */
  readonly MIB_UNICASTIPADDRESS_ROW: TypeObject;
  /** `MIB_IPINTERFACE_ROW`, 168 bytes. */
  readonly MIB_IPINTERFACE_ROW: TypeObject;
  /** `MIB_IPFORWARD_ROW2`, 104 bytes. */
  readonly MIB_IPFORWARD_ROW2: TypeObject;
  /** `DNS_INTERFACE_SETTINGS` (version 1), 64 bytes. */
  readonly DNS_INTERFACE_SETTINGS: TypeObject;
  /** `SP_DEVINFO_DATA { u32 cbSize; GUID ClassGuid; u32 DevInst; ULONG_PTR Reserved; }`, 32 bytes. */
  readonly SP_DEVINFO_DATA: TypeObject;
  /** One half of `TUN_REGISTER_RINGS { u32 RingSize; void *Ring; HANDLE TailMoved; }` (native ABI). */
  readonly TUN_REGISTER_RINGS_HALF: TypeObject;
  /** `TUN_REGISTER_RINGS { half Send; half Receive; }` (native ABI): 48 bytes on x64. */
  readonly TUN_REGISTER_RINGS: TypeObject;
  /** `void (__stdcall *)(int Level, u64 Timestamp, const WCHAR *Message)`: the Wintun logger. */
  readonly WINTUN_LOGGER_CALLBACK: TypeObject;
}

/**
 * Returns the Win32 koffi types, declaring them on first use (per thread).
 *
 * @throws WintunError `ERR_WINTUN_FFI_UNAVAILABLE` when koffi cannot be loaded.
 */
export const win32Types: () => Win32Types = lazy(() => {
  const koffi = loadKoffi();
  const HANDLE = koffi.pointer(koffi.opaque());
  const GUID = koffi.struct({ Data1: 'uint32_t', Data2: 'uint16_t', Data3: 'uint16_t', Data4: koffi.array('uint8_t', 8) });
  const NET_LUID = koffi.struct({ Value: 'uint64_t' });
  const IN_ADDR = koffi.struct({ s_addr: koffi.array('uint8_t', 4) });
  const IN6_ADDR = koffi.struct({ s6_addr: koffi.array('uint8_t', 16) });
  const SOCKADDR_IN = koffi.struct({
    sin_family: 'uint16_t',
    sin_port: 'uint16_t',
    sin_addr: IN_ADDR,
    sin_zero: koffi.array('uint8_t', 8),
  });
  const SOCKADDR_IN6 = koffi.struct({
    sin6_family: 'uint16_t',
    sin6_port: 'uint16_t',
    sin6_flowinfo: 'uint32_t',
    sin6_addr: IN6_ADDR,
    sin6_scope_id: 'uint32_t',
  });
  const SOCKADDR_INET = koffi.union({ Ipv4: SOCKADDR_IN, Ipv6: SOCKADDR_IN6, si_family: 'uint16_t' });
  const IP_ADDRESS_PREFIX = koffi.struct({ Prefix: SOCKADDR_INET, PrefixLength: 'uint8_t' });
  const MIB_UNICASTIPADDRESS_ROW = koffi.struct({
    Address: SOCKADDR_INET,
    InterfaceLuid: NET_LUID,
    InterfaceIndex: 'uint32_t',
    PrefixOrigin: 'int32_t',
    SuffixOrigin: 'int32_t',
    ValidLifetime: 'uint32_t',
    PreferredLifetime: 'uint32_t',
    OnLinkPrefixLength: 'uint8_t',
    SkipAsSource: 'uint8_t',
    DadState: 'int32_t',
    ScopeId: 'uint32_t',
    CreationTimeStamp: 'int64_t',
  });
  const MIB_IPINTERFACE_ROW = koffi.struct({
    Family: 'uint16_t',
    InterfaceLuid: NET_LUID,
    InterfaceIndex: 'uint32_t',
    MaxReassemblySize: 'uint32_t',
    InterfaceIdentifier: 'uint64_t',
    MinRouterAdvertisementInterval: 'uint32_t',
    MaxRouterAdvertisementInterval: 'uint32_t',
    AdvertisingEnabled: 'uint8_t',
    ForwardingEnabled: 'uint8_t',
    WeakHostSend: 'uint8_t',
    WeakHostReceive: 'uint8_t',
    UseAutomaticMetric: 'uint8_t',
    UseNeighborUnreachabilityDetection: 'uint8_t',
    ManagedAddressConfigurationSupported: 'uint8_t',
    OtherStatefulConfigurationSupported: 'uint8_t',
    AdvertiseDefaultRoute: 'uint8_t',
    RouterDiscoveryBehavior: 'int32_t',
    DadTransmits: 'uint32_t',
    BaseReachableTime: 'uint32_t',
    RetransmitTime: 'uint32_t',
    PathMtuDiscoveryTimeout: 'uint32_t',
    LinkLocalAddressBehavior: 'int32_t',
    LinkLocalAddressTimeout: 'uint32_t',
    ZoneIndices: koffi.array('uint32_t', 16),
    SitePrefixLength: 'uint32_t',
    Metric: 'uint32_t',
    NlMtu: 'uint32_t',
    Connected: 'uint8_t',
    SupportsWakeUpPatterns: 'uint8_t',
    SupportsNeighborDiscovery: 'uint8_t',
    SupportsRouterDiscovery: 'uint8_t',
    ReachableTime: 'uint32_t',
    TransmitOffload: 'uint8_t',
    ReceiveOffload: 'uint8_t',
    DisableDefaultRoutes: 'uint8_t',
  });
  const MIB_IPFORWARD_ROW2 = koffi.struct({
    InterfaceLuid: NET_LUID,
    InterfaceIndex: 'uint32_t',
    DestinationPrefix: IP_ADDRESS_PREFIX,
    NextHop: SOCKADDR_INET,
    SitePrefixLength: 'uint8_t',
    ValidLifetime: 'uint32_t',
    PreferredLifetime: 'uint32_t',
    Metric: 'uint32_t',
    Protocol: 'int32_t',
    Loopback: 'uint8_t',
    AutoconfigureAddress: 'uint8_t',
    Publish: 'uint8_t',
    Immortal: 'uint8_t',
    Age: 'uint32_t',
    Origin: 'int32_t',
  });
  const DNS_INTERFACE_SETTINGS = koffi.struct({
    Version: 'uint32_t',
    Flags: 'uint64_t',
    Domain: 'str16',
    NameServer: 'str16',
    SearchList: 'str16',
    RegistrationEnabled: 'uint32_t',
    RegisterAdapterName: 'uint32_t',
    EnableLLMNR: 'uint32_t',
    QueryAdapterName: 'uint32_t',
    ProfileNameServer: 'str16',
  });
  const SP_DEVINFO_DATA = koffi.struct({ cbSize: 'uint32_t', ClassGuid: GUID, DevInst: 'uint32_t', Reserved: 'uintptr_t' });
  const TUN_REGISTER_RINGS_HALF = koffi.struct({ RingSize: 'uint32_t', Ring: 'void *', TailMoved: HANDLE });
  const TUN_REGISTER_RINGS = koffi.struct({ Send: TUN_REGISTER_RINGS_HALF, Receive: TUN_REGISTER_RINGS_HALF });
  const WINTUN_LOGGER_CALLBACK = koffi.pointer(koffi.proto('__stdcall', null, 'void', ['int', 'uint64_t', 'str16']));
  return {
    HANDLE,
    GUID,
    NET_LUID,
    IN_ADDR,
    IN6_ADDR,
    SOCKADDR_IN,
    SOCKADDR_IN6,
    SOCKADDR_INET,
    IP_ADDRESS_PREFIX,
    MIB_UNICASTIPADDRESS_ROW,
    MIB_IPINTERFACE_ROW,
    MIB_IPFORWARD_ROW2,
    DNS_INTERFACE_SETTINGS,
    SP_DEVINFO_DATA,
    TUN_REGISTER_RINGS_HALF,
    TUN_REGISTER_RINGS,
    WINTUN_LOGGER_CALLBACK,
  };
});
