import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseConfig } from '../config/load.js';
import { checkRules } from '../config/rules.js';
import { configSchema, type Config } from '../config/schema.js';
import { asIpv4, cidr, formatCidr, formatIpv4, maskOf, overlaps, type Cidr } from '../net/ipv4.js';
import {
  MIN_ROUTE_PREFIX,
  SEARCH_ORDER,
  planAddresses,
  type AddressPlan,
  type Choice,
} from './address-plan.js';
import { parsePinned, readPinned, serializePinned, writePinned, type PinnedRanges } from './pinned.js';

function config(value: unknown): Config {
  const c = configSchema.parse(value);
  assert.deepEqual(checkRules(c), [], 'test config must pass the load-time rules');
  return c;
}

function plan(c: Config, routes: readonly string[] = [], pinned?: PinnedRanges): AddressPlan {
  return planAddresses({ config: c, routes: routes.map(cidr), pinned });
}

/** subnet, source and rejected as text, for readable assertions. */
function brief(ch: Choice | undefined): { subnet: string; source: string; rejected: string[] } | undefined {
  if (!ch) return undefined;
  return {
    subnet: formatCidr(ch.subnet),
    source: ch.source,
    rejected: ch.rejected.map((r) => `${formatCidr(r.candidate)}: ${r.reason}`),
  };
}

const WHY_192 = 'first free /20 in 192.168.0.0/16 (search order: 192.168.0.0/16, 172.16.0.0/12, 10.0.0.0/8)';
const HOME = 'in 192.168.0.0/23, where home routers put their LANs';

