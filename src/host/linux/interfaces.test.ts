import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EnvironmentError } from '../../errors.js';
import {
  checkServeInterface,
  inspectInterface,
  isValidInterfaceName,
  parseIpJson,
  type InterfaceInfo,
  type RunResult,
} from './interfaces.js';

// Recorded with iproute2-6.1.0 inside a throw-away network namespace (2026-11-24):
//   ip link add sy-br0 type bridge; ip addr add 10.0.251.1/24 dev sy-br0; ip addr add 10.0.251.2/24 dev sy-br0
//   ip addr add 192.168.1.57/24 dev sy-dyn valid_lft 86400 preferred_lft 86400   (what dhclient-script does)
//   ip addr add 10.9.9.9/24 dev sy-dyn;  sy-down: address added, link left down;  sy-none: up, no IPv4 address
const BRIDGE_STATIC = `[{"ifindex":2,"ifname":"sy-br0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UNKNOWN","group":"default","txqlen":1000,"addr_info":[{"family":"inet","local":"10.0.251.1","prefixlen":24,"scope":"global","label":"sy-br0","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet","local":"10.0.251.2","prefixlen":24,"scope":"global","secondary":true,"label":"sy-br0","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]`;
const WITH_DYNAMIC = `[{"ifindex":4,"link":"sy-dynp","ifname":"sy-dyn","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP","M-DOWN"],"mtu":1500,"qdisc":"noqueue","operstate":"LOWERLAYERDOWN","group":"default","txqlen":1000,"addr_info":[{"family":"inet","local":"192.168.1.57","prefixlen":24,"scope":"global","dynamic":true,"label":"sy-dyn","valid_life_time":86400,"preferred_life_time":86400},{"family":"inet","local":"10.9.9.9","prefixlen":24,"scope":"global","label":"sy-dyn","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]`;
const DOWN = `[{"ifindex":6,"link":"sy-downp","ifname":"sy-down","flags":["BROADCAST","MULTICAST","M-DOWN"],"mtu":1500,"qdisc":"noop","operstate":"DOWN","group":"default","txqlen":1000,"addr_info":[{"family":"inet","local":"10.0.252.1","prefixlen":24,"scope":"global","label":"sy-down","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]`;
/** `ip -j -4 addr show dev sy-none` for an existing interface without IPv4 addresses (exit 0). */
const NO_IPV4_ADDR = '[]';
/** `ip -j link show dev sy-none` for the same interface. */
const NO_IPV4_LINK = `[{"ifindex":8,"link":"sy-nonep","ifname":"sy-none","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP","M-DOWN"],"mtu":1500,"qdisc":"noqueue","operstate":"LOWERLAYERDOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"fe:87:5a:4c:04:61","broadcast":"ff:ff:ff:ff:ff:ff"}]`;
/** `ip -j -4 addr show dev sy-nope`: stderr, exit 1. */
const MISSING_STDERR = 'Device "sy-nope" does not exist.\n';

test('parseIpJson: static addresses on a bridge, primary first, none dynamic', () => {
  assert.deepEqual(parseIpJson(BRIDGE_STATIC, 'sy-br0'), {
    name: 'sy-br0',
    exists: true,
    up: true,
    addresses: [
      { address: '10.0.251.1', prefix: 24, dynamic: false },
      { address: '10.0.251.2', prefix: 24, dynamic: false },
    ],
  });
});

test('parseIpJson: a DHCP-style address (dynamic flag, finite lifetime) is dynamic; UP without carrier is up', () => {
  const info = parseIpJson(WITH_DYNAMIC, 'sy-dyn');
  assert.equal(info?.up, true);
  assert.deepEqual(info?.addresses, [
    { address: '192.168.1.57', prefix: 24, dynamic: true },
    { address: '10.9.9.9', prefix: 24, dynamic: false },
  ]);
});

