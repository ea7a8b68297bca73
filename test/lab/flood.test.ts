/**
 * Lab test (root): a bounded starvation run. A simulated relay floods the daemon with DISCOVERs from
 * random MACs (DHCPig-style) while a real client with a reservation boots. The lease cap must hold, the
 * daemon's memory must stay bounded, and the reserved client must get its address within its normal retry
 * time.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { callDaemon } from '../../src/daemon/control/client.js';
import { controlPath } from '../../src/daemon/control/path.js';
import { findSummary, simArgv } from '../support/sim-clients.js';
import { CLIENT_BINARIES, startClient } from './clients.js';
import { createLab, labSkipReason, sleep, type Lab, type LabClient } from './netns.js';
import { startServe, type Daemon } from './switchyard.js';

const skip = labSkipReason(['ethtool', ...CLIENT_BINARIES.udhcpc]);
const RESERVED_MAC = '00:15:5d:00:00:42';
const CAP = 200;

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

if (skip) test('flood', { skip }, () => undefined);

describe('flood: cap, memory and a reserved client', { skip: skip ?? false }, () => {
  let lab: Lab;
  let relay: LabClient;
  let vm: LabClient;
  let d: Daemon;

  before(async () => {
    lab = await createLab();
    const sw = await lab.addSwitch({ cidr: '10.77.0.1/22' });
    relay = await lab.addClient('relay');
    vm = await lab.addClient('vm');
    await lab.exec(relay.ns, ['ip', 'addr', 'add', '10.77.0.2/22', 'dev', relay.ifname]);
    d = await startServe(
      lab,
      `switches:
  - name: ${sw.ifname}
    subnet: 10.77.0.0/22
    host: 10.77.0.1
    dhcp:
      pool: 10.77.1.0-10.77.3.254
      maxLeases: ${CAP}
      relayAgents: [10.77.0.0/24]
      reservations:
        - { name: vip, mac: "${RESERVED_MAC}", ip: 10.77.0.10 }
`,
      { logLevel: 'info' },
    );
  });
  after(async () => {
    await lab?.destroy();
  });

  test(`a flood of random MACs: at most ${CAP} leases, bounded memory, the reserved VM still served`, async () => {
    const rssBefore = rssKiB(d.process.pid);
    const flood = lab.spawn(
      relay.ns,
      simArgv({
        mode: 'flood',
        server: '10.77.0.1',
        relay: '10.77.0.2',
        rate: 3000,
        durationS: 8,
        randomMacs: true,
        request: true,
        lingerMs: 1000,
      }),
    );
    await sleep(2000);
    const rssDuring: number[] = [];
    const sampler = setInterval(() => rssDuring.push(rssKiB(d.process.pid)), 250);
    try {
      const t0 = Date.now();
      const cl = await startClient(lab, vm.ns, vm.ifname, 'udhcpc', { mac: RESERVED_MAC });
      try {
        const lease = await cl.waitBound(10_000);
        assert.equal(lease.ip, '10.77.0.10');
        // udhcpc's own first retry comes after 3 s: bound within a couple of rounds, despite the flood.
        assert.ok(Date.now() - t0 < 7000, `bound after ${Date.now() - t0} ms`);
      } finally {
        await cl.stop();
      }
      await flood.exited;
    } finally {
      clearInterval(sampler);
    }
    const summary = findSummary(flood.output(), 'flood');
    assert.ok(summary, flood.output().slice(-2000));
    assert.ok(summary.sent >= 15_000, `the flood really flooded (${summary.sent} DISCOVERs sent)`);
    assert.ok(summary.acks <= CAP, `leases granted to the flood: ${summary.acks}`);
    const status = await callDaemon(controlPath(d.stateDir), 'status');
    assert.ok(status.running && status.ok);
    const sw = (status.result as { switches: { dynamicLeases: number; stats: { received: number } }[] })
      .switches[0]!;
    assert.ok(sw.dynamicLeases <= CAP, `dynamic leases ${sw.dynamicLeases} ≤ cap ${CAP}`);
    assert.ok(sw.stats.received >= summary.sent * 0.9, 'the daemon saw the flood');
    const peak = Math.max(...rssDuring);
    assert.ok(
      peak - rssBefore < 64 * 1024,
      `RSS grew ${Math.round((peak - rssBefore) / 1024)} MiB (before ${Math.round(rssBefore / 1024)} MiB)`,
    );
    const warnings = d.process
      .output()
      .split('\n')
      .filter((l) => l.includes('no address offered'));
    assert.ok(
      warnings.length >= 1 && warnings.length <= 3,
      `exhaustion logged ${warnings.length} times, not once per packet`,
    );
    console.log(
      `flood: ${summary.sent} DISCOVERs at ${Math.round(summary.sentRate)}/s, ${summary.offers} offers, ${summary.acks} acks; ` +
        `daemon RSS ${Math.round(rssBefore / 1024)} → peak ${Math.round(peak / 1024)} MiB; dynamic leases ${sw.dynamicLeases}`,
    );
  });
});
