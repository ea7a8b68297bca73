/**
 * Lab test (root, network namespaces): issue 23 with a real client, ISC dhclient, against `switchyard
 * serve` — configured options and boot fields as dhclient reports them, INIT-REBOOT from a client the
 * server never saw (RFC 2131 §4.3.2), and RELEASE by client identifier (RFC 2131 §4.2).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLIENT_BINARIES, setMac, startClient, type ClientHandle } from './clients.js';
import { createLab, labSkipReason, waitUntil, type Lab, type LabClient } from './netns.js';
import { startServe, type Daemon } from './switchyard.js';
import { fixturePackets } from '../support/fixtures.js';
import { MessageType, Opt } from '../../src/dhcp/message.js';
import { getString } from '../../src/dhcp/options.js';
import { decode } from '../../src/dhcp/wire.js';
import { formatIpv4 } from '../../src/net/ipv4.js';

const skip = labSkipReason([...CLIENT_BINARIES.dhclient]);
const HOST = '10.68.0.1';
const BIND_MS = 20_000;

if (skip) test('DHCP conformance with dhclient', { skip }, () => undefined);

describe('DHCP conformance with dhclient (issue 23)', { skip: skip ?? false }, () => {
  let lab: Lab;
  let vm: LabClient[];
  let d: Daemon;
  let ifname = '';
  const clients: ClientHandle[] = [];

  before(async () => {
    lab = await createLab();
    const sw = await lab.addSwitch({ cidr: `${HOST}/24` });
    vm = [await lab.addClient('v1'), await lab.addClient('v2'), await lab.addClient('v3')];
    ifname = sw.ifname;
    d = await startServe(lab, config(false));
  });

  const config = (matchClientId: boolean): string => `switches:
  - name: ${ifname}
    subnet: 10.68.0.0/24
    host: ${HOST}
    dhcp:
      pool: 10.68.0.100-10.68.0.199
      leaseTime: 10m
      matchClientId: ${matchClientId}
      nextServer: 10.68.0.5
      bootFile: efi/boot/bootx64.efi
      options:
        - { option: ntp-servers, value: [10.68.0.1, 10.68.0.2] }
        - { option: 66, value: tftp.lab.internal }
        - { option: bootfile-name, value: efi/boot/bootx64.efi }
`;

  after(async () => {
    for (const c of clients) await c.stop().catch(() => undefined);
    await lab?.destroy();
  });

  const start = async (i: number, opts: Parameters<typeof startClient>[4] = {}): Promise<ClientHandle> => {
    const c = await startClient(lab, vm[i]!.ns, vm[i]!.ifname, 'dhclient', opts);
    clients.push(c);
    return c;
  };

  test('dhclient reports the configured options it asked for (42, 66, 67) and siaddr/file', async () => {
    const c = await start(0, { request: ['ntp-servers', 'tftp-server-name', 'bootfile-name'] });
    const lease = await c.waitBound(BIND_MS);
    const raw = lease.event.raw;
    assert.match(raw, / ntp=10\.68\.0\.1,10\.68\.0\.2 /, raw);
    assert.match(raw, / tftp=tftp\.lab\.internal /, raw);
    assert.match(raw, / bootfile=efi\/boot\/bootx64\.efi /, raw);
    assert.match(raw, / next=10\.68\.0\.5 /, raw);
    assert.match(raw, / file=efi\/boot\/bootx64\.efi$/, raw);
    // a client that does not ask for them is not sent the options (the boot fields are header fields)
    const plain = await start(1);
    const p = (await plain.waitBound(BIND_MS)).event.raw;
    assert.match(p, / ntp=- tftp=- bootfile=- /, p);
    await c.stop();
    await plain.stop();
  });

  test('a Hyper-V Gen 2 PXE DISCOVER (the fixture, sent from a VM namespace) gets 66, 67, siaddr and file (the TFTP setup)', async () => {
    const pxe = fixturePackets().find((f) => f.name === 'hyperv-gen2-pxe-discover.hex');
    assert.ok(pxe);
    const ns = vm[1]!.ns;
    // A source address outside the pool, so Node's socket can send; the reply is broadcast to port 68.
    await lab.exec(ns, ['ip', 'addr', 'add', '10.68.0.250/24', 'dev', vm[1]!.ifname]);
    const script = `
      const s = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true });
      const t = setTimeout(() => { console.log('timeout'); process.exit(3); }, 5000);
      s.on('message', (m) => { const x = Buffer.from(m); if (x[0] === 2) { console.log(x.toString('hex')); clearTimeout(t); s.close(); } });
      s.bind(68, () => { s.setBroadcast(true); s.send(Buffer.from(process.argv[1], 'hex'), 67, '${HOST}'); });`;
    const r = await lab.exec(ns, [process.execPath, '-e', script, Buffer.from(pxe.bytes).toString('hex')], {
      timeoutMs: 10_000,
    });
    await lab.exec(ns, ['ip', 'addr', 'del', '10.68.0.250/24', 'dev', vm[1]!.ifname]);
    const d2 = decode(Uint8Array.from(Buffer.from(r.stdout.trim(), 'hex')));
    assert.ok(d2.ok, r.stdout + r.stderr);
    const m = d2.msg;
    assert.equal(m.options.get(Opt.MESSAGE_TYPE)?.[0], MessageType.OFFER);
    // no 60 configured: EDK2 takes this as a DHCP-only offer with a boot file (docs/dhcp.md#pxe)
    assert.equal(m.options.has(Opt.VENDOR_CLASS_ID), false);
    assert.equal(getString(m.options, 66), 'tftp.lab.internal');
    assert.equal(getString(m.options, 67), 'efi/boot/bootx64.efi');
    assert.equal(formatIpv4(m.siaddr), '10.68.0.5');
    assert.equal(Buffer.from(m.file).toString('latin1').replace(/\0+$/, ''), 'efi/boot/bootx64.efi');
  });

  test('INIT-REBOOT from a client with no record gets no answer (RFC 2131 §4.3.2); it falls back to DISCOVER', async () => {
    const mark = d.process.outputMark();
    const leaseFile = `lease {
  interface "${vm[2]!.ifname}";
  fixed-address 10.68.0.150;
  option subnet-mask 255.255.255.0;
  option dhcp-server-identifier ${HOST};
  option dhcp-lease-time 600;
  renew 4 2037/01/01 00:00:00;
  rebind 4 2037/01/01 00:00:00;
  expire 4 2037/01/01 00:00:00;
}
`;
    const c = await start(2, { leaseFile, conf: ['reboot 2;'] });
    const lease = await c.waitBound(BIND_MS);
    assert.equal(
      lease.event.kind,
      'bound',
      `bound through DISCOVER, not ACKed in INIT-REBOOT: ${lease.event.raw}`,
    );
    await d.process.waitForOutput(/INIT-REBOOT for 10\.68\.0\.150: no record of this client/, 5_000, mark);
    assert.doesNotMatch(d.process.output().slice(mark), /\(INIT-REBOOT\)/, 'no ACK or NAK in INIT-REBOOT');
    await c.stop();
  });

  test('RELEASE with another client-id leaves the lease; RELEASE from a new MAC with the lease’s client-id frees it (RFC 2131 §4.2)', async () => {
    // 1. another client-id than the lease's: not freed
    const a = await start(0, { mac: '02:00:00:23:00:01', clientId: 'ff:00:00:00:01:00:02:00:00:ab:11:01' });
    const ipA = (await a.waitBound(BIND_MS)).ip;
    const markA = d.process.outputMark();
    const confA = join(a.dir, 'dhclient.conf');
    writeFileSync(
      confA,
      readFileSync(confA, 'utf8').replace(
        /send dhcp-client-identifier [^;]+;/,
        'send dhcp-client-identifier ff:00:00:00:01:00:02:00:00:ab:11:99;',
      ),
    );
    await a.release();
    await d.process.waitForOutput(
      /RELEASE not acted on: 10\.68\.0\.\d+ was leased to client-id ff000000010002/,
      5_000,
      markA,
    );
    const rowA = (await d.leases()).find((l) => l.mac === '02:00:00:23:00:01');
    assert.equal(rowA?.ip, ipA);
    assert.equal(rowA?.state, 'bound', 'the owner keeps its lease');

    // 2. the lease's own client-id from a new MAC: freed
    const b = await start(1, { mac: '02:00:00:23:00:02', clientId: 'ff:00:00:00:01:00:02:00:00:ab:11:02' });
    const ipB = (await b.waitBound(BIND_MS)).ip;
    await setMac(lab, vm[1]!.ns, vm[1]!.ifname, '02:00:00:23:00:22');
    await b.release();
    await waitUntil(
      async () => (await d.leases()).find((l) => l.mac === '02:00:00:23:00:02')?.state === 'released',
      5_000,
      `the lease of ${ipB} to be released`,
      100,
    );
    assert.match(
      d.process.output(),
      /RELEASE: 10\.68\.0\.\d+ freed \(lease of 02:00:00:23:00:02, same client-id from 02:00:00:23:00:22\)/,
    );
  });
  test('dhcp.matchClientId: true — one client-id from a new MAC gets the same lease; by default, another', async () => {
    const cid = 'ff:00:00:00:01:00:02:00:00:ab:11:33';
    const mac1 = '02:00:00:23:00:31';
    const mac2 = '02:00:00:23:00:32';
    // default (MAC-keyed): the second MAC gets an address of its own
    const first = await start(2, { mac: mac1, clientId: cid });
    const ip1 = (await first.waitBound(BIND_MS)).ip;
    await first.stop();
    const other = await start(2, { mac: mac2, clientId: cid });
    assert.notEqual((await other.waitBound(BIND_MS)).ip, ip1, 'MAC-keyed: cloned images get two addresses');
    await other.stop();
    // strict: the same client, whatever its MAC
    await d.restart({ config: config(true) });
    const a = await start(2, { mac: '02:00:00:23:00:41', clientId: 'ff:00:00:00:01:00:02:00:00:ab:11:44' });
    const ipA = (await a.waitBound(BIND_MS)).ip;
    await a.stop();
    const b = await start(2, { mac: '02:00:00:23:00:42', clientId: 'ff:00:00:00:01:00:02:00:00:ab:11:44' });
    assert.equal((await b.waitBound(BIND_MS)).ip, ipA, 'keyed by client-id: the same lease from the new MAC');
    await b.stop();
  });
});
