/**
 * The client identifier (option 61) against RFC 2131 §4.2: "If the client supplies a 'client identifier',
 * the client MUST use the same 'client identifier' in all subsequent messages, and the server MUST use that
 * identifier to identify the client. If the client does not provide a 'client identifier' option, the
 * server MUST use the contents of the 'chaddr' field to identify the client."
 * Leases stay keyed by MAC by default (cloned images, docs/dhcp.md#who-a-client-is-option-61);
 * dhcp.matchClientId makes it strict.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { decline, discover, release, request } from '../../../test/support/client-packets.js';
import type { ClientPacket } from '../../../test/support/client-packets.js';
import { parseConfig } from '../../config/load.js';
import { formatIpv4, ipv4 } from '../../net/ipv4.js';
import type { Mac } from '../../net/mac.js';
import { clientIdKey } from '../client-key.js';
import { LeaseDb } from '../lease-db.js';
import { MessageType } from '../message.js';
import { getMessageType } from '../options.js';
import { resolveScope } from '../scope.js';
import { decode } from '../wire.js';
import { handle } from './chain.js';
import { policyContext, type Exchange, type PolicyContext } from './exchange.js';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const SERVER = '10.9.0.1';
const CID_A = Uint8Array.from([0xff, 1, 2, 3, 4, 0, 2, 0, 0, 0xab, 0x11, 1, 2, 3, 4, 5, 6, 7, 8]);
const CID_B = Uint8Array.from([0xff, 1, 2, 3, 4, 0, 2, 0, 0, 0xab, 0x11, 9, 9, 9, 9, 9, 9, 9, 9]);
const ZERO = '00:00:00:00:00:00';

function context(extra = ''): PolicyContext {
  const c = parseConfig(
    `switches:\n  - name: lab\n    subnet: 10.9.0.0/24\n    host: ${SERVER}\n    dhcp:\n      pool: 10.9.0.100-10.9.0.109\n      reservations:\n        - { name: web1, mac: "00:15:5d:00:00:01", ip: 10.9.0.10 }\n${extra}`,
    't.yaml',
  );
  const r = resolveScope(c.switches[0]!, { address: ipv4(SERVER), prefix: 24 }, 'linux');
  assert.ok(r.ok);
  return policyContext(r.scope, new LeaseDb(r.scope));
}

describe('client identifier (RFC 2131 §4.2)', () => {
  let ctx: PolicyContext;
  let now: number;
  const run = (p: ClientPacket): Exchange => {
    const d = decode(p.bytes);
    assert.ok(d.ok);
    return handle(d.msg, now, ctx);
  };
  const typeOf = (ex: Exchange): number | undefined =>
    ex.reply ? getMessageType(ex.reply.options) : undefined;
  /** DISCOVER → REQUEST; the bound address. */
  const bind = (mac: string, clientId?: Uint8Array): string => {
    const offer = run(discover({ mac, ...(clientId ? { clientId } : {}) }));
    assert.equal(typeOf(offer), MessageType.OFFER, offer.reason);
    const ip = formatIpv4(offer.reply!.yiaddr);
    const ack = run(
      request({
        mac,
        state: 'selecting',
        serverId: SERVER,
        requestedIp: ip,
        ...(clientId ? { clientId } : {}),
      }),
    );
    assert.equal(typeOf(ack), MessageType.ACK, ack.reason);
    return ip;
  };
  const stateAt = (ip: string): string | undefined => ctx.db.byIp(ipv4(ip), now)?.state;

  beforeEach(() => {
    ctx = context();
    now = T0;
  });

  test('RFC 2131 §4.2 "the server MUST use that identifier to identify the client": a RELEASE carrying another client-id than the lease was given with does not free the lease', () => {
    const ip = bind('02:00:00:00:00:01', CID_A);
    const ex = run(release({ mac: '02:00:00:00:00:01', ciaddr: ip, serverId: SERVER, clientId: CID_B }));
    assert.equal(ex.commit.length, 0);
    assert.match(ex.reason, /RELEASE not acted on: .* leased to client-id ff01/);
    assert.equal(stateAt(ip), 'bound');
    // the lease's own client-id does free it
    const ok = run(release({ mac: '02:00:00:00:00:01', ciaddr: ip, serverId: SERVER, clientId: CID_A }));
    assert.equal(ok.commit[0]?.state, 'released');
    assert.equal(stateAt(ip), undefined);
  });

  test('RFC 2131 §4.2 "the server MUST use that identifier to identify the client": a DECLINE carrying another client-id does not quarantine the owner’s address', () => {
    const ip = bind('02:00:00:00:00:01', CID_A);
    const ex = run(decline({ mac: '02:00:00:00:00:01', requestedIp: ip, serverId: SERVER, clientId: CID_B }));
    assert.equal(ex.commit.length, 0);
    assert.match(ex.reason, /DECLINE not acted on/);
    assert.equal(stateAt(ip), 'bound');
  });

  test('RFC 2131 §4.3.4 "the server marks the network address as not allocated": a RELEASE from a new MAC with the lease’s own client-id', () => {
    const ip = bind('02:00:00:00:00:01', CID_A);
    const ex = run(release({ mac: '02:00:00:00:00:77', ciaddr: ip, serverId: SERVER, clientId: CID_A }));
    assert.equal(ex.commit.length, 1, ex.reason);
    assert.equal(ex.commit[0]!.mac, '02:00:00:00:00:01', 'the lease’s own record');
    assert.equal(ex.commit[0]!.state, 'released');
    assert.match(ex.reason, /same client-id from 02:00:00:00:00:77/);
    // without a client-id, a stranger's RELEASE changes nothing
    const ip2 = bind('02:00:00:00:00:02');
    const none = run(release({ mac: '02:00:00:00:00:78', ciaddr: ip2, serverId: SERVER }));
    assert.equal(none.commit.length, 0);
    assert.equal(stateAt(ip2), 'bound');
  });

  test('RFC 2131 §4.2 "If the client supplies a client identifier … the server MUST use that identifier": clients whose chaddr is all zeros are told apart by it, not merged into one lease', () => {
    const a = bind(ZERO, CID_A);
    const b = bind(ZERO, CID_B);
    assert.notEqual(a, b);
    assert.equal(ctx.db.byMac(clientIdKey(CID_A))!.ip, ipv4(a));
    assert.equal(ctx.db.byMac(clientIdKey(CID_B))!.ip, ipv4(b));
    assert.equal(ctx.db.byMac(ZERO as Mac), undefined);
    // and each renews its own
    const renew = run(request({ mac: ZERO, state: 'renewing', ciaddr: a, clientId: CID_A }));
    assert.equal(typeOf(renew), MessageType.ACK);
    // with no client-id either, nothing identifies the client
    const anon = run(discover({ mac: ZERO }));
    assert.equal(anon.reply, undefined);
    assert.match(anon.reason, /chaddr is all zeros and there is no client identifier/);
  });

  test('default: one client-id from two MACs (cloned images) gets two addresses', () => {
    assert.notEqual(bind('02:00:00:00:00:01', CID_A), bind('02:00:00:00:00:02', CID_A));
  });

  test('dhcp.matchClientId: true — the client-id identifies the client, whatever its MAC', () => {
    ctx = context('      matchClientId: true\n');
    const a = bind('02:00:00:00:00:01', CID_A);
    assert.equal(bind('02:00:00:00:00:02', CID_A), a, 'same client-id, new MAC: the same lease');
    assert.notEqual(bind('02:00:00:00:00:02', CID_B), a, 'same MAC, other client-id: another client');
    // a client-id that is hardware type 1 + the MAC is the MAC's own lease
    const hw = Uint8Array.from([1, 2, 0, 0, 0, 0, 3]);
    const plain = bind('02:00:00:00:00:03');
    assert.equal(bind('02:00:00:00:00:03', hw), plain);
    // reservations are by MAC, whatever client-id the machine sends
    assert.equal(bind('00:15:5d:00:00:01', CID_B), '10.9.0.10');
  });
});
