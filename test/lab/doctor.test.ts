/**
 * Lab test (root): `switchyard doctor` on Linux. A healthy switch (apply + serve) is all green; then each
 * checked thing is broken by hand, one at a time, and doctor must report exactly that check with its fix.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLab, labSkipReason, sleep, type Lab, type LabProcess } from './netns.js';
import { startServe, SWITCHYARD_BIN, writeConfig, type Daemon } from './switchyard.js';

const skip = labSkipReason(['nft', 'sysctl']);

interface Finding {
  id: string;
  title: string;
  ok: boolean;
  detail: string;
  fix: string | null;
}

if (skip) test('doctor on Linux', { skip }, () => undefined);

describe('doctor on Linux (lab host namespace)', { skip: skip ?? false }, () => {
  let lab: Lab;
  let d: Daemon;
  let sw: string;
  let wsl: string;
  let uplink: string;

  const doctor = async (): Promise<{ code: number; checks: Finding[] }> => {
    const r = await lab.exec(
      lab.hostNs,
      [
        process.execPath,
        SWITCHYARD_BIN,
        'doctor',
        '--json',
        '--config',
        d.configPath,
        '--state-dir',
        d.stateDir,
      ],
      {
        check: false,
        timeoutMs: 30_000,
      },
    );
    return { code: r.code ?? -1, checks: (JSON.parse(r.stdout) as { checks: Finding[] }).checks };
  };
  /** dns-link fails where the lab machine has no systemd-resolved (test/lab/resolved.test.ts runs a real one). */
  const noResolved = (c: Finding): boolean =>
    c.id.startsWith('dns-link:') && /systemd-resolved is not running/.test(c.detail);
  const failing = async (): Promise<Finding[]> =>
    (await doctor()).checks.filter((c) => !c.ok && !noResolved(c));

  before(async () => {
    lab = await createLab();
    wsl = (await lab.addClient('wsl', { onBridge: false, serverCidr: '10.89.0.1/24' })).peerIfname;
    uplink = (await lab.addClient('corp', { onBridge: false, serverCidr: '10.200.0.2/24' })).peerIfname;
    sw = `${lab.prefix}-sw`;
    const yaml = `switches:
  - name: ${sw}
    subnet: 10.88.0.0/24
    host: 10.88.0.1
wsl:
  interface: ${wsl}
  subnet: 10.89.0.0/24
  gateway: 10.89.0.1
`;
    // apply first (creates the bridge), then serve on it.
    const cfg = writeConfig(lab, yaml);
    const a = await lab.exec(
      lab.hostNs,
      [
        process.execPath,
        SWITCHYARD_BIN,
        'apply',
        '--yes',
        '--config',
        cfg,
        '--state-dir',
        join(lab.workDir, 'state'),
      ],
      {
        check: false,
        timeoutMs: 30_000,
      },
    );
    assert.equal(a.code, 0, a.stdout + a.stderr);
    d = await startServe(lab, yaml, { logLevel: 'info' });
  });
  after(async () => {
    await lab?.destroy();
  });

  test('healthy: every check passes, exit 0', async () => {
    const r = await doctor();
    assert.deepEqual(
      r.checks.filter((c) => !c.ok && !noResolved(c)),
      [],
    );
    // without systemd-resolved (this lab host namespace has none) the DNS link is a warning, not a failure
    assert.equal(r.code, 0);
    for (const c of r.checks.filter(noResolved)) assert.equal(c.ok, true, c.detail);
    const ids = r.checks.map((c) => c.id);
    for (const id of [
      `switch:${sw}`,
      `address:${sw}`,
      `nat:${sw}`,
      `forwarding:${sw}`,
      `forwarding:${wsl}`,
      'daemon',
      'port:67',
    ]) {
      assert.ok(ids.includes(id), `${id} is checked (${ids.join(', ')})`);
    }
    assert.ok(
      !ids.includes('firewall') && !ids.includes('wsl:range'),
      'Windows-only checks are left out on Linux',
    );
  });

  test('a route that clashes with the switch range (a VPN came up): found, with the fix', async () => {
    await lab.exec(lab.hostNs, ['ip', 'route', 'add', '10.88.0.0/25', 'via', '10.200.0.1', 'dev', uplink]);
    try {
      const f = await failing();
      assert.deepEqual(
        f.map((c) => c.id),
        [`range:switch:${sw}`],
      );
      assert.match(f[0]!.detail, /10\.88\.0\.0\/25/);
      assert.ok(f[0]!.fix);
    } finally {
      await lab.exec(lab.hostNs, ['ip', 'route', 'del', '10.88.0.0/25', 'via', '10.200.0.1', 'dev', uplink]);
    }
  });

  test('the NAT table deleted by hand: found, with the fix', async () => {
    await lab.exec(lab.hostNs, ['nft', 'delete', 'table', 'inet', 'switchyard']);
    const f = await failing();
    assert.deepEqual(
      f.map((c) => c.id),
      [`nat:${sw}`],
    );
    assert.match(f[0]!.fix ?? '', /switchyard apply/);
    const fix = await lab.exec(
      lab.hostNs,
      [
        process.execPath,
        SWITCHYARD_BIN,
        'apply',
        '--yes',
        '--config',
        d.configPath,
        '--state-dir',
        join(lab.workDir, 'state'),
      ],
      { check: false, timeoutMs: 30_000 },
    );
    assert.equal(fix.code, 0, fix.stdout + fix.stderr);
  });

  test('another process holding UDP 67, and the daemon gone: both found, the holder named', async () => {
    await d.stop();
    const squatter: LabProcess = lab.spawn(lab.hostNs, [
      process.execPath,
      '-e',
      "require('dgram').createSocket('udp4').bind(67, '0.0.0.0', () => console.log('bound'))",
    ]);
    await squatter.waitForOutput(/bound/, 5000);
    try {
      const f = await failing();
      const ids = f.map((c) => c.id);
      assert.ok(ids.includes('daemon'), ids.join(','));
      assert.ok(ids.includes('port:67'), ids.join(','));
      assert.match(f.find((c) => c.id === 'port:67')!.detail, /node/);
    } finally {
      await squatter.stop();
    }
  });

  test('forwarding off on the WSL link and the host address removed (no daemon to repair them): both found', async () => {
    await lab.exec(lab.hostNs, ['sysctl', '-q', '-w', `net/ipv4/conf/${wsl}/forwarding=0`]);
    await lab.exec(lab.hostNs, ['ip', 'addr', 'del', '10.88.0.1/24', 'dev', sw]);
    await sleep(100);
    const r = await doctor();
    const ids = r.checks.filter((c) => !c.ok).map((c) => c.id);
    assert.ok(ids.includes(`forwarding:${wsl}`), ids.join(','));
    assert.ok(ids.includes(`address:${sw}`), ids.join(','));
    assert.equal(r.code, 1);
    assert.match(r.checks.find((c) => c.id === `forwarding:${wsl}`)!.fix ?? '', /forwarding=1/);
  });
});
