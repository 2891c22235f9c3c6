/**
 * Test helpers for the Linux adapter tests: environment probes, network namespaces with
 * guaranteed cleanup, scenario children run inside a namespace, and packet builders.
 *
 * @module
 */
export { canTun, canPing, canDropPrivileges, canRunAsNobody, requireAll, runQuiet } from './environment.js';
export type { Probe } from './environment.js';
export { createNetns, cleanupNamespaces, leftovers, NETNS_PREFIX } from './netns.js';
export type { TestNetns } from './netns.js';
export { bundleScenario, cleanupScenarioBundles, runScenario, RESULT_MARKER, DROP_ALL_PRIVILEGES, DROP_CAPABILITIES_KEEP_ROOT } from './child.js';
export type { ScenarioOutcome, RunScenarioOptions } from './child.js';
export { buildIcmpEchoV4, buildIcmpEchoV6, parseIcmpEcho } from './packets.js';
export type { IcmpEcho } from './packets.js';
