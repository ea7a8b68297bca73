import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { uplinkMtu } from '../../net/uplink-mtu.js';
import type { Runner } from './interfaces.js';
import { parseUplinkLinks, readLinuxUplink, uplinkRoutes } from './uplink.js';

// Recorded with iproute2 6.1.0 in a throw-away netns: up0 (veth, mtu 1400, default via 192.168.50.1),
// vpn0 (tun held open, mtu 1300, 10.200.0.0/16 dev vpn0), tun9 (tun nobody holds: NO-CARRIER, linkdown
// route), sw0 (bridge, the switch), up0p (veth peer, no routes).
const fixture = (name: string): string =>
  readFileSync(new URL(`../../../../test/fixtures/linux/${name}`, import.meta.url), 'utf8');
const ADDR = fixture('uplink-addr.json');
const ROUTE = fixture('uplink-route.json');

test('recorded ip -j: links with MTU, carrier and point-to-point; routes of every table but local', () => {
  const links = parseUplinkLinks(ADDR);
  const by = (n: string) => links.find((l) => l.name === n)!;
  assert.deepEqual(
    links.map((l) => [l.name, l.mtu]),
    [
      ['lo', 65536],
      ['up0p', 1500],
      ['up0', 1400],
      ['vpn0', 1300],
      ['tun9', 1280],
      ['sw0', 1500],
    ],
  );
  assert.equal(by('lo').loopback, true);
  assert.equal(by('vpn0').pointToPoint, true);
  assert.equal(by('vpn0').up, true);
  assert.equal(by('tun9').up, false, 'NO-CARRIER tun: operstate DOWN');
  assert.equal(by('up0').pointToPoint, false);
  const routes = uplinkRoutes(ROUTE);
  // the local table's own-address routes (192.168.50.2/32 on up0) are not routes out
  assert.ok(!routes.some((r) => r.dest.prefix === 32), JSON.stringify(routes));
  assert.deepEqual(
    routes.filter((r) => r.viaGateway).map((r) => r.iface),
    ['up0'],
  );
});

test('recorded ip -j: uplink MTU is the tunnel’s 1300; without it, the uplink’s 1400', () => {
  const links = parseUplinkLinks(ADDR);
  const routes = uplinkRoutes(ROUTE);
  assert.deepEqual(uplinkMtu(links, routes, ['sw0']), { mtu: 1300, via: ['vpn0'] });
  const noVpn = routes.filter((r) => r.iface !== 'vpn0');
  assert.deepEqual(uplinkMtu(links, noVpn, ['sw0']), { mtu: 1400, via: ['up0'] });
});

test('readLinuxUplink runs two ip -j commands; a failure is an error, not a guess', async () => {
  const calls: string[] = [];
  const run: Runner = (file, args) => {
    calls.push([file, ...args].join(' '));
    return Promise.resolve({ code: 0, stdout: args.includes('route') ? ROUTE : ADDR, stderr: '' });
  };
  const r = await readLinuxUplink(run);
  assert.equal(r.links.length, 6);
  assert.deepEqual(calls.sort(), ['ip -j -4 route show table all', 'ip -j address show']);
  const failing: Runner = () =>
    Promise.resolve({ code: 1, stdout: '', stderr: 'Cannot open netlink socket' });
  await assert.rejects(readLinuxUplink(failing), /Cannot open netlink socket/);
});