test('parseIpJson: a finite valid_life_time alone also counts as dynamic', () => {
  const json = `[{"ifname":"x0","flags":["UP"],"addr_info":[{"family":"inet","local":"10.1.1.1","prefixlen":16,"valid_life_time":600}]}]`;
  assert.deepEqual(parseIpJson(json, 'x0')?.addresses, [{ address: '10.1.1.1', prefix: 16, dynamic: true }]);
});

test('parseIpJson: an administratively down link is not up', () => {
  assert.equal(parseIpJson(DOWN, 'sy-down')?.up, false);
});

test('parseIpJson: no entry for the name → undefined ([] now, [{}] from older iproute2)', () => {
  assert.equal(parseIpJson(NO_IPV4_ADDR, 'sy-none'), undefined);
  assert.equal(parseIpJson('[{}]', 'sy-none'), undefined);
  assert.equal(parseIpJson(BRIDGE_STATIC, 'other'), undefined);
});

test('parseIpJson: ip link output gives flags and no addresses; inet6 entries are ignored', () => {
  assert.deepEqual(parseIpJson(NO_IPV4_LINK, 'sy-none'), {
    name: 'sy-none',
    exists: true,
    up: true,
    addresses: [],
  });
  const v6 = `[{"ifname":"x0","flags":["UP"],"addr_info":[{"family":"inet6","local":"fe80::1","prefixlen":64}]}]`;
  assert.deepEqual(parseIpJson(v6, 'x0')?.addresses, []);
});

test('parseIpJson: output that is not iproute2 JSON is an EnvironmentError', () => {
  assert.throws(() => parseIpJson('Object "addr" is unknown', 'x0'), EnvironmentError);
  assert.throws(() => parseIpJson('{"ifname":"x0"}', 'x0'), EnvironmentError);
});

/** A fake Runner answering from a table keyed by the joined argv; records every call. */
function fakeRunner(table: Record<string, RunResult>) {
  const calls: string[][] = [];
  const run = (file: string, args: readonly string[]) => {
    calls.push([file, ...args]);
    const r = table[[file, ...args].join(' ')];
    return r ? Promise.resolve(r) : Promise.reject(new Error(`unexpected call: ${file} ${args.join(' ')}`));
  };
  return { run, calls };
}

test('inspectInterface: one `ip -j -4 addr show dev NAME` call, argv passed as an array', async () => {
  const f = fakeRunner({ 'ip -j -4 addr show dev sy-br0': { code: 0, stdout: BRIDGE_STATIC, stderr: '' } });
  const info = await inspectInterface('sy-br0', f.run);
  assert.deepEqual(f.calls, [['ip', '-j', '-4', 'addr', 'show', 'dev', 'sy-br0']]);
  assert.equal(info.exists, true);
  assert.equal(info.addresses.length, 2);
});

test('inspectInterface: a missing device is exists=false, not an error', async () => {
  const f = fakeRunner({ 'ip -j -4 addr show dev sy-nope': { code: 1, stdout: '', stderr: MISSING_STDERR } });
  assert.deepEqual(await inspectInterface('sy-nope', f.run), {
    name: 'sy-nope',
    exists: false,
    up: false,
    addresses: [],
  });
});

test('inspectInterface: no IPv4 address → asks `ip -j link show` for the flags', async () => {
  const f = fakeRunner({
    'ip -j -4 addr show dev sy-none': { code: 0, stdout: NO_IPV4_ADDR, stderr: '' },
    'ip -j link show dev sy-none': { code: 0, stdout: NO_IPV4_LINK, stderr: '' },
  });
  assert.deepEqual(await inspectInterface('sy-none', f.run), {
    name: 'sy-none',
    exists: true,
    up: true,
    addresses: [],
  });
  assert.equal(f.calls.length, 2);
});

test('inspectInterface: other failures are EnvironmentErrors with the stderr', async () => {
  const f = fakeRunner({
    'ip -j -4 addr show dev x0': { code: 255, stdout: '', stderr: 'RTNETLINK answers: boom\n' },
  });
  await assert.rejects(inspectInterface('x0', f.run), (e: unknown) => {
    assert.ok(e instanceof EnvironmentError);
    assert.match(e.message, /failed \(exit 255\): RTNETLINK answers: boom$/);
    return true;
  });
});

