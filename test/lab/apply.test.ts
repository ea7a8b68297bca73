/**
 * Lab test (root): `switchyard plan/apply` with the Linux backend, inside the lab's host namespace: apply from
 * nothing, apply again (no changes), break things by hand, plan shows exactly that, apply repairs it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLab, labSkipReason, type Lab } from './netns.js';
import { REPO_ROOT, SWITCHYARD_BIN, writeConfig } from './switchyard.js';

const skip = labSkipReason(['nft', 'sysctl']);

interface JsonPlan {
  changes: { resource: string; key: string; action: string; symbol: string; detail: string }[];
}

if (skip) test('plan/apply on Linux', { skip }, () => undefined);

describe('plan/apply on Linux (lab host namespace)', { skip: skip ?? false }, () => {
  let lab: Lab;
  let cfg: string;
  let state: string;
  let sw: string;
  let wsl: string;

  const cli = async (...args: string[]) => {
    const r = await lab.exec(lab.hostNs, [process.execPath, SWITCHYARD_BIN, ...args], {
      check: false,
      timeoutMs: 30_000,
    });
    return r;
  };
  const plan = async (): Promise<JsonPlan> => {
    const r = await cli('plan', '--json', '--config', cfg, '--state-dir', state);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as JsonPlan;
  };

  before(async () => {
    lab = await createLab();
    const w = await lab.addClient('wsl', { onBridge: false, serverCidr: '10.89.0.1/24' });
    wsl = w.peerIfname;
    sw = `${lab.prefix}-sw`;
    state = join(lab.workDir, 'state');
    cfg = writeConfig(
      lab,
      `switches:
  - name: ${sw}
    subnet: 10.88.0.0/24
    host: 10.88.0.1
    nat: true
wsl:
  interface: ${wsl}
forwarding: true
`,
      'apply.yaml',
    );
  });
  after(async () => {
    await lab?.destroy();
  });

  test('from nothing: apply creates the bridge, its address, the NAT and forwarding; plan is then empty', async () => {
    const p = await plan();
    assert.deepEqual(
      p.changes.map((c) => `${c.symbol} ${c.resource} ${c.key}`),
      [`+ switch ${sw}`, `+ host-address ${sw}`, `+ nat ${sw}`, `~ forwarding ${sw}`, `~ forwarding ${wsl}`],
    );
    const detailed = await cli('plan', '--detailed-exitcode', '--config', cfg, '--state-dir', state);
    assert.equal(detailed.code, 2, 'changes to make: exit 2');
    const r = await cli('apply', '--yes', '--config', cfg, '--state-dir', state);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /\[1\/5\] \+ switch/);
    assert.match(r.stdout, /the host matches the config/);
    assert.deepEqual((await plan()).changes, []);
    const link = await lab.exec(lab.hostNs, ['ip', '-j', '-d', 'link', 'show', sw]);
    assert.match(link.stdout, /"ifalias":"switchyard:switch"/);
    const nft = await lab.exec(lab.hostNs, ['nft', 'list', 'table', 'inet', 'switchyard']);
    assert.match(
      nft.stdout,
      new RegExp(
        `ip saddr 10\\.88\\.0\\.0/24 oifname != "${sw}" oifname != \\{ "lo", "${wsl}" \\} masquerade`,
      ),
    );
  });

  test('apply again: no changes', async () => {
    const r = await cli('apply', '--yes', '--config', cfg, '--state-dir', state);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /No changes: the host matches the config/);
    const detailed = await cli(
      'plan',
      '--detailed-exitcode',
      '--json',
      '--config',
      cfg,
      '--state-dir',
      state,
    );
    assert.equal(detailed.code, 0, 'no changes: exit 0');
    assert.deepEqual((JSON.parse(detailed.stdout) as { counts: unknown }).counts, {
      add: 0,
      change: 0,
      remove: 0,
      blocked: 0,
    });
  });

  test('broken by hand (address, forwarding sysctl, NAT table): plan shows exactly that; apply repairs it', async () => {
    await lab.exec(lab.hostNs, ['ip', 'addr', 'del', '10.88.0.1/24', 'dev', sw]);
    await lab.exec(lab.hostNs, ['sysctl', '-q', '-w', `net/ipv4/conf/${wsl}/forwarding=0`]);
    await lab.exec(lab.hostNs, ['nft', 'delete', 'table', 'inet', 'switchyard']);
    const p = await plan();
    assert.deepEqual(
      p.changes.map((c) => `${c.symbol} ${c.resource} ${c.key}`),
      [`+ host-address ${sw}`, `+ nat ${sw}`, `~ forwarding ${wsl}`],
    );
    const r = await cli('apply', '--yes', '--config', cfg, '--state-dir', state);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual((await plan()).changes, []);
  });

  test('the example config plans as it is on Linux (exit 0, nothing changed)', async () => {
    const r = await cli(
      'plan',
      '--config',
      join(REPO_ROOT, 'switchyard.example.yaml'),
      '--state-dir',
      join(lab.workDir, 'example-state'),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\+ switch switchyard: create bridge switchyard/);
    assert.doesNotMatch(r.stdout, /warning/);
  });

  test('a bad config: exit 2 with file:line:key, nothing changed', async () => {
    const bad = writeConfig(lab, `switches:\n  - name: ${sw}\n    subnett: 10.88.0.0/24\n`, 'bad.yaml');
    const before = (await lab.exec(lab.hostNs, ['ip', '-j', 'addr'])).stdout;
    const r = await cli('apply', '--yes', '--config', bad, '--state-dir', state);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml:3:5: switches\[0\]\.subnett: unknown key/);
    assert.equal((await lab.exec(lab.hostNs, ['ip', '-j', 'addr'])).stdout, before);
  });

  test('apply without --yes and without a terminal refuses (exit 2), changing nothing', async () => {
    await lab.exec(lab.hostNs, ['ip', 'addr', 'del', '10.88.0.1/24', 'dev', sw]);
    const r = await cli('apply', '--config', cfg, '--state-dir', state);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /apply needs --yes when it cannot ask/);
    assert.equal((await plan()).changes.length, 1);
  });
});
