#!/usr/bin/env node
// wintun-ts benchmarks side by side with a native C baseline. See bench/README.md.
//
//   node bench/run.mjs [--quick] [--rows 1,2,3,4,5,6,7,8,9] [--out bench/results/latest.json]
//
// Compiles bench/native/*.c with the machine's gcc (-O2 -pthread) into bench/native/build/ on
// every run, runs every measurement in its own child process (C and wintun-ts alternating, cell by
// cell, so drift on a shared machine hits both alike), prints the tables with the wintun-ts / C
// ratios and a PASS/MISS column per target, and writes the JSON. Targets are reported, never
// asserted: the exit code is 0 unless the harness itself fails.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, accessSync, constants as fsc } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const nativeDir = join(here, 'native');
const buildDir = join(nativeDir, 'build');
const jsDir = join(here, 'js');

// ------------------------------------------------------------------------------- options ------
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const rowsArg = valueOf('--rows');
const rows = new Set((rowsArg ?? '1,2,3,4,5,6,7,8,9').split(',').map((s) => Number(s.trim())));
const outPath = valueOf('--out') ?? join(here, 'results', 'latest.json');
if (argv.includes('--help') || argv.includes('-h')) {
  console.log('usage: node bench/run.mjs [--quick] [--rows 1,2,3,4,5,6,7,8,9] [--out FILE]');
  process.exit(0);
}
function valueOf(flag) {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

const P = quick
  ? { tpSeconds: 0.25, ucSeconds: 0.25, wkIters: 400, tunSizes: [64, 1500], tunSeconds: 0.6, tunPaced: false, allocPackets: 250_000,
      reflRates: [20_000, 100_000], reflSizes: [64, 1400], reflSeconds: 0.3, reflWindow: 64 }
  : { tpSeconds: 1.0, ucSeconds: 0.75, wkIters: 2000, tunSizes: [64, 512, 1500], tunSeconds: 1.5, tunPaced: true, allocPackets: 1_000_000,
      reflRates: [20_000, 50_000, 100_000], reflSizes: [64, 512, 1400], reflSeconds: 1.0, reflWindow: 64 };
const SIZES = [64, 512, 1500];
// Row 1 cells: [packets per batch, batched publication]. `x32 batched` uses the batch forms: one
// Head store per batch on receive (ring releaseDeferred + publishHead; session drain), one Tail
// publication per batch on send (ring commitDeferred + publish; session sendWith(..., true) +
// flushSends); the C baseline publishes once per batch too.
const BATCHES = [[1, false], [32, false], [32, true]];
const batchLabel = (batch, deferred) => `x${batch}${deferred ? ' batched' : ''}`;
const CAPACITY = 0x400000;

const results = {
  meta: {
    date: new Date().toISOString(),
    quick,
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    loadavg: os.loadavg(),
    kernel: os.release(),
    capacity: CAPACITY,
  },
  skipped: {},
  rows: {},
  targets: [],
};
const started = performance.now();

// ------------------------------------------------------------------------------- helpers ------
function log(s = '') {
  process.stdout.write(`${s}\n`);
}
function note(s) {
  process.stderr.write(`  .. ${s}\n`);
}

function parseLines(text) {
  const out = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      out.push(JSON.parse(t));
    } catch {
      // not a result line
    }
  }
  return out;
}

/** Runs a command, returns its JSON lines (or throws with stderr). Bounded by `timeoutMs`. */
function runJson(cmd, args, timeoutMs, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', cwd: root, ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' | ')}`);
  return parseLines(r.stdout);
}

function one(lines, what) {
  const skipped = lines.find((l) => l.skipped);
  if (skipped) return { skipped: skipped.skipped };
  const failed = lines.find((l) => l.error);
  if (failed) {
    note(`${what}: ${failed.error}`);
    return failed;
  }
  const first = lines[0];
  if (!first) throw new Error(`${what}: no result line`);
  return first;
}

const fmt = {
  int: (x) => (x === undefined || x === null || Number.isNaN(x) ? '-' : Math.round(x).toLocaleString('en-US')),
  f: (x, d = 2) => (x === undefined || x === null || Number.isNaN(x) ? '-' : x.toFixed(d)),
  us: (ns) => (ns === undefined || ns === null ? '-' : (ns / 1000).toFixed(1)),
  ratio: (x) => (x === undefined || x === null || !Number.isFinite(x) ? '-' : `${x.toFixed(2)}x`),
};

function table(headers, body) {
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => String(r[i] ?? '').length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c ?? '').padEnd(widths[i]) : String(c ?? '').padStart(widths[i]))).join('  ');
  log(line(headers));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) log(line(r));
}

function target(row, name, measured, goal, pass) {
  const t = { row, name, measured, goal, result: pass === null ? 'n/a' : pass ? 'PASS' : 'MISS' };
  results.targets.push(t);
  return t.result;
}

// ------------------------------------------------------------------------------- build --------
function build() {
  mkdirSync(buildDir, { recursive: true });
  const built = {};
  // lib_*.c are shared libraries (loaded with koffi), every other .c a program
  for (const file of readdirSync(nativeDir).filter((f) => f.endsWith('.c'))) {
    const name = file.slice(0, -2);
    const lib = name.startsWith('lib_');
    const out = join(buildDir, lib ? `${name}.so` : name);
    const flags = lib ? ['-shared', '-fPIC', '-fvisibility=hidden'] : [];
    try {
      execFileSync('gcc', ['-O2', '-pthread', '-Wall', ...flags, '-o', out, join(nativeDir, file)], { stdio: ['ignore', 'ignore', 'pipe'] });
      built[name] = out;
    } catch (e) {
      note(`gcc failed for ${file}: ${String(e.stderr ?? e.message).trim().split('\n')[0]}`);
    }
  }
  return built;
}

