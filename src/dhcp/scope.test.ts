import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidr, formatIpv4, ipv4 } from '../net/ipv4.js';
import { defaultPool } from './scope.js';

test('the default pool never contains the host address, down to a /30', () => {
  const cases: [string, string, string][] = [
    ['10.0.0.0/24', '10.0.0.1', '10.0.0.128-10.0.0.254'],
    ['10.0.0.0/24', '10.0.0.200', '10.0.0.128-10.0.0.199'],
    ['10.0.0.0/30', '10.0.0.1', '10.0.0.2-10.0.0.2'],
    ['10.0.0.0/30', '10.0.0.2', '10.0.0.1-10.0.0.1'],
  ];
  for (const [net, host, pool] of cases) {
    const p = defaultPool(cidr(net), ipv4(host));
    assert.equal(`${formatIpv4(p.start)}-${formatIpv4(p.end)}`, pool, `${net} host ${host}`);
  }
});
