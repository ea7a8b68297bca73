import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SimWindowsHost } from '../../test/windows-sim/host.js';
import { pwshMissing } from '../../test/windows-sim/runner.js';

/** Runs in real pwsh against the simulated Windows (skipped, with how to get pwsh, when it is missing). */
const PWSH = { skip: pwshMissing() };
import { parseConfig } from '../config/load.js';
import type { DaemonReply } from '../daemon/control/client.js';
import type { Method } from '../daemon/control/protocol.js';
import { writePinned } from '../model/pinned.js';
import { cidr, ipv4 } from '../net/ipv4.js';
import { applyPlan } from '../reconcile/apply.js';
import { daemonChecks } from '../model/checks/daemon.js';
import { gather, type DoctorProbes } from './doctor.js';
import { computePlan } from '../reconcile/compute.js';
import { statusCommand, type StatusJson } from './status.js';

const CONFIG = parseConfig(
  `switches:
  - name: lab
    subnet: 10.20.0.0/24
    host: 10.20.0.1
wsl: {}
`,
  'status.yaml',
);
const WSL = 'vEthernet (WSL)';
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function daemonProbe(replies: Partial<Record<Method, DaemonReply>>): DoctorProbes {
  return { daemon: (m) => Promise.resolve(replies[m] ?? { running: false }) };
}

async function convergedHost(): Promise<{ host: SimWindowsHost; stateDir: string }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'sy-status-'));
  dirs.push(stateDir);
  const host = new SimWindowsHost();
  host.addAdapter(WSL, [{ address: ipv4('172.27.16.1'), prefix: 20, dynamic: false }]);
  host.wslAdapter = WSL;
  const r = await computePlan(CONFIG, stateDir, host);
  await writePinned(stateDir, r.addresses.pinned);
  assert.equal((await applyPlan(r.plan, host)).failed, undefined);
  return { host, stateDir };
}