log(`wintun-ts bench${quick ? ' (--quick)' : ''}: node ${process.version}, ${os.cpus().length} cpus, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
let gccVersion = 'none';
try {
  gccVersion = execFileSync('gcc', ['-dumpfullversion'], { encoding: 'utf8' }).trim();
} catch {
  // no gcc
}
results.meta.gcc = gccVersion;
const bin = gccVersion === 'none' ? {} : build();
const cReason = gccVersion === 'none' ? 'gcc not found' : bin.ring_bench ? null : 'ring_bench.c did not compile';

// Is the JS side available? (ring built with the client and driver roles)
const probe = spawnSync(process.execPath, ['--input-type=module', '-e', `
  import { loadRing, loadEvents } from ${JSON.stringify(new URL('./js/common.mjs', import.meta.url).href)};
  const r = await loadRing(); const e = await loadEvents();
  console.log(JSON.stringify({ reason: r.reason ?? null, events: e.source }));`], { encoding: 'utf8', cwd: root, timeout: 30000 });
let jsReason = null;
let eventsSource = null;
try {
  const p = JSON.parse(probe.stdout.trim().split('\n').pop());
  jsReason = p.reason;
  eventsSource = p.events;
} catch {
  jsReason = `could not probe the JS packages: ${(probe.stderr || '').trim().split('\n')[0]}`;
}
results.meta.jsEvents = eventsSource;
if (cReason) {
  note(`C baseline unavailable: ${cReason}`);
  results.skipped.c = cReason;
}
if (jsReason) {
  log(`NOTE: wintun-ts rows skipped: ${jsReason}`);
  results.skipped.js = jsReason;
} else {
  log(`wintun-ts events: ${eventsSource}`);
}

const nodeArgs = (script, args) => [join(jsDir, script), ...args.map(String)];
function measureC(args, timeoutMs) {
  if (cReason) return { skipped: cReason };
  try {
    return one(runJson(bin.ring_bench, args.map(String), timeoutMs), args.join(' '));
  } catch (e) {
    note(e.message);
    return { error: e.message };
  }
}
function measureJs(args, timeoutMs) {
  if (jsReason) return { skipped: jsReason };
  try {
    return one(runJson(process.execPath, nodeArgs('ring-bench.mjs', args), timeoutMs), `js ${args.join(' ')}`);
  } catch (e) {
    note(e.message);
    return { error: e.message };
  }
}
const ratioOf = (js, c, key) => (typeof js?.[key] === 'number' && typeof c?.[key] === 'number' && c[key] > 0 ? js[key] / c[key] : null);

// ------------------------------------------------------------------------------- row 1 --------
if (rows.has(1)) {
  log('\n[1] Session/ring throughput, two threads (driver role in a worker / pthread), 4 MiB rings');
  log('    send = driver -> user (Send ring), recv = user -> driver (Receive ring); ring = @wintun-ts/ring, sess = Session drain/sendWith');
  const out = [];
  const body = [];
  let sessSkip = null;
  for (const dir of ['send', 'recv']) {
    for (const size of SIZES) {
      for (const [batch, deferred] of BATCHES) {
        const t = Math.ceil((P.tpSeconds + 5) * 1000) + 10000;
        const d = deferred ? 1 : 0;
        const c = measureC(['throughput', dir, size, batch, P.tpSeconds, CAPACITY, d], t);
        const js = measureJs(['throughput', dir, size, batch, P.tpSeconds, d], t + 5000);
        const sess = measureJs(['throughput-session', dir, size, batch, P.tpSeconds, d], t + 5000);
        if (sess.skipped) sessSkip = sess.skipped;
        const ratio = ratioOf(js, c, 'pps');
        const sratio = ratioOf(sess, c, 'pps');
        let res = '-';
        let sres = '-';
        if (size === 64 || size === 1500) {
          res = target(1, `throughput (ring) ${dir} ${size}B ${batchLabel(batch, deferred)} >= 50% of C`, ratio, 0.5, ratio === null ? null : ratio >= 0.5);
          sres = target(1, `throughput (session) ${dir} ${size}B ${batchLabel(batch, deferred)} >= 50% of C`, sratio, 0.5, sratio === null ? null : sratio >= 0.5);
        }
        out.push({ dir, size, batch, deferred, c, js, session: sess, ratio, sessionRatio: sratio });
        body.push([`${dir} ${size}B ${batchLabel(batch, deferred)}`, fmt.int(js.pps), fmt.f(js.gbps), fmt.int(sess.pps), fmt.int(c.pps), fmt.f(c.gbps), fmt.ratio(ratio), res, fmt.ratio(sratio), sres]);
      }
    }
  }
  results.rows.throughput = out;
  table(['cell', 'ring pkt/s', 'ring Gbit/s', 'sess pkt/s', 'C pkt/s', 'C Gbit/s', 'ring/C', '>=50%', 'sess/C', '>=50%'], body);
  if (sessSkip) log(`    session columns skipped: ${sessSkip}`);
}

// ------------------------------------------------------------------------------- row 2 --------
if (rows.has(2)) {
  log('\n[2] User-side cost per packet, one thread, roles alternating in batches of 32 (user calls timed; best of 5)');
  log('    C = lock-free baseline; C+lock = wintun.dll-shaped: out-of-line calls, a mutex per receive/release/allocate/send (spec 4.3-4.6)');
  // rxb / txb: the batch forms (ring releaseDeferred + publishHead / commitDeferred + publish, one
  // publication per 32 packets; session drain / sendWith(..., true) + flushSends; C the same).
  // lease: Session.tryReceive + data[0] + release (no ring column; compared with C receive+release).
  const ops = {
    rx: 'receive+release',
    rxb: 'receive+release batched',
    rxcopy: 'receive+copy+release',
    tx: 'allocate+fill+send',
    txb: 'allocate+fill+send batched',
    lease: 'session lease (tryReceive+release)',
  };
  // wintun.dll has per-packet calls only: a batch form (and the lease) is compared with the
  // per-packet calls that do the same job through the DLL.
  const dllOp = { rx: 'rx', rxb: 'rx', rxcopy: 'rxcopy', tx: 'tx', txb: 'tx', lease: 'rx' };
  // Which cells are batch forms (target: at or below wintun.dll) and which per-packet forms
  // (target: within 1.5x of wintun.dll). The session's receive rows all use drain (a batch form).
  const isBatch = (layer, op) => op === 'rxb' || op === 'txb' || (layer === 'session' && (op === 'rx' || op === 'rxcopy'));
  const dllGoal = (layer, op) => (isBatch(layer, op) ? 1 : 1.5);
  const out = [];
  const body = [];
  let sessSkip = null;
  const cLock = {};
  for (const op of Object.keys(ops)) {
    for (const size of SIZES) {
      const t = Math.ceil((P.ucSeconds + 5) * 1000) + 10000;
      const sessionOnly = op === 'lease';
      const c = sessionOnly ? out.find((r) => r.op === 'rx' && r.size === size)?.c ?? {} : measureC(['usercost', op, size, P.ucSeconds, CAPACITY], t);
      const lk = `${dllOp[op]}/${size}`;
      cLock[lk] ??= measureC(['usercost', dllOp[op], size, P.ucSeconds, CAPACITY, 1], t);
      const dll = cLock[lk];
      const js = sessionOnly ? {} : measureJs(['usercost', op, size, P.ucSeconds], t + 5000);
      const sess = measureJs(['usercost-session', op, size, P.ucSeconds], t + 5000);
      if (sess.skipped) sessSkip = sess.skipped;
      const ratio = ratioOf(js, c, 'nsPerPacket');
      const sratio = ratioOf(sess, c, 'nsPerPacket');
      const dratio = ratioOf(js, dll, 'nsPerPacket');
      const sdratio = ratioOf(sess, dll, 'nsPerPacket');
      const res = sessionOnly ? '-' : target(2, `user cost (ring) ${ops[op]} ${size}B <= 2x C`, ratio, 2, ratio === null ? null : ratio <= 2);
      const sres = target(2, `user cost (session) ${ops[op]} ${size}B <= 2x C`, sratio, 2, sratio === null ? null : sratio <= 2);
      const dgoal = dllGoal('ring', op), sdgoal = dllGoal('session', op);
      const dverb = (g) => (g === 1 ? 'at or below' : 'within 1.5x of');
      const dres = sessionOnly ? '-' : target(2, `user cost (ring) ${ops[op]} ${size}B ${dverb(dgoal)} wintun.dll (C+lock)`, dratio, dgoal, dratio === null ? null : dratio <= dgoal);
      const sdres = target(2, `user cost (session) ${ops[op]} ${size}B ${dverb(sdgoal)} wintun.dll (C+lock)`, sdratio, sdgoal, sdratio === null ? null : sdratio <= sdgoal);
      out.push({ op, size, c, cLock: dll, cLockOp: dllOp[op], js, session: sess, ratio, sessionRatio: sratio, dllRatio: dratio, sessionDllRatio: sdratio, dllGoal: { ring: dgoal, session: sdgoal } });
      body.push([
        `${ops[op]} ${size}B`, fmt.f(js.nsPerPacket), fmt.f(sess.nsPerPacket), fmt.f(c.nsPerPacket), fmt.f(dll.nsPerPacket),
        fmt.ratio(ratio), res, fmt.ratio(sratio), sres,
        fmt.ratio(dratio), sessionOnly ? '-' : `${dres} ${dgoal === 1 ? '<=1x' : '<=1.5x'}`, fmt.ratio(sdratio), `${sdres} ${sdgoal === 1 ? '<=1x' : '<=1.5x'}`,
      ]);
    }
  }
  results.rows.usercost = out;
  table(['operation', 'ring ns', 'sess ns', 'C ns', 'C+lock ns', 'ring/C', '<=2x', 'sess/C', '<=2x', 'ring/dll', 'vs dll', 'sess/dll', 'vs dll'], body);
  log('    dll = C+lock (wintun.dll-shaped); batch forms (ring rxb/txb, session drain and sendWith+flushSends) must be <=1x of the');
  log('    per-packet DLL calls doing the same job, per-packet forms (ring rx/rxcopy/tx, session sendWith and lease) <=1.5x');
  if (sessSkip) log(`    session columns skipped: ${sessSkip}`);
}

// ------------------------------------------------------------------------------- row 3 --------
if (rows.has(3)) {
  log('\n[3] Wake-up latency, idle consumer, one packet every 200-700 us (us)');
  log('    send: driver (worker/pthread) -> user waiting on the read event (ts: main thread, event.wait; sess: Session.receiveInto)');
  log('    recv: user -> driver waiting after 100 us spin + Alertable handshake (ts: worker, waitSync)');
  const out = [];
  const body = [];
  const t = P.wkIters * 6 + 15000;
  const cells = [
    ['send (ring+event)', 'send', ['wakeup', 'send', P.wkIters]],
    ['send (session)', 'send', ['wakeup-session', P.wkIters]],
    ['recv (ring+event)', 'recv', ['wakeup', 'recv', P.wkIters]],
  ];
  const cByDir = {};
  for (const [label, dir, jsArgs] of cells) {
    cByDir[dir] ??= measureC(['wakeup', dir, P.wkIters, CAPACITY], t);
    const c = cByDir[dir];
    const js = measureJs(jsArgs, t + 5000);
    if (js.skipped && label.includes('session')) {
      body.push([label, '-', '-', fmt.us(c.p50Ns), fmt.us(c.p99Ns), '-', 'n/a', '-', 'n/a']);
      out.push({ label, dir, c, js });
      continue;
    }
    const ratio = ratioOf(js, c, 'p99Ns');
    const r50 = ratioOf(js, c, 'p50Ns');
    // issue 12, target 1: p50 and p99 within 2x of C
    const res50 = target(3, `wake-up ${label} p50 within 2x of C`, r50, 2, r50 === null ? null : r50 <= 2);
    const res = target(3, `wake-up ${label} p99 within 2x of C`, ratio, 2, ratio === null ? null : ratio <= 2);
    out.push({ label, dir, c, js, ratioP99: ratio, ratioP50: r50 });
    body.push([label, fmt.us(js.p50Ns), fmt.us(js.p99Ns), fmt.us(c.p50Ns), fmt.us(c.p99Ns), fmt.ratio(r50), res50, fmt.ratio(ratio), res]);
  }
  results.rows.wakeup = out;
  table(['cell', 'ts p50', 'ts p99', 'C p50', 'C p99', 'p50 ts/C', 'p50<=2x', 'p99 ts/C', 'p99<=2x'], body);
}

// ------------------------------------------------------------------------------- row 4 --------
const cleanups = new Set();
function cleanupAll() {
  for (const f of [...cleanups]) {
    try {
      f();
    } catch {
      // best effort
    }
    cleanups.delete(f);
  }
}
process.on('exit', cleanupAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    cleanupAll();
    process.exit(130);
  });
}

function ip(args, { ns, quiet = false } = {}) {
  const full = ns ? ['-n', ns, ...args] : args;
  const r = spawnSync('ip', full, { encoding: 'utf8', timeout: 10000 });
  if (r.status !== 0 && !quiet) throw new Error(`ip ${full.join(' ')}: ${(r.stderr || '').trim()}`);
  return r.status === 0;
}

function waitForLine(child, predicate, timeoutMs) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const lines = [];
    const timer = setTimeout(() => reject(new Error(`timed out waiting for the reflector (${buf.trim().slice(0, 200)})`)), timeoutMs);
    const onData = (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        for (const j of parseLines(line)) {
          lines.push(j);
          if (predicate(j)) {
            clearTimeout(timer);
            child.stdout.off('data', onData);
            resolve({ line: j, rest: () => buf });
            return;
          }
        }
      }
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`reflector exited (${code}) before it was ready`));
    });
  });
}

/**
 * One reflector (C or wintun-ts) in a fresh namespace. `plan({ blast, pid })` runs the blaster
 * cells inside it (`blast(args)` runs udp_blaster in the namespace with `args` added and returns
 * its JSON line; `pid` is the reflector process, for its CPU time) and returns the cells;
 * `seconds` bounds the reflector's own run.
 */
async function tunRun(impl, command, args, plan, seconds) {
  const tag = `${process.pid % 100000}${impl === 'c' ? 'c' : impl === 'jsWorkers' ? 'w' : 't'}`;
  const ns = `wtbench${tag}`;
  const dev = `wtb${tag}`;
  const local = '10.201.0.1';
  const peer = '10.201.0.2';
  let child = null;
  const cleanup = () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    ip(['netns', 'del', ns], { quiet: true });
    ip(['link', 'del', dev], { quiet: true });
  };
  cleanups.add(cleanup);
  let reflector = null;
  try {
    ip(['netns', 'del', ns], { quiet: true });
    ip(['netns', 'add', ns]);
    child = spawn(command, [...args, '--name', dev, '--seconds', String(Math.ceil(seconds))], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const ready = await waitForLine(child, (j) => j.ready === true || j.skipped, 15000).catch((e) => {
      throw new Error(`${e.message}${stderr ? `: ${stderr.trim().split('\n').slice(-2).join(' | ')}` : ''}`);
    });
    if (ready.line.skipped) return { skipped: ready.line.skipped };
    let tail = ready.rest();
    child.stdout.on('data', (d) => (tail += d));
    // Move the device into the namespace before it gets an address; the reflector's fd keeps working.
    ip(['link', 'set', dev, 'netns', ns]);
    spawnSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${dev}.disable_ipv6=1`], { timeout: 10000 });
    ip(['link', 'set', 'lo', 'up'], { ns });
    ip(['link', 'set', dev, 'txqueuelen', '4096', 'mtu', '1500', 'up'], { ns });
    ip(['addr', 'add', `${local}/24`, 'dev', dev], { ns });
    const blast = (extra, blastSeconds) =>
      one(
        runJson('ip', ['netns', 'exec', ns, bin.udp_blaster, '--src', local, '--dst', peer, ...extra].map(String), (blastSeconds + 12) * 1000),
        'udp_blaster',
      );
    const runs = await plan({ blast, pid: child.pid });
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
    reflector = parseLines(tail).find((j) => j.row) ?? null;
    return { runs, reflector };
  } finally {
    cleanup();
    cleanups.delete(cleanup);
  }
}

