/**
 * Win32 bindings (kernel32, advapi32, setupapi, cfgmgr32, iphlpapi) and the wintun.dll binding.
 * Bound on first use.
 *
 * @module
 */
export {};
