#!/usr/bin/env node
// The whole test suite, as the README's test command and CI run it. Every step runs even when an
// earlier one failed, so one run shows every problem; the exit code is non-zero if any failed.
// The last line is the suite's count: "tests: N passed, M failed, K skipped".
//
// Node lines: everything runs on the primary line's pinned Node (scripts/runtime.mjs); the core
// suites (abi, ring, session with the in-memory driver, the CLI's offline tests) and a koffi load
// check run again on every other line `engines` promises. The TUN and Wine suites run once.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync, readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EXTRA_LINES, NODE_VERSIONS, PRIMARY_LINE, ensureNode, envWithNode, root } from './runtime.mjs';

// Started directly (`node scripts/test-all.mjs`) on some other Node: run again on the primary one.
if (process.env.WINTUN_TS_SYSTEM_NODE !== '1') {
  const primary = ensureNode(PRIMARY_LINE);
  if (process.execPath !== primary) {
    const r = spawnSync(primary, process.argv.slice(1), { stdio: 'inherit', env: envWithNode(primary) });
    process.exit(r.status ?? 1);
  }
}

/**
 * The core suites run on every extra line: package -> test files (all of them when empty). The
 * CLI's listed files are its offline tests (no TUN device, no namespace).
 */
const CORE_SUITES = {
  abi: [],
  ring: [],
  session: [],
  cli: ['test/run.test.ts', 'test/binary.test.ts'],
};

const results = join(root, 'test-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const steps = [];
function step(name, cmd, args, options = {}) {
  const started = Date.now();
  console.log(`\n=== ${name}: ${[cmd, ...args].join(' ')}`);
  const capture = options.captureTo !== undefined;
  const r = spawnSync(cmd, args, {
    cwd: options.cwd ?? root,
    stdio: ['inherit', capture ? 'pipe' : 'inherit', 'inherit'],
    env: { ...(options.env ?? process.env), FORCE_COLOR: '0' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (capture) {
    process.stdout.write(r.stdout ?? '');
    const counts = (r.stdout ?? '').split('\n').filter((l) => /\d+ passed, \d+ failed/.test(l)).pop();
    if (counts) writeFileSync(join(results, options.captureTo), `${counts}\n`);
  }
  const ok = r.status === 0;
  steps.push({ name, ok, seconds: (Date.now() - started) / 1000 });
  console.log(`=== ${name}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return ok;
}

function version(pkg) {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return 'missing';
  }
}
const tools = ['typescript', 'tsup', 'esbuild', 'vitest', 'vite', 'turbo', 'typedoc', '@changesets/cli', 'koffi'];
console.log(`test-all: Node ${process.version} runs the suite; core suites also on ${EXTRA_LINES.map((l) => `v${NODE_VERSIONS[l]}`).join(', ')}`);
console.log(`test-all: ${tools.map((t) => `${t} ${version(t)}`).join(', ')}`);

const turbo = join(root, 'node_modules/.bin/turbo');
step('layers', process.execPath, ['scripts/check-layers.mjs']);
step('public names per entry point (adapter root under 80)', process.execPath, ['scripts/count-exports.mjs']);
// The mechanism behind both README commands: started by whatever `node` the machine has (PATH
// without the pinned runtime), bootstrap.mjs runs its commands on the pinned Node.
{
  const env = { ...process.env };
  delete env.WINTUN_TS_NODE;
  delete env.WINTUN_TS_BOOTSTRAPPED;
  env.PATH = (env.PATH ?? '').split(':').filter((p) => p !== dirname(process.execPath)).join(':');
  const want = `v${NODE_VERSIONS[PRIMARY_LINE]}`;
  step(`bootstrap runs commands on Node ${want}`, 'node', ['scripts/bootstrap.mjs', 'check', '--', 'node', '-e', `if (process.version !== '${want}') { console.error('ran on ' + process.version); process.exit(1); }`], { env });
}
step('github workflows', process.execPath, ['scripts/check-workflows.mjs']);
step('build, typecheck, lint, docs', turbo, ['run', 'build', 'typecheck', 'lint', 'docs', '--output-logs=errors-only', '--continue=dependencies-successful']);
step('combined API site', join(root, 'node_modules/.bin/typedoc'), []);
step('troubleshooting guide matches the error table', process.execPath, ['docs/scripts/gen-troubleshooting.mjs', '--check']);
step('code in the guides type-checks', process.execPath, ['docs/scripts/check-snippets.mjs']);
// Tests run one package at a time: the two cores of these machines are shared by worker threads
// and real TUN traffic, and the suites measure nothing by time.
// --continue: one package's failing test must not hide the other packages' results.
step('tests', turbo, ['run', 'test', '--concurrency=1', '--output-logs=full', '--continue=dependencies-successful']);
step(`koffi on Node ${process.version}`, process.execPath, ['scripts/check-koffi.mjs']);
// The other promised lines: the same built packages and sources, vitest started by that Node (its
// directory first on PATH, so anything the tests spawn runs on it too), one report per package.
for (const line of EXTRA_LINES) {
  let bin;
  try {
    bin = ensureNode(line);
  } catch (error) {
    console.log(`\n=== Node ${line}: ${error.message}`);
    steps.push({ name: `Node ${line}`, ok: false, seconds: 0 });
    continue;
  }
  const env = { ...envWithNode(bin), WINTUN_TS_REPORT_SUFFIX: `.node${line}` };
  step(`koffi on Node v${NODE_VERSIONS[line]}`, bin, ['scripts/check-koffi.mjs'], { env });
  for (const [pkg, files] of Object.entries(CORE_SUITES)) {
    step(`${pkg} on Node v${NODE_VERSIONS[line]}`, bin, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...files], {
      cwd: join(root, 'packages', pkg),
      env,
    });
  }
}
step('publishable packages', process.execPath, ['scripts/check-pack.mjs']);
if (existsSync(join(root, 'scripts/wine/test.sh'))) {
  step('windows code under wine', 'bash', ['scripts/wine/test.sh'], { captureTo: 'wine.txt' });
}

function firstLine(text) {
  const line = String(text ?? '').split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

// Count: vitest JSON reports of every package and example, plus the Wine suite's report.
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
for (const file of readdirSync(results)) {
  const path = join(results, file);
  if (file.endsWith('.json')) {
    const r = JSON.parse(readFileSync(path, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    // Name every failed test in the summary, so the tail of a CI log says what to look at.
    for (const suite of r.testResults ?? []) {
      const where = suite.name?.startsWith(root) ? suite.name.slice(root.length + 1) : suite.name;
      const failedTests = (suite.assertionResults ?? []).filter((t) => t.status === 'failed');
      for (const t of failedTests) failures.push(`${file}: ${where} > ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
      if (failedTests.length === 0 && suite.status === 'failed') failures.push(`${file}: ${where}: ${firstLine(suite.message)}`);
    }
  } else if (file.endsWith('.txt')) {
    const m = /(\d+) passed, (\d+) failed(?:, (\d+) skipped)?/.exec(readFileSync(path, 'utf8'));
    if (m) {
      passed += Number(m[1]);
      failed += Number(m[2]);
      skipped += Number(m[3] ?? 0);
    }
  }
}
console.log('\n=== summary');
for (const f of failures) console.log(`failed: ${f}`);
for (const s of steps) console.log(`${s.ok ? 'ok    ' : 'FAILED'} ${s.name} (${s.seconds.toFixed(1)} s)`);
const bad = steps.filter((s) => !s.ok);
if (bad.length > 0 && failed === 0) failed = bad.length; // a failed step counts even without test counts
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(bad.length > 0 ? 1 : 0);
