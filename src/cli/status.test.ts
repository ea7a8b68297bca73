import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SimWindowsHost } from '../../test/fakes/sim-windows-host.js';
import { parseConfig } from '../config/load.js';
import type { DaemonReply } from '../daemon/control/client.js';
import type { Method } from '../daemon/control/protocol.js';
import { writePinned } from '../model/pinned.js';
import { ipv4 } from '../net/ipv4.js';
import { applyPlan } from '../reconcile/apply.js';
import { daemonChecks } from '../model/checks/daemon.js';
import { gather, type DoctorProbes } from './doctor.js';
import { computePlan } from '../reconcile/compute.js';
import { renderStatus, statusCommand, type StatusJson } from './status.js';

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
  test('a converged host with a running daemon', async () => {
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
    assert.equal(
      text,
      [
        'SWITCH  SUBNET        HOST       STATE',
        'lab     10.20.0.0/24  10.20.0.1  present',
        '',
        'RANGE  SUBNET           SOURCE',
        'wsl    192.168.16.0/20  pinned',
        'lab    10.20.0.0/24     config',
        '',
        'ADAPTER          FORWARDING',
        'vEthernet (lab)  on',
        'vEthernet (WSL)  off',
        '',
        'daemon: running, pid 4242, 4 leases; lab 3/1000 dynamic',
        'dns lab: NOT SERVING (DNS: udp 10.20.0.1:53 for switch "lab" is in use by another process)',
        '',
      ].join('\n'),
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

  test('a daemon whose DHCP socket lost its interface (switch re-created): status and doctor say so as a failure', async () => {
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
    assert.match(
      text,
      /^FAIL lab: the interface vEthernet \(lab\) its DHCP and DNS sockets were bound to is gone/m,
    );
    const j = JSON.parse(await statusCommand(CONFIG, stateDir, host, true, probes)) as StatusJson;
    assert.equal(j.daemon.switches[0]?.socket, 'interface-gone');
    const g = await gather(CONFIG, stateDir, host, probes);
    const checks = daemonChecks({ config: CONFIG, ...g, stateDir });
    const d = checks.find((c) => c.id === 'daemon')!;
    assert.equal(d.ok, false);
    assert.match(d.detail, /pid 4242; lab: the interface vEthernet \(lab\) .* is gone/);
    assert.match(d.fix ?? '', /^switchyard apply /);
  });

  test('a bare host: switch missing, ranges not pinned yet, daemon down', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'sy-status-'));
    dirs.push(stateDir);
    const host = new SimWindowsHost();
    const text = await statusCommand(CONFIG, stateDir, host, false, daemonProbe({}));
    assert.match(text, /^lab +10\.20\.0\.0\/24 +10\.20\.0\.1 +missing$/m);
    assert.match(text, /^wsl +192\.168\.16\.0\/20 +chosen, not pinned yet/m);
    assert.match(text, /^vEthernet \(lab\) +missing$/m);
    assert.match(text, /^daemon: not running$/m);
  });

  test('renderStatus: a daemon that does not answer, and warnings', () => {
    const s: StatusJson = {
      switches: [],
      ranges: [],
      adapters: [],
      daemon: { running: true, error: 'timed out', pid: null, leases: null, switches: [], dns: [] },
      problems: ['a route overlaps 10.20.0.0/24'],
    };
    assert.match(renderStatus(s), /daemon: not answering \(timed out\)\nwarning: a route overlaps/);
  });
});
