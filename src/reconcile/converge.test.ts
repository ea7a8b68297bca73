/**
 * The convergence matrix (chezmoi's targetstateentry_test idea): for every resource and every observed state
 * — absent, right, wrong, foreign — apply the plan on the simulated Windows host, then plan again: the
 * second plan is empty, and objects switchyard did not create are untouched (a blocked change says why).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SimWindowsHost } from '../../test/windows-sim/host.js';
import { pwshMissing } from '../../test/windows-sim/runner.js';

/** Runs in real pwsh against the simulated Windows (skipped, with how to get pwsh, when it is missing). */
const PWSH = { skip: pwshMissing() };
import { parseConfig } from '../config/load.js';
import { planAddresses } from '../model/address-plan.js';
import { desiredHost, type DesiredHost } from '../model/desired.js';
import { cidr, ipv4 } from '../net/ipv4.js';
import { applyPlan } from './apply.js';
import { makePlan } from './plan.js';

const CONFIG = parseConfig(
  `switches:
  - name: lab
    subnet: 10.20.0.0/24
    host: 10.20.0.1
wsl:
  subnet: 10.21.0.0/20
  gateway: 10.21.0.1
`,
  'matrix.yaml',
);
const plan = planAddresses({ config: CONFIG, routes: [], pinned: undefined });
const DESIRED: DesiredHost = desiredHost(CONFIG, plan, 'windows');
const WSL = 'vEthernet (WSL (Hyper-V firewall))';

function bareHost(): SimWindowsHost {
  const h = new SimWindowsHost();
  h.addAdapter(WSL, [{ address: ipv4('172.27.16.1'), prefix: 20, dynamic: false }]);
  h.wslAdapter = WSL;
  h.addAdapter('Wi-Fi', [{ address: ipv4('192.168.1.23'), prefix: 24, dynamic: true }], false);
  // Windows 11 22H2+: the Hyper-V firewall blocks inbound to WSL by default (docs/windows.md#hyper-v-firewall).
  h.hyperVFirewall = { defaultInboundAction: 'block' };
  return h;
}

/** A hand-written .wslconfig: CRLF, comments on their own lines and after values, blank lines, a `\\` path. */
const HAND_WRITTEN = [
  '# WSL 2 VM settings -- edited by hand, keep the comments',
  '[wsl2]',
  'memory=6GB   # half of this laptop',
  'kernel=C:\\\\Users\\\\dev\\\\bzImage',
  'MODE',
  '',
  '# Experimental features',
  '[experimental]',
  'autoMemoryReclaim=gradual',
  '',
].join('\r\n');

/** switchyard's NRPT rules on the host: [namespaces, servers]. */
function ourNrpt(h: SimWindowsHost): [string[], string[]][] {
  return h.nrpt
    .filter((r) => r.comment?.toLowerCase().startsWith('switchyard:'))
    .map((r) => [r.namespaces, r.nameServers]);
}

async function converge(h: SimWindowsHost): Promise<void> {
  const p = makePlan(DESIRED, await h.observe());
  const r = await applyPlan(p, h);
  assert.equal(r.failed, undefined, r.failed?.error);
  assert.deepEqual(r.blocked, []);
}

async function rightHost(): Promise<SimWindowsHost> {
  const h = bareHost();
  await converge(h);
  return h;
}

async function expectEmptyPlanAfterApply(h: SimWindowsHost): Promise<void> {
  await converge(h);
  const again = makePlan(DESIRED, await h.observe());
  assert.deepEqual(again.changes, [], JSON.stringify(again.changes));
}