describe('status', () => {
  test('a converged host with a running daemon', PWSH, async () => {
    const { host, stateDir } = await convergedHost();
    host.adapters.find((a) => a.name === WSL)!.forwarding = false;
    const probes = daemonProbe({
      status: {
        running: true,
        ok: true,
        result: {
          pid: 4242,
          switches: [
            { name: 'lab', subnet: '10.20.0.0/24', host: '10.20.0.1', dynamicLeases: 3, maxLeases: 1000 },
          ],
          dns: [
            { switch: 'lab', error: 'DNS: udp 10.20.0.1:53 for switch "lab" is in use by another process' },
          ],
        },
      },
      leases: { running: true, ok: true, result: [{}, {}, {}, {}] },
    });
    const text = await statusCommand(CONFIG, stateDir, host, false, probes);
    assert.match(text, /^host \(Windows\) · daemon running, pid 4242$/m);
    assert.match(text, /^├─ WSL {2}192\.168\.16\.0\/20 \(pinned\) {2}vEthernet \(WSL\) {2}forwarding OFF$/m);
    assert.match(text, /^│ {4}✘ forwarding on vEthernet \(WSL\): off$/m);
    assert.match(
      text,
      /^└─ switch lab {2}10\.20\.0\.0\/24 {2}host 10\.20\.0\.1 {2}NAT on {2}DHCP {2}forwarding on$/m,
    );
    assert.match(
      text,
      /^ {5}✘ DNS answering on switch lab: DNS: udp 10\.20\.0\.1:53 for switch "lab" is in use/m,
    );
    const j = JSON.parse(await statusCommand(CONFIG, stateDir, host, true, probes)) as StatusJson;
    assert.deepEqual(j.switches, [
      {
        name: 'lab',
        subnet: '10.20.0.0/24',
        host: '10.20.0.1',
        interface: 'vEthernet (lab)',
        present: true,
        hostAddress: true,
      },
    ]);
    assert.deepEqual(j.ranges[0], { name: 'wsl', subnet: '192.168.16.0/20', source: 'pinned', pinned: true });
    assert.deepEqual(j.daemon, {
      running: true,
      error: null,
      pid: 4242,
      leases: 4,
      switches: [{ name: 'lab', dynamicLeases: 3, maxLeases: 1000, socket: null }],
      dns: [
        {
          switch: 'lab',
          listening: null,
          error: 'DNS: udp 10.20.0.1:53 for switch "lab" is in use by another process',
          names: null,
        },
      ],
    });
  });

  test(
    'a daemon whose DHCP socket lost its interface (switch re-created): status and doctor say so as a failure',
    PWSH,
    async () => {
      const { host, stateDir } = await convergedHost();
      const probes = daemonProbe({
        status: {
          running: true,
          ok: true,
          result: {
            pid: 4242,
            switches: [
              {
                name: 'lab',
                subnet: '10.20.0.0/24',
                host: '10.20.0.1',
                socket: { interface: 'vEthernet (lab)', state: 'interface-gone', boundTo: '7' },
              },
            ],
            dns: [],
          },
        },
        leases: { running: true, ok: true, result: [] },
      });
      const text = await statusCommand(CONFIG, stateDir, host, false, probes);
      assert.match(text, /switch lab .* DHCP DOWN \(socket interface-gone\)/);
      assert.match(text, /✘ .*lab: the interface vEthernet \(lab\) its DHCP and DNS so/);
      const j = JSON.parse(await statusCommand(CONFIG, stateDir, host, true, probes)) as StatusJson;
      assert.equal(j.daemon.switches[0]?.socket, 'interface-gone');
      const g = await gather(CONFIG, stateDir, host, probes);
      const checks = daemonChecks({ config: CONFIG, ...g, stateDir });
      const d = checks.find((c) => c.id === 'daemon')!;
      assert.equal(d.ok, false);
      assert.match(d.detail, /pid 4242; lab: the interface vEthernet \(lab\) .* is gone/);
      assert.match(d.fix ?? '', /^switchyard apply /);
    },
  );

  test('a bare host: switch missing, ranges not pinned yet, daemon down', PWSH, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'sy-status-'));
    dirs.push(stateDir);
    const host = new SimWindowsHost();
    const text = await statusCommand(CONFIG, stateDir, host, false, daemonProbe({}));
    assert.match(text, /^host \(Windows\) · daemon not running$/m);
    assert.match(text, /^│ {2}✘ daemon running and answering: not running/m);
    assert.match(text, /^├─ WSL {2}192\.168\.16\.0\/20 \(not pinned yet\)/m);
    assert.match(text, /^└─ switch lab .* MISSING {2}NAT off {2}daemon down/m);
    assert.match(text, /^ {5}✘ switch lab exists: no Hyper-V switch named "lab"$/m);
    assert.match(text, /^✘ = what `switchyard doctor` flags \(\d+\); it prints the fix for each\.$/m);
  });

  test('a typical laptop, 2 switches and 6 VMs: the picture fits in 100 columns; flags red on a terminal', async () => {
    const config = parseConfig(
      `switches:
  - name: dev
    subnet: 10.20.0.0/24
    host: 10.20.0.1
    dhcp:
      reservations:
        - { name: web1, mac: "00:15:5d:00:00:01", ip: 10.20.0.10 }
        - { name: db1, mac: "00:15:5d:00:00:02", ip: 10.20.0.11 }
    dns:
      domain: dev.internal
  - name: build-farm-switch
    subnet: 10.21.0.0/24
    host: 10.21.0.1
    nat: false
    dhcp:
      reservations:
        - { name: runner-with-a-long-name, mac: "00:15:5d:00:01:01", ip: 10.21.0.10 }
wsl: {}
`,
      'laptop.yaml',
      'win32',
    );
    const stateDir = mkdtempSync(join(tmpdir(), 'sy-status-'));
    dirs.push(stateDir);
    const host = new SimWindowsHost();
    host.addAdapter(WSL, [{ address: ipv4('172.27.16.1'), prefix: 20, dynamic: false }]);
    host.wslAdapter = WSL;
    host.routes.push(
      { dest: cidr('0.0.0.0/0'), iface: 'Wi-Fi' },
      { dest: cidr('192.168.1.0/24'), iface: 'Wi-Fi' },
      { dest: cidr('10.99.0.0/16'), iface: 'Cisco AnyConnect' },
      { dest: cidr('172.16.0.0/12'), iface: 'Cisco AnyConnect' },
    );
    const r = await computePlan(config, stateDir, host);
    await writePinned(stateDir, r.addresses.pinned);
    assert.equal((await applyPlan(r.plan, host)).failed, undefined);
    host.adapters.find((a) => a.name === WSL)!.forwarding = false;
    const until = new Date(Date.now() + 3600_000).toISOString();
    const lease = (sw: string, mac: string, ip: string, hostname: string | null) => ({
      switch: sw,
      mac,
      ip,
      hostname,
      clientId: null,
      expiresAt: until,
      state: 'bound',
    });
    const probes = daemonProbe({
      status: {
        running: true,
        ok: true,
        result: {
          pid: 77,
          switches: [
            { name: 'dev', subnet: '10.20.0.0/24', host: '10.20.0.1' },
            { name: 'build-farm-switch', subnet: '10.21.0.0/24', host: '10.21.0.1' },
          ],
          dns: [
            { switch: 'dev', listening: '10.20.0.1:53', names: 4 },
            { switch: 'build-farm-switch', listening: '10.21.0.1:53', names: 2 },
          ],
        },
      },
      leases: {
        running: true,
        ok: true,
        result: [
          lease('dev', '00:15:5d:00:00:01', '10.20.0.10', 'web1'),
          lease('dev', '00:15:5d:00:00:02', '10.20.0.11', 'db1'),
          lease('dev', '00:15:5d:00:00:03', '10.20.0.150', 'scratch\x1b[2J'),
          lease('dev', '00:15:5d:00:00:04', '10.20.0.151', null),
          lease('build-farm-switch', '00:15:5d:00:01:01', '10.21.0.10', 'runner'),
          lease(
            'build-farm-switch',
            '00:15:5d:00:01:02',
            '10.21.0.150',
            'a-very-long-hostname-sent-by-a-guest-to-see-what-happens',
          ),
        ],
      },
    });
    const text = await statusCommand(config, stateDir, host, false, probes);
    for (const line of text.split('\n')) assert.ok(Array.from(line).length <= 100, `${line.length}: ${line}`);
    assert.match(text, /^out ├─ Wi-Fi {2}default, 192\.168\.1\.0\/24$/m);
    assert.match(text, /^ {4}└─ Cisco AnyConnect {2}10\.99\.0\.0\/16, 172\.16\.0\.0\/12$/m);
    assert.match(text, /^host \(Windows\) · daemon running, pid 77$/m);
    assert.match(text, /^├─ WSL {2}192\.168\.16\.0\/20 \(pinned\) {2}vEthernet \(WSL\) {2}forwarding OFF$/m);
    assert.match(text, /^│ {4}✘ forwarding on vEthernet \(WSL\): off$/m);
    assert.match(
      text,
      /^├─ switch dev {2}10\.20\.0\.0\/24 {2}host 10\.20\.0\.1 {2}NAT on {2}DHCP\+DNS {2}forwarding on$/m,
    );
    assert.match(text, /^└─ switch build-farm-switch {2}10\.21\.0\.0\/24 .* NAT not wanted {2}DHCP\+DNS/m);
    assert.match(text, /^│ {4}├─ web1 +10\.20\.0\.10 +web1\.dev\.internal +reserved$/m);
    assert.match(text, /^│ {4}├─ scratch\\x1b\[2J +10\.20\.0\.150 +scratch-2j\.dev\.internal$/m);
    assert.match(text, /^│ {4}└─ 00:15:5d:00:00:04 +10\.20\.0\.151 +-$/m);
    assert.match(
      text,
      /^ {5}├─ runner-with-a-long-… +10\.21\.0\.10 +runner-with-a-long-name\.switchyard\.… +reserved$/m,
    );
    assert.ok(!text.includes('\x1b['), 'no colour unless asked');
    const vmLines = text.split('\n').filter((l) => /^[│ ] {4}[├└]─ /.test(l));
    assert.equal(vmLines.length, 6);
    const red = await statusCommand(config, stateDir, host, false, probes, { color: true, unicode: true });
    assert.ok(red.includes('\x1b[31m✘ forwarding on vEthernet (WSL): off\x1b[0m'), red);
    const cutRed = red.split('\n').find((l) => l.includes("WSL's NAT range"))!;
    assert.ok(
      cutRed.startsWith('│    \x1b[31m✘ ') && cutRed.endsWith('…\x1b[0m'),
      'a long flag is cut and stays red',
    );
    const json = JSON.parse(await statusCommand(config, stateDir, host, true, probes)) as Record<
      string,
      unknown
    >;
    assert.deepEqual(Object.keys(json), ['switches', 'ranges', 'adapters', 'daemon', 'problems']);
  });
});
