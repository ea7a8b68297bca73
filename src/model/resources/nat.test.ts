import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidr, ipv4 } from '../../net/ipv4.js';
import type { DesiredHost, DesiredSwitch } from '../desired.js';
import { emptyHost, type ObservedHost } from '../observed.js';
import { diffNat } from './nat.js';

const sw = (name: string, net: string): DesiredSwitch => ({
  name,
  iface: name,
  subnet: cidr(`${net}.0/24`),
  host: ipv4(`${net}.1`),
  nat: true,
  dhcp: true,
  dnsDomain: 'switchyard.internal',
});
const desired: DesiredHost = {
  switches: [sw('sw-a', '10.0.1'), { ...sw('sw-b', '10.0.2'), nat: false }],
  wsl: undefined,
  forwarding: true,
  firewall: [],
};
const linux = (nats: ObservedHost['nats']): ObservedHost => ({
  ...emptyHost('linux'),
  wslInterface: 'wsl0',
  nats,
});

test('Linux NAT: toward the uplink only — never lo, the WSL link or another switch — and the plan says so', () => {
  const [c] = diffNat(desired, linux([]));
  assert.equal(c?.action, '+');
  assert.deepEqual(c.ops, [
    {
      op: 'createNat',
      name: 'switchyard-sw-a',
      prefix: cidr('10.0.1.0/24'),
      outsideOf: 'sw-a',
      notOut: ['lo', 'sw-b', 'wsl0'],
    },
  ]);
  assert.equal(
    c.detail,
    "NAT 10.0.1.0/24 toward the uplink only (never via lo, sw-b, wsl0: the host, WSL and the other switches see the VMs' own addresses)",
  );
});

test('Linux NAT: an old rule that NATs everything but its own switch is redone; the right one is kept', () => {
  const old = { name: 'switchyard-sw-a', prefix: cidr('10.0.1.0/24'), ours: true, notOut: [] };
  const redo = diffNat(desired, linux([old]));
  assert.deepEqual(
    redo.map((c) => [c.action, c.ops.map((o) => o.op)]),
    [['~', ['deleteNat', 'createNat']]],
  );
  assert.deepEqual(diffNat(desired, linux([{ ...old, notOut: ['lo', 'sw-b', 'wsl0'] }])), []);
});

test('Windows NAT: the NetNat names only its prefix; the plan says the same', () => {
  const [c] = diffNat(desired, { ...emptyHost('windows'), wslInterface: 'vEthernet (WSL)' });
  assert.equal(c?.ops[0]?.op, 'createNat');
  assert.equal('notOut' in c.ops[0], false);
  assert.match(
    c.detail,
    /^NAT 10\.0\.1\.0\/24 toward the uplink only \(NetNat: the host, WSL and the other switches see the VMs' own addresses\)$/,
  );
});

test('Windows, two NAT’ed switches: one NetNat over both (Windows allows one), kept once right', () => {
  const two: DesiredHost = { ...desired, switches: [sw('sw-a', '10.0.2'), sw('sw-b', '10.0.3')] };
  const win = (nats: ObservedHost['nats']): ObservedHost => ({ ...emptyHost('windows'), nats });
  const [c, ...rest] = diffNat(two, win([]));
  assert.deepEqual(rest, []);
  assert.equal(c?.action, '+');
  assert.deepEqual(c.ops, [
    { op: 'createNat', name: 'switchyard-sw-a', prefix: cidr('10.0.2.0/23'), outsideOf: 'sw-a' },
  ]);
  assert.deepEqual(
    diffNat(two, win([{ name: 'switchyard-sw-a', prefix: cidr('10.0.2.0/23'), ours: true }])),
    [],
  );
  // An old per-switch NetNat of ours is replaced by the shared one.
  const [r] = diffNat(two, win([{ name: 'switchyard-sw-a', prefix: cidr('10.0.2.0/24'), ours: true }]));
  assert.equal(r?.action, '~');
  assert.deepEqual(
    r.ops.map((o) => o.op),
    ['deleteNat', 'createNat'],
  );
});

test('Windows, a shared NetNat that would take in WSL or a switch without NAT is blocked, saying why', () => {
  const three: DesiredHost = {
    ...desired,
    switches: [sw('sw-a', '10.0.1'), { ...sw('sw-b', '10.0.2'), nat: false }, sw('sw-c', '10.0.3')],
  };
  const [c] = diffNat(three, { ...emptyHost('windows') });
  assert.equal(c?.action, '!');
  assert.match(c.detail, /10\.0\.0\.0\/22, which also takes in switch sw-b \(nat: false\)/);
  const wsl: DesiredHost = {
    ...desired,
    switches: [sw('sw-a', '10.0.1'), sw('sw-c', '10.0.3')],
    wsl: { subnet: cidr('10.0.2.0/24'), gateway: ipv4('10.0.2.1') },
  };
  assert.match(diffNat(wsl, { ...emptyHost('windows') })[0]?.detail ?? '', /WSL's range 10\.0\.2\.0\/24/);
});
