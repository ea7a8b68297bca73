import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { cidr, formatCidr, formatIpv4, ipv4, overlaps } from '../../net/ipv4.js';
import { isObservationError, parseObservation, type ObservationResult } from './observation-parse.js';
import { findWslAdapter, WSL_ADAPTER_NAME } from './observation-query.js';
import { SWITCH_NOTE } from '../../model/marks.js';
import type { ObservedAddress, ObservedInterface, ObservedWindows } from './observation-types.js';

/** The IPv4 interface with this alias (aliases are compared case-insensitively, as Windows does). */
function findInterface(obs: ObservedWindows, alias: string): ObservedInterface | undefined {
  const lower = alias.toLowerCase();
  return (obs.interfaces ?? []).find((i) => i.alias.toLowerCase() === lower);
}

/** IPv4 addresses on the interface with this alias. */
function addressesOf(obs: ObservedWindows, alias: string): ObservedAddress[] {
  const lower = alias.toLowerCase();
  return (obs.addresses ?? []).filter((a) => a.interfaceAlias.toLowerCase() === lower);
}
import { interpretRun } from './outcome.js';

const FIXTURES = new URL('../../../../test/fixtures/windows/', import.meta.url);

function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

function ok(r: ObservationResult): ObservedWindows {
  if (isObservationError(r)) assert.fail(r.error);
  return r;
}

function fixture(name: string): ObservedWindows {
  return ok(parseObservation(fixtureText(name)));
}

// ---------------------------------------------------------------------------------------------------
// Every fixture

test('every fixture parses without dropped entries or missing sections', () => {
  const names = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
  assert.equal(names.length, 5);
  for (const name of names) {
    const obs = fixture(name);
    const bad = obs.notes.filter((n) => n.errorId === 'InvalidEntry' || n.errorId === 'MissingSection');
    assert.deepEqual(bad, [], name);
    assert.ok(obs.collectedAt !== null, `${name}: collectedAt`);
  }
});

test('fixture ps7-clean: Default Switch only, no WSL, nothing of ours', () => {
  const obs = fixture('ps7-clean.json');
  assert.deepEqual(obs.powershell, { version: '7.4.6', edition: 'Core' });
  assert.equal(obs.collectedAt, '2026-11-24T09:15:02.441Z');
  assert.equal(obs.elevated, false);
  assert.equal(obs.hypervAdmin, true);
  assert.deepEqual(obs.switches, [
    {
      name: 'Default Switch',
      id: 'c08cb7b8-9b3c-408e-8e30-5e16a3aeb444',
      type: 'internal',
      notes: '',
      managed: false,
    },
  ]);
  assert.deepEqual(obs.adapters, [
    { name: 'vEthernet (Default Switch)', ifIndex: 24, status: 'Up', up: true, mac: '00:15:5d:51:1a:f5' },
  ]);
  assert.equal(findWslAdapter(obs), undefined);
  assert.deepEqual(obs.nats, []);
  assert.deepEqual(obs.firewallRules, []);
  assert.equal(obs.hypervFirewall, null, 'empty list (WSL never ran) → null');
  assert.deepEqual(obs.wsl, {
    natNetwork: null,
    natGatewayIpAddress: null,
    natIpAddress: null,
    wslconfigPath: 'C:\\Users\\dev\\.wslconfig',
    wslconfig: null,
    wslconfigEncoding: null,
  });
  const wifi = addressesOf(obs, 'Wi-Fi');
  assert.equal(wifi.length, 1);
  assert.equal(formatIpv4(wifi[0]!.address), '192.168.1.57');
  assert.equal(wifi[0]!.dhcp, true);
  assert.equal(wifi[0]!.prefixOrigin, 'dhcp');
  assert.equal(addressesOf(obs, 'vEthernet (Default Switch)')[0]?.dhcp, false);
  const loopback = addressesOf(obs, 'Loopback Pseudo-Interface 1')[0];
  assert.equal(loopback?.prefixOrigin, 'wellKnown');
  assert.equal(loopback?.state, 'preferred');
  const def = obs.routes?.find((r) => r.destination.prefix === 0);
  assert.equal(def && formatIpv4(def.nextHop), '192.168.1.1');
  assert.equal(def?.onLink, false);
  assert.equal(findInterface(obs, 'loopback pseudo-interface 1')?.mtu, 4294967295);
  assert.deepEqual(obs.notes, []);
});

