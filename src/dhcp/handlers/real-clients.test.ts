/**
 * The chain against request shapes of real clients (test/support/client-packets.ts: captures of dhclient,
 * udhcpc, dhcpcd and systemd-networkd; Windows 10/11 rebuilt from published fingerprints).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  networkdProfile,
  profiles,
  systemdNetworkd,
  windows10,
  windows11,
} from '../../../test/support/client-packets.js';
import { parseConfig } from '../../config/load.js';
import { formatIpv4, ipv4 } from '../../net/ipv4.js';
import { LeaseDb } from '../lease-db.js';
import { MessageType, Opt } from '../message.js';
import { getMessageType, getParameterRequestList, getString, getU32 } from '../options.js';
import { resolveScope } from '../scope.js';
import { decode, encode } from '../wire.js';
import { handle } from './chain.js';
import { policyContext, type PolicyContext } from './exchange.js';

const NOW = Date.UTC(2026, 10, 24);

function context(): PolicyContext {
  const c = parseConfig(
    'switches:\n  - name: lab\n    subnet: 10.9.0.0/24\n    host: 10.9.0.1\n    dhcp: { staticRoutes: [{ to: 172.30.0.0/16, via: 10.9.0.1 }] }\n',
    't.yaml',
  );
  const r = resolveScope(c.switches[0]!, { address: ipv4('10.9.0.1'), prefix: 24 }, 'linux');
  assert.ok(r.ok);
  return policyContext(r.scope, new LeaseDb(r.scope));
}

/** What a client would receive: the reply through the real encoder and decoder. */
function onWire(bytes: Uint8Array, ctx: PolicyContext) {
  const d = decode(bytes);
  assert.ok(d.ok, 'client packet decodes');
  const ex = handle(d.msg, NOW, ctx);
  if (!ex.reply) return { ex, reply: undefined };
  const back = decode(encode(ex.reply));
  assert.ok(back.ok);
  return { ex, reply: back.msg };
}

const ALWAYS = [
  Opt.MESSAGE_TYPE,
  Opt.SERVER_ID,
  Opt.LEASE_TIME,
  Opt.RENEWAL_TIME,
  Opt.REBINDING_TIME,
  Opt.SUBNET_MASK,
  Opt.ROUTER,
  Opt.DNS_SERVERS,
  Opt.DOMAIN_NAME,
];

describe('real client shapes get a full DORA', () => {
  for (const p of profiles) {
    test(`${p.name}: OFFER and ACK carry the required options, requested ones in the client's order`, () => {
      const ctx = context();
      const mac = '02:00:00:00:00:42';
      const d = p.discover({ mac, hostname: 'vm42' });
      const offer = onWire(d.bytes, ctx).reply!;
      assert.equal(getMessageType(offer.options), MessageType.OFFER);
      for (const code of ALWAYS) assert.ok(offer.options.has(code), `OFFER has option ${code}`);
      const prl = [...(getParameterRequestList(d.msg.options) ?? [])];
      const keys = [...offer.options.keys()];
      const requestedInReply = prl.filter(
        (c) => offer.options.has(c) && c !== Opt.SERVER_ID && c !== Opt.MESSAGE_TYPE,
      );
      assert.deepEqual(
        keys.filter((k) => requestedInReply.includes(k)),
        requestedInReply,
        'PRL order kept',
      );
      if (prl.includes(Opt.CLASSLESS_ROUTES)) assert.ok(offer.options.has(Opt.CLASSLESS_ROUTES));
      if (prl.includes(Opt.DOMAIN_SEARCH)) assert.ok(offer.options.has(Opt.DOMAIN_SEARCH));

      const r = p.request({
        mac,
        hostname: 'vm42',
        state: 'selecting',
        serverId: '10.9.0.1',
        requestedIp: offer.yiaddr,
      });
      const { ex, reply: ack } = onWire(r.bytes, ctx);
      assert.equal(getMessageType(ack!.options), MessageType.ACK, ex.reason);
      assert.equal(ack!.yiaddr, offer.yiaddr);
      assert.equal(getU32(ack!.options, Opt.LEASE_TIME), 43200);
      for (const code of ALWAYS) assert.ok(ack!.options.has(code), `ACK has option ${code}`);
      assert.equal(ctx.db.byMac(ex.mac)!.hostname, 'vm42');

      const rel = p.release({ mac, ciaddr: ack!.yiaddr, serverId: '10.9.0.1' });
      const released = onWire(rel.bytes, ctx);
      assert.equal(released.reply, undefined);
      assert.equal(ctx.db.byMac(ex.mac)!.state, 'released');
    });
  }

  for (const win of [windows10, windows11]) {
    test(`${win.name}: 61 echoed, 81 name recorded, "MSFT 5.0" accepted, strings NUL-terminated, 249 answered`, () => {
      const ctx = context();
      const d = win.discover({ mac: '00:15:5d:12:34:56', hostname: 'DESKTOP-7' });
      assert.equal(getString(d.msg.options, Opt.VENDOR_CLASS_ID), 'MSFT 5.0');
      assert.ok(d.msg.options.has(Opt.CLIENT_FQDN) || d.msg.options.has(Opt.HOSTNAME));
      const offer = onWire(d.bytes, ctx).reply!;
      assert.deepEqual(offer.options.get(Opt.CLIENT_ID), d.msg.options.get(Opt.CLIENT_ID));
      assert.equal(offer.options.get(Opt.DOMAIN_NAME)!.at(-1), 0, 'NUL-terminated for Windows');
      assert.ok(offer.options.has(Opt.MS_CLASSLESS_ROUTES));
      const r = win.request({
        mac: '00:15:5d:12:34:56',
        hostname: 'DESKTOP-7',
        state: 'selecting',
        serverId: '10.9.0.1',
        requestedIp: offer.yiaddr,
      });
      const { ex } = onWire(r.bytes, ctx);
      assert.equal(ctx.db.byMac(ex.mac)!.hostname, 'DESKTOP-7');
      // Windows 10 after a reboot: INIT-REBOOT for its old address is ACKed.
      const reboot = win.request({
        mac: '00:15:5d:12:34:56',
        state: 'init-reboot',
        requestedIp: offer.yiaddr,
      });
      assert.equal(getMessageType(onWire(reboot.bytes, ctx).reply!.options), MessageType.ACK);
    });
  }

  test('systemd-networkd clones (same machine-id → same client-id) on two MACs get two addresses', () => {
    const ctx = context();
    const clone = networkdProfile();
    const got: string[] = [];
    for (const mac of ['00:15:5d:00:10:01', '00:15:5d:00:10:02']) {
      const d = clone.discover({ mac });
      const offer = onWire(d.bytes, ctx).reply!;
      const r = clone.request({ mac, state: 'selecting', serverId: '10.9.0.1', requestedIp: offer.yiaddr });
      got.push(formatIpv4(onWire(r.bytes, ctx).reply!.yiaddr));
    }
    const cid = (mac: string) => systemdNetworkd.discover({ mac }).msg.options.get(Opt.CLIENT_ID);
    assert.deepEqual(cid('00:15:5d:00:10:01'), cid('00:15:5d:00:10:02'), 'the clones send one client-id');
    assert.notEqual(got[0], got[1]);
  });
});
