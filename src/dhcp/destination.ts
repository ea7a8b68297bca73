/**
 * Where a reply goes (RFC 2131 §4.1), with one deliberate difference: a client without an address gets
 * its reply by broadcast even when it did not set the broadcast bit, as Microsoft's own server does by
 * default (IgnoreBroadcastFlag=1, technet cc780718) — unicast to an unconfigured client needs L2 tricks
 * (ARP injection or raw sockets) that a Node socket cannot do, and every client accepts a broadcast.
 */
import { BROADCAST_IP, formatIpv4, ZERO_IP } from '../net/ipv4.js';
import { MessageType, Opt, type DhcpMessage } from './message.js';

export interface Ports {
  /** where servers and relays listen (67) */
  server: number;
  /** where clients listen (68) */
  client: number;
}

export const STANDARD_PORTS: Ports = { server: 67, client: 68 };

export interface Destination {
  address: string;
  port: number;
}

export function destinationOf(req: DhcpMessage, reply: DhcpMessage, ports: Ports): Destination {
  if (req.giaddr !== ZERO_IP) return { address: formatIpv4(req.giaddr), port: ports.server };
  const isNak = reply.options.get(Opt.MESSAGE_TYPE)?.[0] === MessageType.NAK;
  if (!isNak && req.ciaddr !== ZERO_IP) return { address: formatIpv4(req.ciaddr), port: ports.client };
  return { address: formatIpv4(BROADCAST_IP), port: ports.client };
}
