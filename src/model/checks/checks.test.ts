import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { cidr, ipv4 } from '../../net/ipv4.js';
import { planAddresses } from '../address-plan.js';
import { desiredHost } from '../desired.js';
import type { ObservedHost } from '../observed.js';
import { runChecks, type Check, type CheckInputs } from './index.js';

const WSL = 'vEthernet (WSL (Hyper-V firewall))';
const SW = 'vEthernet (lab)';

const WIN_CONFIG = parseConfig(
  `switches:
  - name: lab
    subnet: 10.20.0.0/24
    host: 10.20.0.1
wsl:
  subnet: 10.21.0.0/20
  gateway: 10.21.0.1
`,
  'doctor.yaml',
);

const LINUX_CONFIG = parseConfig(
  `switches:
  - name: lab
    subnet: 10.20.0.0/24
    host: 10.20.0.1
`,
  'doctor.yaml',
);

function healthyWindows(): ObservedHost {
  const addresses = planAddresses({ config: WIN_CONFIG, routes: [], pinned: undefined });
  return {
    platform: 'windows',
    switches: [{ name: 'lab', ours: true, kind: 'Internal' }],
    interfaces: [
      { name: SW, addresses: [{ address: ipv4('10.20.0.1'), prefix: 24, dynamic: false }], forwarding: true },
      {
        name: WSL,
        addresses: [{ address: ipv4('10.21.0.1'), prefix: 20, dynamic: false }],
        forwarding: true,
      },
      {
        name: 'Wi-Fi',
        addresses: [{ address: ipv4('192.168.1.23'), prefix: 24, dynamic: true }],
        forwarding: false,
      },
    ],
    nats: [{ name: 'switchyard-lab', prefix: cidr('10.20.0.0/24'), ours: true }],
    routes: [
      { dest: cidr('0.0.0.0/0'), iface: 'Wi-Fi' },
      { dest: cidr('192.168.1.0/24'), iface: 'Wi-Fi' },
      { dest: cidr('10.20.0.0/24'), iface: SW },
      { dest: cidr('10.21.0.0/20'), iface: WSL },
    ],
    firewall: desiredHost(WIN_CONFIG, addresses, 'windows').firewall,
    wsl: {
      natNetwork: '10.21.0.0/20',
      natGateway: '10.21.0.1',
      userNatIp: '10.21.0.2',
      wslconfig: '[wsl2]\r\nnetworkingMode=nat\r\n',
      hyperVFirewall: { defaultInboundAction: 'allow' },
    },
    wslInterface: WSL,
  };
}

function healthyLinux(): ObservedHost {
  return {
    platform: 'linux',
    switches: [{ name: 'lab', ours: true, kind: 'bridge' }],
    interfaces: [
      {
        name: 'lab',
        addresses: [{ address: ipv4('10.20.0.1'), prefix: 24, dynamic: false }],
        forwarding: true,
      },
    ],
    nats: [{ name: 'switchyard-lab', prefix: cidr('10.20.0.0/24'), ours: true }],
    routes: [{ dest: cidr('10.20.0.0/24'), iface: 'lab' }],
    firewall: [],
    wsl: undefined,
    wslInterface: undefined,
  };
}

const STATUS = {
  pid: 4242,
  startedAt: '2026-01-01T00:00:00.000Z',
  switches: [{ name: 'lab', subnet: '10.20.0.0/24', host: '10.20.0.1', dynamicLeases: 1, maxLeases: 1000 }],
  dns: [{ switch: 'lab', listening: 'udp+tcp 10.20.0.1:53', names: 3 }],
};

function inputs(
  observed: ObservedHost,
  config: Config = observed.platform === 'windows' ? WIN_CONFIG : LINUX_CONFIG,
): CheckInputs {
  const routes = observed.routes.filter((r) => r.iface !== SW && r.iface !== WSL && r.iface !== 'lab');
  return {
    config,
    observed,
    addresses: planAddresses({ config, routes: routes.map((r) => r.dest), pinned: undefined }),
    pinned: undefined,
    daemon: { running: true, status: STATUS },
    ports: [{ port: 67, holder: 'node', pid: 4242 }],
    stateDir: '/var/lib/switchyard',
  };
}

