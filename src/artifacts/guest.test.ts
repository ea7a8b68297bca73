import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cidr, ipv4 } from '../net/ipv4.js';
import { mac } from '../net/mac.js';
import {
  guestConfig,
  guestIfupdown,
  guestNetplan,
  guestNetworkd,
  guestNmKeyfile,
  stableUuid,
  type GuestSpec,
} from './guest.js';

export const SPEC: GuestSpec = {
  name: 'web',
  mac: mac('00:15:5d:0a:0b:0c'),
  ip: ipv4('10.20.0.5'),
  scope: {
    subnet: cidr('10.20.0.0/24'),
    router: ipv4('10.20.0.1'),
    dnsServers: [ipv4('10.20.0.1'), ipv4('1.1.1.1')],
    domain: 'lab.test',
    mtu: 1400,
  },
};
const BARE: GuestSpec = {
  ...SPEC,
  scope: { subnet: cidr('10.20.0.0/24'), router: undefined, dnsServers: [], domain: '', mtu: undefined },
};

describe('guest static configs', () => {
  test('netplan', () => {
    const t = guestNetplan(SPEC);
    assert.match(t, /macaddress: "00:15:5d:0a:0b:0c"/);
    assert.match(t, /addresses: \["10\.20\.0\.5\/24"\]/);
    assert.match(t, /- to: default\n {10}via: "10\.20\.0\.1"/);
    assert.match(t, /addresses: \["10\.20\.0\.1", "1\.1\.1\.1"\]/);
    assert.match(t, /search: \["lab\.test"\]/);
    assert.match(t, /mtu: 1400/);
    const b = guestNetplan(BARE);
    assert.doesNotMatch(b, /routes|nameservers|mtu/);
  });
  test('networkd', () => {
    assert.equal(
      guestNetworkd(SPEC).split('\n').slice(1).join('\n'),
      [
        '[Match]',
        'MACAddress=00:15:5d:0a:0b:0c',
        '',
        '[Link]',
        'MTUBytes=1400',
        '',
        '[Network]',
        'DHCP=no',
        'Address=10.20.0.5/24',
        'Gateway=10.20.0.1',
        'DNS=10.20.0.1',
        'DNS=1.1.1.1',
        'Domains=lab.test',
        '',
      ].join('\n'),
    );
    assert.doesNotMatch(guestNetworkd(BARE), /Link|Gateway|DNS|Domains/);
  });
  test('NetworkManager keyfile', () => {
    const t = guestNmKeyfile(SPEC);
    assert.match(t, /mac-address=00:15:5D:0A:0B:0C/);
    assert.match(t, /address1=10\.20\.0\.5\/24,10\.20\.0\.1/);
    assert.match(t, /dns=10\.20\.0\.1;1\.1\.1\.1;/);
    assert.match(t, /dns-search=lab\.test;/);
    assert.match(t, /mtu=1400/);
    assert.match(guestNmKeyfile(BARE), /address1=10\.20\.0\.5\/24\n/, 'no gateway part without a router');
    assert.equal(stableUuid('a'), stableUuid('a'));
    assert.match(stableUuid('a'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  test('ifupdown', () => {
    const t = guestIfupdown({ ...SPEC, iface: 'ens3' });
    assert.match(
      t,
      /auto ens3\niface ens3 inet static\n {4}address 10\.20\.0\.5\/24\n {4}gateway 10\.20\.0\.1/,
    );
    assert.match(t, /mtu 1400/);
    assert.match(t, /dns-nameservers 10\.20\.0\.1 1\.1\.1\.1/);
    assert.match(guestIfupdown(BARE), /auto eth0/);
  });
  test('guestConfig dispatches', () => {
    assert.equal(guestConfig('networkd', SPEC), guestNetworkd(SPEC));
  });
});
