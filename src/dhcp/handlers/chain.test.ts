/**
 * Packet-level tests of the policy chain against RFC 2131 §4.3 (server behaviour) and Table 3 (fields and
 * options of replies), with request shapes like the real clients'.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { parseConfig } from '../../config/load.js';
import { formatIpv4, ipv4, ZERO_IP, type Ipv4 } from '../../net/ipv4.js';
import { mac, macToBytes, type Mac } from '../../net/mac.js';
import { destinationOf, STANDARD_PORTS } from '../destination.js';
import { LeaseDb } from '../lease-db.js';
import { BOOTREQUEST, BROADCAST_FLAG, MessageType, Opt, type DhcpMessage } from '../message.js';
import { getClasslessRoutes, getIp, getString, getU32, ipBytes, stringBytes, u8 } from '../options.js';
import { resolveScope, type Scope } from '../scope.js';
import { decode, encode } from '../wire.js';
import { handle } from './chain.js';
import { policyContext, type Exchange, type PolicyContext } from './exchange.js';

const HOST = ipv4('10.9.0.1');
const RESERVED_MAC = mac('00:15:5d:00:00:01');
const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

function scopeFrom(yaml: string): Scope {
  const c = parseConfig(yaml, 'test.yaml');
  const r = resolveScope(c.switches[0]!, { address: HOST, prefix: 24 }, 'linux');
  if (!r.ok) throw new Error(r.reason);
  return r.scope;
}

const BASE = `switches:
  - name: lab
    subnet: 10.9.0.0/24
    host: 10.9.0.1
    dhcp:
      pool: 10.9.0.100-10.9.0.109
      leaseTime: 1h
      relayAgents: [10.9.0.0/24]
      reservations:
        - { name: web1, mac: "00:15:5d:00:00:01", ip: 10.9.0.10 }
`;

interface ReqOpts {
  ciaddr?: Ipv4;
  giaddr?: Ipv4;
  requested?: Ipv4;
  serverId?: Ipv4;
  clientId?: Uint8Array;
  prl?: number[];
  hostname?: Uint8Array;
  extra?: [number, Uint8Array][];
  flags?: number;
}

let xid = 1;
function req(type: number, m: Mac, o: ReqOpts = {}): DhcpMessage {
  const chaddr = new Uint8Array(16);
  chaddr.set(macToBytes(m));
  const options = new Map<number, Uint8Array>([[Opt.MESSAGE_TYPE, u8(type)]]);
  if (o.clientId) options.set(Opt.CLIENT_ID, o.clientId);
  if (o.requested !== undefined) options.set(Opt.REQUESTED_IP, ipBytes(o.requested));
  if (o.serverId !== undefined) options.set(Opt.SERVER_ID, ipBytes(o.serverId));
  if (o.hostname) options.set(Opt.HOSTNAME, o.hostname);
  if (o.prl) options.set(Opt.PARAMETER_REQUEST_LIST, Uint8Array.from(o.prl));
  for (const [k, v] of o.extra ?? []) options.set(k, v);
  // Through the real codec, so the chain sees exactly what it would see from the wire.
  const msg: DhcpMessage = {
    op: BOOTREQUEST,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: xid++,
    secs: 0,
    flags: o.flags ?? 0,
    ciaddr: o.ciaddr ?? ZERO_IP,
    yiaddr: ZERO_IP,
    siaddr: ZERO_IP,
    giaddr: o.giaddr ?? ZERO_IP,
    chaddr,
    sname: new Uint8Array(64),
    file: new Uint8Array(128),
    options,
  };
  const d = decode(encode(msg));
  assert.ok(d.ok);
  return d.msg;
}

function typeOf(ex: Exchange): number | undefined {
  return ex.reply?.options.get(Opt.MESSAGE_TYPE)?.[0];
}

const A = mac('02:00:00:00:00:0a');
const B = mac('02:00:00:00:00:0b');

describe('policy chain (RFC 2131 §4.3)', () => {
  let ctx: PolicyContext;
  let now: number;
  const run = (m: DhcpMessage): Exchange => handle(m, now, ctx);
  /** Full DISCOVER → OFFER → REQUEST → ACK; returns the bound address. */
  const dora = (m: Mac, o: ReqOpts = {}): Ipv4 => {
    const offer = run(req(MessageType.DISCOVER, m, o));
    assert.equal(typeOf(offer), MessageType.OFFER, offer.reason);
    const ack = run(req(MessageType.REQUEST, m, { ...o, serverId: HOST, requested: offer.reply!.yiaddr }));
    assert.equal(typeOf(ack), MessageType.ACK, ack.reason);
    return ack.reply!.yiaddr;
  };
  /** A client the server has a record of, whose lease ran out (INIT-REBOOT from it is answered). */
  const expiredRecord = (m: Mac): void => {
    dora(m);
    now += 2 * 3600_000;
    ctx.db.expire(now);
  };

  beforeEach(() => {
    const scope = scopeFrom(BASE);
    ctx = policyContext(scope, new LeaseDb(scope));
    now = T0;
  });

  test('DISCOVER → OFFER carries op=2, the header fields and 53, 54, 51, 58, 59, 1, 3, 6, 15', () => {
    const d = req(MessageType.DISCOVER, A);
    const ex = run(d);
    const r = ex.reply!;
    assert.equal(r.op, 2);
    assert.equal(r.xid, d.xid);
    assert.deepEqual(r.chaddr, d.chaddr);
    assert.equal(r.ciaddr, ZERO_IP);
    assert.equal(typeOf(ex), MessageType.OFFER);
    assert.ok(r.yiaddr >= ipv4('10.9.0.100') && r.yiaddr <= ipv4('10.9.0.109'));
    assert.equal(getIp(r.options, Opt.SERVER_ID), HOST);
    assert.equal(getU32(r.options, Opt.LEASE_TIME), 3600);
    assert.equal(getU32(r.options, Opt.RENEWAL_TIME), 1800);
    assert.equal(getU32(r.options, Opt.REBINDING_TIME), 3150);
    assert.equal(formatIpv4(getIp(r.options, Opt.SUBNET_MASK)!), '255.255.255.0');
    assert.equal(getIp(r.options, Opt.ROUTER), HOST);
    assert.equal(getIp(r.options, Opt.DNS_SERVERS), HOST);
    assert.equal(getString(r.options, Opt.DOMAIN_NAME), 'switchyard.internal');
    assert.equal(r.options.has(Opt.INTERFACE_MTU), false);
    assert.equal(ex.commit.length, 0, 'an OFFER is not persisted');
    // Not relayed and no ciaddr: broadcast, as Microsoft's server does.
    assert.deepEqual(destinationOf(d, r, STANDARD_PORTS), { address: '255.255.255.255', port: 68 });
  });

  test('option 26 is sent in OFFER and ACK when configured', () => {
    const scope = scopeFrom(BASE.replace('leaseTime: 1h', 'leaseTime: 1h\n      mtu: 1400'));
    ctx = policyContext(scope, new LeaseDb(scope));
    const ex = run(req(MessageType.DISCOVER, A));
    assert.deepEqual([...ex.reply!.options.get(Opt.INTERFACE_MTU)!], [0x05, 0x78]);
  });

  test('two clients are never offered the same address', () => {
    const a = run(req(MessageType.DISCOVER, A)).reply!.yiaddr;
    const b = run(req(MessageType.DISCOVER, B)).reply!.yiaddr;
    assert.notEqual(a, b);
    // A repeated DISCOVER gets the same offer again.
    assert.equal(run(req(MessageType.DISCOVER, A)).reply!.yiaddr, a);
  });

  test('a reserved MAC is offered and ACKed its reservation, with its name as option 12 when asked', () => {
    const ex = run(req(MessageType.DISCOVER, RESERVED_MAC, { prl: [1, 3, 12] }));
    assert.equal(formatIpv4(ex.reply!.yiaddr), '10.9.0.10');
    assert.equal(getString(ex.reply!.options, Opt.HOSTNAME), 'web1');
    assert.equal(formatIpv4(dora(RESERVED_MAC)), '10.9.0.10');
  });

  test('SELECTING with our server id commits and ACKs; the lease is to be journaled', () => {
    const offer = run(req(MessageType.DISCOVER, A)).reply!;
    const ack = run(req(MessageType.REQUEST, A, { serverId: HOST, requested: offer.yiaddr }));
    assert.equal(typeOf(ack), MessageType.ACK);
    assert.equal(ack.reply!.yiaddr, offer.yiaddr);
    assert.equal(ack.commit.length, 1);
    assert.equal(ack.commit[0]!.state, 'bound');
    assert.equal(ack.commit[0]!.expiresAt, now + 3600_000);
  });

  test('SELECTING another server: silently dropped and our offer withdrawn', () => {
    const offered = run(req(MessageType.DISCOVER, A)).reply!.yiaddr;
    const ex = run(req(MessageType.REQUEST, A, { serverId: ipv4('10.9.0.254'), requested: offered }));
    assert.equal(ex.reply, undefined);
    assert.match(ex.reason, /another server/);
    assert.equal(ctx.db.byIp(offered, now), undefined);
  });

  test('a NAK carries only 53, 54, 56 (+61), zero addresses, and is broadcast', () => {
    const cid = Uint8Array.from([1, 2, 0, 0, 0, 0, 0x0a]);
    expiredRecord(A);
    const r = req(MessageType.REQUEST, A, { requested: ipv4('192.168.1.5'), clientId: cid });
    const ex = run(r);
    assert.equal(typeOf(ex), MessageType.NAK);
    assert.deepEqual(
      [...ex.reply!.options.keys()].sort((x, y) => x - y),
      [53, 54, 56, 61],
    );
    assert.equal(ex.reply!.yiaddr, ZERO_IP);
    assert.equal(ex.reply!.ciaddr, ZERO_IP);
    assert.equal(ex.reply!.siaddr, ZERO_IP);
    assert.match(getString(ex.reply!.options, Opt.MESSAGE)!, /not on this switch/);
    assert.deepEqual(destinationOf(r, ex.reply!, STANDARD_PORTS), { address: '255.255.255.255', port: 68 });
  });

  test('INIT-REBOOT: NAK for an address held by another client', () => {
    expiredRecord(B);
    const held = dora(A);
    const ex = run(req(MessageType.REQUEST, B, { requested: held }));
    assert.equal(typeOf(ex), MessageType.NAK);
    assert.match(ex.reason, /in use by 02:00:00:00:00:0a/);
  });

  test('INIT-REBOOT: NAK for another client’s reserved address, even inside a free range', () => {
    expiredRecord(A);
    const ex = run(req(MessageType.REQUEST, A, { requested: ipv4('10.9.0.10') }));
    assert.equal(typeOf(ex), MessageType.NAK);
    assert.match(ex.reason, /reserved for 00:15:5d:00:00:01/);
  });

  test('INIT-REBOOT: a reservation wins over the address the client held before', () => {
    // The reserved MAC held a dynamic address before its reservation existed.
    const scope0 = scopeFrom(BASE.replace(/ {6}reservations:[\s\S]*/, ''));
    const db0 = new LeaseDb(scope0);
    const before = handle(req(MessageType.DISCOVER, RESERVED_MAC), now, policyContext(scope0, db0)).reply!
      .yiaddr;
    handle(
      req(MessageType.REQUEST, RESERVED_MAC, { serverId: HOST, requested: before }),
      now,
      policyContext(scope0, db0),
    );
    for (const l of db0.all())
      assert.equal(ctx.db.restore(l, now) !== undefined, true, 'conflicting lease not restored');
    const nak = run(req(MessageType.REQUEST, RESERVED_MAC, { requested: before }));
    assert.equal(typeOf(nak), MessageType.NAK);
    assert.match(nak.reason, /has a reservation/);
    assert.equal(formatIpv4(dora(RESERVED_MAC)), '10.9.0.10');
  });

  test('RFC 2131 §4.3.2 INIT-REBOOT: "If the DHCP server has no record of this client, then it MUST remain silent" (authoritative too)', () => {
    for (const requested of [ipv4('10.9.0.105'), ipv4('10.77.0.5')]) {
      const ex = run(req(MessageType.REQUEST, A, { requested }));
      assert.equal(ex.reply, undefined, formatIpv4(requested));
      assert.equal(ex.commit.length, 0);
      assert.match(ex.reason, /no record of this client/);
    }
    assert.equal(ctx.db.byMac(A), undefined, 'nothing bound');
  });

  test('INIT-REBOOT: a client with a record (an expired lease) is still answered', () => {
    const held = dora(A);
    now += 2 * 3600_000;
    ctx.db.expire(now);
    const ex = run(req(MessageType.REQUEST, A, { requested: held }));
    assert.equal(typeOf(ex), MessageType.ACK);
  });

  test('INIT-REBOOT: not authoritative → silence for a client we have no record of (RFC 2131 §4.3.2)', () => {
    const scope = scopeFrom(BASE.replace('leaseTime: 1h', 'leaseTime: 1h\n      authoritative: false'));
    ctx = policyContext(scope, new LeaseDb(scope));
    const ex = run(req(MessageType.REQUEST, A, { requested: ipv4('10.9.0.105') }));
    assert.equal(ex.reply, undefined);
    assert.match(ex.reason, /no record of this client/);
  });

  test('INIT-REBOOT: a client asking for an address other than its live lease is NAKed', () => {
    const held = dora(A);
    const other = held === ipv4('10.9.0.105') ? ipv4('10.9.0.106') : ipv4('10.9.0.105');
    const ex = run(req(MessageType.REQUEST, A, { requested: other }));
    assert.equal(typeOf(ex), MessageType.NAK);
  });

  test('RENEWING: ACK copies ciaddr, extends the lease, is unicast to ciaddr', () => {
    const ip = dora(A);
    now += 1800_000;
    const r = req(MessageType.REQUEST, A, { ciaddr: ip });
    const ex = run(r);
    assert.equal(typeOf(ex), MessageType.ACK);
    assert.equal(ex.reply!.ciaddr, ip);
    assert.equal(ex.reply!.yiaddr, ip);
    assert.equal(ex.commit[0]!.expiresAt, now + 3600_000);
    assert.deepEqual(destinationOf(r, ex.reply!, STANDARD_PORTS), { address: formatIpv4(ip), port: 68 });
  });

  test('a live reservation for a held address: the holder is NAKed at its next request, then the owner gets it', () => {
    const held = dora(B);
    const owner = mac('02:00:00:00:00:0c');
    ctx.db.setReservations([...ctx.scope.reservations, { name: 'new', mac: owner, ip: held }]);
    // Until the holder comes back, the owner is given a pool address rather than a double-booked one.
    assert.notEqual(run(req(MessageType.DISCOVER, owner)).reply!.yiaddr, held);
    const renew = run(req(MessageType.REQUEST, B, { ciaddr: held }));
    assert.equal(typeOf(renew), MessageType.NAK);
    assert.match(renew.reason, /reserved for 02:00:00:00:00:0c/);
    assert.equal(renew.commit[0]?.state, 'released', 'the give-up is journaled');
    assert.equal(run(req(MessageType.DISCOVER, owner)).reply!.yiaddr, held);
    assert.notEqual(dora(B), held, 'the old holder moves to another address');
  });

  test('RENEWING an address that is now another client’s reservation → NAK', () => {
    const ex = run(req(MessageType.REQUEST, A, { ciaddr: ipv4('10.9.0.10') }));
    assert.equal(typeOf(ex), MessageType.NAK);
  });

  test('DECLINE quarantines the address for declineProbation; no reply', () => {
    const ip = dora(A);
    const ex = run(req(MessageType.DECLINE, A, { requested: ip, serverId: HOST }));
    assert.equal(ex.reply, undefined);
    assert.equal(ex.commit[0]!.state, 'declined');
    const offers = new Set<number>();
    for (let i = 0; i < 9; i++)
      offers.add(
        run(req(MessageType.DISCOVER, mac(`02:00:00:00:01:${String(i).padStart(2, '0')}`))).reply!.yiaddr,
      );
    assert.equal(offers.has(ip), false, 'quarantined address not offered');
    assert.equal(offers.size, 9);
    now += 600_000 + 61_000;
    const later = run(req(MessageType.DISCOVER, mac('02:00:00:00:02:00')));
    assert.equal(later.reply!.yiaddr, ip, 'after probation and offer holds the address is back');
  });

  test('RELEASE frees the address with no reply; the client gets the same address back', () => {
    const ip = dora(A);
    const ex = run(req(MessageType.RELEASE, A, { ciaddr: ip, serverId: HOST }));
    assert.equal(ex.reply, undefined);
    assert.equal(ex.commit[0]!.state, 'released');
    assert.equal(ctx.db.byIp(ip, now), undefined);
    assert.equal(dora(A), ip);
  });

  test('INFORM → ACK with no yiaddr and no lease times, unicast to ciaddr', () => {
    const r = req(MessageType.INFORM, A, { ciaddr: ipv4('10.9.0.50') });
    const ex = run(r);
    assert.equal(typeOf(ex), MessageType.ACK);
    assert.equal(ex.reply!.yiaddr, ZERO_IP);
    for (const o of [Opt.LEASE_TIME, Opt.RENEWAL_TIME, Opt.REBINDING_TIME])
      assert.equal(ex.reply!.options.has(o), false);
    assert.ok(ex.reply!.options.has(Opt.SUBNET_MASK));
    assert.deepEqual(destinationOf(r, ex.reply!, STANDARD_PORTS), { address: '10.9.0.50', port: 68 });
  });

  test('pool exhaustion is reported, and an active lease is never taken away', () => {
    const held = Array.from({ length: 10 }, (_, i) =>
      dora(mac(`02:00:00:00:03:${String(i).padStart(2, '0')}`)),
    );
    assert.equal(new Set(held).size, 10);
    const ex = run(req(MessageType.DISCOVER, A));
    assert.equal(ex.reply, undefined);
    assert.equal(ex.event?.kind, 'exhausted');
    // The reserved client is still served during exhaustion.
    assert.equal(formatIpv4(dora(RESERVED_MAC)), '10.9.0.10');
    // Once a lease expires, the pool has room again.
    now += 3600_000 + 2000;
    assert.equal(typeOf(run(req(MessageType.DISCOVER, A))), MessageType.OFFER);
  });

  test('relayed requests: only from listed relays; reply to giaddr:67 with option 82 echoed', () => {
    const rai = Uint8Array.from([1, 4, 0x61, 0x62, 0x63, 0x64]);
    const foreign = run(req(MessageType.DISCOVER, A, { giaddr: ipv4('192.168.50.1') }));
    assert.equal(foreign.reply, undefined);
    assert.match(foreign.reason, /not in dhcp\.relayAgents/);
    const r = req(MessageType.DISCOVER, A, {
      giaddr: ipv4('10.9.0.2'),
      extra: [[Opt.RELAY_AGENT_INFO, rai]],
    });
    const ex = run(r);
    assert.deepEqual(ex.reply!.options.get(Opt.RELAY_AGENT_INFO), rai);
    assert.equal(
      [...ex.reply!.options.keys()].at(-1),
      Opt.RELAY_AGENT_INFO,
      'option 82 last (RFC 3046 §2.1)',
    );
    assert.deepEqual(destinationOf(r, ex.reply!, STANDARD_PORTS), { address: '10.9.0.2', port: 67 });
    const nak = run(req(MessageType.REQUEST, A, { giaddr: ipv4('10.9.0.2'), requested: ipv4('10.9.0.10') }));
    assert.equal(nak.reply!.flags & BROADCAST_FLAG, BROADCAST_FLAG, 'relayed NAK has the broadcast bit');
  });

  test('identity is the MAC: same client-id on two MACs (cloned images) gets two addresses', () => {
    const cid = Uint8Array.from([0xff, 0, 0, 0, 1, 0, 2, 0, 0, 0xab, 0x11, 0x22, 0x33, 0x44]);
    const a = dora(A, { clientId: cid });
    const b = dora(B, { clientId: cid });
    assert.notEqual(a, b);
    assert.equal(ctx.db.byMac(A)!.clientId, Buffer.from(cid).toString('hex'));
  });

  test('requested options come back in the client’s order (RFC 2132 §9.8), 53 and 54 first', () => {
    const ex = run(req(MessageType.DISCOVER, A, { prl: [15, 6, 3, 1, 28, 51] }));
    assert.deepEqual([...ex.reply!.options.keys()].slice(0, 8), [53, 54, 15, 6, 3, 1, 28, 51]);
  });

  test('Windows: a NUL-terminated hostname gets NUL-terminated strings back', () => {
    const ex = run(
      req(MessageType.DISCOVER, A, { hostname: stringBytes('DESKTOP-1', { nulTerminate: true }) }),
    );
    const raw = ex.reply!.options.get(Opt.DOMAIN_NAME)!;
    assert.equal(raw.at(-1), 0);
    assert.equal(getString(ex.reply!.options, Opt.DOMAIN_NAME), 'switchyard.internal');
  });

  test('option 121 (and 249 for Windows) always includes the default route', () => {
    const scope = scopeFrom(
      BASE.replace(
        'leaseTime: 1h',
        'leaseTime: 1h\n      staticRoutes: [{ to: 172.20.0.0/16, via: 10.9.0.1 }]',
      ),
    );
    ctx = policyContext(scope, new LeaseDb(scope));
    const ex = run(req(MessageType.DISCOVER, A, { prl: [1, 3, 121, 249] }));
    for (const code of [Opt.CLASSLESS_ROUTES, Opt.MS_CLASSLESS_ROUTES]) {
      const routes = getClasslessRoutes(ex.reply!.options, code)!;
      assert.deepEqual(
        routes.map((r) => `${formatIpv4(r.dest.network)}/${r.dest.prefix} via ${formatIpv4(r.router)}`),
        ['172.20.0.0/16 via 10.9.0.1', '0.0.0.0/0 via 10.9.0.1'],
      );
    }
  });

  test('server messages and BOOTP requests are dropped with a reason', () => {
    assert.match(run(req(MessageType.OFFER, A)).reason, /not a client request/);
    const bootp = req(MessageType.DISCOVER, A);
    bootp.options.delete(Opt.MESSAGE_TYPE);
    assert.match(run(bootp).reason, /plain BOOTP/);
  });

  test('the dynamic lease cap holds against many MACs; active leases are never evicted; reservations still served', () => {
    const scope = scopeFrom(BASE.replace('leaseTime: 1h', 'leaseTime: 1h\n      maxLeases: 3'));
    ctx = policyContext(scope, new LeaseDb(scope));
    const held = [1, 2, 3].map((i) => dora(mac(`02:00:00:00:04:0${i}`)));
    for (let i = 0; i < 50; i++) {
      const ex = run(req(MessageType.DISCOVER, mac(`02:00:00:00:05:${i.toString(16).padStart(2, '0')}`)));
      assert.equal(ex.reply, undefined);
      assert.match(ex.reason, /lease cap reached: 3 of dhcp\.maxLeases 3/);
    }
    assert.equal(ctx.db.dynamicActive(), 3);
    [1, 2, 3].forEach((i, k) => {
      assert.equal(ctx.db.byMac(mac(`02:00:00:00:04:0${i}`))!.ip, held[k]);
    });
    // A holder renews fine at the cap, and the reserved machine is served.
    assert.equal(
      typeOf(run(req(MessageType.REQUEST, mac('02:00:00:00:04:01'), { ciaddr: held[0]! }))),
      MessageType.ACK,
    );
    assert.equal(formatIpv4(dora(RESERVED_MAC)), '10.9.0.10');
  });

  test('per-MAC rate limit: over budget is dropped, the budget returns after the window; reserved MACs exempt', () => {
    const scope = scopeFrom(
      BASE.replace('leaseTime: 1h', 'leaseTime: 1h\n      rateLimit: { packets: 4, per: 10s }'),
    );
    ctx = policyContext(scope, new LeaseDb(scope));
    const results = Array.from({ length: 6 }, () => run(req(MessageType.DISCOVER, A)));
    assert.deepEqual(
      results.map((r) => typeOf(r) ?? 'dropped'),
      [MessageType.OFFER, MessageType.OFFER, MessageType.OFFER, MessageType.OFFER, 'dropped', 'dropped'],
    );
    assert.match(results[5]!.reason, /rate limit/);
    for (let i = 0; i < 10; i++)
      assert.equal(typeOf(run(req(MessageType.DISCOVER, RESERVED_MAC))), MessageType.OFFER);
    now += 10_000;
    assert.equal(typeOf(run(req(MessageType.DISCOVER, A))), MessageType.OFFER);
  });

  test('a /16 pool allocates without scanning: 20,000 distinct offers', () => {
    const scope = scopeFrom(
      BASE.replace('subnet: 10.9.0.0/24', 'subnet: 10.9.0.0/16').replace(
        'pool: 10.9.0.100-10.9.0.109',
        'pool: 10.9.1.0-10.9.255.254\n      maxLeases: 65536',
      ),
    );
    ctx = policyContext(scope, new LeaseDb(scope));
    const seen = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const m = mac(
        `02:00:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
      );
      seen.add(run(req(MessageType.DISCOVER, m)).reply!.yiaddr);
    }
    assert.equal(seen.size, 20_000);
  });
});