/**
 * The wintun-ts reflector in both driver placements (Linux `io`): `js` is the default (inline: the
 * verdicts use it), `jsWorkers` the two driver worker threads. Fills `out.js`/`out.jsWorkers`.
 */
async function tunRunTs(out, plan, seconds, what) {
  const script = join(jsDir, 'tun-reflect.mjs');
  for (const [key, extra, label] of [['js', [], 'inline (default)'], ['jsWorkers', ['--io', 'workers'], 'workers']]) {
    try {
      out[key] = await tunRun(key, process.execPath, [script, ...extra], plan, seconds);
    } catch (e) {
      note(`wintun-ts ${what} run (${label}) failed: ${e.message}`);
      out[key] = { error: e.message };
    }
  }
}

/** Row 4's plan: per size, the sender at its maximum, then (full runs) a paced 100 kpps. */
function row4Plan({ blast }) {
  const runs = [];
  for (const size of P.tunSizes) {
    const at = (rate) => blast(['--size', size, '--rate', rate, '--seconds', P.tunSeconds, '--count', Math.ceil(rate * P.tunSeconds) + 64, '--drain-ms', 300], P.tunSeconds);
    const saturated = at(1_000_000);
    const paced = P.tunPaced ? at(100_000) : null;
    runs.push({ size, saturated, paced });
  }
  return runs;
}
const row4Seconds = () => P.tunSizes.length * (P.tunSeconds * (P.tunPaced ? 2 : 1) + 1.5) + 10;