test('fixture ps7-wsl-vpn: vEthernet (WSL) has forwarding off; the VPN route covers the WSL range', () => {
  const obs = fixture('ps7-wsl-vpn.json');
  const wsl = findWslAdapter(obs);
  assert.equal(wsl?.name, 'vEthernet (WSL)');
  assert.equal(wsl.mac, '00:15:5d:ab:6a:a0');
  assert.equal(findInterface(obs, 'vEthernet (WSL)')?.forwarding, false);
  assert.equal(findInterface(obs, 'vEthernet (WSL)')?.metric, 15);

  const vpn = obs.routes?.find((r) => formatCidr(r.destination) === '172.16.0.0/12');
  assert.deepEqual(vpn, {
    destination: cidr('172.16.0.0/12'),
    interfaceAlias: 'Ethernet 2',
    ifIndex: 17,
    nextHop: ipv4('0.0.0.0'),
    onLink: true,
    metric: 1,
  });
  assert.equal(obs.wsl?.natNetwork, '172.29.192.0/20');
  assert.equal(obs.wsl.natGatewayIpAddress, '172.29.192.1');
  assert.equal(obs.wsl.natIpAddress, '172.29.198.47');
  assert.equal(obs.wsl.wslconfig, '[wsl2]\r\nmemory=8GB\r\nnetworkingMode=nat\r\n');
  assert.ok(overlaps(vpn.destination, cidr(obs.wsl.natNetwork)), 'the clash the planner has to avoid');
  assert.equal(findInterface(obs, 'Ethernet 2')?.mtu, 1390);

  // Get-VMSwitch refused this user; Windows 10 has no Hyper-V firewall cmdlet.
  assert.equal(obs.switches, null);
  assert.equal(obs.hypervFirewall, null);
  assert.deepEqual(
    obs.notes.map((n) => [n.section, n.errorId]),
    [
      ['switches', 'ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.GetVMSwitch'],
      ['hypervFirewall', 'CommandNotFound'],
    ],
  );
  assert.match(
    obs.notes[0]!.message,
    /^Hyper-V encountered an error trying to access an object on computer 'DELL'/,
  );
});

test('fixture ps51-foreign-nat: 5.1 numbers, dates and wrappers; the foreign NAT is seen', () => {
  const obs = fixture('ps51-foreign-nat.json');
  assert.deepEqual(obs.powershell, { version: '5.1.19041.5247', edition: 'Desktop' });
  assert.equal(obs.collectedAt, '2026-11-24T09:15:02.441Z', '"\\/Date(ms)\\/"');
  assert.equal(obs.elevated, true);
  assert.deepEqual(
    obs.switches?.map((s) => [s.name, s.type, s.managed]),
    [
      ['Default Switch', 'internal', false],
      ['nat', 'internal', false],
      ['switchyard', 'internal', true],
    ],
  );
  assert.deepEqual(obs.nats, [
    { name: 'vminternet', internalPrefix: '172.30.30.0/30', prefix: cidr('172.30.30.0/30'), active: true },
  ]);
  const foreign = (obs.nats ?? []).filter((n) => !n.name.startsWith('switchyard-'));
  assert.equal(foreign.length, 1);

  assert.equal(findInterface(obs, 'vEthernet (switchyard)')?.forwarding, true, 'Forwarding 1');
  assert.equal(findInterface(obs, 'vEthernet (nat)')?.forwarding, false, 'Forwarding 0');
  assert.equal(findInterface(obs, 'vEthernet (nat)')?.connected, true, 'ConnectionState 1');
  const lan = addressesOf(obs, 'Ethernet')[0];
  assert.deepEqual(
    [lan?.prefixOrigin, lan?.suffixOrigin, lan?.dhcp, lan?.state],
    ['dhcp', 'dhcp', true, 'preferred'],
  );
  assert.equal(addressesOf(obs, 'vEthernet (switchyard)')[0]?.prefixOrigin, 'manual');

  assert.deepEqual(obs.firewallRules, [
    {
      name: '{3B1C7E52-9A1D-4F6B-8E0A-55D2C1F0A9B4}',
      displayName: 'switchyard DHCP (switchyard)',
      group: 'switchyard',
      enabled: true,
      direction: 'inbound',
      action: 'allow',
      protocol: 'UDP',
      localPorts: ['67'],
      remoteAddresses: ['10.0.251.0/255.255.255.0'],
    },
    {
      name: '{C0D4A2F1-6E3B-4B7C-9D18-2F7A0E6B5C13}',
      displayName: 'switchyard DNS (switchyard)',
      group: 'switchyard',
      enabled: false,
      direction: 'inbound',
      action: 'allow',
      protocol: 'UDP',
      localPorts: ['53'],
      remoteAddresses: ['10.0.251.0/255.255.255.0', '10.0.250.0/255.255.255.0'],
    },
  ]);
  assert.equal(obs.wsl?.natNetwork, null, 'WSL not installed');
});

