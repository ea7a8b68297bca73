/**
 * Where the control channel lives, and why only the daemon's owner and administrators can use it.
 * It is never a TCP port: nothing on the network, nor any local user, can reach it by address.
 *
 * Linux / macOS: a Unix socket, `<stateDir>/control.sock`.
 * - The socket file is born with mode 0600: the server sets umask 0177 around the bind, and chmods 0600 right
 *   after listen. A socket file otherwise gets "all permissions enabled, other than those that are turned off
 *   by the process umask" (unix(7)), i.e. 0755 under the usual umask — the window the umask closes.
 * - "On Linux, connecting to a stream socket object requires write permission on that socket", but "POSIX does
 *   not make any statement about the effect of the permissions on a socket file, and on some systems (e.g.,
 *   older BSDs), the socket permissions are ignored. Portable programs should not rely on this feature for
 *   security." (unix(7), "Pathname socket ownership and permissions",
 *   https://man7.org/linux/man-pages/man7/unix.7.html). So the directory is the portable guard: the state dir
 *   is created 0700 (journal.ts, server.ts), and a directory that others can write to, or that someone else
 *   owns, is refused (they could swap the socket for their own).
 * - root bypasses both checks, so root can always open it; that is intended ("owner and administrators").
 * - sun_path is short: Node.js documents the limit as `sizeof(sockaddr_un.sun_path) - 1`, "107 bytes on Linux
 *   and 103 bytes on macOS" (https://nodejs.org/api/net.html#identifying-paths-for-ipc-connections). Node 20
 *   (libuv 1.46) silently truncates a longer path — checked: it binds a socket under the cut name — so
 *   longer paths are refused up front (`socketPathProblem`).
 *
 * Windows: a named pipe `\\.\pipe\switchyard-<16 hex of sha256(state dir)>`, so two daemons with different
 * state dirs get different pipes. The pipe namespace is flat and not tied to the state dir's ACL.
 * - Node (libuv src/win/pipe.c, uv_pipe_bind) creates the pipe with CreateNamedPipeW(…, PIPE_ACCESS_DUPLEX |
 *   FILE_FLAG_FIRST_PIPE_INSTANCE, …, lpSecurityAttributes = NULL); we pass neither readableAll nor writableAll,
 *   which are the only options that change its DACL.
 * - With NULL: "the named pipe gets a default security descriptor. The ACLs in the default security descriptor
 *   for a named pipe grant full control to the LocalSystem account, administrators, and the creator owner.
 *   They also grant read access to members of the Everyone group and the anonymous account."
 *   (Microsoft, "Named Pipe Security and Access Rights",
 *   https://learn.microsoft.com/en-us/windows/win32/ipc/named-pipe-security-and-access-rights). Writing needs
 *   FILE_GENERIC_WRITE, which other users lack, so they cannot send a request. libuv's client does fall back to
 *   opening read-only; such a connection can never send a request line, so it gets no data and is cut off at the
 *   request deadline (it does hold one of the limited connection slots meanwhile).
 * - FILE_FLAG_FIRST_PIPE_INSTANCE makes the bind fail (EADDRINUSE) if any process already holds the name, so
 *   a second daemon refuses to start. The flip side: a process that creates the name first (squatting) keeps
 *   the daemon from starting, and a CLI that connects while no daemon runs could reach that impostor. Checking
 *   the server's identity (GetNamedPipeServerProcessId) is not available from Node; known limitation.
 * - None of this has been tested on Windows: it follows the documentation and libuv's source only.
 */
import { createHash } from 'node:crypto';
import { posix, win32 } from 'node:path';

export const SOCKET_NAME = 'control.sock';

export function controlPath(stateDir: string, platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? pipeName(stateDir) : posix.join(stateDir, SOCKET_NAME);
}

/**
 * Spellings of one directory map to one pipe: resolved (so `C:\x\`, `C:/x` and `c:\X` agree; Windows paths are
 * case-insensitive by default) before hashing.
 */
export function pipeName(stateDir: string): string {
  const canonical = win32.resolve(stateDir).toLowerCase();
  const hash = createHash('sha256').update(canonical, 'utf8').digest('hex').slice(0, 16);
  return `\\\\.\\pipe\\switchyard-${hash}`;
}

export function isPipePath(path: string): boolean {
  return /^\\\\[.?]\\pipe\\/i.test(path);
}

/** Longest usable Unix socket path, in bytes: sizeof(sun_path) - 1. */
export function maxSocketPathBytes(platform: NodeJS.Platform = process.platform): number {
  return platform === 'linux' ? 107 : 103;
}

/** Why this Unix socket path cannot be used, or undefined when it can. */
export function socketPathProblem(
  path: string,
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const bytes = Buffer.byteLength(path, 'utf8');
  const max = maxSocketPathBytes(platform);
  return bytes > max
    ? `control socket path ${path} is ${bytes} bytes; the limit is ${max}: use a shorter --state-dir`
    : undefined;
}
