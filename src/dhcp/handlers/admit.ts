/** First in the chain: is this a request we should look at at all? */
import { contains, formatIpv4, ZERO_IP } from '../../net/ipv4.js';
import { macToNumber } from '../../net/mac.js';
import { zeroChaddr } from '../client-key.js';
import { BOOTREQUEST, Opt } from '../message.js';
import type { Handler } from './exchange.js';
import { drop } from './reply.js';

/** RFC 1542 §4.1.1: relays discard requests whose hop count exceeds 16. */
const MAX_HOPS = 16;

export const admit: Handler = (ex, { scope }) => {
  const req = ex.req;
  if (req.op !== BOOTREQUEST) return drop(ex, 'not a BOOTREQUEST');
  if (ex.type === 0) return drop(ex, 'no option 53: plain BOOTP is not served');
  if (req.htype !== 1 || req.hlen !== 6)
    return drop(ex, `hardware type ${req.htype}/length ${req.hlen} is not Ethernet`);
  // RFC 2131 §4.2: the client is identified by option 61, else by chaddr; with neither there is no one to
  // give a lease to (every such client would share one).
  if (zeroChaddr(req) && !req.options.get(Opt.CLIENT_ID)?.length)
    return drop(ex, 'chaddr is all zeros and there is no client identifier (option 61)');
  if (req.hops > MAX_HOPS) return drop(ex, `hop count ${req.hops} exceeds ${MAX_HOPS}`);
  if (req.giaddr !== ZERO_IP && !scope.relayAgents.some((c) => contains(c, req.giaddr))) {
    return drop(ex, `relayed by ${formatIpv4(req.giaddr)}, which is not in dhcp.relayAgents`);
  }
  return 'next';
};

/** Per-MAC budget (dhcp.rateLimit); reserved machines are exempt so a flood never starves them. */
export const throttle: Handler = (ex, { db, limiter }) => {
  if (db.reservationOf(ex.mac)) return 'next';
  return limiter.allow(macToNumber(ex.mac), ex.now)
    ? 'next'
    : drop(ex, 'over its rate limit (dhcp.rateLimit)');
};
