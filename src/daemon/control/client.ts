/** The CLI's side of the control channel: one request, one answer, or the news that no daemon is running. */
import { createConnection } from 'node:net';
import {
  encodeRequest,
  isParseError,
  LineReader,
  MAX_RESPONSE_BYTES,
  parseResponse,
  type Method,
} from './protocol.js';

export type DaemonReply =
  | { running: false }
  | { running: true; ok: true; result: unknown }
  | { running: true; ok: false; error: string };

export interface CallOptions {
  /** From starting to connect until the whole answer has arrived (default 5000). */
  timeoutMs?: number;
}

const REQUEST_ID = 1;

function failed(error: string): DaemonReply {
  return { running: true, ok: false, error };
}

function fromLine(path: string, line: string): DaemonReply {
  const r = parseResponse(line);
  if (isParseError(r)) return failed(`the daemon on ${path} sent an unreadable answer: ${r.error}`);
  if (r.id !== undefined && r.id !== REQUEST_ID) {
    return failed(`the daemon on ${path} answered request ${r.id}, not ${REQUEST_ID}`);
  }
  return r.ok ? { running: true, ok: true, result: r.result } : failed(r.error);
}

/**
 * Never rejects. No socket file / pipe (ENOENT) or a socket nobody listens on (ECONNREFUSED, left by a daemon
 * that died) means no daemon: `{ running: false }`, and the caller falls back (e.g. `leases` reads the journal).
 */
export function callDaemon(
  path: string,
  method: Method,
  params: Record<string, unknown> = {},
  opts: CallOptions = {},
): Promise<DaemonReply> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  return new Promise((resolve) => {
    const reader = new LineReader(MAX_RESPONSE_BYTES);
    let connected = false;
    let settled = false;
    const socket = createConnection(path);
    const finish = (r: DaemonReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => {
      finish(failed(`the daemon did not answer within ${timeoutMs} ms on ${path}`));
    }, timeoutMs);

    socket.on('connect', () => {
      connected = true;
      socket.write(encodeRequest({ id: REQUEST_ID, method, params }));
    });
    socket.on('data', (chunk: Buffer) => {
      const r = reader.push(chunk);
      if (r === undefined) return;
      finish('tooLong' in r ? failed(`the daemon's answer on ${path} is too large`) : fromLine(path, r.line));
    });
    socket.on('end', () => {
      const r = reader.end();
      if (r !== undefined && 'line' in r) finish(fromLine(path, r.line));
      else finish(failed(`the daemon on ${path} closed the connection without answering`));
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (!connected && (e.code === 'ENOENT' || e.code === 'ECONNREFUSED')) finish({ running: false });
      else if (e.code === 'EACCES' || e.code === 'EPERM') {
        finish(
          failed(
            `permission denied on the daemon's control channel ${path}: only the daemon's user and root/Administrators may use it`,
          ),
        );
      } else finish(failed(`control channel ${path}: ${e.message}`));
    });
  });
}