test('fixture ps51-wsl-hyperv-firewall: the adapter is vEthernet (WSL (Hyper-V firewall))', () => {
  const obs = fixture('ps51-wsl-hyperv-firewall.json');
  const wsl = findWslAdapter(obs);
  assert.deepEqual(wsl, {
    name: 'vEthernet (WSL (Hyper-V firewall))',
    ifIndex: 50,
    status: 'Up',
    up: true,
    mac: '00:15:5d:0a:d1:05',
  });
  assert.equal(findInterface(obs, wsl.name)?.forwarding, false);
  assert.equal(formatIpv4(addressesOf(obs, wsl.name)[0]!.address), '172.22.16.1');
  assert.equal(
    obs.switches?.find((s) => s.name === 'WSL (Hyper-V firewall)')?.id,
    '790e58b4-7939-4434-9358-89ae7ddbe87e',
  );
  assert.deepEqual(obs.hypervFirewall, {
    vmCreatorId: '{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}',
    enabled: true,
    defaultInboundAction: 'block',
    defaultOutboundAction: 'block',
    loopbackEnabled: true,
  });
  assert.equal(obs.wsl?.natNetwork, '172.22.16.0/20');
  assert.equal(
    obs.wsl.wslconfig,
    '# don\'t edit <managed by IT>\r\n[wsl2]\r\nfirewall=true\r\nkernelCommandLine="quiet"\r\n',
    '5.1 escapes \u0027 < > as \\u0027 \\u003c \\u003e',
  );
});

test('fixture ps51-single-switch: one of everything; collapsed single values become lists', () => {
  const obs = fixture('ps51-single-switch.json');
  for (const key of [
    'switches',
    'adapters',
    'addresses',
    'interfaces',
    'nats',
    'routes',
    'firewallRules',
    'nrptRules',
  ] as const) {
    assert.equal(obs[key]?.length, 1, key);
  }
  assert.deepEqual(obs.switches?.[0], {
    name: 'switchyard',
    id: 'ffb8e8dc-e335-4b2e-a38e-7cb8689c3279',
    type: 'internal',
    notes: SWITCH_NOTE,
    managed: true,
  });
  assert.equal(findInterface(obs, 'vEthernet (switchyard)')?.forwarding, true);
  assert.deepEqual(obs.nats?.[0]?.prefix, cidr('10.0.251.0/24'));
  assert.deepEqual(obs.nrptRules, [
    {
      name: '{6a78d8d1-231d-4d1e-bc23-fb593e11a53d}',
      namespaces: ['.switchyard.internal'],
      nameServers: ['10.0.251.1'],
      displayName: null,
      comment: 'switchyard:switchyard',
    },
  ]);
  assert.deepEqual(obs.nrptPolicy, { groupPolicy: false });
  assert.deepEqual(obs.firewallRules?.[0]?.localPorts, ['67']);
  assert.equal(findWslAdapter(obs), undefined);
});

