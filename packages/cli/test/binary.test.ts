import { describe, it, expect, beforeAll } from 'vitest';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, cli, sh } from './helpers.js';
import { commands } from '@wintun-ts/cli';
import { WintunErrorCodes } from '@wintun-ts/adapter';

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build the cli first (npx tsup in packages/cli)`);
});

/** Library wording that must never reach a command-line user. */
const LIBRARY_TERMS = /Adapter\.(create|open)|persistent: true|mode '(open|create)'|addresses\(\)|TunDevice|startSession|RtNetlink/;

describe('usage errors exit with 2, print their ERR_WINTUN_* code and a fix', () => {
  const cases: [string, string[], string, RegExp][] = [
    ['unknown command', ['frobnicate'], 'INVALID_ARGUMENT', /unknown command 'frobnicate'/],
    ['unknown top-level option', ['--frob'], 'INVALID_ARGUMENT', /unknown option '--frob'/],
    ['help for an unknown command', ['help', 'frob'], 'INVALID_ARGUMENT', /unknown command 'frob'/],
    ['unknown option', ['list', '--frob'], 'INVALID_ARGUMENT', /Unknown option '--frob'/],
    ['missing name', ['up'], 'INVALID_ARGUMENT', /missing argument <name>/],
    ['extra argument', ['delete', 'a', 'b'], 'INVALID_ARGUMENT', /unexpected argument 'b'/],
    ['bad address', ['up', 'wt0', '--address', '10.0.0/24'], 'ADDRESS_INVALID', /--address '10\.0\.0\/24'/],
    ['address without a prefix', ['up', 'wt0', '--address', '10.6.7.7'], 'ADDRESS_INVALID', /--address '10\.6\.7\.7' has no prefix length/],
    ['route without a prefix', ['up', 'wt0', '--route', '10.8.0.0'], 'ADDRESS_INVALID', /--route '10\.8\.0\.0' has no prefix length/],
    ['loopback IPv6 address', ['up', 'wt0', '-a', '::1/128'], 'ADDRESS_INVALID', /'::1\/128' is the loopback address/],
    ['loopback IPv4 address', ['up', 'wt0', '-a', '127.0.0.2/8'], 'ADDRESS_INVALID', /is a loopback address/],
    ['multicast address', ['up', 'wt0', '-a', '224.0.0.1/24'], 'ADDRESS_INVALID', /is a multicast address/],
    ['bad route', ['up', 'wt0', '--route', 'nope'], 'ADDRESS_INVALID', /--route 'nope'/],
    ['bad dns', ['up', 'wt0', '--dns', '1.2.3'], 'ADDRESS_INVALID', /--dns '1\.2\.3'/],
    ['dns with a prefix', ['up', 'wt0', '--dns', '10.6.7.1/24'], 'ADDRESS_INVALID', /--dns '10\.6\.7\.1\/24'/],
    ['bad mtu', ['up', 'wt0', '--mtu', '100'], 'INVALID_ARGUMENT', /--mtu must be an integer in \[576, 65535\], got '100'/],
    ['mtu below 1280 with IPv6', ['up', 'wt0', '-a', 'fd00::7/64', '--mtu', '1000'], 'INVALID_ARGUMENT', /--mtu 1000 is below 1280.*fd00::7\/64/],
    ['mtu below 1280 with an IPv6 route', ['up', 'wt0', '-a', '10.6.7.7/24', '-r', 'fd00:8::/64', '--mtu', '1000'], 'INVALID_ARGUMENT', /--mtu 1000 is below 1280/],
    ['capacity not a number', ['up', 'wt0', '--capacity', 'abc'], 'INVALID_CAPACITY', /--capacity must be a power of two in \[0x20000, 0x4000000\].*got 'abc'/],
    ['capacity not a power of two', ['up', 'wt0', '--capacity', '12345'], 'INVALID_CAPACITY', /--capacity must be a power of two in \[0x20000, 0x4000000\]/],
    ['bench capacity', ['bench', '--capacity', '0x10'], 'INVALID_CAPACITY', /--capacity must be a power of two in \[0x20000, 0x4000000\]/],
    ['duration not a number', ['up', 'wt0', '--duration', 'soon'], 'INVALID_ARGUMENT', /--duration takes a number of seconds > 0/],
    ['duration zero', ['up', 'wt0', '--duration', '0'], 'INVALID_ARGUMENT', /--duration takes a number of seconds > 0/],
    ['negative duration', ['up', 'wt0', '--duration', '-1'], 'INVALID_ARGUMENT', /--duration/],
    ['bad name', ['up', 'has space'], 'NAME_INVALID', /adapter name 'has space' contains whitespace/],
    ['name too long for Linux', ['delete', 'a-very-long-name-x'], 'NAME_INVALID', /is 18 bytes of UTF-8; Linux allows at most 15/],
    ['unicode name over 15 bytes', ['delete', 'éééééééé'], 'NAME_INVALID', /is 16 bytes of UTF-8; Linux allows at most 15/],
    ['bad guid', ['create', 'wt0', '--guid', 'xyz'], 'INVALID_ARGUMENT', /--guid 'xyz'/],
    ['bad type', ['up', 'wt0', '--type', 'a\tb'], 'INVALID_ARGUMENT', /--type "a\\tb" must be 1-120 printable characters/],
    ['bad type on create', ['create', 'wt0', '--type', 'x'.repeat(121)], 'INVALID_ARGUMENT', /--type "x+" must be 1-120 printable characters/],
    ['capture without -w', ['capture', 'wt0'], 'INVALID_ARGUMENT', /missing -w FILE/],
    ['capture bad count', ['capture', 'wt0', '-w', 'x.pcap', '--count', '0'], 'INVALID_ARGUMENT', /--count must be an integer/],
    ['capture bad buffer', ['capture', 'wt0', '-w', 'x.pcap', '--buffer', '10'], 'INVALID_ARGUMENT', /--buffer must be an integer in \[65536, 1073741824\]/],
    ['bench bad size', ['bench', '--size', '10'], 'INVALID_ARGUMENT', /--size must be an integer in \[20, 65535\]/],
    ['bench bad path', ['bench', '--path', 'x'], 'INVALID_ARGUMENT', /--path must be one of/],
    ['bench bad memory', ['bench', '--memory', 'x'], 'INVALID_ARGUMENT', /--memory must be native or shared/],
    ['version takes no argument', ['version', 'x'], 'INVALID_ARGUMENT', /unexpected argument 'x'/],
    ['explain of an unknown code', ['explain', 'ERR_WINTUN_BOGUS'], 'INVALID_ARGUMENT', /unknown error code 'ERR_WINTUN_BOGUS'/],
  ];
  for (const [label, args, code, message] of cases) {
    it(`${label}: wintun-ts ${args.join(' ')}`, () => {
      const r = cli(args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^wintun-ts( [a-z-]+)?: ERR_WINTUN_${code}: `, 'm'));
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^ {2}fix: \S/m);
      expect(r.stderr).toMatch(/--help' for usage/);
      expect(r.stderr).not.toMatch(LIBRARY_TERMS);
      expect(r.stdout).toBe('');
    });
    it(`${label}, with --json: one JSON error on stdout`, () => {
      const r = cli([...args, '--json']);
      expect(r.status, r.stderr).toBe(2);
      const report = JSON.parse(r.stdout) as { error: Record<string, unknown> };
      expect(report.error).toMatchObject({ code: `ERR_WINTUN_${code}`, kind: 'usage', exitCode: 2 });
      expect(typeof report.error['fix']).toBe('string');
      expect(String(report.error['message'])).toMatch(message);
      expect(r.stderr).toBe('');
    });
  }

  it('no command prints the help and exits 2', () => {
    const r = cli([]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Usage: wintun-ts <command>/);
  });

  it('capture -w - with --json: refused, as JSON', () => {
    const r = cli(['capture', 'wt0', '-w', '-', '--json']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'ERR_WINTUN_INVALID_ARGUMENT', command: 'capture', kind: 'usage' } });
    expect(JSON.parse(r.stdout).error.message).toMatch(/--json needs stdout/);
  });

  it('a unicode adapter name within 15 bytes passes the name check (the failure is a later one)', () => {
    const r = cli(['stats', 'wté0']);
    expect(r.stderr).not.toMatch(/NAME_INVALID/);
    expect(r.stderr).toMatch(/ERR_WINTUN_ADAPTER_NOT_FOUND/);
  });
});