function byId(checks: Check[], id: string): Check {
  const c = checks.find((x) => x.id === id);
  assert.ok(c, `no check ${id} in ${checks.map((x) => x.id).join(', ')}`);
  return c;
}

function failing(i: CheckInputs, id: string): Check {
  const checks = runChecks(i);
  const c = byId(checks, id);
  assert.equal(c.ok, false, `${id} should fail: ${c.detail}`);
  assert.ok(c.fix && c.fix.length > 0, `${id} has a fix`);
  return c;
}

const WIN_IDS = [
  'range:wsl',
  'range:switch:lab',
  'switch:lab',
  'address:lab',
  'nat:count',
  'nat:lab',
  `forwarding:${SW}`,
  `forwarding:${WSL}`,
  'firewall',
  'wsl:range',
  'wsl:wslconfig',
  'wsl:hyperv-firewall',
  'daemon',
  'dns:lab',
  'port:67',
  'port:53',
];

describe('doctor checks (pure)', () => {
  test('a healthy Windows host passes every check', () => {
    const checks = runChecks(inputs(healthyWindows()));
    assert.deepEqual(
      checks.map((c) => c.id),
      WIN_IDS,
    );
    for (const c of checks) assert.equal(c.ok, true, `${c.id}: ${c.detail}`);
    for (const c of checks) assert.equal(c.fix, undefined);
  });

  test('a healthy Linux host passes, and Windows-only checks are left out (not passed)', () => {
    const checks = runChecks(inputs(healthyLinux()));
    assert.deepEqual(
      checks.map((c) => c.id),
      [
        'range:switch:lab',
        'switch:lab',
        'address:lab',
        'nat:lab',
        'forwarding:lab',
        'daemon',
        'dns:lab',
        'port:67',
        'port:53',
      ],
    );
    for (const c of checks) assert.equal(c.ok, true, `${c.id}: ${c.detail}`);
  });

  test('a DNS server that could not listen fails with the reason and the fix; DNS off: no check', () => {
    const i = inputs(healthyWindows());
    const error = 'DNS: UDP 10.20.0.1:53 for switch "lab" is in use by another process';
    const broken = runChecks({
      ...i,
      daemon: { running: true, status: { ...STATUS, dns: [{ switch: 'lab', error }] } },
    }).find((c) => c.id === 'dns:lab');
    assert.equal(broken?.ok, false);
    assert.equal(broken?.detail, error);
    assert.match(broken?.fix ?? '', /SharedAccess/);
    const off = parseConfig(
      'switches:\n  - { name: lab, subnet: 10.20.0.0/24, dns: { enabled: false } }\n',
      'x.yaml',
    );
    assert.equal(
      runChecks({ ...i, config: off }).some((c) => c.id === 'dns:lab'),
      false,
    );
  });

  test('ports left out when not looked for; daemon and ports left out without DHCP', () => {
    const i = inputs(healthyWindows());
    delete i.ports;
    assert.ok(!runChecks(i).some((c) => c.id.startsWith('port:')));
    const noDhcp = parseConfig(
      'switches:\n  - name: lab\n    subnet: 10.20.0.0/24\n    dhcp: { enabled: false }\n',
      'x.yaml',
    );
    const ids = runChecks(inputs(healthyLinux(), noDhcp)).map((c) => c.id);
    assert.ok(!ids.includes('daemon') && !ids.includes('port:67'), ids.join(','));
  });

  test('a pinned range that a VPN route now clashes with', () => {
    const o = healthyWindows();
    o.routes.push({ dest: cidr('10.20.0.0/16'), iface: 'Cisco AnyConnect' });
    const i = inputs(o);
    // As pinned: the planner keeps it (the route is not an obstacle for a pinned range).
    const pinnedConfig = parseConfig('switches:\n  - name: lab\n', 'p.yaml');
    const pinned = { version: 1 as const, switches: { lab: { subnet: '10.20.0.0/24', host: '10.20.0.1' } } };
    const pi: CheckInputs = {
      ...i,
      config: pinnedConfig,
      pinned,
      addresses: planAddresses({ config: pinnedConfig, routes: [cidr('10.20.0.0/16')], pinned }),
    };
    const c = failing(pi, 'range:switch:lab');
    assert.match(c.detail, /10\.20\.0\.0\/16 via Cisco AnyConnect/);
    assert.match(c.fix!, /pinned\.json/);
    const w = failing(i, 'range:switch:lab');
    assert.match(w.fix!, /subnet:/);
  });

  test('planner errors are a failing "ranges" check', () => {
    const i = inputs(healthyWindows());
    i.addresses = { ...i.addresses, errors: ['no free /24 left'] };
    assert.match(failing(i, 'ranges').detail, /no free/);
  });

  test('switch missing; adapter missing', () => {
    const o = healthyWindows();
    o.switches = [];
    o.interfaces = o.interfaces.filter((x) => x.name !== SW);
    const c = failing(inputs(o), 'switch:lab');
    assert.equal(c.fix, 'switchyard apply');
    assert.equal(byId(runChecks(inputs(o)), 'address:lab').detail, 'missing (no adapter)');
    const o2 = healthyWindows();
    o2.interfaces = o2.interfaces.filter((x) => x.name !== SW);
    assert.match(failing(inputs(o2), 'switch:lab').detail, /adapter/);
    const l = healthyLinux();
    l.switches = [];
    l.interfaces = [];
    assert.match(failing(inputs(l), 'switch:lab').detail, /no link named "lab"/);
  });

  test('host address missing or from DHCP, with the manual command', () => {
    const o = healthyWindows();
    o.interfaces[0]!.addresses = [{ address: ipv4('169.254.3.4'), prefix: 16, dynamic: true }];
    const c = failing(inputs(o), 'address:lab');
    assert.match(
      c.fix!,
      /New-NetIPAddress -InterfaceAlias 'vEthernet \(lab\)' -IPAddress 10\.20\.0\.1 -PrefixLength 24/,
    );
    const l = healthyLinux();
    l.interfaces[0]!.addresses = [];
    assert.match(failing(inputs(l), 'address:lab').fix!, /ip addr add 10\.20\.0\.1\/24 dev lab/);
  });

  test('more than one NetNat; a foreign one covering ours; NAT missing', () => {
    const o = healthyWindows();
    o.nats.push({ name: 'DockerNAT', prefix: cidr('10.0.75.0/24'), ours: false });
    const c = failing(inputs(o), 'nat:count');
    assert.match(c.detail, /2 NetNats/);
    assert.match(c.fix!, /\$_\.Name -eq 'DockerNAT' \} \| Remove-NetNat/);
    const f = healthyWindows();
    f.nats = [{ name: 'WSLNat', prefix: cidr('10.20.0.0/16'), ours: false }];
    assert.match(failing(inputs(f), 'nat:lab').fix!, /\$_\.Name -eq 'WSLNat' \} \| Remove-NetNat/);
    assert.equal(byId(runChecks(inputs(f)), 'nat:count').ok, false);
    const m = healthyWindows();
    m.nats = [];
    assert.equal(failing(inputs(m), 'nat:lab').fix, 'switchyard apply');
    assert.equal(byId(runChecks(inputs(m)), 'nat:count').ok, true);
  });

  test('forwarding off on either adapter', () => {
    for (const name of [SW, WSL]) {
      const o = healthyWindows();
      o.interfaces.find((x) => x.name === name)!.forwarding = false;
      const c = failing(inputs(o), `forwarding:${name}`);
      assert.equal(c.detail, 'off');
      assert.ok(c.fix!.includes(`Set-NetIPInterface -InterfaceAlias '${name}'`), c.fix);
    }
    const l = healthyLinux();
    l.interfaces[0]!.forwarding = undefined;
    const c = failing(inputs(l), 'forwarding:lab');
    assert.match(c.fix!, /sysctl -w net\.ipv4\.conf\.lab\.forwarding=1/);
  });

  test('firewall rules missing', () => {
    const o = healthyWindows();
    o.firewall = o.firewall.slice(1);
    const c = failing(inputs(o), 'firewall');
    assert.match(c.detail, /switchyard DHCP lab/);
  });

  test("WSL's saved range drifted (WSL fell back), or the live adapter is still elsewhere", () => {
    const o = healthyWindows();
    o.wsl!.natNetwork = '172.27.16.0/20';
    o.wsl!.natGateway = '172.27.16.1';
    const c = failing(inputs(o), 'wsl:range');
    assert.match(c.detail, /fell back/);
    assert.match(c.fix!, /wsl --shutdown/);
    const live = healthyWindows();
    live.interfaces[1]!.addresses = [{ address: ipv4('172.27.16.1'), prefix: 20, dynamic: false }];
    assert.match(failing(inputs(live), 'wsl:range').detail, /still on 172\.27\.16\.1\/20/);
    const user = healthyWindows();
    user.wsl!.userNatIp = '172.27.16.5';
    assert.match(failing(inputs(user), 'wsl:range').detail, /NatIpAddress/);
  });

  test('.wslconfig not in NAT mode', () => {
    const o = healthyWindows();
    o.wsl!.wslconfig = '[wsl2]\nnetworkingMode=mirrored\n';
    assert.match(failing(inputs(o), 'wsl:wslconfig').detail, /mirrored/);
    o.wsl!.wslconfig = undefined;
    assert.match(failing(inputs(o), 'wsl:wslconfig').detail, /no %USERPROFILE%/);
  });

  test('Hyper-V firewall blocking VM→WSL; left out on Windows 10', () => {
    const o = healthyWindows();
    o.wsl!.hyperVFirewall = { defaultInboundAction: 'block' };
    assert.match(failing(inputs(o), 'wsl:hyperv-firewall').fix!, /Set-NetFirewallHyperVVMSetting/);
    delete o.wsl!.hyperVFirewall;
    assert.ok(!runChecks(inputs(o)).some((c) => c.id === 'wsl:hyperv-firewall'));
  });

  test('daemon not running, not answering, or serving another range', () => {
    const i = inputs(healthyLinux());
    i.daemon = { running: false };
    assert.match(failing(i, 'daemon').fix!, /switchyard serve/);
    i.daemon = { running: true, error: 'the daemon did not answer within 2000 ms' };
    assert.match(failing(i, 'daemon').detail, /not answering/);
    i.daemon = {
      running: true,
      status: { ...STATUS, switches: [{ ...STATUS.switches[0], subnet: '10.9.0.0/24' }] },
    };
    assert.match(failing(i, 'daemon').detail, /serves 10\.9\.0\.0\/24/);
  });

  test('udp 67/53 taken by another process, named or not', () => {
    const i = inputs(healthyLinux());
    i.ports = [
      { port: 67, holder: 'dnsmasq', pid: 900 },
      { port: 53, holder: 'systemd-resolve', pid: 300 },
    ];
    assert.match(failing(i, 'port:67').detail, /dnsmasq \(pid 900\)/);
    assert.match(failing(i, 'port:53').detail, /systemd-resolve/);
    i.daemon = { running: false };
    i.ports = [{ port: 67 }];
    const c = failing(i, 'port:67');
    assert.match(c.detail, /unknown process.*could not be found/);
    assert.match(c.fix!, /ss -ulpn/);
    // The daemon runs and the holder is unknown: presumably the daemon itself.
    i.daemon = { running: true, status: STATUS };
    assert.equal(byId(runChecks(i), 'port:67').ok, true);
  });
});
