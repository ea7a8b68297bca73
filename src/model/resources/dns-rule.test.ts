/** The NRPT rule diff, pure: desired × observed → changes (the convergence matrix runs them on the sim host). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../config/load.js';
import { planAddresses } from '../address-plan.js';
import { desiredHost, type DesiredHost } from '../desired.js';
import { emptyHost, type ObservedHost, type ObservedNrptRule } from '../observed.js';
import { diffDnsRules, nrptOwner } from './dns-rule.js';

function desired(yaml: string, platform: 'windows' | 'linux' = 'windows'): DesiredHost {
  const config = parseConfig(yaml, 'd.yaml');
  return desiredHost(config, planAddresses({ config, routes: [], pinned: undefined }), platform);
}

const ONE = desired('switches:\n  - { name: lab, subnet: 10.20.0.0/24, host: 10.20.0.1 }\n');

function host(rules: ObservedNrptRule[]): ObservedHost {
  return { ...emptyHost('windows'), nrpt: { rules, groupPolicy: false } };
}

const rule = (namespaces: string[], nameServers: string[], comment?: string): ObservedNrptRule => ({
  name: '{g}',
  namespaces,
  nameServers,
  comment,
});

describe('diffDnsRules', () => {
  test('fresh host: one + change that adds the marked rule', () => {
    assert.deepEqual(diffDnsRules(ONE, host([])), [
      {
        resource: 'dns-rule',
        key: 'lab',
        action: '+',
        detail: 'send .switchyard.internal lookups to 10.20.0.1 (NRPT rule)',
        ops: [
          {
            op: 'addNrptRule',
            namespace: '.switchyard.internal',
            servers: [ONE.switches[0]!.host],
            comment: 'switchyard:lab',
          },
        ],
      },
    ]);
  });

  test('a wrong rule of ours is removed by Name and added again', () => {
    const [c, ...rest] = diffDnsRules(ONE, host([rule(['.old.internal'], ['10.20.0.1'], 'switchyard:lab')]));
    assert.deepEqual(rest, []);
    assert.equal(c?.action, '~');
    assert.equal(
      c.detail,
      'NRPT rule .old.internal → 10.20.0.1 replaced by .switchyard.internal → 10.20.0.1',
    );
    assert.deepEqual(
      c.ops.map((o) => o.op),
      ['removeNrptRule', 'addNrptRule'],
    );
  });

  test('namespaces and the mark compare without regard to case', () => {
    assert.deepEqual(
      diffDnsRules(ONE, host([rule(['.SwitchYard.Internal'], ['10.20.0.1'], 'Switchyard:LAB')])),
      [],
    );
    assert.equal(nrptOwner(rule([], [], 'SWITCHYARD:x')), 'x');
    assert.equal(nrptOwner(rule([], [], 'switchyard')), undefined);
    assert.equal(nrptOwner(rule([], [])), undefined);
  });

  test('two switches on one domain: one rule, to the first switch (both answer from one name book)', () => {
    const two = desired(
      'switches:\n  - { name: a, subnet: 10.20.0.0/24 }\n  - { name: b, subnet: 10.22.0.0/24, dns: { domain: SWITCHYARD.internal } }\n',
    );
    const changes = diffDnsRules(two, host([]));
    assert.deepEqual(
      changes.map((c) => `${c.action} ${c.key}`),
      ['+ a'],
    );
    assert.deepEqual(changes[0]!.ops, [
      {
        op: 'addNrptRule',
        namespace: '.switchyard.internal',
        servers: [0x0a140001],
        comment: 'switchyard:a',
      },
    ]);
    // a rule b owned from before (when it had its own domain) goes
    const old = diffDnsRules(two, host([rule(['.b.internal'], ['10.22.0.1'], 'switchyard:b')]));
    assert.deepEqual(
      old.map((c) => `${c.action} ${c.key}`),
      ['+ a', '- b'],
    );
  });

  test('nothing on Linux, nor where NRPT was not observed (no DnsClient module)', () => {
    const linux = desired('switches:\n  - { name: lab, subnet: 10.20.0.0/24 }\n', 'linux');
    assert.deepEqual(diffDnsRules(linux, { ...host([]), platform: 'linux' }), []);
    assert.deepEqual(diffDnsRules(linux, emptyHost('linux')), []);
    assert.deepEqual(diffDnsRules(ONE, emptyHost('windows')), []);
  });
});
