#!/usr/bin/env node
// `npm run demo`: packets moving through a wintun-ts session, in about 10 seconds.
//
// With root, /dev/net/tun and `ip netns`: creates a network namespace, re-runs itself inside it
// (`ip netns exec`), brings up a TUN adapter with 10.89.0.1/24 and fd00:89::1/64, answers ICMP echo
// and UDP echo for the peer 10.89.0.2 / fd00:89::2 with the session-based echo responder, pings the
// peer from inside the namespace and prints each round trip, a UDP echo and a summary. Everything
// stays inside the namespace; the namespace and the device are removed on exit or Ctrl-C.
//
// Without those privileges (or with WINTUN_TS_DEMO_FORCE_MEMORY=1) it says so in one line and runs
// the same responder over the in-memory driver, injecting echo requests itself.
//
// First it builds the packages with turbo (about 90 s on a fresh clone, cached afterwards) and
// shows progress while it does: each package as it starts building, and a line every 10 s.
//
// Options: --count N (pings, default 5), --forever (until Ctrl-C), --no-build (skip the build).
import { execFile, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const root = resolve(dirname(self), '..');
const argv = process.argv.slice(2);
const forever = argv.includes('--forever');
const countAt = argv.indexOf('--count');
const count = forever ? Infinity : countAt >= 0 ? Math.max(1, Number.parseInt(argv[countAt + 1] ?? '5', 10) || 5) : 5;
const inner = argv.includes('--inner');
const PEER4 = '10.89.0.2';
const PEER6 = 'fd00:89::2';
const NAME = 'wtdemo0';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function fmt(n) {
  return n.toFixed(3);
}

function summary(sent, rtts) {
  const received = rtts.length;
  const loss = sent === 0 ? 0 : ((sent - received) / sent) * 100;
  console.log(`--- ${PEER4} demo statistics ---`);
  console.log(`${sent} packets transmitted, ${received} received, ${loss.toFixed(0)}% packet loss`);
  if (received > 0) {
    const min = Math.min(...rtts);
    const max = Math.max(...rtts);
    const avg = rtts.reduce((a, b) => a + b, 0) / received;
    console.log(`rtt min/avg/max = ${fmt(min)}/${fmt(avg)}/${fmt(max)} ms`);
  }
}

function printStats(label, stats) {
  console.log(`${label}: ${Object.entries(stats).map(([k, v]) => `${k}=${v}`).join(' ')}`);
}

/** Why the real demo cannot run here, or null when it can. */
function missingPrivilege() {
  if (process.env.WINTUN_TS_DEMO_FORCE_MEMORY === '1') return 'WINTUN_TS_DEMO_FORCE_MEMORY=1';
  if (process.platform !== 'linux') return `this is ${process.platform}, not Linux`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not running as root';
  if (!existsSync('/dev/net/tun')) return '/dev/net/tun is missing';
  const ip = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: 5000 });
  if (ip.error !== undefined || ip.status !== 0) return '`ip netns` is not available (install iproute2)';
  const ping = spawnSync('ping', ['-V'], { encoding: 'utf8', timeout: 5000 });
  if (ping.error !== undefined) return '`ping` is not installed (apt-get install iputils-ping)';
  return null;
}

// ---------------------------------------------------------------------------- outer: namespace

