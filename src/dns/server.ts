/**
 * The DNS sockets of one switch: UDP and TCP on port 53 of the switch host address only (never the wildcard,
 * so nothing is served on the uplink or the VPN). The shell around Resolver: bytes in, bytes out.
 *
 * TCP (RFC 7766): two-byte length framing, several queries per connection answered as they complete, an idle
 * timeout, and caps on connections overall and per client so a slow or hostile client cannot hold sockets.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { EnvironmentError } from '../errors.js';
import type { Logger } from '../log.js';
import { formatIpv4, parseIpv4, type Ipv4 } from '../net/ipv4.js';
import type { Resolver } from './resolver.js';

export interface DnsServerOptions {
  address: Ipv4;
  port: number;
  resolver: Resolver;
  log: Logger;
  /** What the server is for, in errors: e.g. `switch "lab" (br-lab)`. */
  label: string;
  maxConnections?: number;
  maxConnectionsPerClient?: number;
  idleTimeoutMs?: number;
}

export interface DnsServer {
  readonly description: string;
  close(): Promise<void>;
}

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const host = formatIpv4(opts.address);
  const udp = createSocket({ type: 'udp4', reuseAddr: false });
  udp.on('error', (err) => {
    opts.log.warn({ err: err.message, address: host }, 'DNS: UDP socket error (ignored)');
  });
  udp.on('message', (msg, rinfo) => {
    const from = parseIpv4(rinfo.address);
    if (from === undefined) return;
    void opts.resolver.handle(msg, from, 'udp').then(
      (out) => {
        if (out) udp.send(out, rinfo.port, rinfo.address);
      },
      (err: unknown) => {
        opts.log.error({ err: String(err) }, 'DNS: query handling failed (dropped)');
      },
    );
  });
  await bindUdp(udp, host, opts);

  const connections = new Set<TcpSocket>();
  const tcp = startTcp(opts, connections);
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', (e) => {
        reject(bindError(e, 'TCP', host, opts));
      });
      tcp.listen({ host, port: opts.port, exclusive: true }, () => {
        resolve();
      });
    });
  } catch (e) {
    udp.close();
    throw e;
  }
  tcp.on('error', (err) => {
    opts.log.warn({ err: err.message, address: host }, 'DNS: TCP server error (ignored)');
  });
  return {
    description: `udp+tcp ${host}:${opts.port}`,
    close: async () => {
      await Promise.all([
        new Promise<void>((r) => {
          udp.close(() => {
            r();
          });
        }),
        new Promise<void>((r) => {
          tcp.close(() => {
            r();
          });
          for (const c of connections) c.destroy();
        }),
      ]);
    },
  };
}

function startTcp(opts: DnsServerOptions, connections: Set<TcpSocket>): Server {
  const maxConn = opts.maxConnections ?? 128;
  const maxPerClient = opts.maxConnectionsPerClient ?? 16;
  const idleMs = opts.idleTimeoutMs ?? 10_000;
  const perClient = new Map<string, number>();
  const server = createServer((sock) => {
    const peer = sock.remoteAddress ?? '';
    const from = parseIpv4(peer.replace(/^::ffff:/, ''));
    const count = perClient.get(peer) ?? 0;
    if (from === undefined || connections.size >= maxConn || count >= maxPerClient) {
      sock.destroy();
      return;
    }
    perClient.set(peer, count + 1);
    connections.add(sock);
    sock.setTimeout(idleMs, () => sock.destroy());
    sock.on('error', () => undefined);
    sock.on('close', () => {
      connections.delete(sock);
      const n = (perClient.get(peer) ?? 1) - 1;
      if (n <= 0) perClient.delete(peer);
      else perClient.set(peer, n);
    });
    let buf: Buffer = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const n = buf.readUInt16BE(0);
        if (buf.length < 2 + n) break;
        const msg = buf.subarray(2, 2 + n);
        buf = buf.subarray(2 + n);
        void opts.resolver.handle(msg, from, 'tcp').then(
          (out) => {
            if (!out || sock.destroyed) return;
            const len = Buffer.alloc(2);
            len.writeUInt16BE(out.length);
            sock.write(Buffer.concat([len, out]));
          },
          (err: unknown) => {
            opts.log.error({ err: String(err) }, 'DNS: TCP query handling failed (dropped)');
          },
        );
      }
    });
  });
  server.maxConnections = maxConn;
  return server;
}

function bindUdp(udp: Socket, host: string, opts: DnsServerOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => {
      udp.close();
      reject(bindError(e, 'UDP', host, opts));
    };
    udp.once('error', onError);
    udp.bind({ address: host, port: opts.port, exclusive: true }, () => {
      udp.off('error', onError);
      resolve();
    });
  });
}

function bindError(e: Error, proto: string, host: string, opts: DnsServerOptions): EnvironmentError {
  const code = 'code' in e && typeof e.code === 'string' ? e.code : '';
  const where = `${proto} ${host}:${opts.port} for ${opts.label}`;
  if (code === 'EADDRINUSE') {
    return new EnvironmentError(
      `DNS: ${where} is in use by another process (on Windows often Internet Connection Sharing, the ` +
        `SharedAccess service; on Linux a dnsmasq or systemd-resolved listening on all addresses) (${e.message})`,
      { cause: e },
    );
  }
  if (code === 'EACCES') {
    return new EnvironmentError(`DNS: ${where}: port ${opts.port} needs root/Administrator (${e.message})`, {
      cause: e,
    });
  }
  return new EnvironmentError(`DNS: cannot listen on ${where}: ${e.message}`, { cause: e });
}
