/** WSL's Hyper-V firewall: inbound Allow where that firewall exists, nothing where it does not (Windows 10). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cidr, ipv4 } from '../../net/ipv4.js';
import type { DesiredHost } from '../desired.js';
import { emptyHost, type ObservedHost, type ObservedHyperVFirewall } from '../observed.js';
import { diffHyperVFirewall } from './hyperv-firewall.js';

const DESIRED: DesiredHost = {
  switches: [],
  wsl: { subnet: cidr('10.21.0.0/20'), gateway: ipv4('10.21.0.1') },
  forwarding: true,
  firewall: [],
};

function observed(hyperVFirewall: ObservedHyperVFirewall | undefined): ObservedHost {
  return {
    ...emptyHost('windows'),
    wsl: {
      natNetwork: undefined,
      natGateway: undefined,
      userNatIp: undefined,
      wslconfig: undefined,
      hyperVFirewall,
    },
  };
}

describe('diffHyperVFirewall', () => {
  test('Block (the default, microsoft/WSL#11693) → set inbound Allow', () => {
    const changes = diffHyperVFirewall(DESIRED, observed({ defaultInboundAction: 'block' }));
    assert.deepEqual(changes, [
      {
        resource: 'hyperv-firewall',
        key: 'WSL',
        action: '~',
        detail:
          "WSL's Hyper-V firewall DefaultInboundAction block → Allow, so VMs on the switches can connect to WSL",
        ops: [{ op: 'setHyperVFirewallInbound' }],
      },
    ]);
  });

  for (const inbound of ['notConfigured', 'unknown'] as const) {
    test(`${inbound} is not Allow → set it`, () => {
      assert.equal(diffHyperVFirewall(DESIRED, observed({ defaultInboundAction: inbound })).length, 1);
    });
  }

  for (const inbound of ['allow', 'allowBypass'] as const) {
    test(`${inbound} → nothing to do`, () => {
      assert.deepEqual(diffHyperVFirewall(DESIRED, observed({ defaultInboundAction: inbound })), []);
    });
  }

  test('no Hyper-V firewall on this Windows (Windows 10), or the field left out → nothing', () => {
    assert.deepEqual(diffHyperVFirewall(DESIRED, observed(undefined)), []);
    const wsl = { natNetwork: undefined, natGateway: undefined, userNatIp: undefined, wslconfig: undefined };
    assert.deepEqual(diffHyperVFirewall(DESIRED, { ...emptyHost('windows'), wsl }), []);
    assert.deepEqual(diffHyperVFirewall(DESIRED, emptyHost('windows')), []);
  });

  test('nothing without `wsl:`, with forwarding off, or on Linux', () => {
    const block = observed({ defaultInboundAction: 'block' });
    assert.deepEqual(diffHyperVFirewall({ ...DESIRED, wsl: undefined }, block), []);
    assert.deepEqual(diffHyperVFirewall({ ...DESIRED, forwarding: false }, block), []);
    assert.deepEqual(diffHyperVFirewall(DESIRED, { ...block, platform: 'linux' }), []);
  });
});
