/**
 * Shared setup of the Linux integration tests: one namespace per test file, the scenario bundle,
 * and the cleanup check. Not a test file itself.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { bundleScenario, cleanupNamespaces, cleanupScenarioBundles, createNetns, leftovers, runScenario, type ScenarioOutcome, type RunScenarioOptions, type TestNetns } from '../helpers/index.js';

/** The namespace and the scenario runner of one test file. */
export interface LinuxTestContext {
  /** The file's namespace (valid inside tests). */
  readonly netns: TestNetns;
  /** Runs a scenario of `fixtures/scenarios.ts` in a child inside the namespace. */
  run<T = Record<string, unknown>>(name: string, args?: unknown, options?: Omit<RunScenarioOptions, 'netns'>): Promise<ScenarioOutcome<T>>;
  /** Like `run` but fails the test when the scenario threw; returns its result. */
  result<T = Record<string, unknown>>(name: string, args?: unknown, options?: Omit<RunScenarioOptions, 'netns'>): Promise<T>;
}

/**
 * Registers `beforeAll`/`afterAll` for a describe block that runs scenarios in a fresh namespace,
 * and checks at the end that no namespace or TUN device was left behind.
 */
export function useLinuxTestContext(label: string): LinuxTestContext {
  let netns: TestNetns | undefined;
  let bundle: Promise<string> | undefined;
  beforeAll(async () => {
    netns = createNetns(label);
    bundle = bundleScenario(new URL('./fixtures/scenarios.ts', import.meta.url));
    await bundle;
  });
  afterAll(() => {
    netns?.destroy();
    cleanupNamespaces();
    cleanupScenarioBundles();
    expect(leftovers()).toEqual({ namespaces: [], tunDevices: [] });
  });
  const context: LinuxTestContext = {
    get netns(): TestNetns {
      if (netns === undefined) throw new Error('the namespace exists only inside tests');
      return netns;
    },
    async run(name, args = {}, options = {}) {
      return runScenario(await (bundle as Promise<string>), name, args, { ...options, netns: context.netns.name });
    },
    async result<T>(name: string, args: unknown = {}, options: Omit<RunScenarioOptions, 'netns'> = {}): Promise<T> {
      const outcome = await context.run<T>(name, args, options);
      if (!outcome.ok) throw new Error(`scenario ${name} failed: ${JSON.stringify(outcome.error)}\n${outcome.stderr}`);
      return outcome.result;
    },
  };
  return context;
}