function tunPrereq() {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root (needs CAP_NET_ADMIN for TUN and network namespaces)';
  try {
    accessSync('/dev/net/tun', fsc.R_OK | fsc.W_OK);
  } catch {
    return '/dev/net/tun is missing or not accessible';
  }
  if (spawnSync('ip', ['-V'], { encoding: 'utf8' }).status !== 0) return 'iproute2 (ip) not installed';
  if (!bin.tun_reflector || !bin.udp_blaster) return 'tun_reflector.c / udp_blaster.c did not compile';
  return null;
}

/** Whether the wintun-ts TUN reflector can run: the adapter package needs its Linux backend. */
function jsTunReason() {
  if (jsReason) return jsReason;
  const r = spawnSync(process.execPath, [join(jsDir, 'tun-reflect.mjs'), '--probe'], { encoding: 'utf8', cwd: root, timeout: 30000 });
  const j = parseLines(r.stdout)[0];
  if (!j) return `tun-reflect.mjs probe failed: ${(r.stderr || '').trim().split('\n').slice(-1)[0]}`;
  return j.skipped ?? null;
}

if (rows.has(4)) {
  log('\n[4] Linux TUN end to end: netns UDP sender -> TUN -> reflector (swap src/dst) -> back (reply pkt/s)');
  const pre = tunPrereq();
  if (pre) {
    log(`    SKIPPED: ${pre}`);
    results.skipped.tun = pre;
  } else {
    const out = { c: null, js: null, jsWorkers: null };
    try {
      out.c = await tunRun('c', bin.tun_reflector, [], row4Plan, row4Seconds());
    } catch (e) {
      note(`C TUN run failed: ${e.message}`);
      out.c = { error: e.message };
    }
    const jr = jsTunReason();
    if (jr) {
      log(`    wintun-ts side SKIPPED: ${jr}`);
      out.js = { skipped: jr };
      results.skipped.tunJs = jr;
    } else {
      await tunRunTs(out, row4Plan, row4Seconds(), 'TUN');
    }
    results.rows.tun = out;
    const body = [];
    for (const size of P.tunSizes) {
      const c = out.c?.runs?.find((r) => r.size === size);
      const js = out.js?.runs?.find((r) => r.size === size);
      const jw = out.jsWorkers?.runs?.find((r) => r.size === size);
      const ratio = c && js ? js.saturated.replyPps / c.saturated.replyPps : null;
      const wratio = c && jw ? jw.saturated.replyPps / c.saturated.replyPps : null;
      const res = target(4, `TUN end to end ${size}B >= 90% of the C reflector`, ratio, 0.9, ratio === null ? null : ratio >= 0.9);
      body.push([
        `${size}B`,
        fmt.int(js?.saturated.replyPps), js?.paced ? fmt.f(js.paced.lossPct, 2) : '-',
        fmt.int(jw?.saturated.replyPps), fmt.ratio(wratio),
        fmt.int(c?.saturated.replyPps), fmt.int(c?.saturated.sentPps), c?.paced ? fmt.f(c.paced.lossPct, 2) : '-',
        fmt.ratio(ratio), res,
      ]);
    }
    table(['size', 'ts reply/s', 'ts loss%@100k', 'tsW reply/s', 'tsW/C', 'C reply/s', 'offered/s', 'C loss%@100k', 'ts/C', '>=90%'], body);
    log('    reply/s: replies per second with the sender at its maximum (paced to 1 Mpps, usually CPU-bound below that)');
    log("    ts: io 'inline' (the default; verdicts), tsW: io 'workers' (two driver worker threads)");
  }
}