test('single-object collapse of whole sections (a 5.1 pipeline without @()) parses the same', () => {
  const doc = JSON.parse(fixtureText('ps51-single-switch.json')) as Record<string, unknown>;
  const collapsed = Object.fromEntries(
    Object.entries(doc).map(([k, v]) => [k, Array.isArray(v) && v.length === 1 ? (v[0] as unknown) : v]),
  );
  assert.ok(!Array.isArray(collapsed.switches));
  assert.deepEqual(parseObservation(collapsed), fixture('ps51-single-switch.json'));
});

test('end to end: compressed output between markers, with noise around it', () => {
  for (const name of ['ps51-foreign-nat.json', 'ps7-wsl-vpn.json']) {
    const compressed = JSON.stringify(JSON.parse(fixtureText(name)));
    const stdout =
      'Windows PowerShell\r\nWARNING: something\r\n<<<SWITCHYARD-JSON\r\n' +
      compressed +
      '\r\nSWITCHYARD-JSON>>>\r\n';
    const outcome = interpretRun({ code: 0, stdout, stderr: '' });
    assert.ok(outcome.ok, name);
    assert.deepEqual(parseObservation(outcome.value), fixture(name), name);
  }
});

// ---------------------------------------------------------------------------------------------------
// Normalisation, one quirk at a time

/** A minimal valid document with one interface, one address, one switch and one rule, overridable. */
function doc(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schema: 1,
    psVersion: '5.1.19041.1',
    psEdition: 'Desktop',
    collectedAt: '/Date(0)/',
    elevated: false,
    hypervAdmin: false,
    switches: [],
    adapters: [],
    addresses: [],
    interfaces: [],
    nats: [],
    routes: [],
    firewallRules: [],
    hypervFirewall: null,
    nrptRules: [],
    nrptPolicy: [{ groupPolicy: false }],
    wsl: null,
    notes: [],
    ...over,
  };
}

test('enums: numbers (5.1), numeric strings and names (7 -EnumsAsStrings) mean the same', () => {
  const forms: [string, unknown[], unknown][] = [
    ['Forwarding', [1, '1', 'Enabled', 'enabled'], true],
    ['Forwarding', [0, '0', 'Disabled'], false],
  ];
  for (const [field, values, expected] of forms) {
    for (const v of values) {
      const obs = ok(parseObservation(doc({ interfaces: [{ InterfaceAlias: 'x', [field]: v }] })));
      assert.equal(obs.interfaces?.[0]?.forwarding, expected, `${field}=${JSON.stringify(v)}`);
    }
  }
  const types: [unknown, string][] = [
    [0, 'private'],
    [1, 'internal'],
    [2, 'external'],
    ['External', 'external'],
    ['Internal', 'internal'],
    [9, 'unknown'],
  ];
  for (const [v, expected] of types) {
    const obs = ok(parseObservation(doc({ switches: [{ Name: 's', SwitchType: v }] })));
    assert.equal(obs.switches?.[0]?.type, expected, JSON.stringify(v));
  }
  const origins: [unknown, unknown, string, string][] = [
    [3, 3, 'dhcp', 'dhcp'],
    ['Dhcp', 'OriginDhcp', 'dhcp', 'dhcp'],
    [4, 4, 'routerAdvertisement', 'link'],
    ['RouterAdvertisement', 'LinkLayerAddress', 'routerAdvertisement', 'link'],
    [1, 5, 'manual', 'random'],
  ];
  for (const [p, s, ep, es] of origins) {
    const obs = ok(
      parseObservation(
        doc({ addresses: [{ IPAddress: '10.0.0.1', PrefixLength: 8, PrefixOrigin: p, SuffixOrigin: s }] }),
      ),
    );
    assert.deepEqual([obs.addresses?.[0]?.prefixOrigin, obs.addresses?.[0]?.suffixOrigin], [ep, es]);
  }
  const rules: [unknown, unknown, unknown, [boolean, string, string]][] = [
    [1, 1, 2, [true, 'inbound', 'allow']],
    [2, 2, 4, [false, 'outbound', 'block']],
    ['True', 'Inbound', 'Allow', [true, 'inbound', 'allow']],
    ['False', 'Outbound', 'Block', [false, 'outbound', 'block']],
  ];
  for (const [e, d, a, expected] of rules) {
    const obs = ok(
      parseObservation(doc({ firewallRules: [{ Name: 'r', Enabled: e, Direction: d, Action: a }] })),
    );
    const r = obs.firewallRules?.[0];
    assert.deepEqual([r?.enabled, r?.direction, r?.action], expected);
  }
});

