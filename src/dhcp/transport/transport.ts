/**
 * The DHCP server's UDP transport: the only place it touches sockets. The server sees datagrams in and
 * datagrams out; which interface they use is fixed here, per platform (docs/dhcp.md#where-it-answers):
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
import { EnvironmentError } from '../../errors.js';
import { openLinuxSocket } from './linux.js';
import {
  DEFAULT_RECV_BUFFER_BYTES,
  type BoundUdpSocket,
  type DatagramTransport,
  type MessageHandler,
  type SocketErrorHandler,
  type TransportOptions,
} from './types.js';
import { openWindowsSocket } from './windows.js';

export type {
  BoundUdpSocket,
  DatagramTransport,
  MessageHandler,
  Peer,
  SendDone,
  SocketErrorHandler,
  TransportOptions,
} from './types.js';
export { DEFAULT_RECV_BUFFER_BYTES } from './types.js';

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

/** Socket errors nobody asked to hear about become process warnings (never a crash). */
function defaultReport(description: string): SocketErrorHandler {
  return (err) => {
    process.emitWarning(`UDP socket error (${description}): ${err.message}`, 'SwitchyardTransport');
  };
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
  const report = opts.onSocketError ?? defaultReport(bound.description);
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
    send(data, port, address, done) {
      try {
        socket.send(
          data,
          port,
          address,
          done
            ? (err) => {
                done(err ?? null);
              }
            : undefined,
        );
      } catch (err) {
        // dgram throws synchronously for a closed socket or a bad port (ERR_SOCKET_DGRAM_NOT_RUNNING, ...)
        done?.(err instanceof Error ? err : new Error(String(err)));
      }
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
