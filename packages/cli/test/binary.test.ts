import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync } from 'node:fs';
import { BIN, cli } from './helpers.js';
import { commands } from '@wintun-ts/cli';

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build the cli first (npx tsup in packages/cli)`);
});

describe('usage errors exit with 2 and say what to do', () => {
  const cases: [string, string[], RegExp][] = [
    ['no command', [], /Usage: wintun-ts <command>/],
    ['unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['unknown top-level option', ['--frob'], /unknown option '--frob'/],
    ['help for an unknown command', ['help', 'frob'], /unknown command 'frob'/],
    ['unknown option', ['list', '--frob'], /Unknown option '--frob'/],
    ['missing name', ['up'], /missing argument <name>/],
    ['extra argument', ['delete', 'a', 'b'], /unexpected argument 'b'/],
    ['bad address', ['up', 'wt0', '--address', '10.0.0/24'], /--address '10\.0\.0\/24': ERR_WINTUN_ADDRESS_INVALID/],
    ['bad route', ['up', 'wt0', '--route', 'nope'], /--route 'nope': ERR_WINTUN_ADDRESS_INVALID/],
    ['bad dns', ['up', 'wt0', '--dns', '1.2.3'], /--dns '1\.2\.3': ERR_WINTUN_ADDRESS_INVALID/],
    ['bad mtu', ['up', 'wt0', '--mtu', '100'], /--mtu must be an integer between 576 and 65535/],
    ['bad capacity', ['up', 'wt0', '--capacity', '12345'], /--capacity must be a power of two/],
    ['bad duration', ['up', 'wt0', '--duration', '-1'], /--duration|argument missing/i],
    ['bad name', ['up', 'has space'], /adapter name 'has space': ERR_WINTUN_NAME_INVALID/],
    ['name too long for Linux', ['delete', 'a-very-long-name-x'], /ERR_WINTUN_NAME_INVALID/],
    ['bad guid', ['create', 'wt0', '--guid', 'xyz'], /--guid 'xyz'/],
    ['capture without -w', ['capture', 'wt0'], /missing -w FILE/],
    ['capture bad count', ['capture', 'wt0', '-w', 'x.pcap', '--count', '0'], /--count must be an integer/],
    ['capture -w - with --json', ['capture', 'wt0', '-w', '-', '--json'], /--json needs stdout/],
    ['bench bad size', ['bench', '--size', '10'], /--size must be an integer between 20 and 65535/],
    ['bench bad path', ['bench', '--path', 'x'], /--path must be one of/],
    ['bench bad memory', ['bench', '--memory', 'x'], /--memory must be native or shared/],
    ['version takes no argument', ['version', 'x'], /unexpected argument 'x'/],
  ];
  for (const [label, args, message] of cases) {
    it(`${label}: wintun-ts ${args.join(' ')}`, () => {
      const r = cli(args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
      if (args.length > 0) expect(r.stderr).toMatch(/--help' for usage|Usage:/);
    });
  }
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
    expect(r.stderr).toMatch(/ERR_WINTUN_ADAPTER_NOT_FOUND/);
    expect(r.stderr).toMatch(/see: docs\/guides\/troubleshooting\.md#err-wintun-adapter-not-found/);
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
    expect(r.stderr).toMatch(/fix: |see: /);
  });
});
