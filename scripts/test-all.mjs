#!/usr/bin/env node
// The whole test suite, as the README's test command and CI run it. Every step runs even when an
// earlier one failed, so one run shows every problem; the exit code is non-zero if any failed.
// The last line is the suite's count: "tests: N passed, M failed, K skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync, readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, 'test-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const steps = [];
function step(name, cmd, args, options = {}) {
  const started = Date.now();
  console.log(`\n=== ${name}: ${[cmd, ...args].join(' ')}`);
  const capture = options.captureTo !== undefined;
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: ['inherit', capture ? 'pipe' : 'inherit', 'inherit'],
    env: { ...process.env, FORCE_COLOR: '0' },
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

const turbo = join(root, 'node_modules/.bin/turbo');
step('layers', process.execPath, ['scripts/check-layers.mjs']);
step('public names per entry point (adapter root under 80)', process.execPath, ['scripts/count-exports.mjs']);
step('build, typecheck, lint, docs', turbo, ['run', 'build', 'typecheck', 'lint', 'docs', '--output-logs=errors-only']);
step('combined API site', join(root, 'node_modules/.bin/typedoc'), []);
step('troubleshooting guide matches the error table', process.execPath, ['docs/scripts/gen-troubleshooting.mjs', '--check']);
step('code in the guides type-checks', process.execPath, ['docs/scripts/check-snippets.mjs']);
// Tests run one package at a time: the two cores of these machines are shared by worker threads
// and real TUN traffic, and the suites measure nothing by time.
step('tests', turbo, ['run', 'test', '--concurrency=1', '--output-logs=full']);
step('publishable packages', process.execPath, ['scripts/check-pack.mjs']);
if (existsSync(join(root, 'scripts/wine/test.sh'))) {
  step('windows code under wine', 'bash', ['scripts/wine/test.sh'], { captureTo: 'wine.txt' });
}

// Count: vitest JSON reports of every package and example, plus the Wine suite's report.
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of readdirSync(results)) {
  const path = join(results, file);
  if (file.endsWith('.json')) {
    const r = JSON.parse(readFileSync(path, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
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
for (const s of steps) console.log(`${s.ok ? 'ok    ' : 'FAILED'} ${s.name} (${s.seconds.toFixed(1)} s)`);
const bad = steps.filter((s) => !s.ok);
if (bad.length > 0 && failed === 0) failed = bad.length; // a failed step counts even without test counts
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(bad.length > 0 ? 1 : 0);
