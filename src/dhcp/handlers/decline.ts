/**
 * DHCPDECLINE (RFC 2131 §4.3.3): the client found the address in use (its ARP probe was answered). The
 * address is quarantined for dhcp.declineProbation and never answered. Whose lease it is: lease-owner.ts.
 */
import { formatIpv4 } from '../../net/ipv4.js';
import { formatDuration } from '../../config/duration.js';
import { MessageType, Opt } from '../message.js';
import { getIp } from '../options.js';
import type { Handler } from './exchange.js';
import { leaseOwner } from './lease-owner.js';
import { drop } from './reply.js';

export const decline: Handler = (ex, { db, scope }) => {
  if (ex.type !== MessageType.DECLINE) return 'next';
  const serverId = getIp(ex.req.options, Opt.SERVER_ID);
  if (serverId !== undefined && serverId !== scope.host)
    return drop(ex, 'DECLINE addressed to another server');
  const ip = getIp(ex.req.options, Opt.REQUESTED_IP);
  if (ip === undefined) return drop(ex, 'DECLINE without option 50');
  const owner = leaseOwner(ex, db, ip);
  if ('refused' in owner) return drop(ex, `DECLINE not acted on: ${owner.refused}`);
  const q = db.decline(owner.mac, ip, ex.now);
  if (!q) return drop(ex, `DECLINE not acted on: ${formatIpv4(ip)} was not given to this client`);
  ex.commit.push(q);
  const detail = `another host answers on it; quarantined for ${formatDuration(scope.declineProbationMs / 1000)}`;
  ex.event = { kind: 'decline', mac: owner.mac, ip: formatIpv4(ip), detail };
  return drop(ex, `DECLINE: ${formatIpv4(ip)} ${detail}`);
};