// ------------------------------------------------------------------------------- row 5 --------
if (rows.has(5)) {
  log(`\n[5] Steady-state allocation, ${P.allocPackets.toLocaleString('en-US')} packets per path, 64 B, both roles on one thread`);
  if (jsReason) {
    log(`    SKIPPED: ${jsReason}`);
    results.skipped.alloc = jsReason;
  } else {
    let lines = [];
    try {
      lines = runJson(process.execPath, ['--expose-gc', join(jsDir, 'alloc.mjs'), P.allocPackets, 64], 120000);
    } catch (e) {
      note(e.message);
    }
    const skipped = lines.find((l) => l.skipped);
    if (skipped) {
      log(`    SKIPPED: ${skipped.skipped}`);
      results.skipped.alloc = skipped.skipped;
    }
    const data = lines.filter((l) => l.row === 'alloc');
    results.rows.alloc = data;
    const names = {
      rx: 'ring receive+release (zero-copy)',
      rxb: 'ring receive+releaseDeferred+publishHead',
      rxcopy: 'ring receive+copy(subarray)+release',
      tx: 'ring allocate+fill+send (zero-copy)',
      txb: 'ring allocate+fill+commitDeferred+publish',
      'session-rx': 'Session.drain (zero-copy)',
      'session-tx': 'Session.sendWith (zero-copy)',
      'session-txb': 'Session.sendWith(..., true)+flushSends',
      'session-lease': 'Session.tryReceive lease+release',
    };
    // Informational rows: a subarray view and a lease object are allocations by design.
    const informational = new Set(['rxcopy', 'session-lease']);
    const body = data.map((d) => {
      const zeroCopy = !informational.has(d.path);
      const res = zeroCopy ? target(5, `no per-packet allocation: ${names[d.path]}`, d.bytesPerPacket, '< 1 B/packet', d.bytesPerPacket < 1) : 'info';
      return [names[d.path] ?? d.path, fmt.f(d.bytesPerPacket), fmt.int(d.bytesPerMillion), fmt.f(d.gcCount, 1), fmt.f(d.gcPauseMsPerMillion, 3), res];
    });
    if (body.length) table(['path', 'B/pkt', 'B per 1M pkt', 'GCs/1M', 'GC ms/1M', 'zero-alloc'], body);
  }
}

// ------------------------------------------------------------------------------- row 6 --------
/**
 * Row 6's plan: per size, paced cells at each rate (smooth pacing, one datagram per due time) and
 * one closed-loop cell with a fixed window in flight; the blaster samples the reflector's CPU.
 */
function row6Plan({ blast, pid }) {
  const runs = [];
  // warm-up (JIT, page faults, neighbour state), not recorded
  blast(['--size', P.reflSizes[0], '--rate', 20_000, '--burst', 1, '--seconds', 0.2, '--count', 4100, '--drain-ms', 100], 0.2);
  for (const size of P.reflSizes) {
    for (const rate of P.reflRates) {
      const r = blast(['--size', size, '--rate', rate, '--burst', 1, '--seconds', P.reflSeconds, '--count', Math.ceil(rate * P.reflSeconds) + 64, '--drain-ms', 300, '--cpu-pid', pid], P.reflSeconds);
      runs.push({ kind: 'paced', size, rate, ...r });
    }
    const w = blast(['--size', size, '--window', P.reflWindow, '--seconds', P.reflSeconds, '--cpu-pid', pid], P.reflSeconds);
    runs.push({ kind: 'closed', size, window: P.reflWindow, ...w });
  }
  return runs;
}
const row6Seconds = () => P.reflSizes.length * (P.reflRates.length + 1) * (P.reflSeconds + 1.5) + 10;

