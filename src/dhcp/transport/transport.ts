/**
 * The DHCP server's UDP transport: the only place it touches sockets. The server sees datagrams in and
 * datagrams out; which interface they use is fixed here, per platform (research/dhcp-anchors.md §5.3):
 *
 * - Linux (linux.ts): 0.0.0.0:port with SO_BINDTODEVICE=<interface>, made by the native helper and handed
 *   to dgram by fd. It receives 255.255.255.255 only from that interface, and replies to
 *   255.255.255.255 leave by that interface even without a route.
 * - Windows (windows.ts): the interface's unicast address:port, which on Windows also receives that
 *   subnet's broadcasts; broadcasts sent from it leave by that interface.
 *
 * This module does not decide *whether* to serve on an interface (static address, not a LAN that has a
 * DHCP server): the caller checks that first (Linux: host/linux/interfaces.ts checkServeInterface).
 */
import type { Socket } from 'node:dgram';
import { EnvironmentError } from '../../errors.js';
import { openLinuxSocket } from './linux.js';
import { openWindowsSocket } from './windows.js';

export interface Peer {
  address: string;
  port: number;
}

export type MessageHandler = (data: Buffer, from: Peer) => void;

/** Errors the socket reports after it is open, and exceptions thrown by the message handler. */
export type SocketErrorHandler = (err: Error) => void;

export interface DatagramTransport {
  /**
   * Sets the handler for incoming datagrams (a second call replaces it; datagrams that arrive while no
   * handler is set are dropped). An exception thrown by the handler goes to `onSocketError`, never up.
   */
  onMessage(handler: MessageHandler): void;
  /**
   * Sends one datagram. Resolves when the kernel has taken it; rejects with the system error (e.g.
   * ENETUNREACH) or when the transport is closed. A promise rather than a callback: its cost (well under a
   * microsecond) is noise beside the send syscall at the few thousand replies per second a DHCP server
   * sees, and it lets the caller await each reply in order and count or log failures in one place.
   */
  send(data: Uint8Array, port: number, address: string): Promise<void>;
  /** Closes the socket; idempotent. */
  close(): Promise<void>;
  /** For logs, e.g. "0.0.0.0:67 bound to device sy-br0 (host 10.0.251.1), receive buffer 425984 bytes". */
  readonly description: string;
}

export interface TransportOptions {
  /** Linux: the device name (bridge or interface); Windows: the adapter alias, used in messages only. */
  interfaceName: string;
  /** The server's address on that interface (Windows binds to it; Linux reports it). */
  hostAddress: string;
  /** 67 in production; a high port in tests. */
  port: number;
  /** Defaults to process.platform. */
  platform?: NodeJS.Platform;
  /** Where socket errors after opening go (they never crash the process). Default: process.emitWarning. */
  onSocketError?: SocketErrorHandler;
  /** SO_RCVBUF to ask for, best-effort (Linux caps it at net.core.rmem_max). Default 4 MiB. */
  recvBufferSize?: number;
}

/** A socket bound by a platform module, ready to be wrapped. */
export interface BoundUdpSocket {
  socket: Socket;
  description: string;
  /** Error codes that are expected noise on this platform and are dropped without a report. */
  ignoreErrorCodes: ReadonlySet<string>;
}

export const DEFAULT_RECV_BUFFER_BYTES = 4 * 1024 * 1024;

/** Opens the DHCP transport for this platform; throws EnvironmentError with a message fit for the user. */
export async function openTransport(opts: TransportOptions): Promise<DatagramTransport> {
  const platform = opts.platform ?? process.platform;
  let bound: BoundUdpSocket;
  switch (platform) {
    case 'linux':
      bound = openLinuxSocket(opts);
      break;
    case 'win32':
      bound = await openWindowsSocket(opts);
      break;
    default:
      throw new EnvironmentError(`serving DHCP is supported on Linux and Windows, not on ${platform}`);
  }
  return wrapSocket(bound, opts);
}

function errorCode(err: unknown): string | undefined {
  const code: unknown = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** Turns a bound dgram socket into a DatagramTransport. Must be called in the tick the socket was bound. */
export function wrapSocket(
  bound: BoundUdpSocket,
  opts: Pick<TransportOptions, 'onSocketError' | 'recvBufferSize'>,
): DatagramTransport {
  const { socket, ignoreErrorCodes } = bound;
  const report: SocketErrorHandler =
    opts.onSocketError ??
    ((err) => {
      process.emitWarning(`UDP socket error (${bound.description}): ${err.message}`, 'SwitchyardTransport');
    });
  // Any 'error' event without a listener would throw and end the process; this listener is permanent.
  socket.on('error', (err) => {
    const code = errorCode(err);
    if (code !== undefined && ignoreErrorCodes.has(code)) return;
    report(err);
  });

  let receive: string;
  try {
    socket.setRecvBufferSize(opts.recvBufferSize ?? DEFAULT_RECV_BUFFER_BYTES);
    receive = `receive buffer ${socket.getRecvBufferSize()} bytes`;
  } catch (err) {
    receive = `receive buffer unchanged (${err instanceof Error ? err.message : String(err)})`;
  }

  let handler: MessageHandler | undefined;
  socket.on('message', (msg, rinfo) => {
    if (!handler) return;
    try {
      handler(msg, { address: rinfo.address, port: rinfo.port });
    } catch (err) {
      report(err instanceof Error ? err : new Error(String(err)));
    }
  });

  let closed: Promise<void> | undefined;
  return {
    description: `${bound.description}, ${receive}`,
    onMessage(h) {
      handler = h;
    },
    send(data, port, address) {
      return new Promise((resolve, reject) => {
        socket.send(data, port, address, (err) => {
          if (err) reject(err);
          else resolve();
        });
      });
    },
    close() {
      closed ??= new Promise((resolve) => {
        try {
          socket.close(() => {
            resolve();
          });
        } catch {
          resolve(); // already closed
        }
      });
      return closed;
    },
  };
}
