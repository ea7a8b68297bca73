/** Config mistakes that used to surface at apply or serve time (issue 19): caught at load, with file:line:key. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, parseConfig } from './load.js';
import { configProblems } from '../../test/support/config-problems.js';

const problems = (text: string, platform: NodeJS.Platform = 'linux'): string[] =>
  configProblems(text, platform);

test('Linux: a switch name that is no interface name (over 15 bytes, a space, a slash) is refused; Windows takes it', () => {
  assert.deepEqual(problems('switches:\n  - name: a-switch-name-too-long\n'), [
    'sy.yaml:2:5: switches[0].name: "a-switch-name-too-long" is 22 bytes long: on Linux it names the switch\'s interface (at most 15 bytes, no spaces, "/" or ":"); set `interface:` to a short name, or shorten the switch name',
  ]);
  assert.match(
    problems('switches:\n  - name: my lab\n')[0]!,
    /^sy\.yaml:2:5: switches\[0\]\.name: "my lab" contains a space/,
  );
  assert.match(
    problems('switches:\n  - name: lab\n    interface: br/lab\n')[0]!,
    /^sy\.yaml:3:5: switches\[0\]\.interface: "br\/lab" contains a space, "\/"/,
  );
  assert.doesNotThrow(() =>
    parseConfig('switches:\n  - name: my lab switch for vagrant\n', 'sy.yaml', 'win32'),
  );
  assert.doesNotThrow(() =>
    parseConfig('switches:\n  - name: my lab switch\n    interface: br-lab\n', 'sy.yaml', 'linux'),
  );
});

test('host: auto inside a fixed pool, or on a reservation, is refused at the host key', () => {
  assert.deepEqual(
    problems(
      'switches:\n  - name: lab\n    subnet: 10.5.0.0/24\n    dhcp:\n      pool: 10.5.0.1-10.5.0.50\n',
    ),
    [
      'sy.yaml:2:5: switches[0].host: host: auto is 10.5.0.1, inside the pool 10.5.0.1-10.5.0.50: set host: to an address outside the pool, or start the pool after it',
    ],
  );
  assert.match(
    problems(
      'switches:\n  - name: lab\n    subnet: 10.5.0.0/24\n    dhcp:\n      reservations:\n        - { name: web1, mac: "00:15:5d:00:00:01", ip: 10.5.0.1 }\n',
    )[0]!,
    /switches\[0\]\.host: host: auto is 10\.5\.0\.1, which reservation web1 holds/,
  );
});

test('a router or a static route gateway outside the subnet is refused', () => {
  assert.deepEqual(
    problems(
      'switches:\n  - name: lab\n    subnet: 10.5.0.0/24\n    dhcp:\n      router: 10.6.0.1\n      staticRoutes:\n        - { to: 10.9.0.0/16, via: 192.168.1.1 }\n',
    ),
    [
      'sy.yaml:5:7: switches[0].dhcp.router: router 10.6.0.1 is outside the subnet 10.5.0.0/24',
      'sy.yaml:7:30: switches[0].dhcp.staticRoutes[0].via: gateway 192.168.1.1 is outside the subnet 10.5.0.0/24',
    ],
  );
});

test('leaseTime: 0 is refused', () => {
  assert.match(
    problems('switches:\n  - name: lab\n    dhcp:\n      leaseTime: 0\n')[0]!,
    /^sy\.yaml:4:7: switches\[0\]\.dhcp\.leaseTime: must be longer than 0/,
  );
});

test('broadcast and multicast MACs cannot be reserved', () => {
  const res = (mac: string): string =>
    `switches:\n  - name: lab\n    dhcp:\n      reservations:\n        - { name: web1, mac: "${mac}", ip: 10.5.0.9 }\n`;
  assert.match(
    problems(res('ff:ff:ff:ff:ff:ff'))[0]!,
    /reservations\[0\]\.mac: ff:ff:ff:ff:ff:ff is the broadcast MAC/,
  );
  assert.match(
    problems(res('01:00:5e:00:00:01'))[0]!,
    /reservations\[0\]\.mac: 01:00:5e:00:00:01 is a multicast MAC/,
  );
});

test('one reservation name on two switches that share a domain is refused; different domains are fine', () => {
  const two = (domain2: string): string =>
    `switches:\n  - name: a\n    dhcp:\n      reservations:\n        - { name: web1, mac: "00:15:5d:00:00:01", ip: 10.5.0.9 }\n  - name: b\n    dns: { domain: ${domain2} }\n    dhcp:\n      reservations:\n        - { name: web1, mac: "00:15:5d:00:00:02", ip: 10.6.0.9 }\n`;
  assert.deepEqual(problems(two('switchyard.internal')), [
    'sy.yaml:10:13: switches[1].dhcp.reservations[0].name: web1.switchyard.internal is also reserved on switch "a" (same dns.domain): rename one, or give one switch another domain',
  ]);
  assert.doesNotThrow(() => parseConfig(two('b.internal'), 'sy.yaml', 'linux'));
});

test('a relative stateDir is resolved against the config file folder, not the working directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-statedir-'));
  try {
    const file = join(dir, 'switchyard.yaml');
    writeFileSync(file, 'stateDir: ./state\nswitches:\n  - name: lab\n');
    assert.equal((await loadConfig(file, 'linux')).stateDir, join(dir, 'state'));
    writeFileSync(file, 'stateDir: /var/lib/sy\nswitches:\n  - name: lab\n');
    assert.equal((await loadConfig(file, 'linux')).stateDir, '/var/lib/sy');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