describe('file errors of capture: ERR_WINTUN_FILE with a fix, before any adapter is touched', () => {
  it('a missing directory', () => {
    const r = cli(['capture', 'wtfile0', '-w', '/nonexistent/dir/x.pcap']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^wintun-ts: ERR_WINTUN_FILE: opening the capture file '\/nonexistent\/dir\/x\.pcap' failed: the directory '\/nonexistent\/dir' does not exist \(ENOENT\)/m);
    expect(r.stderr).toMatch(/fix: Create it first \(mkdir -p '\/nonexistent\/dir'\)/);
    expect(r.stderr).toMatch(/more: wintun-ts explain ERR_WINTUN_FILE/);
  });

  it('a full disk (/dev/full)', () => {
    const r = cli(['capture', 'wtfile0', '-w', '/dev/full']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ERR_WINTUN_FILE: writing the capture to '\/dev\/full' failed: the disk is full \(ENOSPC\)/);
    expect(r.stderr).toMatch(/fix: Free space/);
  });

  it('a directory instead of a file', () => {
    const r = cli(['capture', 'wtfile0', '-w', '/tmp']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ERR_WINTUN_FILE: .*it is a directory \(EISDIR\)/);
  });

  it('with --json: the same failure as JSON with errno and syscall', () => {
    const r = cli(['capture', 'wtfile0', '-w', '/dev/full', '--json']);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'ERR_WINTUN_FILE', kind: 'runtime', exitCode: 1, command: 'capture', errno: 28, syscall: 'write' } });
    expect(r.stderr).toBe('');
  });

  it('permission denied (as an unprivileged user, into a root-only directory)', (ctx) => {
    if (process.getuid?.() !== 0 || sh('setpriv', ['--version']).status !== 0) {
      console.warn('[skip] permission denied: needs root and setpriv to run the command as nobody');
      ctx.skip();
    }
    const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath];
    if (sh('setpriv', [...asNobody, '-e', `require('fs').accessSync(${JSON.stringify(BIN)}, 4)`]).status !== 0) {
      console.warn(`[skip] permission denied: user nobody cannot run ${process.execPath} or read ${BIN} (a parent directory is private: chmod o+rx it)`);
      ctx.skip();
    }
    const dir = mkdtempSync(join(tmpdir(), 'wtcli-eacces-'));
    try {
      chmodSync(dir, 0o700);
      const r = sh('setpriv', [...asNobody, BIN, 'capture', 'wtfile0', '-w', join(dir, 'x.pcap')]);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/ERR_WINTUN_FILE: opening the capture file .* failed: permission denied \(EACCES\)/);
      expect(r.stderr).toMatch(/fix: Write to a directory this user can write to/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('explain', () => {
  it('prints the entry of a code from the shipped table, offline', () => {
    const r = cli(['explain', 'ERR_WINTUN_ACCESS_DENIED']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ERR_WINTUN_ACCESS_DENIED\n {2}What happened: .*privilege/);
    expect(r.stdout).toContain(`Fix: ${WintunErrorCodes.ERR_WINTUN_ACCESS_DENIED.fix}`);
    expect(r.stdout).toMatch(/Retryable: no/);
    expect(r.stdout).not.toMatch(/https?:|\.md/);
  });

  it('accepts any letter case and no prefix; shows the command-line fix first', () => {
    const r = cli(['explain', 'name_taken']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ERR_WINTUN_NAME_TAKEN/);
    expect(r.stdout).toMatch(/Fix: Pick another name, or remove the old adapter with 'wintun-ts delete <name>'/);
    expect(r.stdout).toMatch(/In a program using the library: /);
  });

  it('without a code lists every code', () => {
    const r = cli(['explain']);
    expect(r.status).toBe(0);
    for (const code of Object.keys(WintunErrorCodes)) expect(r.stdout).toContain(code);
    const json = JSON.parse(cli(['explain', '--json']).stdout) as { code: string; fix: string; retryable: boolean }[];
    expect(json.map((e) => e.code)).toEqual(Object.keys(WintunErrorCodes));
  });
});

describe('--help', () => {
  it('top level lists every command and the exit codes', () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = cli(args);
      expect(r.status).toBe(0);
      for (const c of commands) expect(r.stdout).toContain(`  ${c.name}`);
      expect(r.stdout).toMatch(/130 +interrupted by Ctrl-C/);
    }
  });
  for (const c of commands) {
    it(`${c.name} --help shows usage, examples and exit codes`, () => {
      const r = cli([c.name, '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Usage: wintun-ts ${c.name}`);
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toContain('Exit codes:');
      expect(cli(['help', c.name]).stdout).toBe(r.stdout);
    });
  }
});

describe('read commands', () => {
  it('version and --version', () => {
    const r = cli(['version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^wintun-ts 0\.1\.0 \(node v\d+/);
    expect(cli(['--version']).stdout.trim()).toBe('0.1.0');
    expect(cli(['-V']).stdout.trim()).toBe('0.1.0');
  });

  it('version --json', () => {
    const r = cli(['version', '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ name: '@wintun-ts/cli', version: '0.1.0', node: process.version, platform: process.platform, arch: process.arch });
  });

  it('driver-version --json', () => {
    const r = cli(['driver-version', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const v = JSON.parse(r.stdout) as { platform: string; driverVersion: string };
    expect(v.platform).toBe(process.platform);
    expect(typeof v.driverVersion).toBe('string');
    expect(v.driverVersion.length).toBeGreaterThan(0);
  });

  it('list --json is an array of { name, index, luid, guid, mtu, up }', () => {
    const r = cli(['list', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as unknown[];
    expect(Array.isArray(list)).toBe(true);
    for (const a of list) expect(Object.keys(a as object).sort()).toEqual(['guid', 'index', 'luid', 'mtu', 'name', 'up']);
  });

  it('stats of a missing adapter: exit 1 with the code and its fix', () => {
    const r = cli(['stats', 'wtnone0']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^wintun-ts: ERR_WINTUN_ADAPTER_NOT_FOUND: /m);
    expect(r.stderr).toMatch(/more: wintun-ts explain ERR_WINTUN_ADAPTER_NOT_FOUND/);
    const json = cli(['stats', 'wtnone0', '--json']);
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'ERR_WINTUN_ADAPTER_NOT_FOUND', kind: 'runtime', exitCode: 1, command: 'stats' } });
  });

  it('stats --json of loopback has every counter', () => {
    const r = cli(['stats', 'lo', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(s['name']).toBe('lo');
    for (const k of ['txPackets', 'txBytes', 'txDropped', 'txErrors', 'rxPackets', 'rxBytes', 'rxDropped', 'rxErrors']) expect(typeof s[k]).toBe('number');
  });

  it('bench --json: bounded, every path and size, plausible numbers', () => {
    const started = Date.now();
    const r = cli(['bench', '--json', '--duration', '0.05', '--size', '64,1500']);
    expect(r.status, r.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    const report = JSON.parse(r.stdout) as { capacity: number; memory: string; batch: number; results: { path: string; size: number; packets: number; packetsPerSecond: number; gbitPerSecond: number }[] };
    expect(report.capacity).toBe(0x400000);
    expect(['native', 'shared']).toContain(report.memory);
    expect(report.results.map((x) => `${x.path}/${x.size}`)).toEqual([
      'ring-receive/64',
      'ring-receive/1500',
      'session-receive/64',
      'session-receive/1500',
      'session-send/64',
      'session-send/1500',
    ]);
    for (const x of report.results) {
      expect(x.packets).toBeGreaterThan(0);
      expect(x.gbitPerSecond).toBeCloseTo((x.packetsPerSecond * x.size * 8) / 1e9, 2);
    }
  });

  it('bench prints a table', () => {
    const r = cli(['bench', '--duration', '0.02', '--size', '576', '--path', 'session-send', '--memory', 'shared']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/shared memory/);
    expect(r.stdout).toMatch(/session-send +576 +\S+/);
  });
});

describe('runtime errors exit with 1', () => {
  it('delete of a missing adapter', () => {
    const r = cli(['delete', 'wtnone0']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^wintun-ts: ERR_WINTUN_(ADAPTER_NOT_FOUND|ACCESS_DENIED): /m);
    expect(r.stderr).toMatch(/fix: |more: /);
    expect(r.stderr).not.toMatch(LIBRARY_TERMS);
  });
});

describe('the bin shim (what npm links as node_modules/.bin/wintun-ts)', () => {
  const shim = fileURLToPath(new URL('../bin/wintun-ts.js', import.meta.url));

  it('is the package bin, recorded so in package-lock.json, and starts the built command', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string>; files: string[] };
    expect(pkg.bin).toEqual({ 'wintun-ts': './bin/wintun-ts.js' });
    expect(pkg.files).toContain('bin');
    const lock = JSON.parse(readFileSync(new URL('../../../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, { bin?: Record<string, string> }> };
    expect(lock.packages['packages/cli']?.bin).toEqual({ 'wintun-ts': 'bin/wintun-ts.js' });
    const r = sh(process.execPath, [shim, '--version']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('without a build, says in one line how to build and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wtcli-shim-'));
    try {
      mkdirSync(join(dir, 'bin'));
      copyFileSync(shim, join(dir, 'bin', 'wintun-ts.js'));
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      const r = sh(process.execPath, [join(dir, 'bin', 'wintun-ts.js'), '--help']);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe("wintun-ts: the command is not built yet (packages/cli/dist/main.js is missing): run 'npm run build' in the repository first.\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
