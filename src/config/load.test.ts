import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from './load.js';
import { configProblems } from '../../test/support/config-problems.js';

const problems = configProblems;

describe('config loading', () => {
  test('only switches[].name is required; defaults fill the rest', () => {
    const c = parseConfig('switches:\n  - name: lab\n', 'sy.yaml');
    const s = c.switches[0]!;
    assert.equal(s.subnet, 'auto');
    assert.equal(s.host, 'auto');
    assert.equal(s.nat, true);
    assert.equal(s.dhcp.leaseTime, 12 * 3600);
    assert.equal(s.dhcp.pool, 'auto');
    assert.deepEqual(s.dhcp.relayAgents, []);
    assert.equal(s.dns.domain, 'switchyard.internal');
    assert.equal(c.forwarding, true);
    assert.equal(c.wsl, undefined);
  });

  test('the design example loads', () => {
    const c = parseConfig(
      `switches:
  - name: switchyard
    subnet: 10.0.251.0/24
    host: 10.0.251.1
    nat: true
    dhcp:
      pool: 10.0.251.100-10.0.251.199
      leaseTime: 12h
      relayAgents: []
      reservations:
        - { name: web1, mac: "00:15:5d:00:00:01", ip: 10.0.251.10 }
    dns:
      domain: switchyard.internal
wsl:
  subnet: auto
forwarding: true
avoid: [10.0.0.0/8, 192.168.0.0/16]
`,
      'sy.yaml',
    );
    assert.equal(c.switches[0]!.dhcp.reservations[0]!.name, 'web1');
  });

  test('an unknown key is an error naming file, line and key', () => {
    assert.deepEqual(problems('switches:\n  - name: lab\n    dhcp:\n      leasetime: 1h\n'), [
      'sy.yaml:4:7: switches[0].dhcp.leasetime: unknown key: did you mean "leaseTime"?',
    ]);
  });

  test('a missing name is reported at the switch entry', () => {
    assert.deepEqual(problems('switches:\n  - subnet: auto\n'), [
      'sy.yaml:2:5: switches[0].name: is required',
    ]);
  });

  test('a misaligned subnet is refused with the right network', () => {
    const [p] = problems('switches:\n  - name: a\n    subnet: 192.168.235.0/20\n');
    assert.match(
      p!,
      /^sy\.yaml:3:5: switches\[0\]\.subnet: .*not a \/20 network: the network address is 192\.168\.224\.0\/20/,
    );
  });

  test('host, pool and reservations are checked against the subnet', () => {
    const out = problems(`switches:
  - name: a
    subnet: 10.1.0.0/24
    host: 10.1.0.255
    dhcp:
      pool: 10.1.0.100-10.1.1.10
      reservations:
        - { name: x, mac: "00:15:5d:00:00:01", ip: 10.2.0.5 }
        - { name: X, mac: "00-15-5D-00-00-01", ip: 10.1.0.6 }
`);
    assert.deepEqual(out, [
      'sy.yaml:4:5: switches[0].host: 10.1.0.255 is the broadcast address of 10.1.0.0/24',
      'sy.yaml:6:7: switches[0].dhcp.pool: 10.1.1.10 is outside the subnet 10.1.0.0/24',
      'sy.yaml:6:7: switches[0].dhcp.pool: the pool includes the host address 10.1.0.255',
      'sy.yaml:8:48: switches[0].dhcp.reservations[0].ip: 10.2.0.5 is outside the subnet 10.1.0.0/24',
      'sy.yaml:9:13: switches[0].dhcp.reservations[1].name: name "X" is also used by reservations[0]',
      'sy.yaml:9:22: switches[0].dhcp.reservations[1].mac: MAC 00-15-5D-00-00-01 is also used by reservations[0]',
    ]);
  });

  test('the pool may not contain the host address', () => {
    const [p] = problems(
      'switches:\n  - name: a\n    subnet: 10.1.0.0/24\n    host: 10.1.0.50\n    dhcp: { pool: 10.1.0.10-10.1.0.99 }\n',
    );
    assert.match(p!, /pool: the pool includes the host address 10\.1\.0\.50/);
  });

  test('bad durations, MACs and addresses say what is wrong', () => {
    const out = problems(`switches:
  - name: a
    dhcp:
      leaseTime: 12 hours
      relayAgents: [10.0.0.1]
      reservations: [{ name: "bad name", mac: zz, ip: 1.2.3 }]
`);
    assert.equal(out.length, 5);
    assert.match(out[0]!, /sy\.yaml:4:7: switches\[0\]\.dhcp\.leaseTime: "12 hours" is not a duration/);
    assert.match(out[1]!, /relayAgents\[0\]: "10\.0\.0\.1" is not in CIDR form/);
    assert.match(out[2]!, /reservations\[0\]\.name: must be a DNS label/);
    assert.match(out[3]!, /reservations\[0\]\.mac: not a MAC address/);
    assert.match(out[4]!, /reservations\[0\]\.ip: not an IPv4 address/);
  });

  test('hostile switch names are refused by the schema', () => {
    for (const name of [
      'a"; Remove-Item C:\\ -Recurse; "',
      "a'b",
      'x$(calc)',
      'a`b',
      'a\nb',
      'a;b',
      '-lead',
    ]) {
      const out = problems(`switches:\n  - name: ${JSON.stringify(name)}\n`);
      assert.match(out[0]!, /switches\[0\]\.name: may contain only letters/, name);
    }
  });

  test('YAML syntax errors and duplicate keys name the line', () => {
    assert.match(problems('switches:\n  - name: a\n  bad: [\n')[0]!, /^sy\.yaml:\d+:\d+: YAML: /);
    assert.match(
      problems('switches:\n  - name: a\n    nat: true\n    nat: false\n')[0]!,
      /^sy\.yaml:4:5: YAML: Map keys must be unique/,
    );
  });

  test('a newer schema version is a clear error', () => {
    assert.match(
      problems('version: 7\nswitches: [{ name: a }]\n')[0]!,
      /sy\.yaml:1:1: version: .*version 7.*up to version 1/,
    );
  });

  test('overlapping switches are refused', () => {
    const out = problems(`switches:
  - { name: a, subnet: 10.5.0.0/16 }
  - { name: b, subnet: 10.5.3.0/24 }
wsl: { subnet: 10.5.9.0/24 }
`);
    assert.deepEqual(out, [
      'sy.yaml:2:16: switches[0].subnet: overlaps the WSL subnet',
      'sy.yaml:3:16: switches[1].subnet: overlaps switch "a" (10.5.0.0/16)',
    ]);
  });
});
