import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../config/load.js';
import { formatIpv4, ipv4 } from '../net/ipv4.js';
import { pickReservationIp, pickReservationMac } from './reservation-pick.js';
import { resolveScope } from './scope.js';

function scope(yaml: string) {
  const r = resolveScope(parseConfig(yaml, 't.yaml').switches[0]!, undefined, 'linux');
  assert.ok(r.ok);
  return r.scope;
}

test('the reserved address is the first free one outside the pool, skipping host, reservations and leases', () => {
  const s = scope(
    'switches:\n  - name: a\n    subnet: 10.1.0.0/24\n    host: 10.1.0.1\n    dhcp:\n      pool: 10.1.0.2-10.1.0.99\n      reservations: [{ name: x, mac: "00:15:5d:00:00:01", ip: 10.1.0.100 }]\n',
  );
  const ip = pickReservationIp(s, s.reservations, { macs: new Set(), ips: new Set([ipv4('10.1.0.101')]) });
  assert.equal(formatIpv4(ip!), '10.1.0.102');
});

test('with the default pool (upper half) reservations land in the lower half', () => {
  const s = scope('switches:\n  - name: a\n    subnet: 10.1.0.0/24\n');
  assert.equal(formatIpv4(pickReservationIp(s, [], { macs: new Set(), ips: new Set() })!), '10.1.0.2');
});

test('no room outside the pool → undefined', () => {
  const s = scope(
    'switches:\n  - name: a\n    subnet: 10.1.0.0/29\n    host: 10.1.0.1\n    dhcp: { pool: 10.1.0.2-10.1.0.6 }\n',
  );
  assert.equal(pickReservationIp(s, [], { macs: new Set(), ips: new Set() }), undefined);
});

test('the MAC is stable for a name, in 00:15:5d, and steps past a collision', () => {
  const m1 = pickReservationMac('sw', 'web1', new Set());
  assert.match(m1, /^00:15:5d:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/);
  assert.equal(pickReservationMac('sw', 'WEB1', new Set()), m1, 'names are case-insensitive');
  assert.notEqual(pickReservationMac('sw', 'web2', new Set()), m1);
  const m2 = pickReservationMac('sw', 'web1', new Set([m1]));
  assert.notEqual(m2, m1);
  assert.match(m2, /^00:15:5d:/);
});