test('a switch is ours only when its Notes are exactly the mark (as ops.ts compares with -eq)', () => {
  const notes: [string, boolean][] = [
    ['switchyard', true],
    [' Switchyard ', true],
    ["not switchyard's", false],
    ['', false],
  ];
  for (const [n, managed] of notes) {
    const obs = ok(parseObservation(doc({ switches: [{ Name: 's', SwitchType: 1, Notes: n }] })));
    assert.equal(obs.switches?.[0]?.managed, managed, JSON.stringify(n));
  }
});

test('dates: 5.1 \\/Date\\/ with or without offset and ETS wrapper, 7 ISO; garbage → null', () => {
  const cases: [unknown, string | null][] = [
    ['/Date(1795511702441)/', '2026-11-24T09:15:02.441Z'],
    ['/Date(1795511702441+0100)/', '2026-11-24T09:15:02.441Z'],
    [
      { value: '/Date(1795511702441)/', DisplayHint: 2, DateTime: 'Tuesday, 24 November 2026 09:15:02' },
      '2026-11-24T09:15:02.441Z',
    ],
    ['2026-11-24T09:15:02.4414721Z', '2026-11-24T09:15:02.441Z'],
    ['yesterday', null],
    [17, null],
  ];
  for (const [v, expected] of cases) {
    assert.equal(ok(parseObservation(doc({ collectedAt: v }))).collectedAt, expected, JSON.stringify(v));
  }
});

test('5.1 {"value": [...], "Count": n} wrappers, on sections and on fields', () => {
  const obs = ok(
    parseObservation(
      doc({
        switches: {
          value: [
            { Name: 'a', SwitchType: 1 },
            { Name: 'b', SwitchType: 2 },
          ],
          Count: 2,
        },
        nrptRules: [
          { Name: 'n', Namespace: { value: ['.a.internal', 'b.internal'], Count: 2 }, NameServers: [] },
        ],
      }),
    ),
  );
  assert.deepEqual(
    obs.switches?.map((s) => s.name),
    ['a', 'b'],
  );
  assert.deepEqual(obs.nrptRules?.[0]?.namespaces, ['.a.internal', 'b.internal']);
});

test('a whole observation wrapped in a one-element array (ConvertTo-Json -InputObject @($r)) is accepted', () => {
  assert.ok(!isObservationError(parseObservation([doc()])));
});

test('property names are matched case-insensitively', () => {
  const obs = ok(parseObservation(doc({ interfaces: [{ interfacealias: 'x', FORWARDING: 'Enabled' }] })));
  assert.equal(obs.interfaces?.[0]?.forwarding, true);
});

