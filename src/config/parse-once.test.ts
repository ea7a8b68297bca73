/** The config is parsed once: the loader hands out src/net values, and can write them back as text. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { stringify } from 'yaml';
import { cidr, ipv4 } from '../net/ipv4.js';
import { mac } from '../net/mac.js';
import { parseConfig } from './load.js';
import { writtenConfig } from './schema.js';
import { switchInterface } from './switch-interface.js';
import { configProblems } from '../../test/support/config-problems.js';

const TEXT = `switches:
  - name: lab
    subnet: 10.0.251.0/24
    host: 10.0.251.1
    dhcp:
      pool: 10.0.251.100-10.0.251.199
      relayAgents: [10.9.0.0/16]
      router: 10.0.251.254
      dnsServers: [10.0.251.1, 1.1.1.1]
      staticRoutes: [{ to: 10.50.0.0/16, via: 10.0.251.253 }]
      nextServer: 10.0.251.2
      options: [{ option: ntp-servers, value: [10.0.251.1] }]
      reservations:
        - { name: web1, mac: "00-15-5D-00-00-0A", ip: 10.0.251.10 }
    dns:
      upstream: [9.9.9.9]
wsl:
  subnet: 192.168.240.0/20
  gateway: 192.168.240.1
avoid: [10.10.0.0/16]
`;

describe('config parsed once', () => {
  test('the loaded config holds Ipv4, Cidr, Mac and PoolRange values, not the strings of the file', () => {
    const c = parseConfig(TEXT, 'sy.yaml');
    const s = c.switches[0]!;
    const r = s.dhcp.reservations[0]!;
    assert.equal(r.ip, ipv4('10.0.251.10'));
    assert.equal(r.mac, mac('00:15:5d:00:00:0a'), 'the MAC in its canonical form');
    assert.deepEqual(s.subnet, cidr('10.0.251.0/24'));
    assert.equal(s.host, ipv4('10.0.251.1'));
    assert.deepEqual(s.dhcp.pool, { start: ipv4('10.0.251.100'), end: ipv4('10.0.251.199') });
    assert.deepEqual(s.dhcp.relayAgents, [cidr('10.9.0.0/16')]);
    assert.equal(s.dhcp.router, ipv4('10.0.251.254'));
    assert.deepEqual(s.dhcp.dnsServers, [ipv4('10.0.251.1'), ipv4('1.1.1.1')]);
    assert.deepEqual(s.dhcp.staticRoutes, [{ to: cidr('10.50.0.0/16'), via: ipv4('10.0.251.253') }]);
    assert.equal(s.dhcp.nextServer, ipv4('10.0.251.2'));
    assert.deepEqual(
      s.dhcp.options.map((o) => [o.code, [...o.data]]),
      [[42, [10, 0, 251, 1]]],
      'dhcp.options carry their bytes',
    );
    assert.deepEqual(s.dns.upstream, [ipv4('9.9.9.9')]);
    assert.deepEqual(c.wsl?.subnet, cidr('192.168.240.0/20'));
    assert.equal(c.wsl?.gateway, ipv4('192.168.240.1'));
    assert.deepEqual(c.avoid, [cidr('10.10.0.0/16')]);
  });

  test("a bad reservation ip is the loader's error, with file:line:key, like every other bad address", () => {
    const bad = TEXT.replace('ip: 10.0.251.10', 'ip: 10.0.251.300')
      .replace('host: 10.0.251.1\n', 'host: 10.0.251\n')
      .replace('pool: 10.0.251.100-10.0.251.199', 'pool: 10.0.251.100-')
      .replace('router: 10.0.251.254', 'router: yes')
      .replace('dnsServers: [10.0.251.1, 1.1.1.1]', 'dnsServers: [10.0.251.1, one]')
      .replace('gateway: 192.168.240.1', 'gateway: gw');
    assert.deepEqual(configProblems(bad), [
      'sy.yaml:4:5: switches[0].host: not an IPv4 address (a.b.c.d)',
      'sy.yaml:6:7: switches[0].dhcp.pool: not an address range like 10.0.251.100-10.0.251.199',
      'sy.yaml:8:7: switches[0].dhcp.router: not an IPv4 address (a.b.c.d)',
      'sy.yaml:9:32: switches[0].dhcp.dnsServers[1]: not an IPv4 address (a.b.c.d)',
      'sy.yaml:14:51: switches[0].dhcp.reservations[0].ip: not an IPv4 address (a.b.c.d)',
      'sy.yaml:19:3: wsl.gateway: not an IPv4 address (a.b.c.d)',
    ]);
  });

  test('writtenConfig gives the written form back: text that loads to the same config', () => {
    const c = parseConfig(TEXT, 'sy.yaml');
    const w = writtenConfig(c);
    const s = w.switches[0]!;
    assert.equal(s.subnet, '10.0.251.0/24');
    assert.equal(s.dhcp?.pool, '10.0.251.100-10.0.251.199');
    assert.deepEqual(s.dhcp?.reservations, [{ name: 'web1', mac: '00:15:5d:00:00:0a', ip: '10.0.251.10' }]);
    assert.equal(s.dhcp?.router, '10.0.251.254');
    assert.deepEqual(parseConfig(stringify(w), 'again.yaml'), c);
  });

  test('switchInterface: `interface:` if set, else "vEthernet (NAME)" on Windows and NAME on Linux', () => {
    assert.equal(switchInterface({ name: 'lab' }, 'win32'), 'vEthernet (lab)');
    assert.equal(switchInterface({ name: 'lab' }, 'windows'), 'vEthernet (lab)');
    assert.equal(switchInterface({ name: 'lab' }, 'linux'), 'lab');
    assert.equal(switchInterface({ name: 'lab', interface: 'br-lab' }, 'win32'), 'br-lab');
    assert.equal(switchInterface({ name: 'lab', interface: 'br-lab' }, 'linux'), 'br-lab');
  });
});
