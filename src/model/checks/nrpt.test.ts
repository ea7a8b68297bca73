import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../config/load.js';
import { planAddresses } from '../address-plan.js';
import { emptyHost, type ObservedHost, type ObservedNrptRule } from '../observed.js';
import type { CheckInputs } from './check.js';
import { runChecks } from './index.js';
import { nrptChecks } from './nrpt.js';

const CONFIG = parseConfig(
  `switches:
  - { name: lab, subnet: 10.20.0.0/24, host: 10.20.0.1, dns: { domain: lab.test } }
  - { name: quiet, subnet: 10.22.0.0/24, dns: { enabled: false } }
`,
  'doctor.yaml',
);
const OURS: ObservedNrptRule = {
  name: '{6a78d8d1-231d-4d1e-bc23-fb593e11a53d}',
  namespaces: ['.lab.test'],
  nameServers: ['10.20.0.1'],
  comment: 'switchyard:lab',
};

function inputs(observed: ObservedHost): CheckInputs {
  return {
    config: CONFIG,
    observed,
    addresses: planAddresses({ config: CONFIG, routes: [], pinned: undefined }),
    pinned: undefined,
    daemon: { running: false },
  };
}

function windows(rules: ObservedNrptRule[], groupPolicy = false): ObservedHost {
  return { ...emptyHost('windows'), nrpt: { rules, groupPolicy } };
}

describe('doctor: NRPT', () => {
  test('rule present, no Group Policy NRPT: two passes, in the full check list', () => {
    const checks = runChecks(inputs(windows([OURS]))).filter((c) => c.id.startsWith('dns-rule'));
    assert.deepEqual(
      checks.map((c) => [c.id, c.ok, c.title]),
      [
        ['dns-rule:lab', true, 'NRPT sends .lab.test to 10.20.0.1'],
        ['dns-rule:group-policy', true, 'Windows uses local NRPT rules'],
      ],
    );
  });

  test('Group Policy sets NRPT: warns, and the fix names the exact namespace and server for IT', () => {
    const c = nrptChecks(inputs(windows([OURS], true))).find((x) => x.id === 'dns-rule:group-policy');
    assert.equal(c?.ok, false);
    assert.match(c.detail, /DnsPolicyConfig exists\), so Windows ignores local rules, switchyard's included/);
    assert.match(c.fix ?? '', /^ask IT to add these NRPT rules by Group Policy/);
    assert.match(c.fix ?? '', /namespace \.lab\.test → DNS server 10\.20\.0\.1$/);
  });

  test('rule missing → apply; a foreign rule on the namespace → the way out', () => {
    const missing = nrptChecks(inputs(windows([]))).find((x) => x.id === 'dns-rule:lab');
    assert.equal(missing?.ok, false);
    assert.equal(missing.fix, 'switchyard apply');
    const foreign = { ...OURS, nameServers: ['192.168.1.53'], comment: undefined };
    const blocked = nrptChecks(inputs(windows([foreign]))).find((x) => x.id === 'dns-rule:lab');
    assert.equal(blocked?.ok, false);
    assert.match(blocked.detail, /is not switchyard's and already claims \.lab\.test/);
    assert.notEqual(blocked.fix, 'switchyard apply');
  });

  test('left out on Linux, where NRPT was not observed, and when no switch has DNS on', () => {
    assert.deepEqual(nrptChecks(inputs({ ...windows([]), platform: 'linux' })), []);
    assert.deepEqual(nrptChecks(inputs(emptyHost('windows'))), []);
    const off = parseConfig('switches:\n  - { name: lab, dns: { enabled: false } }\n', 'd.yaml');
    const addresses = planAddresses({ config: off, routes: [], pinned: undefined });
    assert.deepEqual(nrptChecks({ ...inputs(windows([], true)), config: off, addresses }), []);
  });
});
