/**
 * The daemon's side of the control channel (path.ts says where it lives and who may open it). Each connection
 * carries one request; whatever a client sends — garbage, too much, too little, nothing — costs a bounded
 * amount of memory and time and ends in an error response or a closed connection, never in a crash.
 */
import { chmod, lstat, mkdir, stat, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { EnvironmentError } from '../../errors.js';
import { callDaemon } from './client.js';
import { isPipePath, socketPathProblem } from './path.js';
import {
  encodeResponse,
  isParseError,
  LineReader,
  MAX_REQUEST_BYTES,
  parseRequest,
  type Request,
  type Response,
} from './protocol.js';

type Awaitable<T> = T | Promise<T>;

export interface ControlHandlers {
  status(): Awaitable<unknown>;
  leases(): Awaitable<unknown>;
  reload(): Promise<unknown>;
}

export interface ControlServer {
  path: string;
  close(): Promise<void>;
}

export interface ControlServerOptions {
  path: string;
  handlers: ControlHandlers;
  log?: (msg: string) => void;
  /** A client must send its whole request line within this (default 5000 ms), and read the answer within it. */
  requestTimeoutMs?: number;
  /** A handler that takes longer gets an error response sent in its place (default 60000 ms). */
  handlerTimeoutMs?: number;
  /** Connections beyond this are closed as they arrive (default 16). */
  maxConnections?: number;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The socket's directory must be ours (or root's) and writable by nobody else, or the socket could be swapped. */
async function prepareDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await stat(dir);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid && st.uid !== 0) {
    throw new EnvironmentError(`state dir ${dir} belongs to uid ${st.uid}, not to this user (uid ${uid})`);
  }
  if ((st.mode & 0o022) !== 0) {
    throw new EnvironmentError(
      `state dir ${dir} is writable by others (mode ${(st.mode & 0o777).toString(8)}): run chmod 700 ${dir}`,
    );
  }
}

/** A socket file already there: refuse if a daemon answers on it, remove it if it is stale. */
async function clearStaleSocket(path: string, log: (msg: string) => void): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!isSocket) throw new EnvironmentError(`${path} exists and is not a socket; move it out of the way`);
  const probe = await callDaemon(path, 'status', {}, { timeoutMs: 1000 });
  if (probe.running) {
    throw new EnvironmentError(
      `another switchyard daemon is already running with state dir ${dirname(path)}`,
    );
  }
  log(`removing stale control socket ${path}`);
  await unlink(path).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  });
}

function listen(server: Server, path: string, pipe: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      reject(
        e.code !== 'EADDRINUSE'
          ? e
          : new EnvironmentError(
              pipe
                ? `another switchyard daemon (or another program) already holds the pipe ${path}`
                : `another switchyard daemon is already running with state dir ${dirname(path)}`,
            ),
      );
    };
    server.once('error', onError);
    // listen() binds synchronously (the socket file is created before it returns), so the umask covers
    // exactly the bind; process-wide, it may also touch a file another thread creates in that instant.
    const old = pipe ? undefined : process.umask(0o177);
    try {
      server.listen(path, () => {
        server.off('error', onError);
        resolve();
      });
    } finally {
      if (old !== undefined) process.umask(old);
    }
  });
}

async function run(handlers: ControlHandlers, req: Request): Promise<unknown> {
  switch (req.method) {
    case 'status':
      return handlers.status();
    case 'leases':
      return handlers.leases();
    case 'reload':
      return handlers.reload();
  }
}

function serveConnection(socket: Socket, o: Required<ControlServerOptions>): void {
  const reader = new LineReader(MAX_REQUEST_BYTES);
  let phase: 'reading' | 'handling' | 'done' = 'reading';
  let timer = setTimeout(() => {
    reply({ ok: false, error: `no complete request line within ${o.requestTimeoutMs} ms` });
  }, o.requestTimeoutMs);

  function reply(r: Response): void {
    if (phase === 'done') return;
    phase = 'done';
    clearTimeout(timer);
    if (socket.destroyed) return;
    // The client has the same time again to read the answer and hang up.
    timer = setTimeout(() => socket.destroy(), o.requestTimeoutMs);
    socket.end(encodeResponse(r));
  }

  function dispatch(line: string): void {
    phase = 'handling';
    clearTimeout(timer);
    const req = parseRequest(line);
    if (isParseError(req)) {
      reply(
        req.id === undefined ? { ok: false, error: req.error } : { id: req.id, ok: false, error: req.error },
      );
      return;
    }
    timer = setTimeout(() => {
      o.log(`control: ${req.method} did not finish within ${o.handlerTimeoutMs} ms`);
      reply({ id: req.id, ok: false, error: `${req.method} did not finish within ${o.handlerTimeoutMs} ms` });
    }, o.handlerTimeoutMs);
    Promise.resolve()
      .then(() => run(o.handlers, req))
      .then(
        (result) => {
          reply({ id: req.id, ok: true, result });
        },
        (e: unknown) => {
          o.log(`control: ${req.method} failed: ${message(e)}`);
          reply({ id: req.id, ok: false, error: message(e) });
        },
      );
  }

  socket.on('data', (chunk: Buffer) => {
    if (phase !== 'reading') return; // anything after the request line is read and dropped
    const r = reader.push(chunk);
    if (r === undefined) return;
    if ('line' in r) dispatch(r.line);
    else reply({ ok: false, error: `request line longer than ${MAX_REQUEST_BYTES} bytes` });
  });
  socket.on('end', () => {
    if (phase !== 'reading') return;
    const r = reader.end();
    if (r !== undefined && 'line' in r) dispatch(r.line);
    else {
      phase = 'done';
      clearTimeout(timer);
      socket.end();
    }
  });
  socket.on('error', (e) => {
    o.log(`control: connection error: ${e.message}`);
  });
  socket.on('close', () => {
    clearTimeout(timer);
  });
}

export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  const o: Required<ControlServerOptions> = {
    log: () => undefined,
    requestTimeoutMs: 5000,
    handlerTimeoutMs: 60_000,
    maxConnections: 16,
    ...opts,
  };
  const { path } = o;
  const pipe = isPipePath(path);
  if (!pipe) {
    const problem = socketPathProblem(path);
    if (problem !== undefined) throw new EnvironmentError(problem);
    await prepareDirectory(dirname(path));
    await clearStaleSocket(path, o.log);
  }

  const sockets = new Set<Socket>();
  // allowHalfOpen: a client may shut its writing side after the request and still get the answer.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveConnection(socket, o);
  });
  server.maxConnections = o.maxConnections;
  await listen(server, path, pipe);
  server.on('error', (e) => {
    o.log(`control: server error: ${e.message}`);
  });
  if (!pipe) {
    try {
      await chmod(path, 0o600);
    } catch (e) {
      server.close();
      throw e;
    }
  }

  return {
    path,
    // Node unlinks the socket file when the server closes.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        for (const s of sockets) s.destroy();
      }),
  };
}
