/** DHCPDISCOVER → DHCPOFFER (RFC 2131 §4.3.1). The offer holds its address briefly, in memory only. */
import { formatIpv4 } from '../../net/ipv4.js';
import { MessageType, Opt } from '../message.js';
import { getIp } from '../options.js';
import { clientInfo } from './client-info.js';
import type { Handler } from './exchange.js';
import { drop, newReply } from './reply.js';

export const discover: Handler = (ex, { db, scope }) => {
  if (ex.type !== MessageType.DISCOVER) return 'next';
  const requested = getIp(ex.req.options, Opt.REQUESTED_IP);
  const choice = db.choose(ex.mac, requested, ex.now);
  if ('refused' in choice) {
    const detail =
      choice.refused === 'lease-cap'
        ? `dynamic lease cap reached: ${db.dynamicActive()} of dhcp.maxLeases ${scope.maxLeases} (active leases are never evicted)`
        : `pool exhausted: all ${db.pool.size} addresses are leased, offered, reserved or quarantined`;
    ex.event = { kind: 'exhausted', mac: ex.mac, detail };
    return drop(ex, detail);
  }
  const ip = choice.ip;
  if (choice.fresh && scope.conflictProbe) ex.probe = ip;
  db.offer(ex.mac, ip, ex.now, clientInfo(ex.req));
  ex.reply = newReply(ex.req, MessageType.OFFER, ip);
  ex.reason = `OFFER ${formatIpv4(ip)}`;
  ex.event = { kind: 'offer', mac: ex.mac, ip: formatIpv4(ip) };
  return 'next';
};
