import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cidr, ipv4 } from '../../net/ipv4.js';
import type { DesiredHost, DesiredSwitch } from '../desired.js';
import { emptyHost, type ObservedHost, type ObservedResolved } from '../observed.js';
import { diffDnsLink } from './dns-link.js';

const SW: DesiredSwitch = {
  name: 'lab',
  iface: 'sy-lab',
  subnet: cidr('10.20.0.0/24'),
  host: ipv4('10.20.0.1'),
  nat: true,
  dhcp: true,
  dnsDomain: 'lab.internal',
};
const desired = (sw: DesiredSwitch = SW): DesiredHost => ({
  switches: [sw],
  wsl: undefined,
  forwarding: true,
  firewall: [],
});
const observed = (
  resolved: ObservedResolved | undefined,
  platform: 'linux' | 'windows' = 'linux',
): ObservedHost => ({
  ...emptyHost(platform),
  resolved,
});
const link = (servers: string[], domains: string[]): ObservedResolved => ({
  running: true,
  links: [{ iface: 'sy-lab', servers, domains }],
});

describe('dns-link (systemd-resolved per-link domain)', () => {
  test('link without settings → + set server and ~domain', () => {
    assert.deepEqual(diffDnsLink(desired(), observed(link([], []))), [
      {
        resource: 'dns-link',
        key: 'sy-lab',
        action: '+',
        detail: 'resolved: names under lab.internal asked of 10.20.0.1 on sy-lab',
        ops: [{ op: 'setLinkDns', iface: 'sy-lab', server: ipv4('10.20.0.1'), domain: 'lab.internal' }],
      },
    ]);
  });

  test('link unknown to resolved yet (switch created in the same plan) → +', () => {
    assert.equal(diffDnsLink(desired(), observed({ running: true, links: [] }))[0]?.action, '+');
  });

  test('converged → nothing', () => {
    assert.deepEqual(diffDnsLink(desired(), observed(link(['10.20.0.1'], ['~lab.internal']))), []);
  });

  for (const [what, servers, domains] of [
    ['a search domain instead of routing-only', ['10.20.0.1'], ['lab.internal']],
    ['an extra server', ['10.20.0.1', '1.1.1.1'], ['~lab.internal']],
    ['another domain', ['10.20.0.1'], ['~old.internal']],
    ['a server with a port', ['10.20.0.1:5353'], ['~lab.internal']],
  ] as const) {
    test(`${what} → ~ rewrite, saying what was there`, () => {
      const c = diffDnsLink(desired(), observed(link([...servers], [...domains])));
      assert.equal(c.length, 1);
      assert.equal(c[0]!.action, '~');
      assert.match(c[0]!.detail, /\(was /);
    });
  }

  test('resolved not running, not observed, or Windows → no changes', () => {
    assert.deepEqual(diffDnsLink(desired(), observed({ running: false, why: 'x' })), []);
    assert.deepEqual(diffDnsLink(desired(), observed(undefined)), []);
    assert.deepEqual(diffDnsLink(desired(), observed(link([], []), 'windows')), []);
  });

  test('DNS off: our server on the link is reverted; anything else is left alone', () => {
    const off: DesiredSwitch = { ...SW, dnsDomain: undefined };
    assert.deepEqual(diffDnsLink(desired(off), observed(link(['10.20.0.1:53'], ['~lab.internal'])))[0]?.ops, [
      { op: 'revertLinkDns', iface: 'sy-lab' },
    ]);
    assert.deepEqual(diffDnsLink(desired(off), observed(link(['10.9.9.9'], ['~x']))), []);
    assert.deepEqual(diffDnsLink(desired(off), observed(link([], []))), []);
  });
});