test('bad entries are dropped with a note; the rest of the section survives', () => {
  const obs = ok(
    parseObservation(
      doc({
        addresses: [
          { IPAddress: 'fe80::1', PrefixLength: 64 },
          { IPAddress: '10.0.0.1', PrefixLength: 8 },
          { IPAddress: '10.0.0.2', PrefixLength: 40 },
          'not an object',
        ],
        routes: [{ DestinationPrefix: '10.0.0.1/8', NextHop: '0.0.0.0' }],
        interfaces: [{ InterfaceAlias: 'x', Forwarding: 'Sometimes' }],
        adapters: [{ Name: 'vEthernet (x)', InterfaceIndex: 5, Status: 'Up', MacAddress: '' }],
      }),
    ),
  );
  assert.deepEqual(
    obs.addresses?.map((a) => formatIpv4(a.address)),
    ['10.0.0.1'],
  );
  assert.deepEqual(obs.routes, []);
  assert.deepEqual(obs.interfaces, []);
  assert.equal(obs.adapters?.[0]?.mac, null, 'an empty MacAddress is no MAC, not a failure');
  assert.equal(obs.notes.filter((n) => n.errorId === 'InvalidEntry').length, 5);
  assert.ok(obs.notes.every((n) => n.message.length < 300));
});

test('null sections stay null; missing sections are null with a note', () => {
  const d = doc({ nats: null });
  delete d.routes;
  const obs = ok(parseObservation(d));
  assert.equal(obs.nats, null);
  assert.equal(obs.routes, null);
  assert.deepEqual(obs.notes, [
    { section: 'routes', message: 'missing from the observation', errorId: 'MissingSection' },
  ]);
});

test('not an observation → { error }', () => {
  assert.match((parseObservation('{"schema":') as { error: string }).error, /not JSON/);
  assert.match((parseObservation('"text"') as { error: string }).error, /not a JSON object/);
  assert.match((parseObservation(JSON.stringify(doc({ schema: 2 }))) as { error: string }).error, /schema 2/);
  assert.match((parseObservation([1, 2]) as { error: string }).error, /not a JSON object/);
});

test('NetNat prefixes with host bits are kept as text and as their network', () => {
  const obs = ok(
    parseObservation(
      doc({ nats: [{ Name: 'x', InternalIPInterfaceAddressPrefix: '10.0.75.1/24', Active: 'True' }] }),
    ),
  );
  assert.deepEqual(obs.nats, [
    { name: 'x', internalPrefix: '10.0.75.1/24', prefix: cidr('10.0.75.0/24'), active: true },
  ]);
});

test('WSL adapter names: both network names, with a number appended, nothing else', () => {
  for (const n of [
    'vEthernet (WSL)',
    'vEthernet (WSL (Hyper-V firewall))',
    'vEthernet (WSL) 5',
    'vEthernet (WSL (Hyper-V firewall)) 2',
  ]) {
    assert.ok(WSL_ADAPTER_NAME.test(n), n);
  }
  for (const n of ['vEthernet (Default Switch)', 'vEthernet (WSLx)', 'Ethernet (WSL)', 'vEthernet (wsl)']) {
    assert.ok(!WSL_ADAPTER_NAME.test(n), n);
  }
  const obs = ok(
    parseObservation(
      doc({
        adapters: [
          { Name: 'vEthernet (WSL) 5', InterfaceIndex: 49, Status: 'Disconnected' },
          { Name: 'vEthernet (WSL)', InterfaceIndex: 67, Status: 'Up' },
        ],
      }),
    ),
  );
  assert.equal(findWslAdapter(obs)?.ifIndex, 67, 'the one that is up');
});

test('NRPT: the Group Policy flag, and its absence from an older observation (null, with a note)', () => {
  assert.deepEqual(fixture('ps51-foreign-nat.json').nrptPolicy, { groupPolicy: true });
  assert.deepEqual(ok(parseObservation(doc({ nrptPolicy: [{ groupPolicy: 'True' }] }))).nrptPolicy, {
    groupPolicy: true,
  });
  const d = doc();
  delete d.nrptPolicy;
  const obs = ok(parseObservation(d));
  assert.equal(obs.nrptPolicy, null);
  assert.deepEqual(
    obs.notes.map((n) => [n.section, n.errorId]),
    [['nrptPolicy', 'MissingSection']],
  );
});
