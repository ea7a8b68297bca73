/**
 * Lab test (root, network namespaces): Vagrant boxes on the switch, without Vagrant or Hyper-V.
 * (a) `switchyard vagrant web1` against a running `switchyard serve` reserves a MAC + IP; a "VM" namespace
 *     whose interface has that MAC gets exactly the reserved IP from a real DHCP client.
 * (b) A "VM" namespace configured by the REAL systemd-networkd (private mount namespace inside the VM's network
 *     namespace, bounded by `timeout`) from the `.network` file `switchyard guest networkd` generates reaches a
 *     "WSL" namespace behind a routed link of the host namespace: only networkd's Address= and Gateway= get it
 *     there.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { formatIpv4 } from '../../src/net/ipv4.js';
import { CLIENT_BINARIES, setMac, startClient } from './clients.js';
import { createLab, labSkipReason, waitUntil, type Lab, type LabClient, type LabSwitch } from './netns.js';
import { runCli, startServe, type Daemon } from './switchyard.js';

const NETWORKD = '/lib/systemd/systemd-networkd';
const skip =
  labSkipReason([...CLIENT_BINARIES.dhcpcd, 'timeout', 'busybox']) ??
  (existsSync(NETWORKD) ? undefined : 'systemd-networkd not installed');

function config(ifname: string): string {
  return `switches:
  - name: ${ifname}
    subnet: 10.77.0.0/24
    host: 10.77.0.1
    dhcp:
      pool: 10.77.0.100-10.77.0.199
      leaseTime: 10m
      reservations: []
`;
}

function reservation(configPath: string, name: string): { mac: string; ip: string } {
  const c = parseConfig(readFileSync(configPath, 'utf8'), configPath);
  const r = c.switches.flatMap((s) => s.dhcp.reservations).find((x) => x.name === name);
  assert.ok(r, `no reservation ${name} in ${configPath}`);
  return { mac: r.mac, ip: formatIpv4(r.ip) };
}

if (skip) test('switchyard vagrant in a lab', { skip }, () => undefined);

describe('switchyard vagrant in a lab', { skip: skip ?? false }, () => {
  let lab: Lab;
  let sw: LabSwitch;
  let d: Daemon;

  before(async () => {
    lab = await createLab();
    sw = await lab.addSwitch({ cidr: '10.77.0.1/24' });
    d = await startServe(lab, config(sw.ifname));
  });
  after(async () => {
    await lab?.destroy();
  });

  test('a VM with the MAC of a `switchyard vagrant` reservation gets exactly the reserved IP', async () => {
    const r = await runCli(['vagrant', 'web1', '--config', d.configPath, '--state-dir', d.stateDir]);
    assert.equal(r.code, 0, r.stderr);
    const res = reservation(d.configPath, 'web1');
    assert.match(r.stdout, new RegExp(`bridge: '${sw.ifname}'`));
    assert.ok(r.stdout.includes(`hv.mac = '${res.mac.replace(/:/g, '').toUpperCase()}'`), r.stdout);
    assert.match(res.ip, /^10\.77\.0\.\d+$/);
    const vm = await lab.addClient('vm1');
    const cl = await startClient(lab, vm.ns, vm.ifname, 'dhcpcd', { mac: res.mac });
    try {
      const lease = await cl.waitBound(15_000);
      assert.equal(lease.ip, res.ip);
      const row = (await d.leases()).find((l) => l.mac === res.mac);
      assert.equal(row?.ip, res.ip);
    } finally {
      await cl.stop();
    }
  });

  test('a VM configured by the real systemd-networkd from the generated .network reaches WSL', async () => {
    // "WSL": a namespace behind a routed link of the host namespace (another subnet, reached via the switch's
    // host address, as WSL is reached through the Windows host).
    const wsl: LabClient = await lab.addClient('wsl', { onBridge: false, serverCidr: '10.79.9.1/24' });
    await lab.exec(wsl.ns, ['ip', 'addr', 'add', '10.79.9.2/24', 'dev', wsl.ifname]);
    await lab.exec(wsl.ns, ['ip', 'link', 'set', 'dev', wsl.ifname, 'up']);
    await lab.exec(wsl.ns, ['ip', 'route', 'add', 'default', 'via', '10.79.9.1']);
    await lab.exec(lab.hostNs, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);

    const v = await runCli(['vagrant', 'web2', '--config', d.configPath, '--state-dir', d.stateDir]);
    assert.equal(v.code, 0, v.stderr);
    const res = reservation(d.configPath, 'web2');
    const g = await runCli(['guest', 'networkd', '--name', 'web2', '--config', d.configPath]);
    assert.equal(g.code, 0, g.stderr);
    assert.match(
      g.stdout,
      new RegExp(`Address=${res.ip.replace(/\./g, '\\.')}/24\\nGateway=10\\.77\\.0\\.1`),
    );

    const vm = await lab.addClient('vm2');
    await setMac(lab, vm.ns, vm.ifname, res.mac);
    await lab.exec(vm.ns, ['ip', '-4', 'addr', 'flush', 'dev', vm.ifname]);
    await lab.exec(vm.ns, ['ip', 'link', 'set', 'dev', vm.ifname, 'down']);
    const ping = ['busybox', 'ping', '-c', '1', '-W', '2', '10.79.9.2'];
    assert.notEqual((await lab.exec(vm.ns, ping, { check: false })).code, 0, 'WSL reachable before networkd');

    // systemd-networkd drops to the systemd-network user: the directory must be world-readable.
    chmodSync(lab.workDir, 0o755);
    const dir = join(lab.workDir, 'networkd');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, '10-switchyard-web2.network'), g.stdout, { mode: 0o644 });
    // /sys read-only in the private mount namespace: networkd then does not wait for udev (which never
    // sees links of another network namespace) to initialize the link.
    const nd = lab.spawn(vm.ns, [
      'unshare',
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount -t tmpfs tmpfs /run/systemd && mount --bind "$0" /etc/systemd/network && ' +
        'mount -o remount,bind,ro /sys && ' +
        'SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=debug exec timeout 30 ' +
        NETWORKD,
      dir,
    ]);
    try {
      const addr = await waitUntil(
        async () => {
          const a = await lab.exec(vm.ns, ['ip', '-4', '-o', 'addr', 'show', 'dev', vm.ifname]);
          const rt = await lab.exec(vm.ns, ['ip', '-4', 'route', 'show', 'default']);
          return a.stdout.includes(`inet ${res.ip}/24`) && /via 10\.77\.0\.1/.test(rt.stdout)
            ? { a: a.stdout, rt: rt.stdout }
            : undefined;
        },
        15_000,
        () => `networkd to configure ${vm.ifname}:\n${nd.output()}`,
        200,
      );
      // networkd installs its Gateway= route with protocol "static" (a route added by hand is "boot").
      assert.match(addr.rt, /default via 10\.77\.0\.1 .*proto static/, addr.rt);
      assert.match(nd.output(), new RegExp(`${vm.ifname}: .*10-switchyard-web2\\.network`));
      const p = await lab.exec(vm.ns, ping, { check: false });
      assert.equal(p.code, 0, `${p.stdout}${p.stderr}`);
      assert.match(p.stdout, /1 packets received/);
    } finally {
      await nd.stop();
    }
  });
});
