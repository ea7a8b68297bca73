/**
 * Windows: bind the switch adapter's own unicast address, never 0.0.0.0 (docs/windows.md#dhcp-and-dns-sockets).
 * Not run on real Windows yet (we have no Windows machine); every line below rests on the cited evidence.
 *
 * - On Windows a socket bound to an interface's unicast address also receives the broadcasts of that
 *   subnet ("broadcast packets are forwarded to all addresses bound within the subnet": ela-compil/BACnet
 *   PR #157; Technitium DhcpServer.cs, dhcpsrv IPBIND, jpmikkers rely on it), and 255.255.255.255 sent
 *   from it leaves by that interface (Tftpd64 DHCPSendFrom, YourFritz PR #13). A wildcard bind would
 *   send by the lowest-metric interface and may collide with ICS on the Default Switch (Technitium #702).
 * - No SO_REUSEADDR: on Windows it lets another process bind the same port and steal datagrams; libuv's
 *   maintainers call it harmful there (joyent/libuv #1360). `exclusive: true` only stops Node's cluster
 *   from sharing the handle; Node cannot set SO_EXCLUSIVEADDRUSE, so a process that itself binds with
 *   SO_REUSEADDR could still share the port.
 * - Windows reports an ICMP port-unreachable for an earlier send as ECONNRESET on the UDP socket. libuv
 *   already swallows WSAECONNRESET/WSAENETRESET on receive (libuv src/win/udp.c, uv_process_udp_recv_req);
 *   should one reach the 'error' event anyway it is dropped (ignoreErrorCodes), never fatal.
 * - The firewall silently drops inbound broadcasts to port 67 unless a rule allows them
 *   (jpmikkers/DHCPServer #1): that rule is the reconciler's job, not this module's.
 */
import { createSocket, type Socket } from 'node:dgram';
import { EnvironmentError } from '../../errors.js';
import type { BoundUdpSocket, TransportOptions } from './types.js';

function describeBindError(
  err: unknown,
  opts: Pick<TransportOptions, 'interfaceName' | 'hostAddress' | 'port'>,
) {
  const code =
    typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
  const where = `${opts.hostAddress}:${opts.port} (${opts.interfaceName})`;
  const detail = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'EADDRINUSE': // WSAEADDRINUSE 10048 (Technitium #336/#864)
      return new EnvironmentError(
        `UDP port ${opts.port} on ${opts.interfaceName} (${opts.hostAddress}) is in use by another process ` +
          `(another DHCP server? Internet Connection Sharing?) (${detail})`,
        { cause: err },
      );
    case 'EADDRNOTAVAIL': // WSAEADDRNOTAVAIL 10049
      return new EnvironmentError(
        `${opts.hostAddress} is not assigned to any adapter; is "${opts.interfaceName}" up with that address? (${detail})`,
        { cause: err },
      );
    case 'EACCES': // WSAEACCES 10013: held exclusively by another process, or an excluded port range
      return new EnvironmentError(
        `access denied binding UDP ${where}: another process holds the port exclusively, or it is in an ` +
          `excluded range (netsh interface ipv4 show excludedportrange protocol=udp) (${detail})`,
        { cause: err },
      );
    default:
      return new EnvironmentError(`cannot bind UDP ${where} (${detail})`, { cause: err });
  }
}

function bindOnce(socket: Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      socket.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      socket.off('error', onError);
      resolve();
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
    socket.bind({ address, port, exclusive: true });
  });
}

export async function openWindowsSocket(
  opts: Pick<TransportOptions, 'interfaceName' | 'hostAddress' | 'port'>,
): Promise<BoundUdpSocket> {
  const socket = createSocket({ type: 'udp4', reuseAddr: false });
  try {
    await bindOnce(socket, opts.hostAddress, opts.port);
    socket.setBroadcast(true);
  } catch (err) {
    try {
      socket.close();
    } catch {
      // not running
    }
    throw describeBindError(err, opts);
  }
  return {
    socket,
    description: `${opts.hostAddress}:${opts.port} on ${opts.interfaceName} (unicast bind, exclusive)`,
    ignoreErrorCodes: new Set(['ECONNRESET']),
  };
}