describe('address plan: choices', () => {
  test('defaults: WSL gets a /20, each switch a /24, past the home-router LANs', () => {
    const p = plan(config({ switches: [{ name: 'lab' }, { name: 'lab2' }], wsl: {} }));
    assert.deepEqual(p.errors, []);
    assert.deepEqual(p.warnings, []);
    assert.deepEqual(brief(p.wsl), {
      subnet: '192.168.16.0/20',
      source: 'chosen',
      rejected: [`192.168.0.0/20: ${HOME}`],
    });
    assert.equal(p.wsl!.why, WHY_192);
    assert.equal(formatIpv4(p.wsl!.gateway), '192.168.16.1');
    assert.deepEqual(
      p.switches.map((s) => [s.name, formatCidr(s.subnet), formatIpv4(s.host)]),
      [
        ['lab', '192.168.2.0/24', '192.168.2.1'],
        ['lab2', '192.168.3.0/24', '192.168.3.1'],
      ],
    );
    assert.deepEqual(brief(p.switches[1])!.rejected, [
      `192.168.0.0/24: ${HOME}`,
      '192.168.2.0/24: used by switch "lab" (192.168.2.0/24)',
    ]);
    const pool = p.switches[0]!.pool;
    assert.deepEqual([formatIpv4(pool.start), formatIpv4(pool.end)], ['192.168.2.128', '192.168.2.254']);
    assert.deepEqual(p.pinned, {
      version: 1,
      wsl: { subnet: '192.168.16.0/20', gateway: '192.168.16.1' },
      switches: {
        lab: { subnet: '192.168.2.0/24', host: '192.168.2.1' },
        lab2: { subnet: '192.168.3.0/24', host: '192.168.3.1' },
      },
    });
  });

  test('a VPN route over all of 172.16.0.0/12 (where WSL puts itself) does not touch the WSL range', () => {
    const p = plan(config({ switches: [{ name: 'lab' }], wsl: {} }), ['172.16.0.0/12']);
    assert.deepEqual(p.errors, []);
    assert.equal(formatCidr(p.wsl!.subnet), '192.168.16.0/20');
    assert.ok(!overlaps(p.wsl!.subnet, cidr('172.16.0.0/12')));
  });

  test('a VPN pushing 192.168.0.0/16 and 172.16.0.0/12: both spaces rejected, with the routes named', () => {
    const p = plan(config({ switches: [{ name: 'lab' }], wsl: {} }), ['192.168.0.0/16', '172.16.0.0/12']);
    assert.deepEqual(p.errors, []);
    assert.deepEqual(brief(p.wsl), {
      subnet: '10.0.0.0/20',
      source: 'chosen',
      rejected: [
        '192.168.0.0/20: overlaps route 192.168.0.0/16 (VPN or LAN)',
        '172.16.0.0/20: overlaps route 172.16.0.0/12 (VPN or LAN)',
      ],
    });
    assert.equal(
      p.wsl!.why,
      'first free /20 in 10.0.0.0/8 (search order: 192.168.0.0/16, 172.16.0.0/12, 10.0.0.0/8)',
    );
    assert.deepEqual(brief(p.switches[0]), {
      subnet: '10.0.16.0/24',
      source: 'chosen',
      rejected: [
        '192.168.0.0/24: overlaps route 192.168.0.0/16 (VPN or LAN)',
        '172.16.0.0/24: overlaps route 172.16.0.0/12 (VPN or LAN)',
        '10.0.0.0/24: used by WSL (10.0.0.0/20)',
      ],
    });
  });

  test('corporate 10.0.0.0/8 in avoid: never chosen; with the other spaces routed nothing fits', () => {
    const c = config({ switches: [{ name: 'lab' }], wsl: {}, avoid: ['10.0.0.0/8'] });
    const p = plan(c, ['192.168.0.0/16']);
    assert.deepEqual(p.errors, []);
    assert.equal(formatCidr(p.wsl!.subnet), '172.16.0.0/20');
    assert.equal(formatCidr(p.switches[0]!.subnet), '172.16.16.0/24');

    const full = plan(c, ['192.168.0.0/16', '172.16.0.0/12']);
    assert.equal(full.wsl, undefined);
    assert.deepEqual(full.switches, []);
    assert.deepEqual(full.errors, [
      'WSL: no free /20 in 192.168.0.0/16, 172.16.0.0/12, 10.0.0.0/8 (blocked by route 192.168.0.0/16, route 172.16.0.0/12, avoid 10.0.0.0/8); write a subnet in the config or shorten avoid',
      'switch "lab": no free /24 in 192.168.0.0/16, 172.16.0.0/12, 10.0.0.0/8 (blocked by route 192.168.0.0/16, route 172.16.0.0/12, avoid 10.0.0.0/8); write a subnet in the config or shorten avoid',
    ]);
    assert.deepEqual(full.pinned, { version: 1, switches: {} });
  });

  test('a candidate partly in avoid says "overlaps avoid", one inside it "in avoid"', () => {
    const c = config({ switches: [{ name: 'lab' }], avoid: ['192.168.2.0/25', '192.168.3.0/24'] });
    assert.deepEqual(brief(plan(c).switches[0])!.rejected, [
      `192.168.0.0/24: ${HOME}`,
      '192.168.2.0/24: overlaps avoid 192.168.2.0/25',
      '192.168.3.0/24: in avoid 192.168.3.0/24',
    ]);
  });

  test('the default route and other routes shorter than /8 do not block anything', () => {
    const p = plan(config({ switches: [{ name: 'lab' }] }), ['0.0.0.0/0', '0.0.0.0/1', '128.0.0.0/1']);
    assert.deepEqual(p.errors, []);
    assert.equal(formatCidr(p.switches[0]!.subnet), '192.168.2.0/24');
  });

  test('the design example: the reservation pins the auto subnet to 10.0.251.0/24, which avoid forbids', () => {
    const design = `switches:
  - name: switchyard            # Hyper-V internal switch (Linux: the bridge/interface of this name)
    subnet: auto                # or a CIDR such as 10.0.251.0/24
    host: auto                  # host address on the switch; default first usable
    nat: true
    dhcp:
      pool: auto                # or 10.0.251.100-10.0.251.199
      leaseTime: 12h
      relayAgents: []           # giaddr ranges accepted as relays; none by default (perfdhcp is one)
      reservations:
        - { name: web1, mac: "00:15:5d:00:00:01", ip: 10.0.251.10 }
    dns:
      domain: switchyard.internal
wsl:
  subnet: auto                  # pinned WSL NAT range
forwarding: true                # WSL <-> switches
avoid: [10.0.0.0/8]             # ranges never to use (corporate networks)
`;
    const c = parseConfig(design, 'switchyard.yaml');
    const p = plan(c, ['192.168.1.0/24', '172.29.192.0/20']);
    assert.equal(formatCidr(p.wsl!.subnet), '192.168.16.0/20');
    assert.deepEqual(p.switches, []);
    assert.deepEqual(p.errors, [
      'switch "switchyard": its reservations (10.0.251.10) need 10.0.251.0/24, which is ruled out (in avoid 10.0.0.0/8); write the subnet in the config or move the reservations',
    ]);

    // Without the avoid entry the reservation decides the subnet; host and pool stay clear of it.
    const open = plan(parseConfig(design.replace('avoid: [10.0.0.0/8]', 'avoid: []'), 'switchyard.yaml'));
    assert.deepEqual(open.errors, []);
    const sw = open.switches[0]!;
    assert.equal(formatCidr(sw.subnet), '10.0.251.0/24');
    assert.equal(sw.why, 'the /24 that holds its reservations (10.0.251.10)');
    assert.equal(formatIpv4(sw.host), '10.0.251.1');
    assert.deepEqual([formatIpv4(sw.pool.start), formatIpv4(sw.pool.end)], ['10.0.251.128', '10.0.251.254']);

    // With the subnet written out (as its comment suggests), avoid does not apply to it.
    const written = plan(
      parseConfig(
        design.replace('subnet: auto                # or', 'subnet: 10.0.251.0/24 # or'),
        'sy.yaml',
      ),
    );
    assert.deepEqual(written.errors, []);
    assert.deepEqual(written.warnings, []);
    assert.equal(written.switches[0]!.source, 'config');
    assert.equal(written.switches[0]!.why, 'written in the config');
    assert.deepEqual(written.pinned, {
      version: 1,
      wsl: { subnet: '192.168.16.0/20', gateway: '192.168.16.1' },
      switches: {},
    });
  });

  test('host auto skips a reserved first address', () => {
    const c = config({
      switches: [
        {
          name: 'lab',
          dhcp: { reservations: [{ name: 'a', mac: '00:15:5d:00:00:01', ip: '10.9.8.1' }] },
        },
      ],
    });
    const sw = plan(c).switches[0]!;
    assert.equal(formatCidr(sw.subnet), '10.9.8.0/24');
    assert.equal(formatIpv4(sw.host), '10.9.8.2');
  });
});

