import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../config/load.js';
import { planAddresses } from '../address-plan.js';
import { emptyHost, type ObservedResolved } from '../observed.js';
import type { CheckInputs } from './check.js';
import { dnsLinkChecks } from './dns.js';

const CONFIG = parseConfig(
  `switches:
  - name: lab
    subnet: 10.20.0.0/24
    host: 10.20.0.1
    dns: { domain: lab.internal }
  - name: quiet
    subnet: 10.21.0.0/24
    dns: { enabled: false }
`,
  'doctor.yaml',
);

function inputs(
  resolved: ObservedResolved | undefined,
  platform: 'linux' | 'windows' = 'linux',
): CheckInputs {
  return {
    config: CONFIG,
    observed: { ...emptyHost(platform), resolved },
    addresses: planAddresses({ config: CONFIG, routes: [], pinned: undefined }),
    pinned: undefined,
    daemon: { running: false },
  };
}

test('resolved not running: a warning (doctor does not fail on every run), saying why and what to do', () => {
  const [c, ...rest] = dnsLinkChecks(
    inputs({ running: false, why: 'sd_bus_open_system: No such file or directory' }),
  );
  assert.equal(rest.length, 0, 'only switches with DNS on');
  assert.equal(c?.id, 'dns-link:lab');
  assert.equal(c.ok, true);
  assert.equal(c.warning, true);
  assert.match(c.detail, /systemd-resolved is not running \(sd_bus_open_system/);
  assert.match(c.fix ?? '', /systemctl enable --now systemd-resolved/);
  assert.match(c.fix ?? '', /server=\/lab\.internal\/10\.20\.0\.1/);
});

test('resolved running: passes when the link routes ~domain to the host address, else says what it has', () => {
  const good = dnsLinkChecks(
    inputs({ running: true, links: [{ iface: 'lab', servers: ['10.20.0.1'], domains: ['~lab.internal'] }] }),
  );
  assert.equal(good[0]?.ok, true);
  const bad = dnsLinkChecks(
    inputs({ running: true, links: [{ iface: 'lab', servers: [], domains: ['lab.internal'] }] }),
  );
  assert.equal(bad[0]?.ok, false);
  assert.match(bad[0]?.fix ?? '', /resolvectl domain lab '~lab\.internal'/);
  assert.match(dnsLinkChecks(inputs({ running: true, links: [] }))[0]!.detail, /does not know lab/);
});

test('left out on Windows and when resolved was not looked at', () => {
  assert.deepEqual(dnsLinkChecks(inputs({ running: false, why: 'x' }, 'windows')), []);
  assert.deepEqual(dnsLinkChecks(inputs(undefined)), []);
});