describe('convergence matrix on the simulated Windows host', PWSH, () => {
  test('from nothing: one plan creates everything, in order, and the next plan is empty', async () => {
    const h = bareHost();
    const p = makePlan(DESIRED, await h.observe());
    assert.deepEqual(
      p.changes.map((c) => `${c.action} ${c.resource}`),
      [
        '+ switch',
        '+ host-address',
        '+ nat',
        '~ forwarding',
        '~ forwarding',
        '+ firewall',
        '+ dns-rule',
        '+ wsl-range',
        '+ wslconfig',
        '~ hyperv-firewall',
      ],
    );
    await expectEmptyPlanAfterApply(h);
    assert.ok(h.log.includes('waitInterface'), 'waited for the late adapter');
    assert.equal(h.wslconfig, '[wsl2]\r\nnetworkingMode=nat\r\n');
    assert.deepEqual(h.hyperVFirewall, { defaultInboundAction: 'allow' });
    assert.deepEqual(
      h.nrpt.map((r) => [r.namespaces, r.nameServers, r.comment]),
      [[['.switchyard.internal'], ['10.20.0.1'], 'switchyard:lab']],
    );
  });

  const cases: {
    resource: string;
    state: string;
    setup: (h: SimWindowsHost) => void;
    check?: (h: SimWindowsHost) => void;
  }[] = [
    // switch
    {
      resource: 'switch',
      state: 'absent',
      setup: (h) => {
        h.switches = [];
        h.adapters = h.adapters.filter((a) => a.name !== 'vEthernet (lab)');
      },
    },
    { resource: 'switch', state: 'right', setup: () => undefined },
    {
      resource: 'switch',
      state: 'foreign internal (adopted, never marked or deleted)',
      setup: (h) => {
        h.switches = [{ name: 'lab', ours: false, kind: 'Internal' }];
      },
      check: (h) => {
        assert.deepEqual(h.switches, [{ name: 'lab', ours: false, kind: 'Internal' }]);
      },
    },
    // host address
    {
      resource: 'host-address',
      state: 'absent',
      setup: (h) => {
        h.adapters.find((a) => a.name === 'vEthernet (lab)')!.addresses = [];
      },
    },
    {
      resource: 'host-address',
      state: 'wrong prefix',
      setup: (h) => {
        h.adapters.find((a) => a.name === 'vEthernet (lab)')!.addresses = [
          { address: ipv4('10.20.0.1'), prefix: 16, dynamic: false },
        ];
      },
    },
    {
      resource: 'host-address',
      state: 'wrong: a stale address of ours',
      setup: (h) => {
        h.adapters
          .find((a) => a.name === 'vEthernet (lab)')!
          .addresses.push({ address: ipv4('10.99.0.1'), prefix: 24, dynamic: false });
      },
    },
    // nat
    {
      resource: 'nat',
      state: 'absent',
      setup: (h) => {
        h.nats = [];
      },
    },
    {
      resource: 'nat',
      state: 'wrong: ours, old prefix',
      setup: (h) => {
        h.nats = [{ name: 'switchyard-lab', prefix: cidr('10.99.0.0/24'), ours: true }];
      },
    },
    // forwarding
    {
      resource: 'forwarding',
      state: 'off on the switch',
      setup: (h) => {
        h.adapters.find((a) => a.name === 'vEthernet (lab)')!.forwarding = false;
      },
    },
    {
      resource: 'forwarding',
      state: 'off on WSL (recreated at reboot)',
      setup: (h) => {
        h.adapters.find((a) => a.name === WSL)!.forwarding = false;
      },
    },
    // firewall
    {
      resource: 'firewall',
      state: 'absent',
      setup: (h) => {
        h.firewall = [];
      },
    },
    {
      resource: 'firewall',
      state: 'wrong: an old subnet',
      setup: (h) => {
        h.firewall = h.firewall.map((r) => ({ ...r, from: [cidr('10.99.0.0/24')] }));
      },
    },
    // wsl range
    {
      resource: 'wsl-range',
      state: 'absent',
      setup: (h) => {
        h.lxss = {};
      },
    },
    {
      resource: 'wsl-range',
      state: 'wrong: WSL fell back to a random range and saved it',
      setup: (h) => {
        h.wslFallsBack('172.29.64.0/20', '172.29.64.1');
        h.userNatIp = '172.29.70.5';
      },
      check: (h) => {
        assert.equal(h.lxss.natNetwork, '10.21.0.0/20');
        assert.equal(h.userNatIp, undefined);
      },
    },
    // .wslconfig networkingMode=nat
    {
      resource: 'wslconfig',
      state: 'absent (no file): created',
      setup: (h) => {
        h.wslconfig = undefined;
      },
      check: (h) => {
        assert.equal(h.wslconfig, '[wsl2]\r\nnetworkingMode=nat\r\n');
      },
    },
    {
      resource: 'wslconfig',
      state: 'absent (hand-written file without the key): added, comments kept byte for byte',
      setup: (h) => {
        h.wslconfig = HAND_WRITTEN.replace('MODE\r\n', '');
      },
      check: (h) => {
        assert.equal(h.wslconfig, HAND_WRITTEN.replace('MODE', 'networkingMode=nat'));
      },
    },
    {
      resource: 'wslconfig',
      state: 'right: the hand-written file is not written at all',
      setup: (h) => {
        h.wslconfig = HAND_WRITTEN.replace('MODE', 'networkingMode = NAT   # pinned range needs NAT');
        h.log = [];
      },
      check: (h) => {
        assert.equal(
          h.wslconfig,
          HAND_WRITTEN.replace('MODE', 'networkingMode = NAT   # pinned range needs NAT'),
        );
        assert.ok(!h.log.includes('setWslConfig'));
      },
    },
    {
      resource: 'wslconfig',
      state: 'wrong (mirrored): only the value changes, comments survive apply byte for byte',
      setup: (h) => {
        h.wslconfig = HAND_WRITTEN.replace('MODE', 'networkingMode=mirrored # for the VPN');
      },
      check: (h) => {
        assert.equal(h.wslconfig, HAND_WRITTEN.replace('MODE', 'networkingMode=nat # for the VPN'));
      },
    },
    // Hyper-V firewall (WSL's VM creator)
    {
      resource: 'hyperv-firewall',
      state: 'absent (Windows 10: no Hyper-V firewall): nothing to do, nothing run',
      setup: (h) => {
        h.hyperVFirewall = undefined;
        h.log = [];
      },
      check: (h) => {
        assert.equal(h.hyperVFirewall, undefined);
        assert.deepEqual(h.log, []);
      },
    },
    {
      resource: 'hyperv-firewall',
      state: 'right (inbound Allow): untouched',
      setup: (h) => {
        h.log = [];
      },
      check: (h) => {
        assert.deepEqual(h.hyperVFirewall, { defaultInboundAction: 'allow' });
        assert.deepEqual(h.log, []);
      },
    },
    {
      resource: 'hyperv-firewall',
      state: 'wrong (inbound Block): Allow again',
      setup: (h) => {
        h.hyperVFirewall = { defaultInboundAction: 'block' };
      },
      check: (h) => {
        assert.deepEqual(h.hyperVFirewall, { defaultInboundAction: 'allow' });
      },
    },
    // NRPT rule (dns-rule)
    {
      resource: 'dns-rule',
      state: 'absent',
      setup: (h) => {
        h.nrpt = [];
      },
      check: (h) => {
        assert.deepEqual(ourNrpt(h), [[['.switchyard.internal'], ['10.20.0.1']]]);
      },
    },
    {
      resource: 'dns-rule',
      state: 'right, next to a VPN rule on another namespace: both untouched',
      setup: (h) => {
        h.addNrptRule(['.corp.example.com'], ['10.1.1.1'], 'Cisco AnyConnect');
        h.log = [];
      },
      check: (h) => {
        assert.deepEqual(h.log, []);
        assert.equal(h.nrpt.length, 2);
      },
    },
    {
      resource: 'dns-rule',
      state: 'wrong: ours, for the old domain (dns.domain changed)',
      setup: (h) => {
        h.nrpt = [];
        h.addNrptRule(['.old.internal'], ['10.20.0.1'], 'switchyard:lab');
      },
      check: (h) => {
        assert.deepEqual(ourNrpt(h), [[['.switchyard.internal'], ['10.20.0.1']]]);
      },
    },
    {
      resource: 'dns-rule',
      state: 'wrong: ours, another server (the host address moved)',
      setup: (h) => {
        h.nrpt = [];
        h.addNrptRule(['.switchyard.internal'], ['10.99.0.1'], 'switchyard:lab');
      },
      check: (h) => {
        assert.deepEqual(ourNrpt(h), [[['.switchyard.internal'], ['10.20.0.1']]]);
      },
    },
    {
      resource: 'dns-rule',
      state: 'wrong: ours twice (a duplicate is removed)',
      setup: (h) => {
        h.addNrptRule(['.switchyard.internal'], ['10.20.0.1'], 'SWITCHYARD:lab');
      },
      check: (h) => {
        assert.equal(h.nrpt.length, 1);
      },
    },
  ];

  for (const c of cases) {
    test(`${c.resource} ${c.state}: apply, then the plan is empty`, async () => {
      const h = await rightHost();
      c.setup(h);
      await expectEmptyPlanAfterApply(h);
      c.check?.(h);
    });
  }

  test('nat foreign: a NetNat that is not ours blocks the plan with guidance and is left alone', async () => {
    const h = await rightHost();
    h.nats = [{ name: 'DockerNAT', prefix: cidr('172.30.0.0/16'), ours: false }];
    const p = makePlan(DESIRED, await h.observe());
    const blocked = p.changes.filter((c) => c.action === '!');
    assert.equal(blocked.length, 1);
    assert.match(
      blocked[0]!.detail,
      /Windows allows one NetNat and "DockerNAT" \(172\.30\.0\.0\/16\) exists, not switchyard's/,
    );
    const r = await applyPlan(p, h);
    assert.deepEqual(r.applied, []);
    assert.deepEqual(h.nats, [{ name: 'DockerNAT', prefix: cidr('172.30.0.0/16'), ours: false }]);
  });

  test('nat foreign covering our subnet: blocked, never deleted', async () => {
    const h = await rightHost();
    h.nats = [{ name: 'NATNetwork', prefix: cidr('10.20.0.0/16'), ours: false }];
    const p = makePlan(DESIRED, await h.observe());
    assert.match(
      p.changes.find((c) => c.action === '!')!.detail,
      /NetNat "NATNetwork" \(10\.20\.0\.0\/16\) covers 10\.20\.0\.0\/24 but is not switchyard's/,
    );
  });

  test('switch foreign of another kind (External): blocked, untouched', async () => {
    const h = bareHost();
    h.switches = [{ name: 'lab', ours: false, kind: 'External' }];
    const p = makePlan(DESIRED, await h.observe());
    assert.equal(p.changes[0]!.action, '!');
    await applyPlan(p, h);
    assert.deepEqual(h.switches, [{ name: 'lab', ours: false, kind: 'External' }]);
  });

  test('a failure stops apply, says what was done and what remains; a re-run converges', async () => {
    const h = bareHost();
    h.adapterDelay = 100; // the adapter never shows up within the wait
    const p = makePlan(DESIRED, await h.observe());
    const r = await applyPlan(
      {
        changes: p.changes.map((c) => ({
          ...c,
          ops: c.ops.map((o) => (o.op === 'waitInterface' ? { ...o, timeoutS: 3 } : o)),
        })),
      },
      h,
    );
    assert.equal(r.failed?.change.resource, 'switch');
    assert.match(r.failed.error, /did not appear within 3 s/);
    assert.deepEqual(r.applied, []);
    assert.ok(r.remaining.length >= 5);
    h.adapterDelay = 0;
    for (const a of h.adapters) a.hiddenFor = 0;
    await expectEmptyPlanAfterApply(h);
  });

  test('a switch we own but no longer configure is deleted; foreign ones never are', async () => {
    const h = await rightHost();
    h.switches.push(
      { name: 'old', ours: true, kind: 'Internal' },
      { name: 'Default Switch', ours: false, kind: 'Internal' },
    );
    const p = makePlan(DESIRED, await h.observe());
    assert.deepEqual(
      p.changes.map((c) => `${c.action} ${c.resource} ${c.key}`),
      ['- switch old'],
    );
    await applyPlan(p, h);
    assert.deepEqual(
      h.switches.map((s) => s.name),
      ['lab', 'Default Switch'],
    );
  });

  describe('dns-rule: owned rules removed, foreign ones never touched', () => {
    const without = (dns: string): DesiredHost => {
      const yaml = `switches:\n  - name: lab\n    subnet: 10.20.0.0/24\n    host: 10.20.0.1\n${dns}wsl:\n  subnet: 10.21.0.0/20\n  gateway: 10.21.0.1\n`;
      const config = parseConfig(yaml, 'matrix.yaml');
      return desiredHost(config, planAddresses({ config, routes: [], pinned: undefined }), 'windows');
    };
    const cases: [string, DesiredHost][] = [
      ['dns disabled', without('    dns: { enabled: false }\n')],
      ['switch removed from the config', { ...DESIRED, switches: [] }],
    ];
    for (const [name, desired] of cases) {
      test(`${name}: our rule is removed, a VPN's rule on another namespace stays`, async () => {
        const h = await rightHost();
        const vpn = h.addNrptRule(['.corp.example.com'], ['10.1.1.1'], 'Cisco AnyConnect');
        const p = makePlan(desired, await h.observe());
        const dns = p.changes.filter((c) => c.resource === 'dns-rule');
        assert.deepEqual(
          dns.map((c) => `${c.action} ${c.key}`),
          ['- lab'],
        );
        assert.match(dns[0]!.detail, /remove NRPT rule \.switchyard\.internal → 10\.20\.0\.1 \(switchyard's/);
        const r = await applyPlan(p, h);
        assert.equal(r.failed, undefined, r.failed?.error);
        assert.deepEqual(
          h.nrpt.map((x) => x.name),
          [vpn],
        );
        assert.deepEqual(
          makePlan(desired, await h.observe()).changes.filter((c) => c.resource === 'dns-rule'),
          [],
        );
      });
    }

    test('a foreign rule on our namespace with another server: blocked with the fix, nothing duplicated', async () => {
      const h = bareHost();
      const theirs = h.addNrptRule(['.SwitchYard.internal'], ['192.168.1.53']);
      const p = makePlan(DESIRED, await h.observe());
      const blocked = p.changes.filter((c) => c.action === '!');
      assert.deepEqual(
        blocked.map((c) => `${c.resource} ${c.key}`),
        ['dns-rule lab'],
      );
      assert.equal(
        blocked[0]!.detail,
        `NRPT rule ${theirs} (.SwitchYard.internal → 192.168.1.53) is not switchyard's and already claims .switchyard.internal: remove it (Remove-DnsClientNrptRule -Name '${theirs}' -Force) if nothing needs it, or set dns.domain to another domain`,
      );
      const r = await applyPlan(p, h);
      assert.deepEqual(r.applied, []);
      assert.deepEqual(h.nrpt, [
        {
          name: theirs,
          namespaces: ['.SwitchYard.internal'],
          nameServers: ['192.168.1.53'],
          comment: undefined,
        },
      ]);
    });

    test('the add itself refuses to duplicate a foreign rule (the script runs it without a plan)', async () => {
      const h = bareHost();
      h.addNrptRule(['.switchyard.internal'], ['192.168.1.53']);
      const r = await h.execute([
        {
          op: 'addNrptRule',
          namespace: '.switchyard.internal',
          servers: [ipv4('10.20.0.1')],
          comment: 'switchyard:lab',
        },
      ]);
      assert.match(r.error?.message ?? '', /is not switchyard's and already claims \.switchyard\.internal/);
      assert.equal(h.nrpt.length, 1);
    });

    test('a foreign rule that already sends our namespace to the switch is used as it is', async () => {
      const h = bareHost();
      h.addNrptRule(['.switchyard.internal'], ['10.20.0.1'], 'added by hand from the README');
      await expectEmptyPlanAfterApply(h);
      assert.equal(h.nrpt.length, 1);
      assert.equal(h.nrpt[0]!.comment, 'added by hand from the README');
    });
  });
});