async function outer() {
  const ns = `wintun-ts-demo-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
  if (add.status !== 0) {
    console.log(`demo: cannot create a network namespace (${add.stderr.trim()}); running over the in-memory driver instead.`);
    return memory();
  }
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    spawnSync('ip', ['netns', 'del', ns]);
  };
  process.on('exit', cleanup);
  spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  const args = [self, '--inner', ...(forever ? ['--forever'] : ['--count', String(count)])];
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, ...args], { stdio: 'inherit' });
  // Ctrl-C reaches the child through the terminal's process group; a SIGTERM sent to us alone is
  // forwarded. Either way we wait for the child to clean up its adapter, then delete the namespace.
  const forward = (signal) => () => {
    if (child.exitCode === null) child.kill(signal);
  };
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  const killer = setTimeout(() => child.kill('SIGKILL'), forever ? 2 ** 31 - 1 : 60_000 + count * 1000);
  const code = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  clearTimeout(killer);
  cleanup();
  const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.includes(ns);
  console.log(`demo: namespace ${ns} ${left ? 'could not be removed' : 'and adapter removed'}.`);
  process.exitCode = code;
}

// ---------------------------------------------------------------------------- inner: the adapter

async function real() {
  const { Adapter } = await import('@wintun-ts/adapter');
  const { startEchoResponder } = await import('@wintun-ts/adapter/packet');
  const adapter = await Adapter.create({ name: NAME });
  let stopping = false;
  let ping = null;
  const stop = () => {
    stopping = true;
    ping?.kill('SIGINT');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    spawnSync('sysctl', ['-qw', `net.ipv6.conf.${NAME}.accept_ra=0`, `net.ipv6.conf.${NAME}.autoconf=0`]);
    await adapter.addAddress('10.89.0.1/24');
    await adapter.addAddress('fd00:89::1/64');
    const session = await adapter.startSession();
    const responder = startEchoResponder(session, { addresses: [PEER4, PEER6] });
    console.log(`adapter ${adapter.name} (index ${adapter.index}) up with 10.89.0.1/24, fd00:89::1/64; the session answers for ${PEER4} and ${PEER6}`);
    console.log(`PING ${PEER4}: 56 data bytes (answered by the wintun-ts session)`);
    const rtts = [];
    let sent = 0;
    ping = spawn('ping', ['-4', '-n', '-i', '0.5', '-W', '2', ...(forever ? [] : ['-c', String(count)]), PEER4], { stdio: ['ignore', 'pipe', 'inherit'] });
    ping.stdout.setEncoding('utf8');
    let buffered = '';
    ping.stdout.on('data', (chunk) => {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const m = /^(\d+) bytes from ([^:]+): icmp_seq=(\d+) ttl=(\d+) time=([\d.]+) ms/.exec(line);
        if (m !== null) {
          rtts.push(Number(m[5]));
          console.log(`${m[1]} bytes from ${m[2]}: seq=${m[3]} ttl=${m[4]} rtt=${m[5]} ms`);
        }
        const s = /^(\d+) packets transmitted/.exec(line);
        if (s !== null) sent = Number(s[1]);
      }
    });
    await new Promise((resolve) => ping.on('close', resolve));
    ping = null;
    summary(sent, rtts);
    if (!stopping) {
      const v6 = await new Promise((resolve) =>
        execFile('ping', ['-6', '-n', '-c', '1', '-W', '2', PEER6], (error, stdout) => resolve(error ? null : /time=([\d.]+) ms/.exec(stdout)?.[1])),
      );
      console.log(v6 ? `IPv6: 64 bytes from ${PEER6}: rtt=${v6} ms` : `IPv6: no answer from ${PEER6}`);
      const udp = await udpRoundTrip('udp4', PEER4);
      console.log(udp === null ? `UDP: no echo from ${PEER4}:7` : `UDP: ${udp.bytes} bytes echoed by ${PEER4}:7 in ${fmt(udp.ms)} ms`);
    }
    await responder.stop();
    printStats('echo responder', responder.stats);
    const s = session.stats;
    printStats('session', { packetsReceived: s.packetsReceived, bytesReceived: s.bytesReceived, packetsSent: s.packetsSent, bytesSent: s.bytesSent, sendDrops: s.sendDrops, wakeups: s.wakeups });
    printStats('driver', session.driverStats ?? {});
  } finally {
    await adapter.close();
  }
}

function udpRoundTrip(type, address) {
  return new Promise((resolve) => {
    const socket = createSocket(type);
    const message = Buffer.from(`wintun-ts demo ${new Date().toISOString()}`);
    let started = 0;
    const timer = setTimeout(() => finish(null), 2000);
    const finish = (value) => {
      clearTimeout(timer);
      socket.close();
      resolve(value);
    };
    socket.on('message', (m) => finish(Buffer.compare(m, message) === 0 ? { bytes: m.length, ms: performance.now() - started } : null));
    socket.bind(0, () => {
      started = performance.now();
      socket.send(message, 7, address);
    });
  });
}

// ---------------------------------------------------------------------------- in-memory driver

async function memory() {
  const testing = await import('@wintun-ts/adapter/testing');
  const { buildIcmpEcho, buildUdpPacket, parsePacket, startEchoResponder } = await import('@wintun-ts/adapter/packet');
  const driver = await testing.createTestDriver();
  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    const responder = startEchoResponder(driver.session, { addresses: [PEER4, PEER6] });
    console.log(`in-memory driver: injecting echo requests from 10.89.0.1 to ${PEER4}; the wintun-ts session answers them`);
    const rtts = [];
    let sent = 0;
    const payload = new Uint8Array(56).map((_, i) => i);
    for (let seq = 1; seq <= count && !stopping; seq++) {
      const request = buildIcmpEcho({ source: '10.89.0.1', destination: PEER4, id: process.pid & 0xffff, sequence: seq, payload });
      const started = performance.now();
      driver.inject(request);
      sent++;
      try {
        const reply = parsePacket(await driver.nextSent({ timeout: 2000 }));
        const ms = performance.now() - started;
        if (reply?.echo?.kind === 'reply' && reply.checksumOk) {
          rtts.push(ms);
          console.log(`${reply.totalLength - reply.headerLength} bytes from ${reply.source}: seq=${reply.echo.sequence} ttl=${reply.ttl} rtt=${fmt(ms)} ms`);
        }
      } catch {
        console.log(`no reply for seq=${seq}`);
      }
      if (seq < count) await sleep(500);
    }
    summary(sent, rtts);
    if (!stopping) {
      const started = performance.now();
      driver.inject(buildUdpPacket({ source: '10.89.0.1', destination: PEER4, sourcePort: 40000, destinationPort: 7, payload: Buffer.from('wintun-ts demo') }));
      const reply = parsePacket(await driver.nextSent({ timeout: 2000 }).catch(() => new Uint8Array(0)));
      console.log(reply?.udp ? `UDP: ${reply.udp.payload.length} bytes echoed by ${reply.source}:${reply.udp.sourcePort} in ${fmt(performance.now() - started)} ms` : 'UDP: no echo');
    }
    await responder.stop();
    printStats('echo responder', responder.stats);
    const s = driver.session.stats;
    printStats('session', { packetsReceived: s.packetsReceived, bytesReceived: s.bytesReceived, packetsSent: s.packetsSent, bytesSent: s.bytesSent, sendDrops: s.sendDrops, wakeups: s.wakeups });
  } finally {
    await driver.close();
  }
}

// ---------------------------------------------------------------------------- build

/**
 * Runs `turbo run build` and shows progress: a line per package that is (re)built, a line every
 * 10 s while it runs, the total at the end. On failure, prints turbo's whole output and exits.
 */
async function build() {
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  const turbo = join(root, 'node_modules/.bin/turbo');
  if (!existsSync(turbo)) {
    console.error(`demo: ${turbo} is missing: run 'npm ci' first.`);
    process.exit(1);
  }
  console.log('demo: building the packages (about 90 s on a fresh clone; later runs are cached) ...');
  const child = spawn(turbo, ['run', 'build', '--output-logs=new-only'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
  let log = '';
  let pending = '';
  let built = 0;
  let cached = 0;
  const onData = (chunk) => {
    const text = chunk.toString();
    log += text;
    pending += text;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      const m = /^(\S+):build: cache (hit|miss)/.exec(line.trim());
      if (m === null) continue;
      if (m[2] === 'miss') {
        built++;
        console.log(`demo:   building ${m[1]} (${seconds()} s)`);
      } else {
        cached++;
      }
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const ticker = setInterval(() => console.log(`demo:   still building (${seconds()} s) ...`), 10_000);
  const code = await new Promise((resolveCode) => child.on('close', (c) => resolveCode(c ?? 1)));
  clearInterval(ticker);
  if (code !== 0) {
    process.stdout.write(log);
    console.error(`demo: the build failed (turbo exit ${code}); its output is above.`);
    process.exit(code);
  }
  console.log(built === 0 ? `demo: packages up to date (${cached} cached).` : `demo: built ${built} packages in ${seconds()} s (${cached} cached).`);
}

// ---------------------------------------------------------------------------- main

if (!inner && !argv.includes('--no-build')) await build();
if (inner) {
  await real();
} else {
  const missing = missingPrivilege();
  if (missing !== null) {
    console.log(`demo: no real adapter here (${missing}; a real one needs root, /dev/net/tun and ip netns): running the same echo responder over the in-memory driver.`);
    await memory();
  } else {
    await outer();
  }
}
