import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toObservedHost } from '../../host/linux/host.js';
import type { ObservedLink } from '../../host/linux/observe.js';
import { cidr, ipv4 } from '../../net/ipv4.js';
import type { DesiredHost } from '../desired.js';
import { diffSwitches } from './switch.js';

const link = (name: string, extra: Partial<ObservedLink> = {}): ObservedLink => ({
  name,
  index: 1,
  up: true,
  operState: 'UP',
  owned: false,
  addresses: [],
  ...extra,
});
const want = (name: string): DesiredHost => ({
  switches: [
    {
      name,
      iface: name,
      subnet: cidr('10.0.1.0/24'),
      host: ipv4('10.0.1.1'),
      nat: true,
      dhcp: true,
      dnsDomain: undefined,
    },
  ],
  wsl: undefined,
  forwarding: true,
  firewall: [],
});

test('Linux: a bridge of ours with VM ports that the config no longer has is a blocked change naming the ports', () => {
  const o = toObservedHost({
    links: [
      link('old-sw', { kind: 'bridge', owned: true, alias: 'switchyard:switch' }),
      link('vm1-p', { kind: 'veth', master: 'old-sw' }),
      link('new-sw', { kind: 'bridge', owned: true }),
    ],
    routes: [],
    ipForward: true,
    nftTable: undefined,
  });
  assert.deepEqual(o.switches.find((s) => s.name === 'old-sw')?.vms, ['vm1-p']);
  const changes = diffSwitches(want('new-sw'), o);
  assert.deepEqual(
    changes.map((c) => [c.action, c.key, c.ops.length]),
    [['!', 'old-sw', 0]],
  );
  assert.match(
    changes[0]!.detail,
    /bridge old-sw is switchyard's but stays: port\(s\) vm1-p \(VMs\) are attached/,
  );
});

test('Linux: an interface with the switch name that is not a bridge is `!` in the plan, not an RTNETLINK error at apply', () => {
  const o = toObservedHost({
    links: [link('lab', { kind: 'veth' })],
    routes: [],
    ipForward: true,
    nftTable: undefined,
  });
  const [c] = diffSwitches(want('lab'), o);
  assert.equal(c?.action, '!');
  assert.match(c.detail, /an interface named lab exists and is not a switchyard bridge/);
});
