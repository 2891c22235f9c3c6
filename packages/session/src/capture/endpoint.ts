/**
 * The local capture endpoint of a running application: a Unix domain socket (Linux) or a named
 * pipe (Windows) whose path is derived from the adapter's name, through which tools join and leave
 * a session's capture while the application runs, and read its counters.
 *
 * Protocol: the client writes one request line of JSON, then reads.
 * - `{"op":"capture","direction":"both"|"in"|"out"}`: the server answers with a pcapng stream
 *   (section header, interface block, packet blocks, statistics blocks) until either side closes.
 * - `{"op":"status"}`: the server answers with one line of JSON (the status object) and closes.
 *
 * Access: on Linux the socket is created with mode 0600 in a directory of mode 0700 owned by the
 * serving user (`$WINTUN_TS_RUN_DIR`, else `$XDG_RUNTIME_DIR/wintun-ts`, else `/run/wintun-ts` for
 * root, else `<tmpdir>/wintun-ts-<uid>`), so only that user and root can connect. On Windows a named
 * pipe's default security lets only the creating user, administrators and SYSTEM write to it;
 * other users may open it for reading only, and a client that cannot write its request line gets
 * nothing.
 *
 * @module
 */
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { WintunError } from '@wintun-ts/ring';
import { Session } from '../session.js';
import { describe, invalid } from '../session/core.js';
import type { CaptureFilter } from './tap.js';

/** Longest request line a server accepts. */
const MAX_REQUEST = 1024;

/** Checks an adapter name argument: a non-empty string of at most 255 characters. */
function checkName(what: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255) invalid(`${what}: name must be the adapter name (a non-empty string), got ${describe(name)}.`);
}

/** Checks an environment argument: an object of strings, or undefined. */
function checkEnv(what: string, env: unknown): asserts env is NodeJS.ProcessEnv {
  if (typeof env !== 'object' || env === null || Array.isArray(env)) invalid(`${what}: env must be an object such as process.env, got ${describe(env)}.`);
  for (const key of ['WINTUN_TS_RUN_DIR', 'XDG_RUNTIME_DIR']) {
    const v = (env as Record<string, unknown>)[key];
    if (v !== undefined && (typeof v !== 'string' || (v !== '' && !isAbsolute(v)))) invalid(`${what}: env.${key} must be an absolute directory path, got ${describe(v)}.`);
  }
}

/** Checks an explicit endpoint path: absolute (a socket file) or a `\\.\pipe\` name on Windows. */
function checkPath(what: string, path: unknown): asserts path is string {
  if (typeof path !== 'string' || path.length === 0 || path.length > 4096 || !(isAbsolute(path) || path.startsWith('\\\\.\\pipe\\'))) {
    invalid(`${what}: path must be an absolute socket path (or a \\\\.\\pipe\\ name on Windows), got ${describe(path)}.`);
  }
}

/** Checks the options of a client call. */
function checkConnectOptions(what: string, options: unknown): asserts options is ConnectOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) invalid(`${what}: options must be an object, got ${describe(options)}.`);
  const o = options as ConnectOptions;
  if (o.path !== undefined) checkPath(what, o.path);
  if (o.timeoutMs !== undefined && (typeof o.timeoutMs !== 'number' || !(o.timeoutMs > 0) || o.timeoutMs > 600_000)) {
    invalid(`${what}: options.timeoutMs must be a number of milliseconds in (0, 600000], got ${describe(o.timeoutMs)}.`);
  }
}

/** The file name part of an endpoint for an adapter name (safe characters only). */
function slug(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return s.length > 0 ? s : '%';
}

/**
 * The directories a Linux endpoint may live in, most preferred first: `$WINTUN_TS_RUN_DIR`,
 * `$XDG_RUNTIME_DIR/wintun-ts`, `/run/wintun-ts` (root), `<tmpdir>/wintun-ts-<uid>`. A server uses
 * the first; a client looks in each.
 */
export function captureEndpointDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  checkEnv('captureEndpointDirs', env);
  const dirs: string[] = [];
  if (env['WINTUN_TS_RUN_DIR']) dirs.push(env['WINTUN_TS_RUN_DIR']);
  if (env['XDG_RUNTIME_DIR']) dirs.push(join(env['XDG_RUNTIME_DIR'], 'wintun-ts'));
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
  if (uid === 0 || dirs.length === 0) dirs.push('/run/wintun-ts');
  dirs.push(join(tmpdir(), `wintun-ts-${uid}`));
  return [...new Set(dirs)];
}