if (rows.has(6)) {
  log(`\n[6] TUN reflector: paced ${P.reflRates.map((r) => `${r / 1000}k`).join('/')} pps at ${P.reflSizes.join('/')} B, closed loop with ${P.reflWindow} in flight`);
  log('    CPU = utime+stime of every reflector thread (/proc schedstat) over the traffic window, per reply; RTT stamped in the payload');
  const pre = tunPrereq();
  if (pre) {
    log(`    SKIPPED: ${pre}`);
    results.skipped.reflector = pre;
  } else {
    const out = { c: null, js: null, jsWorkers: null };
    try {
      out.c = await tunRun('c', bin.tun_reflector, [], row6Plan, row6Seconds());
    } catch (e) {
      note(`C reflector run failed: ${e.message}`);
      out.c = { error: e.message };
    }
    const jr = jsTunReason();
    if (jr) {
      log(`    wintun-ts side SKIPPED: ${jr}`);
      out.js = { skipped: jr };
      results.skipped.reflectorJs = jr;
    } else {
      await tunRunTs(out, row6Plan, row6Seconds(), 'reflector');
    }
    results.rows.reflector = out;
    const find = (side, pred) => side?.runs?.find(pred);
    const us = (ns) => (typeof ns === 'number' ? (ns / 1000).toFixed(1) : '-');
    const pct = (x) => (typeof x === 'number' ? x.toFixed(0) : '-');
    const paced = [];
    const pacedW = [];
    let worstIdle = null;
    for (const size of P.reflSizes) {
      for (const rate of P.reflRates) {
        const c = find(out.c, (r) => r.kind === 'paced' && r.size === size && r.rate === rate);
        const js = find(out.js, (r) => r.kind === 'paced' && r.size === size && r.rate === rate);
        const jw = find(out.jsWorkers, (r) => r.kind === 'paced' && r.size === size && r.rate === rate);
        const cpuRatio = ratioOf(js, c, 'cpuNsPerReply');
        const rttRatio = ratioOf(js, c, 'rttP50Ns');
        const label = `${size}B @${rate / 1000}k`;
        const cres = target(6, `reflector CPU per packet ${label} within 1.5x of C`, cpuRatio, 1.5, cpuRatio === null ? null : cpuRatio <= 1.5);
        const rres = target(6, `reflector RTT p50 ${label} within 1.5x of C`, rttRatio, 1.5, rttRatio === null ? null : rttRatio <= 1.5);
        if (typeof js?.idle10to110Pct === 'number') worstIdle = Math.max(worstIdle ?? 0, js.idle10to110Pct);
        paced.push([
          label, fmt.int(js?.sentPps), us(js?.cpuNsPerReply), pct(js?.cpuPct), us(c?.cpuNsPerReply), pct(c?.cpuPct), fmt.ratio(cpuRatio), cres,
          us(js?.rttP50Ns), us(js?.rttP99Ns), us(c?.rttP50Ns), us(c?.rttP99Ns), fmt.ratio(rttRatio), rres,
          fmt.f(js?.idle10to110Pct, 2), fmt.f(c?.idle10to110Pct, 2), fmt.f(js?.lossPct, 2), fmt.f(c?.lossPct, 2),
        ]);
        pacedW.push([label, fmt.int(jw?.sentPps), us(jw?.cpuNsPerReply), pct(jw?.cpuPct), fmt.ratio(ratioOf(jw, c, 'cpuNsPerReply')), us(jw?.rttP50Ns), us(jw?.rttP99Ns), fmt.ratio(ratioOf(jw, c, 'rttP50Ns')), fmt.f(jw?.idle10to110Pct, 2), fmt.f(jw?.lossPct, 2)]);
      }
    }
    table(['cell', 'sent/s', 'ts us/pkt', 'ts %cpu', 'C us/pkt', 'C %cpu', 'cpu ts/C', '<=1.5x', 'ts p50', 'ts p99', 'C p50', 'C p99', 'p50 ts/C', '<=1.5x', 'ts idle%', 'C idle%', 'ts loss%', 'C loss%'], paced);
    log('    us/pkt: reflector CPU per reply; %cpu: of one core over the traffic window; p50/p99: round trip in us;');
    log('    idle%: reflector CPU from 10 ms to 110 ms after traffic stopped, percent of one core (target: below 1%)');
    log("    ts: io 'inline' (the default; verdicts). The same cells with io 'workers' (two driver worker threads):");
    table(['cell (workers)', 'sent/s', 'tsW us/pkt', 'tsW %cpu', 'cpu tsW/C', 'tsW p50', 'tsW p99', 'p50 tsW/C', 'tsW idle%', 'tsW loss%'], pacedW);
    const idleRes = target(6, 'reflector idle CPU 10-110 ms after traffic stops below 1% of a core (worst paced cell)', worstIdle, 1, worstIdle === null ? null : worstIdle < 1);
    log(`    wintun-ts idle after 10 ms, worst cell: ${fmt.f(worstIdle, 2)}% of a core  ${idleRes}`);
    const closed = [];
    for (const size of P.reflSizes) {
      const c = find(out.c, (r) => r.kind === 'closed' && r.size === size);
      const js = find(out.js, (r) => r.kind === 'closed' && r.size === size);
      const ratio = ratioOf(js, c, 'replyPps');
      const res = target(6, `reflector closed loop (${P.reflWindow} in flight) ${size}B >= 0.9x C`, ratio, 0.9, ratio === null ? null : ratio >= 0.9);
      const jw = find(out.jsWorkers, (r) => r.kind === 'closed' && r.size === size);
      closed.push([
        `${size}B x${P.reflWindow}`, fmt.int(js?.replyPps), us(js?.cpuNsPerReply), us(js?.rttP50Ns),
        fmt.int(jw?.replyPps), us(jw?.cpuNsPerReply), fmt.ratio(ratioOf(jw, c, 'replyPps')),
        fmt.int(c?.replyPps), us(c?.cpuNsPerReply), us(c?.rttP50Ns), fmt.ratio(ratio), res,
      ]);
    }
    table(['closed loop', 'ts reply/s', 'ts us/pkt', 'ts p50', 'tsW reply/s', 'tsW us/pkt', 'tsW/C', 'C reply/s', 'C us/pkt', 'C p50', 'ts/C', '>=0.9x'], closed);
    const ss = out.js?.reflector?.sessionStats;
    if (ss) log(`    wintun-ts session over the whole row: spins ${fmt.int(ss.spins)}, spin hits ${fmt.int(ss.spinHits)}, wake-ups ${fmt.int(ss.wakeups)}, wait timeouts ${fmt.int(ss.waitTimeouts)}${ss.consumerSpins === undefined ? '' : `; driver consumer spins ${fmt.int(ss.consumerSpins)}, hits ${fmt.int(ss.consumerSpinHits)}`}`);
  }
}