describe('address plan: config ranges', () => {
  test('a written range overlapping a route is kept, with a warning', () => {
    const c = config({
      switches: [
        {
          name: 'lab',
          subnet: '10.0.251.0/24',
          host: '10.0.251.1',
          dhcp: { pool: '10.0.251.100-10.0.251.199' },
        },
      ],
      wsl: { subnet: '172.20.0.0/20', gateway: '172.20.0.1' },
    });
    const p = plan(c, ['10.0.0.0/8', '172.16.0.0/12', '172.20.0.0/16']);
    assert.deepEqual(p.errors, []);
    assert.deepEqual(p.warnings, [
      'WSL: subnet 172.20.0.0/20 from the config overlaps routes 172.16.0.0/12, 172.20.0.0/16; kept as written (doctor will flag the clash)',
      'switch "lab": subnet 10.0.251.0/24 from the config overlaps route 10.0.0.0/8; kept as written (doctor will flag the clash)',
    ]);
    assert.equal(formatIpv4(p.wsl!.gateway), '172.20.0.1');
    const sw = p.switches[0]!;
    assert.equal(sw.source, 'config');
    assert.deepEqual([formatIpv4(sw.pool.start), formatIpv4(sw.pool.end)], ['10.0.251.100', '10.0.251.199']);
    assert.deepEqual(p.pinned, { version: 1, switches: {} });
  });

  test('two written ranges that overlap are an error (as at load)', () => {
    const c = configSchema.parse({
      switches: [
        { name: 'a', subnet: '10.0.0.0/24' },
        { name: 'b', subnet: '10.0.0.0/23' },
      ],
    });
    assert.deepEqual(plan(c).errors, [
      'switch "b": subnet 10.0.0.0/23 overlaps switch "a" (10.0.0.0/24); both are set in the config',
    ]);
  });

  test('auto ranges steer around written ones', () => {
    const c = config({ switches: [{ name: 'fixed', subnet: '192.168.2.0/24' }, { name: 'auto' }] });
    const p = plan(c);
    assert.deepEqual(brief(p.switches[1]), {
      subnet: '192.168.3.0/24',
      source: 'chosen',
      rejected: [`192.168.0.0/24: ${HOME}`, '192.168.2.0/24: used by switch "fixed" (192.168.2.0/24)'],
    });
  });
});

