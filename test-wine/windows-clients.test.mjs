// What users of other Wintun clients hit, run under Wine where Wine can: an existing adapter name
// (WintunCreateAdapter would rename it) against the stand-in DLL, GetIfEntry2 counters (Adapter.
// interfaceCounters and `wintun-ts stats`) against Wine's iphlpapi on its loopback interface, the
// MIB_IF_ROW2 offsets against koffi's layout of the struct in this (x64 or x86) process, and the
// ERROR_ALREADY_INITIALIZED message. The wait for IP interfaces and the IPv6-disabled rule need
// GetIpInterfaceEntry, which Wine lacks: those have unit tests (packages/adapter/test/windows/
// interfaces.test.ts) and the real runner (.github/workflows/windows.yml).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import koffi from 'koffi';
import { PassThrough } from 'node:stream';
import { importBuilt, importWindowsTesting, standinDll } from './helpers.mjs';

const adapterPkg = await importBuilt('adapter');
const encode = await importWindowsTesting();
const dll = standinDll();
const skip = adapterPkg === null ? 'packages/adapter is not built' : false;
const skipStandin = skip || (dll === null ? 'stand-in wintun.dll not built' : false);
const { Adapter } = adapterPkg ?? {};
const count = dll === null ? null : koffi.load(dll).func('__stdcall', 'StandinAdapterCount', 'uint32_t', []);

const iphlpapi = koffi.load('iphlpapi.dll');
const GetIfEntry2 = iphlpapi.func('__stdcall', 'GetIfEntry2', 'uint32_t', ['void *']);
const ConvertInterfaceIndexToLuid = iphlpapi.func('__stdcall', 'ConvertInterfaceIndexToLuid', 'uint32_t', ['uint32_t', 'void *']);

/** Wine's loopback alias ("lo"; index 1). */
function loopbackAlias() {
  const luid = new Uint8Array(8);
  assert.equal(ConvertInterfaceIndexToLuid(1, luid), 0);
  const row = new Uint8Array(1352);
  row.set(luid, 0);
  assert.equal(GetIfEntry2(row), 0);
  const alias = Buffer.from(row.subarray(28, 28 + 514)).toString('utf16le');
  return { alias: alias.slice(0, alias.indexOf('\0')), row };
}

test('ifExists: the default refuses an existing name (no silent rename), "open" opens it, "replace" refuses what SetupAPI cannot remove', { skip: skipStandin, timeout: 60_000 }, async () => {
  const before = count();
  const a = await Adapter.create({ name: 'wtts-i-dup', dllPath: dll });
  try {
    await assert.rejects(Adapter.create({ name: 'WTTS-I-DUP', dllPath: dll }), (e) => {
      assert.equal(e.code, 'ERR_WINTUN_NAME_TAKEN');
      assert.match(e.message, /already exists \(LUID 0x[0-9a-f]+\).*ifExists: 'open'.*ifExists: 'replace'/);
      return true;
    });
    assert.equal(count(), before + 1, 'the refused create made no second adapter and left the first alone');
    const opened = await Adapter.create({ name: 'wtts-i-dup', dllPath: dll, ifExists: 'open' });
    assert.equal(opened.luid, a.luid, 'ifExists: open gives the existing adapter');
    await opened.close();
    assert.equal(count(), before + 1, 'closing the opened adapter keeps it (not owned)');
    // Wine's SetupAPI lists no SWD\Wintun device, so the stand-in's adapter cannot be removed:
    // replace must refuse rather than let WintunCreateAdapter rename the old one.
    await assert.rejects(Adapter.create({ name: 'wtts-i-dup', dllPath: dll, ifExists: 'replace' }), { code: 'ERR_WINTUN_NAME_TAKEN', message: /could not be replaced/ });
    assert.equal(count(), before + 1);
    await assert.rejects(Adapter.create({ name: 'wtts-i-x', dllPath: dll, ifExists: 'rename' }), { code: 'ERR_WINTUN_INVALID_ARGUMENT', message: /ifExists/ });
    // A name no adapter has: 'replace' and 'open' just create, and the existence probe's expected
    // failure (wintun.dll logs a failed WintunOpenAdapter at error level) reaches no logger.
    const lines = [];
    const fresh = await Adapter.create({ name: 'wtts-i-fresh', dllPath: dll, ifExists: 'replace', logger: (level, message) => lines.push(`${level} ${message}`) });
    assert.deepEqual(lines.filter((l) => l.includes('Open: no adapter')), [], 'the probe is quiet');
    await assert.rejects(Adapter.open('wtts-i-none', { dllPath: dll, logger: (level, message) => lines.push(`${level} ${message}`) }), { code: 'ERR_WINTUN_ADAPTER_NOT_FOUND' });
    assert.ok(lines.some((l) => l === 'error Open: no adapter of that name'), `a real open still logs: ${JSON.stringify(lines)}`);
    assert.equal(count(), before + 2);
    await fresh.close();
  } finally {
    await a.close();
  }
  assert.equal(count(), before);
});