test('inspectInterface: an invalid name is rejected before anything runs', async () => {
  const f = fakeRunner({});
  for (const bad of ['', 'a'.repeat(16), 'a/b', 'a:b', 'a b', '.', '..']) {
    await assert.rejects(inspectInterface(bad, f.run), EnvironmentError, bad);
  }
  assert.deepEqual(f.calls, []);
});

test('isValidInterfaceName follows the kernel rules', () => {
  for (const ok of ['sy-br0', 'eth0', 'a'.repeat(15), 'vEthernet-x', 'br.100'])
    assert.equal(isValidInterfaceName(ok), true, ok);
  for (const bad of ['', 'a'.repeat(16), 'é'.repeat(8), 'a/b', 'a:0', 'a\tb'])
    assert.equal(isValidInterfaceName(bad), false, bad);
});

const info = (over: Partial<InterfaceInfo>): InterfaceInfo => ({
  name: 'sy-br0',
  exists: true,
  up: true,
  addresses: [{ address: '10.0.251.1', prefix: 24, dynamic: false }],
  ...over,
});

test('checkServeInterface: static host address on an up interface → no problems', () => {
  assert.deepEqual(checkServeInterface(info({}), '10.0.251.1'), []);
  assert.deepEqual(checkServeInterface(parseIpJson(BRIDGE_STATIC, 'sy-br0')!, '10.0.251.2'), []);
});

test('checkServeInterface: missing interface is the only problem reported', () => {
  assert.deepEqual(checkServeInterface(info({ exists: false, up: false, addresses: [] }), '10.0.251.1'), [
    { kind: 'missing', message: 'interface "sy-br0" does not exist' },
  ]);
});

test('checkServeInterface: host address not on the interface lists what is there', () => {
  const p = checkServeInterface(info({}), '10.0.251.9');
  assert.deepEqual(
    p.map((x) => x.kind),
    ['address-absent'],
  );
  assert.equal(p[0]?.message, 'host address 10.0.251.9 is not configured on "sy-br0" (it has 10.0.251.1/24)');
  assert.match(
    checkServeInterface(info({ addresses: [] }), '10.0.251.1')[0]?.message ?? '',
    /it has no IPv4 address/,
  );
});

test('checkServeInterface: a DHCP-obtained host address is refused (no rogue server on a LAN)', () => {
  const p = checkServeInterface(parseIpJson(WITH_DYNAMIC, 'sy-dyn')!, '192.168.1.57');
  assert.deepEqual(
    p.map((x) => x.kind),
    ['address-dynamic'],
  );
  assert.match(
    p[0]?.message ?? '',
    /obtained from DHCP .* refuses to serve here; give "sy-dyn" a static address$/,
  );
});

test('checkServeInterface: a static host address beside a DHCP-obtained one is refused too', () => {
  const p = checkServeInterface(parseIpJson(WITH_DYNAMIC, 'sy-dyn')!, '10.9.9.9');
  assert.deepEqual(
    p.map((x) => x.kind),
    ['interface-dynamic'],
  );
  assert.match(p[0]?.message ?? '', /also has 192\.168\.1\.57\/24 from DHCP/);
});

test('checkServeInterface: an administratively down interface is a problem', () => {
  const p = checkServeInterface(parseIpJson(DOWN, 'sy-down')!, '10.0.252.1');
  assert.deepEqual(p, [
    { kind: 'down', message: 'interface "sy-down" is administratively down (ip link set dev sy-down up)' },
  ]);
});

test('checkServeInterface: the host address is compared as an address, not as text', () => {
  assert.deepEqual(checkServeInterface(info({}), ' 10.0.251.1 '), []);
  assert.deepEqual(
    checkServeInterface(info({}), 'not-an-ip').map((x) => x.kind),
    ['address-absent'],
  );
});
