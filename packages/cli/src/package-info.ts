/**
 * The cli's own package metadata. This file sits directly in `src/`, and tsup bundles it into a
 * file directly in `dist/`, so `../package.json` is the package's manifest in both cases.
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** This package's version, read from its package.json. */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
