#!/usr/bin/env node
// The `wintun-ts` executable. npm links this committed file at install time (`npm ci` runs
// before any build), so the link exists in a fresh clone; it starts the built command, or says
// in one line how to build it.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("wintun-ts: the command is not built yet (packages/cli/dist/main.js is missing): run 'npm run build' in the repository first.\n");
  process.exit(1);
}
await import(main.href);
