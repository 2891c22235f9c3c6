/**
 * Shared setup of the Adapter integration tests: they run `fixtures/adapter-scenarios.mjs` in child
 * processes inside namespaces the tests create, bundled from the sources by the vitest globalSetup
 * (with the worker entries), or against the built package when run without it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import { canTun, cleanupNamespaces, createNetns, leftovers, runScenario, type Probe, type RunScenarioOptions, type ScenarioOutcome, type TestNetns } from '../helpers/index.js';

/**
 * The scenario file run by node: the bundle the vitest globalSetup made from the sources
 * (`WINTUN_TS_WORKER_DIR/adapter-scenarios.js`, no build needed), else the plain file, which
 * imports `@wintun-ts/adapter` from dist/.
 */
export const ADAPTER_SCENARIOS = ((): string => {
  const dir = process.env['WINTUN_TS_WORKER_DIR'];
  const bundled = dir === undefined ? '' : join(dir, 'adapter-scenarios.js');
  return bundled !== '' && existsSync(bundled) ? bundled : fileURLToPath(new URL('./fixtures/adapter-scenarios.mjs', import.meta.url));
})();

/** Whether the adapter tests can run here: root, /dev/net/tun, `ip netns`, and the scenarios (bundled, or a built package). */
export function canRunAdapter(): Probe {
  const tun = canTun();
  if (!tun.ok) return tun;
  if (ADAPTER_SCENARIOS.endsWith('adapter-scenarios.js')) return { ok: true, reason: '' };
  const built = ['../../dist/index.js', '../../dist/workers/tun-io.js', '../../../session/dist/workers/driver.js'].every((p) => existsSync(fileURLToPath(new URL(p, import.meta.url))));
  if (!built) return { ok: false, reason: 'the adapter and session packages are not built (run npx tsup in packages/session and packages/adapter)' };
  return { ok: true, reason: '' };
}

/** Where a session's driver side runs (`StartSessionOptions.io`). */
export type AdapterIo = 'inline' | 'workers';

/**
 * Both driver placements, for the suites that run once per mode (`describe.each(IO_MODES)`): the
 * guarantees (packets both ways, races, device removal, exit) hold for each.
 */
export const IO_MODES: readonly AdapterIo[] = ['inline', 'workers'];

/** Namespaces and a scenario runner for one describe block. */
export interface AdapterTestContext {
  /** A namespace of this block, created in `beforeAll` (index 0..count-1). */
  netns(index?: number): TestNetns;
  /** Runs a scenario in namespace `index` (default 0) and returns its result, failing the test if it threw. */
  result<T = Record<string, any>>(name: string, args?: unknown, options?: Omit<RunScenarioOptions, 'netns'> & { readonly ns?: number }): Promise<T>;
  /** Runs a scenario and returns its raw outcome. */
  run<T = Record<string, any>>(name: string, args?: unknown, options?: Omit<RunScenarioOptions, 'netns'> & { readonly ns?: number }): Promise<ScenarioOutcome<T>>;
}

/**
 * Registers `beforeAll`/`afterAll` creating `count` namespaces and checking afterwards that no
 * namespace and no TUN device was left behind. With `io`, every scenario of the block starts its
 * sessions with that driver placement (the scenario file applies `args.io`).
 */
export function useAdapterContext(label: string, count = 1, io?: AdapterIo): AdapterTestContext {
  const spaces: TestNetns[] = [];
  beforeAll(() => {
    for (let i = 0; i < count; i++) spaces.push(createNetns(`${label}${i}`));
  });
  afterAll(() => {
    for (const ns of spaces) ns.destroy();
    cleanupNamespaces();
    expect(leftovers()).toEqual({ namespaces: [], tunDevices: [] });
  });
  const context: AdapterTestContext = {
    netns(index = 0) {
      const ns = spaces[index];
      if (ns === undefined) throw new Error('namespaces exist only inside tests');
      return ns;
    },
    run(name, args = {}, options = {}) {
      const { ns, ...rest } = options;
      const withIo = io === undefined || typeof args !== 'object' || args === null ? args : { io, ...args };
      return runScenario(ADAPTER_SCENARIOS, name, withIo, { ...rest, netns: context.netns(ns ?? 0).name });
    },
    async result<T>(name: string, args: unknown = {}, options: Omit<RunScenarioOptions, 'netns'> & { readonly ns?: number } = {}): Promise<T> {
      const outcome = await context.run<T>(name, args, options);
      if (!outcome.ok) throw new Error(`scenario ${name} failed: ${JSON.stringify(outcome.error)}\n${outcome.stderr}`);
      return outcome.result;
    },
  };
  return context;
}
