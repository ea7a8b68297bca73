import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Lease } from '../dhcp/lease.js';
import { cidr, ipv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';
import {
  buildNames,
  clashName,
  LEASE_TTL,
  RESERVATION_TTL,
  sanitizeHostname,
  type NameSource,
} from './names.js';

const NOW = 1_000_000;
const mac = (n: number): Mac => `00:15:5d:00:00:${n.toString(16).padStart(2, '0')}` as Mac;
function lease(n: number, ip: string, hostname: string | undefined, extra: Partial<Lease> = {}): Lease {
  return {
    mac: mac(n),
    ip: ipv4(ip),
    state: 'bound',
    expiresAt: NOW + 60_000,
    clientId: undefined,
    hostname,
    updatedAt: NOW - 1000 + n,
    ...extra,
  };
}
function source(leases: Lease[], reservations: NameSource['reservations'] = []): NameSource {
  return { domain: 'sy.internal', subnet: cidr('10.0.251.0/24'), reservations, leases };
}

describe('sanitizeHostname', () => {
  const cases: [string, string | undefined][] = [
    ['web1', 'web1'],
    ['DESKTOP-7AB', 'desktop-7ab'],
    ['db.example.com', 'db'],
    ['my_box', 'my-box'],
    ['--edge--', 'edge'],
    ['a  b', 'a-b'],
    ['___', undefined],
    ['', undefined],
    ['x'.repeat(80), 'x'.repeat(63)],
    ['ünïcode', 'n-code'],
  ];
  for (const [raw, want] of cases) {
    test(`${JSON.stringify(raw)} → ${String(want)}`, () => {
      assert.equal(sanitizeHostname(raw), want);
    });
  }
});

describe('buildNames', () => {
  test('reservations and hostnames become A and PTR records', () => {
    const b = buildNames(
      [
        source(
          [lease(2, '10.0.251.100', 'Build-Agent')],
          [{ name: 'web1', mac: mac(1), ip: ipv4('10.0.251.10') }],
        ),
      ],
      NOW,
    );
    assert.deepEqual(b.byName.get('web1.sy.internal'), {
      fqdn: 'web1.sy.internal',
      ip: ipv4('10.0.251.10'),
      ttl: RESERVATION_TTL,
      mac: mac(1),
    });
    assert.equal(b.byName.get('build-agent.sy.internal')?.ip, ipv4('10.0.251.100'));
    assert.equal(b.byName.get('build-agent.sy.internal')?.ttl, LEASE_TTL);
    assert.equal(b.byIp.get(ipv4('10.0.251.100'))?.fqdn, 'build-agent.sy.internal');
    assert.deepEqual(b.domains, ['sy.internal']);
  });

  test('a reserved client is known by its reservation name, not the hostname it sends', () => {
    const b = buildNames(
      [
        source(
          [lease(1, '10.0.251.10', 'random-name')],
          [{ name: 'web1', mac: mac(1), ip: ipv4('10.0.251.10') }],
        ),
      ],
      NOW,
    );
    assert.equal(b.byName.has('random-name.sy.internal'), false);
    assert.equal(b.byIp.get(ipv4('10.0.251.10'))?.fqdn, 'web1.sy.internal');
  });

  test('a lease cannot take a reservation name: it gets the MAC-suffixed name', () => {
    const b = buildNames(
      [source([lease(2, '10.0.251.100', 'web1')], [{ name: 'web1', mac: mac(1), ip: ipv4('10.0.251.10') }])],
      NOW,
    );
    assert.equal(b.byName.get('web1.sy.internal')?.ip, ipv4('10.0.251.10'));
    assert.equal(b.byName.get('web1-000002.sy.internal')?.ip, ipv4('10.0.251.100'));
  });

  test('two clients, one hostname: the older lease wins, the other gets the suffix', () => {
    const older = lease(7, '10.0.251.107', 'clone', { updatedAt: NOW - 5000 });
    const newer = lease(3, '10.0.251.103', 'clone', { updatedAt: NOW - 100 });
    const b = buildNames([source([newer, older])], NOW);
    assert.equal(b.byName.get('clone.sy.internal')?.mac, mac(7));
    assert.equal(b.byName.get('clone-000003.sy.internal')?.mac, mac(3));
  });

  test('a name stays with its holder while bound, even when a newer claimant has an older update time', () => {
    const first = buildNames([source([lease(5, '10.0.251.105', 'app')])], NOW);
    const holder = lease(5, '10.0.251.105', 'app', { updatedAt: NOW });
    const rival = lease(6, '10.0.251.106', 'app', { updatedAt: NOW - 9000 });
    const b = buildNames([source([rival, holder])], NOW, first);
    assert.equal(b.byName.get('app.sy.internal')?.mac, mac(5));
    assert.equal(b.byName.get('app-000006.sy.internal')?.mac, mac(6));
  });

  test('released, expired, offered and out-of-subnet leases have no names', () => {
    const b = buildNames(
      [
        source([
          lease(1, '10.0.251.101', 'gone', { state: 'released' }),
          lease(2, '10.0.251.102', 'old', { expiresAt: NOW - 1 }),
          lease(3, '10.0.251.103', 'maybe', { state: 'offered' }),
          lease(4, '10.0.99.4', 'elsewhere'),
          lease(5, '10.0.251.105', undefined),
        ]),
      ],
      NOW,
    );
    assert.equal(b.byName.size, 0);
    assert.equal(b.byIp.size, 0);
  });

  test('the name moves when the lease does', () => {
    const a = buildNames([source([lease(1, '10.0.251.101', 'vm')])], NOW);
    const b = buildNames([source([lease(1, '10.0.251.150', 'vm')])], NOW, a);
    assert.equal(b.byName.get('vm.sy.internal')?.ip, ipv4('10.0.251.150'));
    assert.equal(b.byIp.has(ipv4('10.0.251.101')), false);
  });

  test('clashName keeps the label within 63 octets', () => {
    const n = clashName('a'.repeat(63), mac(9));
    assert.equal(n.length, 63);
    assert.ok(n.endsWith('-000009'));
  });
});
