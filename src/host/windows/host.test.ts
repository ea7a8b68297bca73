/**
 * The Windows Host without Windows: observation fixtures (reconstructed from documentation — see
 * test/fixtures/windows/README.md) mapped onto the neutral model and planned against; execution through a
 * fake PowerShell runner that checks the script it is handed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parsePowerShell } from '../../../test/support/ps-parse.js';
import { parseConfig } from '../../config/load.js';
import { planAddresses } from '../../model/address-plan.js';
import { desiredHost } from '../../model/desired.js';
import { formatCidr, ipv4 } from '../../net/ipv4.js';
import { overlapsAny } from '../../net/ranges.js';
import { makePlan } from '../../reconcile/plan.js';
import { parseRemoteAddress, toObservedHost, WindowsHost } from './host.js';
import { isObservationError, parseObservation } from './observation-parse.js';
import { decodeCommand } from './command-line.js';

function fixture(name: string) {
  const raw: unknown = JSON.parse(
    readFileSync(new URL(`../../../../test/fixtures/windows/${name}.json`, import.meta.url), 'utf8'),
  );
  const parsed = parseObservation(raw);
  assert.ok(!isObservationError(parsed), isObservationError(parsed) ? parsed.error : '');
  return toObservedHost(parsed);
}

describe('Windows host: observation → plan', () => {
  test('RemoteAddress in the forms Windows prints', () => {
    assert.equal(formatCidr(parseRemoteAddress('10.20.0.0/255.255.255.0')!), '10.20.0.0/24');
    assert.equal(formatCidr(parseRemoteAddress('10.20.0.0/24')!), '10.20.0.0/24');
    assert.equal(formatCidr(parseRemoteAddress('0.0.0.0')!), '0.0.0.0/32');
    assert.equal(parseRemoteAddress('LocalSubnet'), undefined);
  });

  test('a host with a VPN over 172.16.0.0/12: auto ranges avoid it; the switches it could not read are `!`, not `+`', () => {
    const o = fixture('ps7-wsl-vpn');
    assert.ok(
      o.routes.some((r) => formatCidr(r.dest) === '172.16.0.0/12'),
      'the VPN route is observed',
    );
    assert.ok(o.wslInterface?.startsWith('vEthernet (WSL'));
    const config = parseConfig('switches:\n  - name: switchyard\nwsl: {}\n', 't.yaml');
    const routes = o.routes.filter((r) => r.iface !== o.wslInterface).map((r) => r.dest);
    const ranges = planAddresses({ config, routes, pinned: undefined });
    assert.deepEqual(ranges.errors, []);
    for (const s of ranges.switches)
      assert.ok(
        !overlapsAny(
          s.subnet,
          routes.filter((r) => r.prefix >= 8),
        ),
        formatCidr(s.subnet),
      );
    const plan = makePlan(desiredHost(config, ranges, 'windows'), o);
    // This machine's Get-VMSwitch failed (the notes say why): "could not look" is not "none" (issue 18.2).
    assert.ok(!plan.changes.some((c) => c.resource === 'switch' && c.action === '+'));
    assert.match(
      plan.changes.find((c) => c.resource === 'switch')?.detail ?? '',
      /Hyper-V \(Get-VMSwitch\) could not be read \(Hyper-V encountered an error/,
    );
    assert.ok(plan.changes.some((c) => c.resource === 'forwarding' && c.key === o.wslInterface));
  });

  test('a host with a foreign NetNat: the plan is blocked with guidance', () => {
    const o = fixture('ps51-foreign-nat');
    assert.ok(o.nats.some((n) => !n.ours));
    const config = parseConfig('switches:\n  - name: switchyard\n    subnet: 10.0.251.0/24\n', 't.yaml');
    const plan = makePlan(
      desiredHost(config, planAddresses({ config, routes: [], pinned: undefined }), 'windows'),
      o,
    );
    assert.ok(plan.changes.some((c) => c.action === '!' && c.resource === 'nat'));
  });

  test('NRPT: a converged host plans no dns-rule; rules map with their mark; the GPO flag comes through', () => {
    const single = fixture('ps51-single-switch');
    assert.deepEqual(single.nrpt, {
      rules: [
        {
          name: '{6a78d8d1-231d-4d1e-bc23-fb593e11a53d}',
          namespaces: ['.switchyard.internal'],
          nameServers: ['10.0.251.1'],
          comment: 'switchyard:switchyard',
        },
      ],
      groupPolicy: false,
    });
    const config = parseConfig(
      'switches:\n  - { name: switchyard, subnet: 10.0.251.0/24, host: 10.0.251.1 }\n',
      't.yaml',
    );
    const desired = desiredHost(config, planAddresses({ config, routes: [], pinned: undefined }), 'windows');
    assert.deepEqual(
      makePlan(desired, single).changes.filter((c) => c.resource === 'dns-rule'),
      [],
    );
    assert.equal(fixture('ps51-foreign-nat').nrpt?.groupPolicy, true);
  });

  test('NRPT not observable (no DnsClient module: the section is null): nothing is planned for it', () => {
    const raw = JSON.parse(
      readFileSync(new URL('../../../../test/fixtures/windows/ps7-clean.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>;
    const parsed = parseObservation({ ...raw, nrptRules: null });
    assert.ok(!isObservationError(parsed));
    assert.equal(toObservedHost(parsed).nrpt, undefined);
  });

  test('execute: one elevated PowerShell run whose script parses; failure reports the step reached', async () => {
    const seen: string[] = [];
    const host = new WindowsHost({
      location: { ok: true, path: 'powershell.exe', via: 'windows' },
      interactivity: { stdinIsTTY: true, stdoutIsTTY: true, env: {} },
      runner: (_file, args) => {
        const encoded = args[args.indexOf('-EncodedCommand') + 1]!;
        seen.push(decodeCommand(encoded));
        return Promise.resolve({
          code: 1,
          stdout:
            '<<<SWITCHYARD-STEP 0\n<<<SWITCHYARD-STEP 1\n<<<SWITCHYARD-ERROR\n{"message":"Instance MSFT_NetIPAddress already exists","errorId":"x","category":"y","line":3}\nSWITCHYARD-ERROR>>>\n',
          stderr: '',
        });
      },
    });
    const r = await host.execute([
      { op: 'createSwitch', name: 'lab' },
      { op: 'addAddress', iface: 'vEthernet (lab)', address: ipv4('10.0.0.1'), prefix: 24 },
    ]);
    assert.equal(seen.length, 1, 'one PowerShell run');
    assert.deepEqual((await parsePowerShell(seen[0]!)).errors, []);
    assert.equal(r.done, 1);
    assert.match(r.error!.message, /Instance MSFT_NetIPAddress already exists/);
  });

  test('execute with elevate: false (the daemon): the script runs as the process is, no UAC wrapper, even without a console', async () => {
    const seen: string[] = [];
    const host = new WindowsHost({
      elevate: false,
      location: { ok: true, path: 'powershell.exe', via: 'windows' },
      // the boot task: no console at all, which the UAC path refuses up front
      interactivity: { stdinIsTTY: false, stdoutIsTTY: false, env: {} },
      runner: (_file, args) => {
        seen.push(decodeCommand(args[args.indexOf('-EncodedCommand') + 1]!));
        return Promise.resolve({
          code: 0,
          stdout: '<<<SWITCHYARD-STEP 0\n<<<SWITCHYARD-JSON\n{"done":1}\nSWITCHYARD-JSON>>>\n',
          stderr: '',
        });
      },
    });
    const r = await host.execute([{ op: 'setForwarding', iface: 'vEthernet (WSL)', on: true }]);
    assert.deepEqual(r, { done: 1 });
    assert.equal(seen.length, 1);
    assert.doesNotMatch(seen[0]!, /RunAs|Start-Process/);
    assert.match(seen[0]!, /Set-NetIPInterface -InterfaceAlias 'vEthernet \(WSL\)'/);
  });
});