/**
 * The endpoint paths for adapter `name`, most preferred first: one named pipe on Windows
 * (`\\.\pipe\wintun-ts-capture-<name>`), one socket per {@link captureEndpointDirs} entry elsewhere.
 */
export function captureEndpointPaths(name: string, env: NodeJS.ProcessEnv = process.env): string[] {
  checkName('captureEndpointPaths', name);
  checkEnv('captureEndpointPaths', env);
  if (process.platform === 'win32') return [`\\\\.\\pipe\\wintun-ts-capture-${slug(name)}`];
  return captureEndpointDirs(env).map((d) => join(d, `${slug(name)}.sock`));
}

/** Makes (or checks) a private directory: mode 0700, owned by us. */
function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid;
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new WintunError(
      'ERR_WINTUN_INVALID_STATE',
      `The capture endpoint directory ${dir} is not a private directory of this user (it must be a directory of mode 0700 owned by uid ${uid}); remove it or set WINTUN_TS_RUN_DIR.`,
    );
  }
}

/** What a status request returns, besides the session's counters. */
export type StatusProvider = () => Record<string, unknown> | Promise<Record<string, unknown>>;

/** Options of {@link serveCaptureEndpoint}. */
export interface CaptureEndpointOptions {
  /** The adapter name the path is derived from and the interface block carries. */
  readonly name: string;
  /** An explicit socket or pipe path instead of the derived one. */
  readonly path?: string | undefined;
  /** Extra fields of a status answer (adapter, addresses, MTU...); called per request. */
  readonly status?: StatusProvider | undefined;
}

/** A running endpoint. Closed by `close()` or when its session closes. */
export interface CaptureEndpoint {
  /** The socket or pipe path clients connect to. */
  readonly path: string;
  /** Capture readers attached now. */
  readonly readers: number;
  /** Stops accepting, ends every reader, removes the socket file. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves a session's capture and counters on a local endpoint (see the module comment for the
 * protocol and the access rules). Several readers may join and leave at any time; each gets its
 * own pcapng stream and its own drop count; none can slow the session down.
 *
 * @throws WintunError `ERR_WINTUN_INVALID_STATE` when another live application serves the same
 *   name, or the endpoint directory is not private; `ERR_WINTUN_INVALID_ARGUMENT` for a bad name.
 */
export async function serveCaptureEndpoint(session: Session, options: CaptureEndpointOptions): Promise<CaptureEndpoint> {
  if (!(session instanceof Session)) invalid(`serveCaptureEndpoint: session must be a Session, got ${describe(session)}.`);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) invalid(`serveCaptureEndpoint: options must be { name, path?, status? }, got ${describe(options)}.`);
  const name = options.name;
  checkName('serveCaptureEndpoint', name);
  if (options.path !== undefined) checkPath('serveCaptureEndpoint', options.path);
  if (options.status !== undefined && typeof options.status !== 'function') invalid(`serveCaptureEndpoint: options.status must be a function, got ${describe(options.status)}.`);
  if (!session.isOpen) throw new WintunError('ERR_WINTUN_CLOSED', 'serveCaptureEndpoint: the session is closed; serve an open session.');
  const path = options.path ?? captureEndpointPaths(name)[0]!;
  const unix = process.platform !== 'win32';
  if (unix) {
    privateDir(join(path, '..'));
    if (await isLive(path)) {
      throw new WintunError('ERR_WINTUN_INVALID_STATE', `Another application already serves a capture endpoint at ${path} (adapter ${name}); stop it first.`);
    }
    try {
      unlinkSync(path); // a stale socket of an application that is gone
    } catch {
      // nothing there
    }
  }
  const sockets = new Set<Socket>();
  let capturing = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let line = '';
    const onData = (data: Buffer): void => {
      line += data.toString('utf8');
      const nl = line.indexOf('\n');
      if (nl < 0) {
        if (line.length > MAX_REQUEST) socket.destroy();
        return;
      }
      socket.off('data', onData);
      handle(socket, line.slice(0, nl));
    };
    socket.on('data', onData);
  });
  const handle = (socket: Socket, request: string): void => {
    let req: { op?: unknown; direction?: unknown };
    try {
      req = JSON.parse(request) as typeof req;
    } catch {
      socket.end(`${JSON.stringify({ error: 'bad request: send one line of JSON such as {"op":"capture"}' })}\n`);
      return;
    }
    if (req.op === 'status') {
      const counters = { open: session.isOpen, captureReaders: capturing, stats: { ...session.stats }, driverStats: session.driverStats === null ? null : { ...session.driverStats } };
      Promise.resolve()
        .then(() => options.status?.() ?? {})
        .catch((error: unknown) => ({ statusError: error instanceof Error ? error.message : String(error) }))
        .then((extra) => socket.end(`${JSON.stringify({ ...extra, name, session: counters })}\n`))
        .catch(() => socket.destroy());
      return;
    }
    if (req.op === 'capture') {
      const direction = (req.direction ?? 'both') as CaptureFilter;
      if (direction !== 'in' && direction !== 'out' && direction !== 'both') {
        socket.end(`${JSON.stringify({ error: 'direction must be in, out or both' })}\n`);
        return;
      }
      try {
        const capture = session.capture(socket, { direction, interfaceName: name });
        capturing++;
        void capture.closed.then(() => capturing--);
        socket.resume(); // anything the client sends later is ignored; its close ends the capture
        socket.once('end', () => void capture.close());
      } catch (error) {
        socket.end(`${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n`);
      }
      return;
    }
    socket.end(`${JSON.stringify({ error: `unknown op ${JSON.stringify(req.op)}` })}\n`);
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (unix) chmodSync(path, 0o600);
  server.unref();
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.end();
      setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, 1000).unref();
    }));
  void session.closed.then(close);
  return {
    path,
    get readers() {
      return capturing;
    },
    close,
  };
}

