#!/usr/bin/env node
// Checks every GitHub workflow the way GitHub would reject or weaken it, before a push finds out:
//  - the file parses as YAML (GitHub refuses the whole workflow otherwise, e.g. a plain scalar
//    holding ': ');
//  - `permissions: {}` at the top, so each job asks for exactly the scopes it needs;
//  - a `concurrency` group;
//  - every `uses:` of a remote action is pinned to a full 40-hex commit SHA.
// Prints one line per workflow; exits 1 on any problem.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { root } from './runtime.mjs';

const dir = join(root, '.github/workflows');
const problems = [];
let count = 0;
for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
  count += 1;
  let doc;
  try {
    doc = parse(readFileSync(join(dir, file), 'utf8'), { prettyErrors: true });
  } catch (error) {
    problems.push(`${file}: not valid YAML: ${error.message.split('\n')[0]}`);
    continue;
  }
  const perms = doc?.permissions;
  if (!perms || typeof perms !== 'object' || Object.keys(perms).length > 0) {
    problems.push(`${file}: top-level permissions must be {} (grant scopes per job)`);
  }
  if (!doc?.concurrency) problems.push(`${file}: no concurrency group`);
  const uses = [];
  for (const [name, job] of Object.entries(doc?.jobs ?? {})) {
    if (typeof job.uses === 'string') uses.push([name, job.uses]);
    for (const step of job.steps ?? []) if (typeof step.uses === 'string') uses.push([name, step.uses]);
  }
  for (const [job, ref] of uses) {
    if (ref.startsWith('./') || ref.startsWith('docker://')) continue;
    if (!/@[0-9a-f]{40}$/.test(ref)) problems.push(`${file}: job ${job}: ${ref} is not pinned to a commit SHA`);
  }
  console.log(`check-workflows: ${file}: ${Object.keys(doc?.jobs ?? {}).length} job(s), ${uses.length} action(s) pinned`);
}
if (count === 0) problems.push('no workflows found in .github/workflows');
if (problems.length > 0) {
  console.error(`check-workflows: ${problems.length} problem(s)\n${problems.join('\n')}`);
  process.exit(1);
}
