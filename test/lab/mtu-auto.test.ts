/**
 * Lab test (root): `mtu: auto` end to end. The lab's host namespace gets an uplink (veth to an "isp"
 * namespace, MTU 1400, the default route) and a VPN (a real tun device held open by a small process, MTU
 * 1300, a split-tunnel route 10.200.0.0/16 through it). `switchyard serve` runs there; real clients
 * (busybox udhcpc, ISC dhclient) must receive option 26 = 1300; when the VPN process ends (its tun goes,
 * with its route), the daemon notices the adapter list change (compared every 5 s) and raises option 26
 * to 1400 for the clients' next renewal. The default route lives only inside the lab's own namespace.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startClient, type ClientHandle } from './clients.js';
import { createLab, labSkipReason, type Lab, type LabClient, type LabProcess } from './netns.js';
import { startServe, type Daemon } from './switchyard.js';

const skip = labSkipReason(['ethtool', 'udhcpc', 'dhclient', 'python3']);
/**
 * The daemon compares the adapter list every 5 s and re-reads on a change (src/daemon/mtu-watch.ts): wait
 * two polls and the read, well short of the 5-minute safety net (and of the 30 s period it had before).
 */
const RECHECK_WAIT_MS = 12_000;

/** Opens /dev/net/tun as NAME (IFF_TUN | IFF_NO_PI) and holds it: the device exists while this runs. */
const HOLD_TUN = `import fcntl, os, struct, sys, time
fd = os.open('/dev/net/tun', os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack('16sH', sys.argv[1].encode(), 0x0001 | 0x1000))
print('tun ready', flush=True)
while True:
    time.sleep(60)
`;

if (skip) test('mtu: auto with real clients', { skip }, () => undefined);

describe('mtu: auto with real clients (uplink 1400, VPN tun 1300)', { skip: skip ?? false }, () => {
  let lab: Lab;
  let vpn: LabProcess;
  let d: Daemon;
  let ports: LabClient[];
  const clients: ClientHandle[] = [];

  before(async () => {
    lab = await createLab();
    const sw = await lab.addSwitch({ cidr: '10.66.0.1/24' });
    ports = [await lab.addClient('vm1'), await lab.addClient('vm2')];
    const isp = await lab.addClient('isp', { onBridge: false, serverCidr: '192.168.50.2/24' });
    const host = (argv: string[]) => lab.exec(lab.hostNs, argv);
    await host(['ip', 'link', 'set', 'dev', isp.peerIfname, 'mtu', '1400']);
    await lab.exec(isp.ns, ['ip', 'link', 'set', 'dev', isp.ifname, 'mtu', '1400']);
    await lab.exec(isp.ns, ['ip', 'addr', 'add', '192.168.50.1/24', 'dev', isp.ifname]);
    await host(['ip', 'route', 'add', 'default', 'via', '192.168.50.1', 'dev', isp.peerIfname]);

    const tun = `${lab.prefix}-vpn`;
    const script = join(lab.workDir, 'hold-tun.py');
    writeFileSync(script, HOLD_TUN);
    vpn = lab.spawn(lab.hostNs, ['python3', script, tun]);
    await vpn.waitForOutput(/tun ready/, 5000);
    await host(['ip', 'link', 'set', 'dev', tun, 'mtu', '1300', 'up']);
    await host(['ip', 'addr', 'add', '10.201.0.2/32', 'dev', tun]);
    await host(['ip', 'route', 'add', '10.200.0.0/16', 'dev', tun]);

    d = await startServe(
      lab,
      `switches:
  - name: ${sw.ifname}
    subnet: 10.66.0.0/24
    host: 10.66.0.1
    nat: false
    dhcp:
      pool: 10.66.0.100-10.66.0.150
      leaseTime: 10m
      mtu: auto
forwarding: false
`,
    );
  });
  after(async () => {
    for (const c of clients) await c.stop();
    await lab?.destroy();
  });

  test('at start the daemon resolves auto to the tunnel MTU; both clients get option 26 = 1300', async () => {
    assert.match(d.process.output(), /"msg":"mtu auto: option 26 = 1300 \(uplink sy[0-9a-f]{4}-vpn\)"/);
    for (const [i, kind] of (['udhcpc', 'dhclient'] as const).entries()) {
      const c = await startClient(lab, ports[i]!.ns, ports[i]!.ifname, kind);
      clients.push(c);
      const lease = await c.waitBound(15_000);
      assert.equal(lease.event.mtu, 1300, `${kind}: ${lease.event.raw}`);
    }
  });

  test('the VPN goes away: within seconds the daemon says 1400 once, and renewals carry 1400', async () => {
    const mark = d.process.outputMark();
    await vpn.stop();
    const route = await lab.exec(lab.hostNs, ['ip', '-4', 'route', 'show', '10.200.0.0/16']);
    assert.equal(route.stdout.trim(), '', 'the tunnel and its route are gone');
    await d.process.waitForOutput(
      /"msg":"mtu auto: option 26 = 1400 \(uplink [^)]+\)"/,
      RECHECK_WAIT_MS,
      mark,
    );
    for (const c of clients) {
      const renewed = await c.renew(15_000);
      assert.equal(renewed.event.mtu, 1400, `${c.kind}: ${renewed.event.raw}`);
    }
    const changes = d.process.output().match(/mtu auto: option 26 = \d+/g) ?? [];
    assert.deepEqual(
      changes,
      ['mtu auto: option 26 = 1300', 'mtu auto: option 26 = 1400'],
      'each change logged once',
    );
  });
});