/** True when something accepts connections at `path`. */
function isLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Options of {@link connectCaptureEndpoint}. */
export interface ConnectOptions {
  /** An explicit path instead of looking in the derived ones. */
  readonly path?: string | undefined;
  /** Give up connecting after this many milliseconds (default 2000). */
  readonly timeoutMs?: number | undefined;
}

/**
 * Finds and connects to the endpoint of adapter `name` and sends `request`.
 *
 * @returns the connected socket (read the answer from it; destroy it when done), or null when no
 *   application serves that name.
 * @throws WintunError `ERR_WINTUN_ACCESS_DENIED` when an endpoint exists but this user may not
 *   connect.
 */
export async function connectCaptureEndpoint(name: string, request: Record<string, unknown>, options: ConnectOptions = {}): Promise<Socket | null> {
  checkName('connectCaptureEndpoint', name);
  if (typeof request !== 'object' || request === null || Array.isArray(request) || typeof (request as { op?: unknown }).op !== 'string') {
    invalid(`connectCaptureEndpoint: request must be an object such as { op: 'capture' } or { op: 'status' }, got ${describe(request)}.`);
  }
  checkConnectOptions('connectCaptureEndpoint', options);
  const paths = options.path !== undefined ? [options.path] : captureEndpointPaths(name);
  let denied: string | null = null;
  for (const path of paths) {
    const socket = await new Promise<Socket | null>((resolve) => {
      const s = createConnection(path);
      const timer = setTimeout(() => {
        s.destroy();
        resolve(null);
      }, options.timeoutMs ?? 2000);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (e.code === 'EACCES' || e.code === 'EPERM') denied = path;
        resolve(null);
      });
    });
    if (socket !== null) {
      socket.write(`${JSON.stringify(request)}\n`);
      return socket;
    }
  }
  if (denied !== null) {
    throw new WintunError('ERR_WINTUN_ACCESS_DENIED', `The capture endpoint ${denied} of adapter ${name} refused this user; run as the user who runs the application, or as root/administrator.`);
  }
  return null;
}

/**
 * Reads the status of the application serving adapter `name`: its session counters and what the
 * application adds. Null when no application serves that name.
 *
 * @throws WintunError `ERR_WINTUN_ACCESS_DENIED` as {@link connectCaptureEndpoint};
 *   `ERR_WINTUN_TIMEOUT` when the application does not answer within `timeoutMs`.
 */
export async function fetchEndpointStatus(name: string, options: ConnectOptions = {}): Promise<Record<string, unknown> | null> {
  checkName('fetchEndpointStatus', name);
  checkConnectOptions('fetchEndpointStatus', options);
  const socket = await connectCaptureEndpoint(name, { op: 'status' }, options);
  if (socket === null) return null;
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new WintunError('ERR_WINTUN_TIMEOUT', `The application serving ${name} did not answer a status request.`));
    }, options.timeoutMs ?? 2000);
    socket.on('data', (d: Buffer) => (text += d.toString('utf8')));
    socket.once('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(text.trim()) as Record<string, unknown>);
      } catch {
        reject(new WintunError('ERR_WINTUN_INVALID_STATE', `The application serving ${name} sent a malformed status answer.`));
      }
    });
  });
}
