/** DHCPRELEASE (RFC 2131 §4.3.4): free the address; never answered. */
import { formatIpv4 } from '../../net/ipv4.js';
import { MessageType } from '../message.js';
import type { Handler } from './exchange.js';
import { drop } from './reply.js';

export const release: Handler = (ex, { db }) => {
  if (ex.type !== MessageType.RELEASE) return 'next';
  const ip = ex.req.ciaddr;
  const lease = db.release(ex.mac, ip, ex.now);
  if (!lease) return drop(ex, `RELEASE of ${formatIpv4(ip)}, which this client does not hold`);
  ex.commit.push(lease);
  ex.event = { kind: 'release', mac: ex.mac, ip: formatIpv4(ip) };
  return drop(ex, `RELEASE: ${formatIpv4(ip)} freed`);
};