// ------------------------------------------------------------------------------- row 7 --------
if (rows.has(7)) {
  log('\n[7] wintun-ts client against a native driver (C pthread from lib_driver.so, loaded with koffi) over the same native rings');
  log('    ring = @wintun-ts/ring client classes, sess = Session (receiveInto/drain, sendWith); C = both roles in C (ring_bench)');
  const why = jsReason ?? cReason ?? (bin.lib_driver ? null : 'lib_driver.c did not compile');
  if (why) {
    log(`    SKIPPED: ${why}`);
    results.skipped.nativeDriver = why;
  } else {
    const nd = (args, timeoutMs) => {
      try {
        return one(runJson(process.execPath, [join(jsDir, 'native-driver.mjs'), bin.lib_driver, ...args.map(String)], timeoutMs), `native-driver ${args.join(' ')}`);
      } catch (e) {
        note(e.message);
        return { error: e.message };
      }
    };
    const out = { throughput: [], wakeup: [] };
    const body = [];
    const batches = quick ? [[1, false], [32, true]] : BATCHES;
    for (const dir of ['send', 'recv']) {
      for (const size of [64, 1500]) {
        for (const [batch, deferred] of batches) {
          const t = Math.ceil((P.tpSeconds + 5) * 1000) + 10000;
          const d = deferred ? 1 : 0;
          const c = measureC(['throughput', dir, size, batch, P.tpSeconds, CAPACITY, d], t);
          const js = nd(['throughput', dir, size, batch, P.tpSeconds, d], t + 5000);
          const sess = nd(['throughput-session', dir, size, batch, P.tpSeconds, d], t + 5000);
          const ratio = ratioOf(js, c, 'pps');
          const sratio = ratioOf(sess, c, 'pps');
          const cell = `${dir} ${size}B ${batchLabel(batch, deferred)}`;
          const res = target(7, `native driver throughput (ring client) ${cell} >= 50% of C`, ratio, 0.5, ratio === null ? null : ratio >= 0.5);
          const sres = target(7, `native driver throughput (session client) ${cell} >= 50% of C`, sratio, 0.5, sratio === null ? null : sratio >= 0.5);
          out.throughput.push({ dir, size, batch, deferred, c, js, session: sess, ratio, sessionRatio: sratio });
          body.push([cell, fmt.int(js.pps), fmt.int(sess.pps), fmt.int(c.pps), fmt.ratio(ratio), res, fmt.ratio(sratio), sres]);
        }
      }
    }
    table(['cell', 'ring pkt/s', 'sess pkt/s', 'C pkt/s', 'ring/C', '>=50%', 'sess/C', '>=50%'], body);
    const wbody = [];
    const t = P.wkIters * 6 + 15000;
    for (const dir of ['send', 'recv']) {
      const c = measureC(['wakeup', dir, P.wkIters, CAPACITY], t);
      for (const layer of ['ring', 'session']) {
        const js = nd([layer === 'ring' ? 'wakeup' : 'wakeup-session', dir, P.wkIters], t + 5000);
        const r50 = ratioOf(js, c, 'p50Ns');
        const r99 = ratioOf(js, c, 'p99Ns');
        const label = `${dir} (${layer})`;
        const res50 = target(7, `native driver wake-up ${label} p50 within 2x of C`, r50, 2, r50 === null ? null : r50 <= 2);
        const res99 = target(7, `native driver wake-up ${label} p99 within 2x of C`, r99, 2, r99 === null ? null : r99 <= 2);
        out.wakeup.push({ dir, layer, c, js, ratioP50: r50, ratioP99: r99 });
        wbody.push([label, fmt.us(js.p50Ns), fmt.us(js.p99Ns), fmt.us(c.p50Ns), fmt.us(c.p99Ns), fmt.ratio(r50), res50, fmt.ratio(r99), res99]);
      }
    }
    log('    wake-up (us): send = the driver publishes and sets the read event, the client waits (event.wait / Session.receiveInto);');
    log('    recv = the client commits (sendWith), the driver spins 100 us then waits after the Alertable handshake');
    table(['cell', 'ts p50', 'ts p99', 'C p50', 'C p99', 'p50 ts/C', '<=2x', 'p99 ts/C', '<=2x'], wbody);
    results.rows.nativeDriver = out;
  }
}

// ------------------------------------------------------------------------------- row 8 --------
/** Why row 8 cannot run here, or null. */
function winePrereq() {
  if (process.platform !== 'linux') return 'not Linux (the row runs Windows code under Wine)';
  if (spawnSync('wine', ['--version'], { encoding: 'utf8', timeout: 20000 }).status !== 0) return 'wine is not installed';
  if (spawnSync('x86_64-w64-mingw32-gcc', ['--version'], { encoding: 'utf8' }).status !== 0) return 'x86_64-w64-mingw32-gcc is not installed';
  if (!existsSync(join(root, '.wine', 'stage', 'node.exe')) || !existsSync(join(root, '.wine', 'prefix', 'system.reg'))) {
    return 'Wine is not prepared: run `bash scripts/wine/setup.sh` once';
  }
  return jsReason;
}

