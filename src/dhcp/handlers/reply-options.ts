/**
 * Options every OFFER and ACK carries (RFC 2131 Table 3; docs/dhcp.md#what-a-reply-carries): 54 server
 * id, 51 lease time with 58/59 at 0.5 and 0.875 of it (RFC 2131 §4.4.5), 1, 3, 6, 15, and 26 when configured — sent whether or
 * not the client asked, because networkd, dhcpcd and dhclient ignore offers that lack 51 or 54. Others (12,
 * 28, 119, 121/249) only when asked for.
 */
import { formatIpv4, ZERO_IP } from '../../net/ipv4.js';
import { macFromBytes } from '../../net/mac.js';
import { MessageType, Opt } from '../message.js';
import { getParameterRequestList, stringBytes } from '../options.js';
import type { Handler } from './exchange.js';

/** Windows sends NUL-terminated strings and expects them back (dnsmasq rfc2131.c, "Microsoft clients are broken"). */
function wantsNul(raw: Uint8Array | undefined): boolean {
  return raw !== undefined && raw.length > 0 && raw[raw.length - 1] === 0;
}

const NOTHING_ASKED = new Uint8Array(0);

const fileFields = new Map<string, Uint8Array>();

/** The 128-byte `file` field holding `name`, NUL-padded (shared by every reply; the encoder copies it). */
function fileField(name: string): Uint8Array {
  let f = fileFields.get(name);
  if (f === undefined) {
    f = new Uint8Array(128);
    f.set(new TextEncoder().encode(name).subarray(0, 127));
    fileFields.set(name, f);
  }
  return f;
}

export const leaseOptions: Handler = (ex, { scope, bytes: sb, db }) => {
  const r = ex.reply;
  if (!r) return 'next';
  const type = r.options.get(Opt.MESSAGE_TYPE)![0]!;
  if (type === MessageType.NAK) {
    r.options.set(Opt.SERVER_ID, sb.serverId);
    return 'next';
  }
  const asked = getParameterRequestList(ex.req.options) ?? NOTHING_ASKED;
  const nul = wantsNul(ex.req.options.get(Opt.HOSTNAME));
  const o = r.options;
  o.set(Opt.SERVER_ID, sb.serverId);
  if (r.yiaddr !== ZERO_IP) {
    o.set(Opt.LEASE_TIME, sb.lease[0]);
    o.set(Opt.RENEWAL_TIME, sb.lease[1]);
    o.set(Opt.REBINDING_TIME, sb.lease[2]);
  }
  o.set(Opt.SUBNET_MASK, sb.netmask);
  if (sb.router) o.set(Opt.ROUTER, sb.router);
  if (sb.dns) o.set(Opt.DNS_SERVERS, sb.dns);
  o.set(Opt.DOMAIN_NAME, nul ? sb.domainNul : sb.domain);
  if (sb.mtu) o.set(Opt.INTERFACE_MTU, sb.mtu);
  if (asked.includes(Opt.BROADCAST_ADDRESS)) o.set(Opt.BROADCAST_ADDRESS, sb.broadcast);
  if (asked.includes(Opt.DOMAIN_SEARCH)) {
    if (sb.search instanceof RangeError) throw sb.search;
    o.set(Opt.DOMAIN_SEARCH, sb.search);
  }
  if (sb.routes) {
    if (asked.includes(Opt.CLASSLESS_ROUTES)) o.set(Opt.CLASSLESS_ROUTES, sb.routes);
    if (asked.includes(Opt.MS_CLASSLESS_ROUTES)) o.set(Opt.MS_CLASSLESS_ROUTES, sb.routes);
  }
  // A reserved machine is told its reservation name (Technitium #816); others keep the name they sent.
  const reservation = r.yiaddr !== ZERO_IP ? db.reservationAt(r.yiaddr) : undefined;
  if (reservation && asked.includes(Opt.HOSTNAME))
    o.set(Opt.HOSTNAME, stringBytes(reservation.name, { nulTerminate: nul }));
  // dhcp.options: only what the client asks for (orderOptions puts them in its order); a reservation's
  // own value replaces the switch's. INFORM has no yiaddr: the reservation of the address it has, if its own.
  const own =
    reservation ??
    (r.yiaddr === ZERO_IP && ex.req.ciaddr !== ZERO_IP ? db.reservationAt(ex.req.ciaddr) : undefined);
  for (const c of scope.options) if (asked.includes(c.code)) o.set(c.code, c.data);
  if (own?.options !== undefined && own.mac === macFromBytes(ex.req.chaddr, 0))
    for (const c of own.options) if (asked.includes(c.code)) o.set(c.code, c.data);
  // RFC 2131 §2: siaddr is the "IP address of next server to use in bootstrap", file the "Boot file name".
  if (scope.nextServer !== undefined) r.siaddr = scope.nextServer;
  if (scope.bootFile !== undefined) r.file = fileField(scope.bootFile);
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
  move(o, out, Opt.MESSAGE_TYPE);
  move(o, out, Opt.SERVER_ID);
  if (prl) for (const code of prl) if (code !== Opt.RELAY_AGENT_INFO) move(o, out, code);
  for (const code of o.keys()) if (code !== Opt.RELAY_AGENT_INFO) move(o, out, code);
  move(o, out, Opt.RELAY_AGENT_INFO);
  r.options = out;
  return 'next';
};

function move(from: ReadonlyMap<number, Uint8Array>, to: Map<number, Uint8Array>, code: number): void {
  const v = from.get(code);
  if (v !== undefined && !to.has(code)) to.set(code, v);
}
