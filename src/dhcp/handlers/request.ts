/**
 * DHCPREQUEST (RFC 2131 §4.3.2). The client's state is read off the packet:
 *   SELECTING    option 54 present, option 50 present, ciaddr 0
 *   INIT-REBOOT  no 54, option 50 present, ciaddr 0
 *   RENEWING     no 54, no 50, ciaddr set (unicast to us)
 *   REBINDING    same fields as RENEWING, broadcast (indistinguishable here, and treated alike)
 * We are authoritative by default: the switch has no other server, so a client on a stale address is told
 * at once (NAK) instead of being left to time out. But INIT-REBOOT from a client we have no record of (no
 * lease, no reservation) gets nothing, as RFC 2131 §4.3.2 requires: "If the DHCP server has no record of
 * this client, then it MUST remain silent, and MAY output a warning to the network administrator." The
 * client then falls back to DISCOVER (§4.4.2). A reservation always wins, even over an address the
 * client held before (dnsmasq's "static lease available"; docs/dhcp.md#dhcprequest-and-being-authoritative).
 */
import { formatIpv4, ZERO_IP, type Ipv4 } from '../../net/ipv4.js';
import { describe } from '../lease-db.js';
import { MessageType, Opt } from '../message.js';
import { getIp } from '../options.js';
import { clientInfo } from './client-info.js';
import type { Exchange, Handler, PolicyContext } from './exchange.js';
import { drop, nak, newReply } from './reply.js';

export const request: Handler = (ex, ctx) => {
  if (ex.type !== MessageType.REQUEST) return 'next';
  const { scope, db } = ctx;
  const serverId = getIp(ex.req.options, Opt.SERVER_ID);
  const requested = getIp(ex.req.options, Opt.REQUESTED_IP);
  const ciaddr = ex.req.ciaddr;

  if (serverId !== undefined) {
    if (serverId !== scope.host) {
      db.withdrawOffer(ex.mac);
      return drop(ex, `SELECTING another server (${formatIpv4(serverId)}): our offer withdrawn`);
    }
    const ip = requested ?? (ciaddr !== ZERO_IP ? ciaddr : undefined);
    if (ip === undefined) return drop(ex, 'SELECTING without a requested address');
    return commit(ex, ctx, ip, 'SELECTING');
  }
  if (requested !== undefined && ciaddr === ZERO_IP) {
    if (ctx.db.byMac(ex.mac) === undefined && ctx.db.reservationOf(ex.mac) === undefined)
      return drop(
        ex,
        `INIT-REBOOT for ${formatIpv4(requested)}: no record of this client (RFC 2131 §4.3.2: silent)`,
      );
    return confirm(ex, ctx, requested, 'INIT-REBOOT');
  }
  if (ciaddr !== ZERO_IP) return confirm(ex, ctx, ciaddr, 'RENEWING/REBINDING');
  return drop(ex, 'REQUEST with neither server id, requested address nor ciaddr');
};

/** INIT-REBOOT, RENEWING, REBINDING: the client asserts an address it believes it has. */
function confirm(ex: Exchange, ctx: PolicyContext, ip: Ipv4, state: string): 'next' | 'stop' {
  const lease = ctx.db.byMac(ex.mac);
  const known = lease !== undefined && lease.ip === ip && lease.state !== 'declined';
  if (!known && lease && lease.state === 'bound' && lease.expiresAt > ex.now) {
    return nak(ex, `${state}: ${formatIpv4(ip)} is not the client's lease (${formatIpv4(lease.ip)})`);
  }
  if (!known && !ctx.scope.authoritative)
    return drop(ex, `${state}: no record of ${formatIpv4(ip)} for this client (not authoritative)`);
  return commit(ex, ctx, ip, state);
}

function commit(ex: Exchange, { db }: PolicyContext, ip: Ipv4, state: string): 'next' | 'stop' {
  const why = db.check(ex.mac, ip, ex.now);
  if (why) {
    // The client held this address, but it may no longer (a reservation now claims it, or the client's
    // own reservation moved it): give it up now, so the reservation's owner can have it at once.
    const gone = db.release(ex.mac, ip, ex.now);
    if (gone) ex.commit.push(gone);
    return nak(ex, `${state}: ${formatIpv4(ip)}: ${describe(why)}`);
  }
  const lease = db.bind(ex.mac, ip, ex.now, clientInfo(ex.req));
  ex.commit.push(lease);
  const ciaddr = ex.req.ciaddr;
  ex.reply = newReply(ex.req, MessageType.ACK, ip, ciaddr);
  ex.reason = `ACK ${formatIpv4(ip)} (${state})`;
  ex.event = { kind: 'ack', mac: ex.mac, ip: formatIpv4(ip), detail: state };
  return 'next';
}
