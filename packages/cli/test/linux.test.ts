import { describe, it, expect, afterAll, beforeAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { BIN, cli, createNetns, privilegedSkipReason, start, sh, tcpdumpSkipReason, tunDevices } from './helpers.js';

// Every test makes its own network namespace and runs the binary inside it with `ip netns exec`,
// so the TUN devices, addresses and ping traffic never leave it (10.9x.0.0/24, fd00:9x::/64).
const skip = privilegedSkipReason();
if (skip !== null) console.warn(`[skip] cli on real TUN devices: ${skip}`);
const noTcpdump = tcpdumpSkipReason();
if (skip === null && noTcpdump !== null) console.warn(`[skip] cli capture read back with tcpdump: ${noTcpdump}`);

const namespaces: { destroy(): void }[] = [];
function netns(label: string): ReturnType<typeof createNetns> {
  const ns = createNetns(label);
  namespaces.push(ns);
  return ns;
}

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wintun-ts-cli-'));
});
afterAll(() => {
  for (const ns of namespaces) ns.destroy();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip !== null)('wintun-ts on real TUN devices (root, in namespaces)', () => {
  it('up --echo answers ping (IPv4 and IPv6) from the namespace, then deletes the adapter', async () => {
    const ns = netns('up');
    const up = start(['up', 'wtc0', '-a', '10.93.0.1/24', '-a', 'fd00:93::1/64', '--mtu', '1400', '--route', '10.94.0.0/16', '--echo', '--duration', '30', '--json'], { netns: ns.name });
    await up.waitFor('Ctrl-C to stop');
    const link = sh('ip', ['-n', ns.name, '-o', 'link', 'show', 'wtc0']).stdout;
    expect(link).toMatch(/mtu 1400/);
    expect(link).toMatch(/[<,]UP[,>]/);
    expect(sh('ip', ['-n', ns.name, 'route', 'show', '10.94.0.0/16']).stdout).toMatch(/dev wtc0/);
    const ping4 = ns.exec('ping', ['-c', '3', '-i', '0.2', '-W', '2', '10.93.0.2']);
    expect(ping4.stdout, ping4.stderr).toMatch(/3 packets transmitted, 3 received/);
    const ping6 = ns.exec('ping', ['-6', '-c', '2', '-i', '0.2', '-W', '2', 'fd00:93::2']);
    expect(ping6.stdout, ping6.stderr).toMatch(/2 packets transmitted, 2 received/);
    const routed = ns.exec('ping', ['-c', '1', '-W', '2', '10.94.3.4']);
    expect(routed.stdout).toMatch(/1 received/);
    const stats = JSON.parse(cli(['stats', 'wtc0', '--json'], { netns: ns.name }).stdout) as { txPackets: number; rxPackets: number };
    expect(stats.txPackets).toBeGreaterThanOrEqual(6);
    expect(stats.rxPackets).toBeGreaterThanOrEqual(6);
    await new Promise((r) => setTimeout(r, 1100)); // at least one status line
    up.child.kill('SIGINT');
    expect(await up.exited).toBe(130);
    const summary = JSON.parse(up.stdout().toString()) as { echoed: number; rxPackets: number; stoppedBy: string; created: boolean };
    expect(summary.echoed).toBeGreaterThanOrEqual(6);
    expect(summary.created).toBe(true);
    expect(summary.stoppedBy).toBe('SIGINT');
    expect(up.stderr()).toMatch(/\[00:0\d\] rx \d+ pkts/);
    expect(tunDevices(ns.name)).toEqual([]);
  });

  it('up --duration ends by itself with exit 0 and removes the device', () => {
    const ns = netns('dur');
    const r = cli(['up', 'wtc1', '-a', '10.95.0.1/24', '--duration', '0.5', '--quiet', '--json'], { netns: ns.name });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'wtc1', stoppedBy: 'duration', drops: 0 });
    expect(r.stderr).toBe('');
    expect(tunDevices(ns.name)).toEqual([]);
  });

  it('Ctrl-C (SIGINT) and SIGTERM tear down cleanly: no device left', async () => {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const ns = netns('sig');
      const up = start(['up', 'wtc2', '-a', '10.96.0.1/24', '--echo'], { netns: ns.name });
      await up.waitFor('Ctrl-C to stop');
      expect(tunDevices(ns.name)).toEqual(['wtc2']);
      up.child.kill(signal);
      expect(await up.exited).toBe(code);
      expect(up.stderr()).toMatch(new RegExp(`stopped by ${signal}`));
      expect(tunDevices(ns.name)).toEqual([]);
    }
  });

  it.skipIf(noTcpdump !== null)('capture -w FILE while pinging: tcpdump reads back the echo requests and the injected replies (pcapng)', async () => {
    const ns = netns('cap');
    const file = join(dir, 'ping.pcap');
    const cap = start(['capture', 'wtc3', '-a', '10.97.0.1/24', '--echo', '-w', file, '--duration', '20'], { netns: ns.name });
    await cap.waitFor('Ctrl-C to stop');
    const ping = ns.exec('ping', ['-c', '4', '-i', '0.2', '-W', '2', '10.97.0.2']);
    expect(ping.stdout).toMatch(/4 packets transmitted, 4 received/);
    cap.child.kill('SIGINT');
    expect(await cap.exited).toBe(130);
    expect(cap.stderr()).toMatch(/echoed 4/);
    const read = sh('tcpdump', ['-r', file, '-n']);
    expect(read.status, read.stderr).toBe(0);
    expect(read.stderr).toMatch(/link-type RAW/);
    const requests = read.stdout.split('\n').filter((l) => /IP 10\.97\.0\.1 > 10\.97\.0\.2: ICMP echo request, id \d+, seq [1-4], length 64/.test(l));
    expect(requests).toHaveLength(4);
    // pcapng (the default) holds both directions: the replies the session injected too.
    const replies = read.stdout.split('\n').filter((l) => /IP 10\.97\.0\.2 > 10\.97\.0\.1: ICMP echo reply, id \d+, seq [1-4], length 64/.test(l));
    expect(replies).toHaveLength(4);
    expect(tunDevices(ns.name)).toEqual([]);
  });

  it.skipIf(noTcpdump !== null)('capture -w - --format pcap streams classic pcap to stdout (| tcpdump -r -); --count ends it with exit 0', async () => {
    const ns = netns('pipe');
    const cap = start(['capture', 'wtc4', '-a', 'fd00:98::1/64', '-w', '-', '--format', 'pcap', '--count', '20', '--duration', '20'], { netns: ns.name });
    await cap.waitFor('Ctrl-C to stop');
    // The kernel sends a router solicitation or two by itself; 20 echo requests fill the count.
    ns.exec('ping', ['-6', '-c', '20', '-i', '0.05', '-W', '1', 'fd00:98::2'], 20_000);
    expect(await cap.exited).toBe(0);
    expect(cap.stderr()).toMatch(/stopped by count/);
    const pcap = cap.stdout();
    expect(pcap.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(pcap.readUInt32LE(20)).toBe(101);
    const tcpdump = spawn('tcpdump', ['-r', '-', '-n'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    tcpdump.stdout.on('data', (b: Buffer) => (out += b.toString()));
    tcpdump.stdin.end(pcap);
    await new Promise((resolve) => tcpdump.on('close', resolve));
    const lines = out.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(20);
    expect(lines.filter((l) => /IP6 fd00:98::1 > fd00:98::2: ICMP6, echo request/.test(l)).length).toBeGreaterThanOrEqual(17);
    expect(tunDevices(ns.name)).toEqual([]);
  });

  it('capture -w - into a pipe that closes early ends with exit 0 and removes the device', async () => {
    const ns = netns('epipe');
    const shell = spawn('sh', ['-c', `ip netns exec ${ns.name} ${process.execPath} ${BIN} capture wtc5 -a 10.99.0.1/24 -w - -q --duration 15 | head -c 10 > /dev/null`], { stdio: 'ignore' });
    const closed = new Promise<number | null>((resolve) => shell.on('exit', (code) => resolve(code)));
    for (let i = 0; i < 20 && !tunDevices(ns.name).includes('wtc5'); i++) await new Promise((r) => setTimeout(r, 100));
    ns.exec('ping', ['-c', '3', '-i', '0.2', '-W', '1', '10.99.0.2']);
    expect(await closed).toBe(0);
    for (let i = 0; i < 20 && tunDevices(ns.name).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(tunDevices(ns.name)).toEqual([]);
  });

  /** Starts `capture -w -` with its stdout piped to this test, which never reads it. */
  function stalledCapture(ns: string, name: string, address: string, extra: string[]): { child: ReturnType<typeof spawn>; stderr: () => string; exited: Promise<number | string> } {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, BIN, 'capture', name, '-a', address, '--echo', '-w', '-', '--buffer', '0x10000', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    // stdout is never read: once the pipe (64 KiB) and Node's read buffer fill, the reader has stalled.
    child.stdout?.pause();
    let err = '';
    child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    const exited = new Promise<number | string>((resolve) =>
      child.on('exit', (code, signal) => {
        clearTimeout(killer);
        resolve(code ?? signal ?? -1);
      }),
    );
    return { child, stderr: () => err, exited };
  }

  it('capture -w - into a pipe nobody reads: --duration still ends it, drops are counted, the device is removed', async () => {
    const ns = netns('stall');
    const cap = stalledCapture(ns.name, 'wtc10', '10.88.0.1/24', ['--duration', '4']);
    for (let i = 0; i < 100 && !cap.stderr().includes('Ctrl-C to stop'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(cap.stderr()).toContain('Ctrl-C to stop');
    const started = Date.now();
    // ~3 MB of echo requests (and their replies) through the adapter: far beyond the pipe and the 64 KiB buffer.
    ns.exec('ping', ['-f', '-c', '2000', '-s', '1400', '-W', '1', '10.88.0.2'], 20_000);
    expect(await cap.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000); // duration 4 s + bounded close, not a hang
    expect(cap.stderr()).toMatch(/stopped by duration/);
    const dropped = /capture: (\d+) packets were dropped because the pcap reader did not keep up/.exec(cap.stderr());
    expect(dropped, cap.stderr()).not.toBeNull();
    expect(Number(dropped?.[1])).toBeGreaterThan(100);
    expect(cap.stderr()).toMatch(/echoed \d{3,}/); // the packet path kept going while the reader stalled
    expect(tunDevices(ns.name)).toEqual([]);
    cap.child.stdout?.destroy();
  }, 40_000);

  it('capture -w - into a pipe nobody reads: SIGINT tears down promptly (exit 130, adapter gone)', async () => {
    const ns = netns('stallint');
    const cap = stalledCapture(ns.name, 'wtc11', '10.87.0.1/24', []);
    for (let i = 0; i < 100 && !cap.stderr().includes('Ctrl-C to stop'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(cap.stderr()).toContain('Ctrl-C to stop');
    ns.exec('ping', ['-f', '-c', '1000', '-s', '1400', '-W', '1', '10.87.0.2'], 20_000);
    expect(tunDevices(ns.name)).toEqual(['wtc11']);
    const interrupted = Date.now();
    cap.child.kill('SIGINT');
    expect(await cap.exited).toBe(130);
    expect(Date.now() - interrupted).toBeLessThan(10_000); // the 15 s last-resort exit is not what ended it
    expect(cap.stderr()).not.toMatch(/teardown took longer/);
    expect(cap.stderr()).toMatch(/stopped by SIGINT/);
    expect(cap.stderr()).toMatch(/packets were dropped because the pcap reader did not keep up/);
    expect(tunDevices(ns.name)).toEqual([]);
    cap.child.stdout?.destroy();
  }, 40_000);

  it.skipIf(spawnSync('tshark', ['-v']).status !== 0)('capture --own --format pcapng records both directions of its own session, with direction flags', async () => {
    const ns = netns('capng');
    const file = join(dir, 'own.pcapng');
    ns.exec('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
    const cap = start(['capture', 'wtc13', '-a', '10.84.0.1/24', '--echo', '--own', '--format', 'pcapng', '-w', file, '--duration', '20'], { netns: ns.name });
    await cap.waitFor('Ctrl-C to stop');
    const ping = ns.exec('ping', ['-c', '3', '-i', '0.2', '-W', '2', '10.84.0.2']);
    expect(ping.stdout).toMatch(/3 packets transmitted, 3 received/);
    cap.child.kill('SIGINT');
    expect(await cap.exited).toBe(130);
    const read = sh('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.packet_flags_direction', '-e', 'icmp.type', '-e', 'icmp.seq', '-e', 'frame.interface_name']);
    expect(read.status, read.stderr).toBe(0);
    const lines = read.stdout.trim().split('\n');
    expect(lines).toEqual([1, 2, 3].flatMap((seq) => [`0x00000002\t8\t${seq}\twtc13`, `0x00000001\t0\t${seq}\twtc13`]));
  });

  it('capture -w FILE --json reports the capture counters', () => {
    const ns = netns('capjson');
    const file = join(dir, 'json.pcap');
    const r = cli(['capture', 'wtc12', '-a', '10.86.0.1/24', '-w', file, '--duration', '0.5', '--json', '-q'], { netns: ns.name });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'wtc12', captureDrops: 0, captureUnwrittenBytes: 0, file, stoppedBy: 'duration' });
  });

  it('up on an existing interface of another kind (veth): NAME_TAKEN that says so, nothing created', () => {
    const ns = netns('veth');
    expect(sh('ip', ['-n', ns.name, 'link', 'add', 'wtcv0', 'type', 'veth', 'peer', 'name', 'wtcv1']).status).toBe(0);
    const r = cli(['up', 'wtcv0', '-a', '10.85.0.1/24', '--duration', '0.3'], { netns: ns.name });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^wintun-ts: ERR_WINTUN_NAME_TAKEN: 'wtcv0' is a network interface of another kind, not a TUN device/m);
    expect(r.stderr).not.toMatch(/TUN device "?wtcv0"? already exists|already exists/);
    expect(r.stderr).toMatch(/fix: Pick a name no interface has/);
    const del = cli(['delete', 'wtcv0'], { netns: ns.name });
    expect(del.status).toBe(1);
    expect(del.stderr).toMatch(/ERR_WINTUN_NAME_TAKEN: 'wtcv0' is a network interface of another kind/);
    expect(sh('ip', ['-n', ns.name, '-o', 'link', 'show', 'wtcv0']).stdout).toMatch(/wtcv0@wtcv1/); // untouched
  });

  it('delete of a missing adapter speaks the command line, not the library', () => {
    const ns = netns('missing');
    const r = cli(['delete', 'wtcnone'], { netns: ns.name });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^wintun-ts: ERR_WINTUN_ADAPTER_NOT_FOUND: there is no adapter named 'wtcnone' in this network namespace/m);
    expect(r.stderr).not.toMatch(/Adapter\.create|persistent: true|mode '/);
  });

  it('create of a name that exists: NAME_TAKEN in the command\'s terms', () => {
    const ns = netns('taken');
    const created = cli(['create', 'wtc13', '--persistent', '--json'], { netns: ns.name });
    expect(created.status, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'wtc13', persistent: true });
    const r = cli(['create', 'wtc13', '--persistent'], { netns: ns.name });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ERR_WINTUN_NAME_TAKEN: an adapter named 'wtc13' already exists/);
    expect(r.stderr).toMatch(/fix: Use it with 'wintun-ts up wtc13', pick another name, or remove it with 'wintun-ts delete wtc13'/);
    expect(r.stderr).not.toMatch(/mode '|Adapter\./);
    const deleted = cli(['delete', 'wtc13', '--json'], { netns: ns.name });
    expect(deleted.status).toBe(0);
    expect(JSON.parse(deleted.stdout)).toEqual({ name: 'wtc13', deleted: true });
  });

  it('a route that already exists: ALREADY_EXISTS in the command\'s terms, and the adapter is removed', () => {
    const ns = netns('route');
    expect(sh('ip', ['-n', ns.name, 'route', 'add', '10.82.0.0/16', 'dev', 'lo']).status).toBe(0);
    const r = cli(['up', 'wtc15', '-a', '10.81.0.1/24', '--route', '10.82.0.0/16', '--duration', '0.3'], { netns: ns.name });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^wintun-ts: ERR_WINTUN_ALREADY_EXISTS: route 10\.82\.0\.0\/16 already exists\./m);
    expect(r.stderr).toMatch(/fix: Remove the existing entry first/);
    expect(r.stderr).not.toMatch(/addresses\(\)/);
    expect(tunDevices(ns.name)).toEqual([]);
  });

  it('a unicode adapter name within 15 bytes works end to end', () => {
    const ns = netns('uni');
    const r = cli(['up', 'wté0', '-a', '10.84.0.1/24', '--duration', '0.3', '--json', '-q'], { netns: ns.name });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'wté0', created: true });
    expect(tunDevices(ns.name)).toEqual([]);
  });

  it('--mtu below 1280 on an opened adapter that has IPv6 addresses warns that they are dropped', () => {
    const ns = netns('mtu6');
    expect(cli(['create', 'wtc14', '--persistent'], { netns: ns.name }).status).toBe(0);
    expect(sh('ip', ['-n', ns.name, 'addr', 'add', 'fd00:84::1/64', 'dev', 'wtc14']).status).toBe(0);
    const r = cli(['up', 'wtc14', '-a', '10.83.0.1/24', '--mtu', '1000', '--duration', '0.3'], { netns: ns.name });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: --mtu 1000 is below 1280: the system drops the IPv6 addresses of wtc14 \(fd00:84::1\/64\)/);
    expect(cli(['delete', 'wtc14'], { netns: ns.name }).status).toBe(0);
  });

  it('create --persistent, list, up on it, delete', () => {
    const ns = netns('persist');
    const created = cli(['create', 'wtc6', '--persistent'], { netns: ns.name });
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/created wtc6 .*persistent/);
    const listed = JSON.parse(cli(['list', '--json'], { netns: ns.name }).stdout) as { name: string; up: boolean; luid: unknown }[];
    expect(listed.map((a) => a.name)).toEqual(['wtc6']);
    expect(listed[0]?.luid).toBeNull();
    expect(cli(['list'], { netns: ns.name }).stdout).toMatch(/^NAME +INDEX +MTU +STATE\nwtc6 /);
    const up = cli(['up', 'wtc6', '-a', '10.92.0.1/24', '--duration', '0.3', '--json', '-q'], { netns: ns.name });
    expect(up.status, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({ created: false });
    expect(tunDevices(ns.name)).toEqual(['wtc6']); // opened, not owned: still there
    const taken = cli(['create', 'wtc6', '--persistent'], { netns: ns.name });
    expect(taken.status).toBe(1);
    expect(taken.stderr).toMatch(/ERR_WINTUN_NAME_TAKEN/);
    const deleted = cli(['delete', 'wtc6'], { netns: ns.name });
    expect(deleted.status, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe('deleted wtc6\n');
    expect(tunDevices(ns.name)).toEqual([]);
    expect(JSON.parse(cli(['list', '--json'], { netns: ns.name }).stdout)).toEqual([]);
  });

  it('create without --persistent holds the adapter until --duration, then deletes it', async () => {
    const ns = netns('hold');
    const held = start(['create', 'wtc7', '--duration', '20'], { netns: ns.name });
    await held.waitFor('Ctrl-C to stop');
    expect(tunDevices(ns.name)).toEqual(['wtc7']);
    held.child.kill('SIGINT');
    expect(await held.exited).toBe(130);
    expect(tunDevices(ns.name)).toEqual([]);
  });

  it('an unprivileged user gets ERR_WINTUN_ACCESS_DENIED and its fix', (ctx) => {
    if (sh('setpriv', ['--version']).status !== 0) {
      console.warn('[skip] access denied: `setpriv` (util-linux) is not installed');
      ctx.skip();
    }
    const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath];
    if (sh('setpriv', [...asNobody, '-e', '0']).status !== 0 || sh('setpriv', [...asNobody, '-e', `require('fs').accessSync(${JSON.stringify(BIN)}, 4)`]).status !== 0) {
      console.warn(`[skip] access denied: user nobody cannot run ${process.execPath} or read ${BIN} (a parent directory is private: chmod o+rx it)`);
      ctx.skip();
    }
    const r = sh('setpriv', [...asNobody, BIN, 'create', 'wtc8', '--persistent']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ERR_WINTUN_ACCESS_DENIED/);
    expect(r.stderr).toMatch(/fix: |root|CAP_NET_ADMIN/);
  });
});