describe('address plan: pinning', () => {
  const c = config({ switches: [{ name: 'lab' }], wsl: {} });

  test('a pinned range later overlapped by a new (VPN) route is kept, with a warning', () => {
    const first = plan(c);
    const later = plan(c, ['192.168.0.0/16'], first.pinned);
    assert.deepEqual(later.errors, []);
    assert.deepEqual(brief(later.wsl), { subnet: '192.168.16.0/20', source: 'pinned', rejected: [] });
    assert.equal(
      later.wsl!.why,
      'pinned in the state directory when first chosen; kept so a later VPN cannot move it',
    );
    assert.deepEqual(brief(later.switches[0]), { subnet: '192.168.2.0/24', source: 'pinned', rejected: [] });
    assert.deepEqual(later.warnings, [
      'WSL: pinned subnet 192.168.16.0/20 now overlaps route 192.168.0.0/16; kept so it does not move (doctor will flag the clash)',
      'switch "lab": pinned subnet 192.168.2.0/24 now overlaps route 192.168.0.0/16; kept so it does not move (doctor will flag the clash)',
    ]);
    assert.deepEqual(later.pinned, first.pinned);
  });

  test('a pinned range the config now forbids is chosen anew', () => {
    const pinned: PinnedRanges = {
      version: 1,
      wsl: { subnet: '10.5.0.0/20', gateway: '10.5.0.1' },
      switches: {
        lab: { subnet: '192.168.7.0/24', host: '192.168.7.9' },
        gone: { subnet: '192.168.9.0/24', host: '192.168.9.1' },
      },
    };
    const c2 = config({
      switches: [{ name: 'fixed', subnet: '192.168.7.0/25' }, { name: 'lab' }],
      wsl: {},
      avoid: ['10.0.0.0/8'],
    });
    const p = plan(c2, [], pinned);
    assert.deepEqual(p.warnings, [
      'WSL: pinned subnet 10.5.0.0/20 is now in avoid 10.0.0.0/8; choosing a new range',
      'switch "lab": pinned subnet 192.168.7.0/24 now overlaps switch "fixed" (192.168.7.0/25); choosing a new range',
    ]);
    assert.equal(p.wsl!.source, 'chosen');
    assert.equal(formatCidr(p.wsl!.subnet), '192.168.16.0/20');
    assert.equal(formatCidr(p.switches[1]!.subnet), '192.168.2.0/24');
    assert.deepEqual(Object.keys(p.pinned.switches), ['lab']);
  });

  test('a pinned entry that is not a usable network is replaced, with a warning', () => {
    const p = plan(c, [], {
      version: 1,
      switches: { lab: { subnet: '192.168.235.0/20', host: '192.168.224.1' } },
    });
    assert.deepEqual(p.warnings, [
      'switch "lab": pinned subnet 192.168.235.0/20 is not usable: "192.168.235.0/20" is not a /20 network: the network address is 192.168.224.0/20; choosing a new range',
    ]);
    assert.equal(formatCidr(p.switches[0]!.subnet), '192.168.2.0/24');
  });

  test('a reservation outside the pinned subnet is an error', () => {
    const withReservation = config({
      switches: [
        {
          name: 'lab',
          dhcp: { reservations: [{ name: 'web1', mac: '00:15:5d:00:00:01', ip: '10.0.251.10' }] },
        },
      ],
    });
    const p = plan(withReservation, [], {
      version: 1,
      switches: { lab: { subnet: '192.168.2.0/24', host: '192.168.2.1' } },
    });
    assert.deepEqual(p.errors, [
      'switch "lab": reservation web1 (10.0.251.10) is outside the subnet 192.168.2.0/24',
    ]);
    assert.deepEqual(p.switches, []);
  });

  test('a pinned host is kept; a pinned gateway outside its subnet falls back to the first address', () => {
    const pinned: PinnedRanges = {
      version: 1,
      wsl: { subnet: '172.20.0.0/20', gateway: '172.21.0.1' },
      switches: { lab: { subnet: '192.168.7.0/24', host: '192.168.7.9' } },
    };
    const p = plan(c, [], pinned);
    assert.equal(formatIpv4(p.switches[0]!.host), '192.168.7.9');
    assert.equal(formatIpv4(p.wsl!.gateway), '172.20.0.1');
    assert.deepEqual(p.warnings, [
      'WSL: pinned gateway 172.21.0.1 is not a free usable address of 172.20.0.0/20; using the first one',
    ]);
  });
});