test('interfaceTimeoutMs is checked; configuration without GetIpInterfaceEntry (Wine) goes ahead instead of waiting', { skip: skipStandin, timeout: 60_000 }, async () => {
  await assert.rejects(Adapter.create({ name: 'wtts-i-t', dllPath: dll, interfaceTimeoutMs: -1 }), { code: 'ERR_WINTUN_INVALID_ARGUMENT', message: /interfaceTimeoutMs/ });
  const a = await Adapter.create({ name: 'wtts-i-cfg', dllPath: dll, interfaceTimeoutMs: 60_000 });
  try {
    assert.equal(a.index, 0, 'Wine has no IP interface for the stand-in LUID');
    const t0 = Date.now();
    await a.addAddress('10.6.7.7/24').then(
      () => undefined,
      (e) => assert.ok(e.code !== 'ERR_WINTUN_TIMEOUT', String(e)),
    );
    // 60 s is the bound; returning long before it shows the unsupported probe was not polled.
    assert.ok(Date.now() - t0 < 30_000);
  } finally {
    await a.close();
  }
});

test('Adapter.interfaceCounters: GetIfEntry2 of Wine loopback, the same numbers as a direct call; unknown name -> ERR_WINTUN_ADAPTER_NOT_FOUND', { skip }, async () => {
  const { alias, row } = loopbackAlias();
  const direct = new DataView(row.buffer);
  const c = await Adapter.interfaceCounters(alias);
  assert.equal(c.name, alias);
  assert.equal(c.source, 'GetIfEntry2');
  for (const k of ['txPackets', 'txBytes', 'txDropped', 'txErrors', 'rxPackets', 'rxBytes', 'rxDropped', 'rxErrors']) assert.equal(typeof c[k], 'number', k);
  // Counters only grow: ours were read after the direct row.
  assert.ok(c.rxBytes >= Number(direct.getBigUint64(1208, true)));
  assert.ok(c.txBytes >= Number(direct.getBigUint64(1280, true)));
  assert.ok(c.rxPackets >= Number(direct.getBigUint64(1216, true)));
  await assert.rejects(Adapter.interfaceCounters('wtts-i-nope'), { code: 'ERR_WINTUN_ADAPTER_NOT_FOUND', syscall: 'ConvertInterfaceAliasToLuid' });
});

test('wintun-ts stats --json on Windows reads GetIfEntry2', { skip: skip || ((await importBuilt('cli', 'index').catch(() => null)) === null ? 'packages/cli is not built' : false) }, async () => {
  const cli = await importBuilt('cli', 'index');
  const { alias } = loopbackAlias();
  let out = '';
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (b) => (out += b));
  stderr.on('data', (b) => (out += b));
  const code = await cli.run(['stats', alias, '--json'], { stdout, stderr, stdoutIsTTY: false, stderrIsTTY: false, signal: new AbortController().signal });
  assert.equal(code, 0, out);
  const json = JSON.parse(out.trim().split('\n').pop());
  assert.equal(json.source, 'GetIfEntry2');
  assert.equal(json.name, alias);
});

test('MIB_IF_ROW2 offsets of the encoder equal koffi\'s layout of the struct in this process', { skip: encode === null ? 'adapter windows/encode not in dist' : false }, () => {
  const GUID = koffi.struct('IFROW2_GUID_i', { a: 'uint32_t', b: 'uint16_t', c: 'uint16_t', d: koffi.array('uint8_t', 8) });
  const row = koffi.struct('MIB_IF_ROW2_i', {
    InterfaceLuid: 'uint64_t', InterfaceIndex: 'uint32_t', InterfaceGuid: GUID,
    Alias: koffi.array('uint16_t', 257), Description: koffi.array('uint16_t', 257),
    PhysicalAddressLength: 'uint32_t', PhysicalAddress: koffi.array('uint8_t', 32), PermanentPhysicalAddress: koffi.array('uint8_t', 32),
    Mtu: 'uint32_t', Type: 'uint32_t', TunnelType: 'int32_t', MediaType: 'int32_t', PhysicalMediumType: 'int32_t', AccessType: 'int32_t', DirectionType: 'int32_t',
    InterfaceAndOperStatusFlags: 'uint8_t', OperStatus: 'int32_t', AdminStatus: 'int32_t', MediaConnectState: 'int32_t', NetworkGuid: GUID, ConnectionType: 'int32_t',
    TransmitLinkSpeed: 'uint64_t', ReceiveLinkSpeed: 'uint64_t',
    InOctets: 'uint64_t', InUcastPkts: 'uint64_t', InNUcastPkts: 'uint64_t', InDiscards: 'uint64_t', InErrors: 'uint64_t', InUnknownProtos: 'uint64_t',
    InUcastOctets: 'uint64_t', InMulticastOctets: 'uint64_t', InBroadcastOctets: 'uint64_t',
    OutOctets: 'uint64_t', OutUcastPkts: 'uint64_t', OutNUcastPkts: 'uint64_t', OutDiscards: 'uint64_t', OutErrors: 'uint64_t',
    OutUcastOctets: 'uint64_t', OutMulticastOctets: 'uint64_t', OutBroadcastOctets: 'uint64_t', OutQLen: 'uint64_t',
  });
  assert.equal(koffi.sizeof(row), encode.IF_ROW2.size);
  for (const [field, offset] of Object.entries(encode.IF_ROW2)) {
    if (field === 'size') continue;
    assert.equal(koffi.offsetof(row, field), offset, field);
  }
});
