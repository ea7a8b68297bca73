/**
 * The DHCP transport's shapes, apart from the code that opens sockets (transport.ts, linux.ts, windows.ts),
 * so that those modules depend on this one and not on each other.
 */
import type { Socket } from 'node:dgram';

export interface Peer {
  address: string;
  port: number;
}

export type MessageHandler = (data: Buffer, from: Peer) => void;

export type SendDone = (err: Error | null) => void;

/** Errors the socket reports after it is open, and exceptions thrown by the message handler. */
export type SocketErrorHandler = (err: Error) => void;

export interface DatagramTransport {
  /**
   * Sets the handler for incoming datagrams (a second call replaces it; datagrams that arrive while no
   * handler is set are dropped). An exception thrown by the handler goes to `onSocketError`, never up.
   */
  onMessage(handler: MessageHandler): void;
  /**
   * Sends one datagram; the caller must not change `data` afterwards (dgram reads it when it sends).
   * `done`, if given, is called once: with null when the kernel has taken it, or with the system error
   * (e.g. ENETUNREACH) or because the transport is closed. A callback rather than a promise: a promise
   * per reply was two more objects per packet on the hot path, and the server only logs failures.
   */
  send(data: Uint8Array, port: number, address: string, done?: SendDone): void;
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