const arbCidrIn = (parent: Cidr, minPrefix: number, maxPrefix: number): fc.Arbitrary<Cidr> =>
  fc
    .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: minPrefix, max: maxPrefix }))
    .map(([n, prefix]) => {
      const inParent = (parent.network | (n & ~maskOf(parent.prefix))) >>> 0;
      return { network: asIpv4((inParent & maskOf(prefix)) >>> 0), prefix };
    });

const arbPrivate = (minPrefix: number, maxPrefix: number): fc.Arbitrary<Cidr> =>
  fc
    .constantFrom(...SEARCH_ORDER, cidr('0.0.0.0/0'))
    .chain((parent) => arbCidrIn(parent, minPrefix, maxPrefix));

const arbInput = fc
  .record({
    autoSwitches: fc.integer({ min: 0, max: 5 }),
    fixed: fc.option(arbPrivate(24, 24), { nil: undefined }),
    wsl: fc.boolean(),
    avoid: fc.array(arbPrivate(8, 24), { maxLength: 3 }),
    routes: fc.array(arbPrivate(0, 32), { maxLength: 15 }),
  })
  .map(({ autoSwitches, fixed, wsl, avoid, routes }) => {
    const switches: { name: string; subnet?: string }[] = [];
    if (fixed) switches.push({ name: 'fixed', subnet: formatCidr(fixed) });
    for (let i = 0; i < Math.max(autoSwitches, fixed ? 0 : 1); i++) switches.push({ name: `sw${i}` });
    return {
      config: configSchema.parse({
        switches,
        ...(wsl ? { wsl: {} } : {}),
        avoid: avoid.map(formatCidr),
      }),
      routes,
    };
  });

function allChoices(p: AddressPlan): Choice[] {
  return [...(p.wsl ? [p.wsl] : []), ...p.switches];
}

