/**
 * DHCPRELEASE (RFC 2131 §4.3.4): "Upon receipt of a DHCPRELEASE message, the server marks the network
 * address as not allocated." Never answered. Whose lease it is: lease-owner.ts.
 */
import { formatIpv4 } from '../../net/ipv4.js';
import { MessageType } from '../message.js';
import type { Handler } from './exchange.js';
import { leaseOwner } from './lease-owner.js';
import { drop } from './reply.js';

export const release: Handler = (ex, { db }) => {
  if (ex.type !== MessageType.RELEASE) return 'next';
  const ip = ex.req.ciaddr;
  const owner = leaseOwner(ex, db, ip);
  if ('refused' in owner) return drop(ex, `RELEASE not acted on: ${owner.refused}`);
  const lease = db.release(owner.mac, ip, ex.now);
  if (!lease) return drop(ex, `RELEASE not acted on: ${formatIpv4(ip)} is not held by this client`);
  ex.commit.push(lease);
  const how = owner.via === 'client-id' ? ` (lease of ${owner.mac}, same client-id from ${ex.mac})` : '';
  ex.event = { kind: 'release', mac: owner.mac, ip: formatIpv4(ip), ...(how ? { detail: how.trim() } : {}) };
  return drop(ex, `RELEASE: ${formatIpv4(ip)} freed${how}`);
};