if (rows.has(8)) {
  log('\n[8] Windows wait path under Wine: a Win32 event set by another thread -> the waiter runs (us)');
  log('    event: Win32Event.wait + SendRingReader (driver = a worker: publish + SetEvent); sess: Session.receiveInto; C: WaitForSingleObject (mingw)');
  const pre = winePrereq();
  if (pre) {
    log(`    SKIPPED: ${pre}`);
    results.skipped.wine = pre;
  } else {
    const tmp = mkdtempSync(join(os.tmpdir(), 'wtbench-wine-'));
    const exe = join(buildDir, 'wakeup_win.exe');
    const out = { c: null, event: null, session: null };
    try {
      execFileSync('x86_64-w64-mingw32-gcc', ['-O2', '-Wall', '-o', exe, join(nativeDir, 'win', 'wakeup_win.c')], { stdio: ['ignore', 'ignore', 'pipe'] });
      const timeoutS = Math.ceil(P.wkIters * 0.005 + 60);
      // Windows programs under Wine cannot write to a pipe: stdout goes to a file, read afterwards.
      const wineRun = (name, cmd) => {
        const r = spawnSync('bash', ['-c', `ROOT=${JSON.stringify(root)}; source "$ROOT/scripts/wine/env.sh"; ${cmd} </dev/null >${JSON.stringify(join(tmp, `${name}.out`))} 2>${JSON.stringify(join(tmp, `${name}.err`))}`], { encoding: 'utf8', timeout: (timeoutS + 20) * 1000, killSignal: 'SIGKILL' });
        const text = existsSync(join(tmp, `${name}.out`)) ? readFileSync(join(tmp, `${name}.out`), 'utf8') : '';
        const lines = parseLines(text);
        if (r.status !== 0 || lines.length === 0) {
          const err = existsSync(join(tmp, `${name}.err`)) ? readFileSync(join(tmp, `${name}.err`), 'utf8').trim().split('\n').slice(-2).join(' | ') : '';
          note(`wine ${name}: exit ${r.status ?? r.signal}: ${err}`);
          return { error: `exit ${r.status ?? r.signal}: ${err}` };
        }
        return one(lines, name);
      };
      const script = join(jsDir, 'wine-wakeup.mjs');
      out.c = wineRun('c', `timeout --kill-after=5 ${timeoutS} wine ${JSON.stringify(exe)} ${P.wkIters}`);
      out.event = wineRun('event', `timeout --kill-after=5 ${timeoutS} wine "$WINE_NODE_EXE" "$(winpath ${JSON.stringify(script)})" event ${P.wkIters}`);
      out.session = wineRun('session', `timeout --kill-after=5 ${timeoutS} wine "$WINE_NODE_EXE" "$(winpath ${JSON.stringify(script)})" session ${P.wkIters}`);
    } catch (e) {
      note(`Wine row failed: ${e.message}`);
      out.error = e.message;
    } finally {
      rmSync(tmp, { recursive: true, force: true });
      // let this prefix's wineserver exit on its own (it lingers a few seconds after the last
      // program); never kill it: a Wine test run may share the prefix
      spawnSync('bash', ['-c', `ROOT=${JSON.stringify(root)}; source "$ROOT/scripts/wine/env.sh"; timeout 20 wineserver -w`], { timeout: 30000 });
    }
    results.rows.wine = out;
    const body = [];
    for (const [label, js] of [['event (Win32Event.wait)', out.event], ['session (receiveInto)', out.session]]) {
      const r50 = ratioOf(js, out.c, 'p50Ns');
      const r99 = ratioOf(js, out.c, 'p99Ns');
      const res50 = target(8, `Wine wake-up ${label} p50 within 2x of C`, r50, 2, r50 === null ? null : r50 <= 2);
      const res99 = target(8, `Wine wake-up ${label} p99 within 2x of C`, r99, 2, r99 === null ? null : r99 <= 2);
      body.push([label, fmt.us(js?.p50Ns), fmt.us(js?.p99Ns), fmt.us(out.c?.p50Ns), fmt.us(out.c?.p99Ns), fmt.ratio(r50), res50, fmt.ratio(r99), res99]);
    }
    table(['cell', 'ts p50', 'ts p99', 'C p50', 'C p99', 'p50 ts/C', '<=2x', 'p99 ts/C', '<=2x'], body);
  }
}

// ------------------------------------------------------------------------------- row 9 --------
if (rows.has(9)) {
  log('\n[9] Receive forms of a Session, one thread (in-thread driver), 64 B: ns and heap bytes per packet');
  if (jsReason) {
    log(`    SKIPPED: ${jsReason}`);
    results.skipped.forms = jsReason;
  } else {
    const packets = quick ? 400_000 : 2_000_000;
    const data = [];
    for (const batch of [32, 1]) {
      try {
        const [r] = runJson(process.execPath, ['--expose-gc', join(jsDir, 'iterator.mjs'), '--packets', String(packets), '--batch', String(batch)], 300000);
        if (r) data.push(r);
      } catch (e) {
        note(e.message);
      }
    }
    results.rows.forms = data;
    const body = [];
    for (const r of data) {
      for (const form of ['drain', 'drain+await', 'iterator', 'lease']) {
        const cell = r[form];
        if (cell === undefined) continue;
        const ratio = cell.nsPerPacket / r.drain.nsPerPacket;
        const verdict = form === 'iterator' ? target(9, `iterator within 2x of drain per packet, ${r.batch} per batch`, ratio, '<= 2x', ratio <= 2) : 'info';
        body.push([`${form}, ${r.batch}/batch`, fmt.f(cell.nsPerPacket, 1), fmt.f(cell.bytesPerPacket), fmt.ratio(ratio), verdict]);
      }
    }
    if (body.length) table(['form', 'ns/pkt', 'B/pkt', 'vs drain', 'target'], body);
  }
}

// ------------------------------------------------------------------------------- summary ------
const counted = results.targets.filter((t) => t.result !== 'n/a');
const pass = counted.filter((t) => t.result === 'PASS').length;
log(`\nTargets (reported, not asserted): ${pass}/${counted.length} PASS${results.targets.length > counted.length ? `, ${results.targets.length - counted.length} not measurable` : ''}`);
for (const t of results.targets.filter((x) => x.result === 'MISS')) log(`  MISS  [${t.row}] ${t.name}: ${typeof t.measured === 'number' ? t.measured.toFixed(2) : t.measured}`);
results.meta.seconds = Math.round((performance.now() - started) / 100) / 10;
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, `${JSON.stringify(results, null, 2)}\n`);
log(`\nwrote ${relative(process.cwd(), outPath) || outPath} in ${results.meta.seconds} s`);
