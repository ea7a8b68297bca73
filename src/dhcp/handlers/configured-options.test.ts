/**
 * dhcp.options, dhcp.nextServer and dhcp.bootFile in replies (issue 23): what is sent, to whom, in which
 * order — including a Hyper-V Generation 2 VM's PXE DISCOVER (test/fixtures/packets).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixturePackets } from '../../../test/support/fixtures.js';
import { discover } from '../../../test/support/client-packets.js';
import { parseConfig } from '../../config/load.js';
import { formatIpv4, ipv4, ZERO_IP } from '../../net/ipv4.js';
import { LeaseDb } from '../lease-db.js';
import { MessageType, Opt, type DhcpMessage } from '../message.js';
import { getIps, getMessageType, getString } from '../options.js';
import { resolveScope } from '../scope.js';
import { decode, encode } from '../wire.js';
import { handle } from './chain.js';
import { policyContext, type PolicyContext } from './exchange.js';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

function context(dhcpYaml: string): PolicyContext {
  const c = parseConfig(
    `switches:\n  - name: lab\n    subnet: 10.9.0.0/24\n    host: 10.9.0.1\n    dhcp:\n      pool: 10.9.0.100-10.9.0.109\n${dhcpYaml}`,
    't.yaml',
  );
  const r = resolveScope(c.switches[0]!, { address: ipv4('10.9.0.1'), prefix: 24 }, 'linux');
  assert.ok(r.ok);
  return policyContext(r.scope, new LeaseDb(r.scope));
}

function reply(bytes: Uint8Array, ctx: PolicyContext): DhcpMessage {
  const d = decode(bytes);
  assert.ok(d.ok);
  const ex = handle(d.msg, T0, ctx);
  assert.ok(ex.reply, ex.reason);
  // through the wire, as the client sees it
  const back = decode(encode(ex.reply));
  assert.ok(back.ok);
  return back.msg;
}

const OPTIONS = `      nextServer: 10.9.0.5
      bootFile: efi/boot/bootx64.efi
      options:
        - { option: ntp-servers, value: [10.9.0.1, 10.9.0.2] }
        - { option: tftp-server-name, value: 10.9.0.5 }
        - { option: bootfile-name, value: efi/boot/bootx64.efi }
        - { option: vendor-class-identifier, value: PXEClient }
        - { option: time-offset, value: 3600 }
        - { option: 224, type: string, value: lab-private }
      reservations:
        - name: vm1
          mac: "00:15:5d:00:00:01"
          ip: 10.9.0.10
          options: [{ option: ntp-servers, value: [10.9.0.9] }]
`;

describe('dhcp.options in replies', () => {
  test('RFC 2132 §9.8: requested options come "in the order requested"; unrequested configured ones are not sent', () => {
    const ctx = context(OPTIONS);
    const prl = [1, 42, 3, 224, 66, 6, 15, 51];
    const r = reply(discover({ mac: '02:00:00:00:00:01', prl }).bytes, ctx);
    const codes = [...r.options.keys()];
    assert.deepEqual(codes.slice(0, 2), [53, 54], '53 and 54 first');
    assert.deepEqual(
      codes.filter((c) => prl.includes(c)),
      prl,
      'the client asked for all of these: they come in its order',
    );
    assert.deepEqual(getIps(r.options, 42)?.map(formatIpv4), ['10.9.0.1', '10.9.0.2']);
    assert.equal(getString(r.options, 224), 'lab-private');
    assert.equal(r.options.has(2), false, 'time-offset was not asked for');
    assert.equal(r.options.has(60), false, 'nor 60');
    assert.equal(r.options.has(67), false, 'nor 67');
    // RFC 2131 §2: siaddr "IP address of next server to use in bootstrap"; file "Boot file name"
    assert.equal(formatIpv4(r.siaddr), '10.9.0.5');
    assert.equal(Buffer.from(r.file).toString('latin1').replace(/\0+$/, ''), 'efi/boot/bootx64.efi');
  });

  test('without configured options nothing changes: siaddr 0, file empty, no extra options', () => {
    const r = reply(discover({ mac: '02:00:00:00:00:01', prl: [42, 66, 67] }).bytes, context(''));
    assert.equal(r.siaddr, ZERO_IP);
    assert.ok(r.file.every((b) => b === 0));
    assert.deepEqual(
      [42, 66, 67].filter((c) => r.options.has(c)),
      [],
    );
  });

  test("a reservation's own option replaces the switch's for that code", () => {
    const ctx = context(OPTIONS);
    const r = reply(discover({ mac: '00:15:5d:00:00:01', prl: [42, 66] }).bytes, ctx);
    assert.equal(formatIpv4(r.yiaddr), '10.9.0.10');
    assert.deepEqual(getIps(r.options, 42)?.map(formatIpv4), ['10.9.0.9']);
    assert.equal(getString(r.options, 66), '10.9.0.5', 'the rest still comes from the switch');
  });

  test('a Hyper-V Generation 2 VM PXE DISCOVER (fixture) gets an OFFER with 60, 66, 67, siaddr and file', () => {
    const pxe = fixturePackets().find((f) => f.name === 'hyperv-gen2-pxe-discover.hex');
    assert.ok(pxe);
    const r = reply(pxe.bytes, context(OPTIONS));
    assert.equal(getMessageType(r.options), MessageType.OFFER);
    assert.equal(getString(r.options, Opt.VENDOR_CLASS_ID), 'PXEClient');
    assert.equal(getString(r.options, 66), '10.9.0.5');
    assert.equal(getString(r.options, 67), 'efi/boot/bootx64.efi');
    assert.equal(formatIpv4(r.siaddr), '10.9.0.5');
    assert.equal(Buffer.from(r.file).toString('latin1').replace(/\0+$/, ''), 'efi/boot/bootx64.efi');
    // in the order of its request list (…, 42, 43, 50, 51, 54, 58, 59, 60, 66, 67, 97, …)
    const keys = [...r.options.keys()];
    assert.ok(keys.indexOf(42) < keys.indexOf(60) && keys.indexOf(60) < keys.indexOf(66));
    assert.ok(keys.indexOf(66) < keys.indexOf(67));
    assert.ok(
      keys.indexOf(2) >= 0 && keys.indexOf(2) < keys.indexOf(42),
      'time-offset (2) asked early, sent early',
    );
  });
});
