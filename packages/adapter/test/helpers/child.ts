/**
 * Runs test code in a child Node process inside a network namespace
 * (`ip netns exec NS [wrapper...] node scenarios.mjs <name> <json>`), so the TUN device, its
 * configuration and its traffic all live in a namespace the test created.
 *
 * Node 20 cannot run `.ts` directly, so a scenario file is bundled once per process with esbuild
 * (already installed as tsup's bundler) into a private temporary directory, resolving the
 * workspace packages through the `@wintun-ts/source` condition, as vitest does. koffi stays
 * external and is loaded from the repository's node_modules.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The marker line a scenario child prints before its JSON result. */
export const RESULT_MARKER = '@@wintun-ts-result@@';

/** What a scenario child reports. */
export type ScenarioOutcome<T = unknown> = (
  | { readonly ok: true; readonly result: T; readonly stderr: string }
  | { readonly ok: false; readonly error: { readonly code?: string; readonly message: string; readonly errno?: number; readonly syscall?: string }; readonly stderr: string }
) & {
  /** How the child ended: its exit status (null when killed) and signal (`SIGKILL` after the timeout). */
  readonly exit: { readonly status: number | null; readonly signal: string | null; readonly ms: number };
};

const bundles = new Map<string, Promise<string>>();
let tempRoot: string | undefined;

function tempDir(): string {
  if (tempRoot === undefined) {
    tempRoot = mkdtempSync(join(tmpdir(), 'wintun-ts-linux-tests-'));
    // Readable by the unprivileged user the access-denied tests switch to.
    chmodSync(tempRoot, 0o755);
    const root = tempRoot;
    process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  }
  return tempRoot;
}

/**
 * Bundles a scenario module (its default export is the scenario table, see `fixtures/runner.ts`)
 * to an `.mjs` file, once per process.
 *
 * `WINTUN_TS_TEST_ALIASES` (JSON `{ "<package>": "<path>" }`) adds module aliases; it exists only
 * for developing a layer before the layer below has its `src/index.ts`.
 */
export function bundleScenario(entry: string | URL): Promise<string> {
  const path = entry instanceof URL ? fileURLToPath(entry) : entry;
  let bundle = bundles.get(path);
  if (bundle === undefined) {
    bundle = (async () => {
      const esbuild = await import('esbuild');
      const outfile = join(tempDir(), `scenario-${bundles.size}.mjs`);
      const aliases = process.env['WINTUN_TS_TEST_ALIASES'];
      // ffi.ts resolves koffi from import.meta.url: point it at the repository so the bundle in
      // the temporary directory finds node_modules/koffi.
      const koffiAnchor = pathToFileURL(fileURLToPath(new URL('../../package.json', import.meta.url))).href;
      await esbuild.build({
        entryPoints: [path],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        conditions: ['@wintun-ts/source'],
        external: ['koffi', 'esbuild'],
        define: { 'import.meta.url': JSON.stringify(koffiAnchor) },
        alias: aliases === undefined ? {} : (JSON.parse(aliases) as Record<string, string>),
        logLevel: 'error',
      });
      chmodSync(outfile, 0o644);
      return outfile;
    })();
    bundles.set(path, bundle);
  }
  return bundle;
}

/**
 * Removes the temporary directory of the bundles (also done at process exit; call it from
 * `afterAll`, because test runners may end their worker processes without an `exit` event).
 */
export function cleanupScenarioBundles(): void {
  if (tempRoot !== undefined) rmSync(tempRoot, { recursive: true, force: true });
  tempRoot = undefined;
  bundles.clear();
}

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  /** Namespace to run in (`ip netns exec`); omitted = the current one. */
  readonly netns?: string | undefined;
  /** Command prefix run before node inside the namespace, e.g. `['setpriv', '--reuid=65534', ...]`. */
  readonly wrapper?: readonly string[] | undefined;
  /** Kill the child (SIGKILL) after this long; default 20 s. */
  readonly timeoutMs?: number | undefined;
  /** Node flags of the child, e.g. `['--expose-gc']`. */
  readonly nodeArgs?: readonly string[] | undefined;
}

/**
 * Runs one named scenario of a bundled scenario module in a child process and returns its
 * outcome (a thrown `WintunError` comes back as `{ ok: false, error: { code, ... } }`).
 *
 * @throws Error when the child dies, prints no result, or times out.
 */
export async function runScenario<T = unknown>(bundle: string, name: string, args: unknown = {}, options: RunScenarioOptions = {}): Promise<ScenarioOutcome<T>> {
  const node = process.execPath;
  const command = [...(options.wrapper ?? []), node, ...(options.nodeArgs ?? []), bundle, name, JSON.stringify(args)];
  const full = options.netns === undefined ? command : ['ip', 'netns', 'exec', options.netns, ...command];
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(full[0] as string, full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (line === undefined) {
        reject(new Error(`scenario ${name} printed no result (exit ${String(status)}, signal ${String(signal)}${signal === 'SIGKILL' ? `, killed after ${timeoutMs} ms` : ''}).\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        return;
      }
      const parsed = JSON.parse(line.slice(RESULT_MARKER.length)) as Omit<ScenarioOutcome<T>, 'stderr'>;
      resolve({ ...parsed, stderr, exit: { status, signal, ms: Math.round(performance.now() - began) } } as ScenarioOutcome<T>);
    });
  });
}

/** `setpriv` arguments that drop every capability and become `nobody` (uid/gid 65534). */
export const DROP_ALL_PRIVILEGES: readonly string[] = [
  'setpriv',
  '--reuid=65534',
  '--regid=65534',
  '--clear-groups',
  '--inh-caps=-all',
  '--bounding-set=-all',
  '--no-new-privs',
];

/**
 * `setpriv` arguments that keep uid 0 but drop every capability (so file permissions still allow
 * opening `/dev/net/tun`, and CAP_NET_ADMIN checks fail with EPERM).
 */
export const DROP_CAPABILITIES_KEEP_ROOT: readonly string[] = ['setpriv', '--inh-caps=-all', '--bounding-set=-all'];
