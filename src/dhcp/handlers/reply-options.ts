/**
 * Options every OFFER and ACK carries (RFC 2131 Table 3; research §2.1): 54 server id, 51 lease time with
 * 58/59 at 0.5 and 0.875 of it (RFC 2131 §4.4.5), 1, 3, 6, 15, and 26 when configured — sent whether or
 * not the client asked, because networkd, dhcpcd and dhclient ignore offers that lack 51 or 54. Others (12,
 * 28, 119, 121/249) only when asked for.
 */
import { formatIpv4, ZERO_IP } from '../../net/ipv4.js';
import { MessageType, Opt } from '../message.js';
import {
  classlessRoutesBytes,
  domainSearchBytes,
  getParameterRequestList,
  ipBytes,
  ipsBytes,
  stringBytes,
  u16,
  u32Bytes,
  withDefaultRoute,
} from '../options.js';
import type { Handler } from './exchange.js';

/** Windows sends NUL-terminated strings and expects them back (dnsmasq rfc2131.c, "Microsoft clients are broken"). */
function wantsNul(raw: Uint8Array | undefined): boolean {
  return raw !== undefined && raw.length > 0 && raw[raw.length - 1] === 0;
}

export const leaseOptions: Handler = (ex, { scope, db }) => {
  const r = ex.reply;
  if (!r) return 'next';
  const type = r.options.get(Opt.MESSAGE_TYPE)![0]!;
  if (type === MessageType.NAK) {
    r.options.set(Opt.SERVER_ID, ipBytes(scope.host));
    return 'next';
  }
  const prl = getParameterRequestList(ex.req.options) ?? [];
  const asked = new Set(prl);
  const nul = wantsNul(ex.req.options.get(Opt.HOSTNAME));
  const o = r.options;
  o.set(Opt.SERVER_ID, ipBytes(scope.host));
  if (r.yiaddr !== ZERO_IP) {
    const t = scope.leaseTime;
    o.set(Opt.LEASE_TIME, u32Bytes(t));
    o.set(Opt.RENEWAL_TIME, u32Bytes(Math.floor(t * 0.5)));
    o.set(Opt.REBINDING_TIME, u32Bytes(Math.floor(t * 0.875)));
  }
  o.set(Opt.SUBNET_MASK, ipBytes(scope.netmask));
  if (scope.router !== undefined) o.set(Opt.ROUTER, ipBytes(scope.router));
  if (scope.dnsServers.length > 0) o.set(Opt.DNS_SERVERS, ipsBytes(scope.dnsServers));
  o.set(Opt.DOMAIN_NAME, stringBytes(scope.domain, { nulTerminate: nul }));
  if (scope.mtu !== undefined) o.set(Opt.INTERFACE_MTU, u16(scope.mtu));
  if (asked.has(Opt.BROADCAST_ADDRESS)) o.set(Opt.BROADCAST_ADDRESS, ipBytes(scope.broadcast));
  if (asked.has(Opt.DOMAIN_SEARCH)) o.set(Opt.DOMAIN_SEARCH, domainSearchBytes([scope.domain]));
  if (scope.staticRoutes.length > 0) {
    const routes = classlessRoutesBytes(
      scope.router === undefined ? scope.staticRoutes : withDefaultRoute(scope.staticRoutes, scope.router),
    );
    if (asked.has(Opt.CLASSLESS_ROUTES)) o.set(Opt.CLASSLESS_ROUTES, routes);
    if (asked.has(Opt.MS_CLASSLESS_ROUTES)) o.set(Opt.MS_CLASSLESS_ROUTES, routes);
  }
  // A reserved machine is told its reservation name (Technitium #816); others keep the name they sent.
  const reservation = r.yiaddr !== ZERO_IP ? db.reservationAt(r.yiaddr) : undefined;
  if (reservation && asked.has(Opt.HOSTNAME))
    o.set(Opt.HOSTNAME, stringBytes(reservation.name, { nulTerminate: nul }));
  ex.reason ||= `reply to ${formatIpv4(r.yiaddr)}`;
  return 'next';
};

/** RFC 6842: echo the client identifier; RFC 3046 §2.2: echo the relay agent information option. */
export const echoOptions: Handler = (ex) => {
  const r = ex.reply;
  if (!r) return 'next';
  const cid = ex.req.options.get(Opt.CLIENT_ID);
  if (cid) r.options.set(Opt.CLIENT_ID, cid);
  const rai = ex.req.options.get(Opt.RELAY_AGENT_INFO);
  if (rai && ex.req.giaddr !== ZERO_IP) r.options.set(Opt.RELAY_AGENT_INFO, rai);
  return 'next';
};

/**
 * RFC 2132 §9.8: the server "MUST try to insert the requested options in the order requested". 53 and 54
 * stay first; requested options follow in the client's order; the rest keep their place; 82 goes last
 * (RFC 3046 §2.1).
 */
export const orderOptions: Handler = (ex) => {
  const r = ex.reply;
  if (!r) return 'next';
  const prl = getParameterRequestList(ex.req.options);
  const o = r.options;
  const out = new Map<number, Uint8Array>();
  const move = (code: number): void => {
    const v = o.get(code);
    if (v !== undefined && !out.has(code)) out.set(code, v);
  };
  move(Opt.MESSAGE_TYPE);
  move(Opt.SERVER_ID);
  if (prl) for (const code of prl) if (code !== Opt.RELAY_AGENT_INFO) move(code);
  for (const code of o.keys()) if (code !== Opt.RELAY_AGENT_INFO) move(code);
  move(Opt.RELAY_AGENT_INFO);
  r.options = out;
  return 'next';
};
