import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { uplinkMtu } from '../../net/uplink-mtu.js';
import { isObservationError, parseObservation } from './observation-parse.js';
import { type ObservedWindows } from './observation-types.js';
import { windowsUplink } from './uplink.js';

// Reconstructed observation (test/fixtures/windows/README.md): Wi-Fi 1500 with the default route, a VPN
// adapter "Ethernet 2" with NlMtu 1390 and on-link routes 10.0.0.0/8 and 172.16.0.0/12, vEthernet (WSL).
function fixture(name: string): ObservedWindows {
  const r = parseObservation(
    readFileSync(new URL(`../../../../test/fixtures/windows/${name}`, import.meta.url), 'utf8'),
  );
  if (isObservationError(r)) throw new Error(r.error);
  return r;
}

test('Windows: the VPN adapter’s NlMtu wins; loopback and WSL never count', () => {
  const { links, routes } = windowsUplink(fixture('ps7-wsl-vpn.json'));
  assert.ok(!links.some((l) => l.name === 'vEthernet (WSL)'));
  assert.equal(links.find((l) => l.name === 'Loopback Pseudo-Interface 1')?.loopback, true);
  assert.deepEqual(uplinkMtu(links, routes, []), { mtu: 1390, via: ['Ethernet 2'] });
});

test('Windows: without the VPN routes, the Wi-Fi default route’s 1500', () => {
  const { links, routes } = windowsUplink(fixture('ps7-wsl-vpn.json'));
  assert.deepEqual(
    uplinkMtu(
      links,
      routes.filter((r) => r.iface !== 'Ethernet 2'),
      [],
    ),
    { mtu: 1500, via: ['Wi-Fi'] },
  );
});

test('Windows: a disconnected adapter does not count', () => {
  const w = fixture('ps7-wsl-vpn.json');
  const off = {
    ...w,
    interfaces: (w.interfaces ?? []).map((i) => (i.alias === 'Ethernet 2' ? { ...i, connected: false } : i)),
  };
  const { links, routes } = windowsUplink(off);
  assert.equal(uplinkMtu(links, routes, []).mtu, 1500);
});
