import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * One vitest configuration for every package: tests read sources through the
 * `@wintun-ts/source` export condition (no build needed: the worker entries are bundled from the
 * sources by `vitest.worker-bundles.ts`), and each run writes a JSON
 * report that `scripts/test-all.mjs` adds up into the suite's closing line. When the core suites run
 * again on another Node line, `WINTUN_TS_REPORT_SUFFIX` (e.g. `.node22`) keeps that run's report
 * apart from the primary line's.
 */
export function definePackageConfig(name: string) {
  const suffix = process.env['WINTUN_TS_REPORT_SUFFIX'] ?? '';
  return defineConfig({
    resolve: { conditions: ['@wintun-ts/source'] },
    ssr: { resolve: { conditions: ['@wintun-ts/source'], externalConditions: ['@wintun-ts/source'] } },
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      pool: 'forks',
      // Bundles the worker entries from the sources (no build needed; see the file).
      globalSetup: [fileURLToPath(new URL('./vitest.worker-bundles.ts', import.meta.url))],
      reporters: ['default', ['json', { outputFile: `../../test-results/${name}${suffix}.json` }]],
    },
  });
}