describe('address plan: properties', () => {
  test('chosen ranges overlap no route, no avoid entry and no other range; each auto range is chosen or an error', () => {
    fc.assert(
      fc.property(arbInput, ({ config: c, routes }) => {
        const p = planAddresses({ config: c, routes, pinned: undefined });
        const avoid = c.avoid;
        const counted = routes.filter((r) => r.prefix >= MIN_ROUTE_PREFIX);
        const choices = allChoices(p);
        for (const ch of choices) {
          if (ch.source !== 'chosen') continue;
          for (const r of counted)
            assert.ok(!overlaps(ch.subnet, r), `${formatCidr(ch.subnet)} vs route ${formatCidr(r)}`);
          for (const a of avoid)
            assert.ok(!overlaps(ch.subnet, a), `${formatCidr(ch.subnet)} vs avoid ${formatCidr(a)}`);
        }
        choices.forEach((a, i) => {
          choices.forEach((b, j) => {
            if (i < j)
              assert.ok(!overlaps(a.subnet, b.subnet), `${formatCidr(a.subnet)} vs ${formatCidr(b.subnet)}`);
          });
        });
        const expected = c.switches.length + (c.wsl ? 1 : 0);
        assert.equal(choices.length + p.errors.length, expected);
        for (const e of p.errors) assert.match(e, /no free \/2[04]/);
      }),
      { numRuns: 300 },
    );
  });

  test('deterministic: the same inputs give the same plan', () => {
    fc.assert(
      fc.property(arbInput, ({ config: c, routes }) => {
        const a = planAddresses({ config: c, routes, pinned: undefined });
        const b = planAddresses({
          config: structuredClone(c),
          routes: routes.map((r) => ({ ...r })),
          pinned: undefined,
        });
        assert.deepEqual(a, b);
      }),
      { numRuns: 100 },
    );
  });

  test('feeding plan.pinned back in with extra routes keeps every range where it was', () => {
    fc.assert(
      fc.property(
        arbInput,
        fc.array(arbPrivate(8, 32), { maxLength: 10 }),
        ({ config: c, routes }, extra) => {
          const first = planAddresses({ config: c, routes, pinned: undefined });
          const pinned = parsePinned(serializePinned(first.pinned));
          assert.ok(!('error' in pinned));
          const later = planAddresses({ config: c, routes: [...routes, ...extra], pinned });
          const where = (p: AddressPlan): string[][] => [
            ...(p.wsl ? [['WSL', formatCidr(p.wsl.subnet), formatIpv4(p.wsl.gateway)]] : []),
            ...p.switches.map((s) => [
              s.name,
              formatCidr(s.subnet),
              formatIpv4(s.host),
              `${s.pool.start}-${s.pool.end}`,
            ]),
          ];
          assert.deepEqual(where(later), where(first));
          assert.deepEqual(later.pinned, first.pinned);
          for (const ch of allChoices(later)) assert.notEqual(ch.source, 'chosen');
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('pinned file', () => {
  const sample: PinnedRanges = {
    version: 1,
    wsl: { subnet: '192.168.16.0/20', gateway: '192.168.16.1' },
    switches: { lab: { subnet: '192.168.2.0/24', host: '192.168.2.1' } },
  };

  test('round trip', () => {
    assert.deepEqual(parsePinned(serializePinned(sample)), sample);
    const noWsl: PinnedRanges = { version: 1, switches: {} };
    assert.deepEqual(parsePinned(serializePinned(noWsl)), noWsl);
    assert.equal(
      serializePinned(sample),
      '{\n  "version": 1,\n  "wsl": {\n    "subnet": "192.168.16.0/20",\n    "gateway": "192.168.16.1"\n  },\n  "switches": {\n    "lab": {\n      "subnet": "192.168.2.0/24",\n      "host": "192.168.2.1"\n    }\n  }\n}\n',
    );
  });

  test('malformed files are errors, never exceptions', () => {
    const cases: [string, string][] = [
      ['', 'not JSON: '],
      ['[]', 'not a JSON object'],
      ['{"version":2,"switches":{}}', 'version 2 is not 1'],
      ['{"version":1}', 'switches: not an object'],
      ['{"version":1,"switches":{},"extra":1}', 'pinned: unknown key "extra"'],
      [
        '{"version":1,"switches":{"lab":{"subnet":"192.168.235.0/20","host":"192.168.224.1"}}}',
        'switches["lab"].subnet: "192.168.235.0/20" is not a /20 network',
      ],
      [
        '{"version":1,"switches":{"lab":{"subnet":"10.0.0.0/24","host":"10.0.0.300"}}}',
        'switches["lab"].host: not an IPv4 address',
      ],
      [
        '{"version":1,"switches":{"lab":{"subnet":"10.0.0.0/24"}}}',
        'switches["lab"].host: not an IPv4 address',
      ],
      [
        '{"version":1,"wsl":{"subnet":"10.0.0.0/20","gateway":"x"},"switches":{}}',
        'wsl.gateway: not an IPv4 address',
      ],
      ['{"version":1,"wsl":"10.0.0.0/20","switches":{}}', 'wsl: not an object'],
      [
        '{"version":1,"switches":{"__proto__":{"subnet":"10.0.0.0/24","host":"10.0.0.1"}}}',
        'switches: "__proto__" is not a switch name',
      ],
    ];
    for (const [text, start] of cases) {
      const r = parsePinned(text);
      assert.ok('error' in r, text);
      assert.ok(r.error.startsWith(start), `${text} → ${r.error}`);
    }
    fc.assert(
      fc.property(fc.string(), (s) => {
        parsePinned(s);
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        parsePinned(JSON.stringify(v));
      }),
    );
  });

  test('readPinned/writePinned: atomic 0600 file in the state dir; missing → undefined; malformed → error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'switchyard-pinned-'));
    try {
      assert.equal(await readPinned(dir), undefined);
      const stateDir = join(dir, 'state');
      await writePinned(stateDir, sample);
      assert.deepEqual(await readPinned(stateDir), sample);
      const path = join(stateDir, 'pinned.json');
      assert.equal(await readFile(path, 'utf8'), serializePinned(sample));
      if (process.platform !== 'win32') assert.equal((await stat(path)).mode & 0o777, 0o600);
      await writePinned(stateDir, { version: 1, switches: {} });
      assert.deepEqual(await readPinned(stateDir), { version: 1, switches: {} });
      await writeFile(path, '{ "version": 1, ');
      const bad = await readPinned(stateDir);
      assert.ok(bad && 'error' in bad && bad.error.startsWith(`${path}: not JSON`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
