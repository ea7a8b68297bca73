import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../config/load.js';
import { resolveScope, type Scope } from '../dhcp/scope.js';
import { ScopeCell } from '../dhcp/scope-cell.js';
import { memoryLogger } from '../log.js';
import { cidr, ipv4 } from '../net/ipv4.js';
import type { UplinkLink, UplinkRoute } from '../net/uplink-mtu.js';
import { FakeTimers } from '../../test/fakes/fake-timers.js';
import type { InterfaceTable } from './change-watch.js';
import { CHANGE_POLL_MS, MTU_CHECK_MS, createMtuWatch, startMtuWatch } from './mtu-watch.js';
import { applyReload } from './reload.js';

const yaml = (mtu: string): string => `switches:
  - name: lab
    subnet: 10.9.0.0/24
    host: 10.9.0.1
    dhcp:
      mtu: ${mtu}
`;

function scopeOf(text: string): Scope {
  const r = resolveScope(
    parseConfig(text, 't.yaml').switches[0]!,
    { address: ipv4('10.9.0.1'), prefix: 24 },
    'linux',
  );
  if (!r.ok) throw new Error(r.reason);
  return r.scope;
}

const cellOf = (text: string): ScopeCell => new ScopeCell(scopeOf(text));

const link = (name: string, mtu: number): UplinkLink => ({
  name,
  mtu,
  up: true,
  loopback: false,
  pointToPoint: name.startsWith('tun'),
  subnets: [],
});
const UPLINK = {
  links: [link('up0', 1400), link('lab', 1500)],
  routes: [{ dest: cidr('0.0.0.0/0'), iface: 'up0', viaGateway: true }],
};
const VPN: { links: UplinkLink[]; routes: UplinkRoute[] } = {
  links: [...UPLINK.links, link('tun0', 1300)],
  routes: [...UPLINK.routes, { dest: cidr('10.200.0.0/16'), iface: 'tun0', viaGateway: false }],
};
const NONE = {
  links: [link('lab', 1500)],
  routes: [{ dest: cidr('10.9.0.0/24'), iface: 'lab', viaGateway: false }],
};

const v4 = (cidr: string): NonNullable<InterfaceTable[string]>[number] => ({
  address: cidr.split('/')[0]!,
  netmask: '255.255.255.0',
  family: 'IPv4',
  mac: '02:00:00:00:00:01',
  internal: false,
  cidr,
});

describe('mtu: auto in the daemon', () => {
  test('config: auto resolves to no fixed MTU and a flag; a number stays a number', () => {
    assert.deepEqual([scopeOf(yaml('auto')).mtu, scopeOf(yaml('auto')).mtuAuto], [undefined, true]);
    assert.deepEqual([scopeOf(yaml('1400')).mtu, scopeOf(yaml('1400')).mtuAuto], [1400, undefined]);
    assert.throws(() => parseConfig(yaml('automatic'), 't.yaml'), /dhcp\.mtu/);
  });

  test('follows the uplink: VPN up lowers, VPN gone raises, no uplink drops option 26; each change logged once', async () => {
    const cell = cellOf(yaml('auto'));
    const fixed = cellOf(yaml('1400'));
    const log = memoryLogger('info');
    let now = UPLINK;
    const watch = createMtuWatch({
      cells: [cell, fixed],
      read: () => Promise.resolve(now),
      exclude: ['lab'],
      log,
    });
    await watch.check();
    assert.equal(cell.scope.mtu, 1400);
    await watch.check();
    now = VPN;
    await watch.check();
    assert.equal(cell.scope.mtu, 1300);
    now = UPLINK;
    await watch.check();
    assert.equal(cell.scope.mtu, 1400);
    now = NONE;
    await watch.check();
    await watch.check();
    assert.equal(cell.scope.mtu, undefined);
    assert.equal(fixed.scope.mtu, 1400, 'a fixed mtu is never touched');
    assert.deepEqual(
      log.lines.map((l) => [l.level, l.msg]),
      [
        ['info', 'mtu auto: option 26 = 1400 (uplink up0)'],
        ['info', 'mtu auto: option 26 = 1300 (uplink tun0)'],
        ['info', 'mtu auto: option 26 = 1400 (uplink up0)'],
        ['warn', 'mtu auto: no uplink found; option 26 not sent'],
      ],
    );
  });

  test('a failed read keeps the last value and is logged once per message', async () => {
    const cell = cellOf(yaml('auto'));
    const log = memoryLogger('info');
    let fail = false;
    const watch = createMtuWatch({
      cells: [cell],
      read: () => (fail ? Promise.reject(new Error('ip: netlink')) : Promise.resolve(VPN)),
      exclude: [],
      log,
    });
    await watch.check();
    fail = true;
    await watch.check();
    await watch.check();
    assert.equal(cell.scope.mtu, 1300);
    assert.equal(log.lines.filter((l) => l.level === 'warn').length, 1);
  });

  test('start resolves before returning; then reads only when the adapters change, and every 5 minutes', async () => {
    const cell = cellOf(yaml('auto'));
    const timers = new FakeTimers();
    let table: InterfaceTable = { eth0: [v4('192.168.1.5/24')] };
    let reads = 0;
    const read = () => (reads++, Promise.resolve(VPN));
    const w = await startMtuWatch({
      cells: [cell],
      read,
      exclude: [],
      log: memoryLogger('warn'),
      clock: timers,
      timers,
      networkInterfaces: () => table,
    });
    assert.equal(cell.scope.mtu, 1300);
    assert.equal(reads, 1);
    await timers.advance(4 * 60_000);
    assert.equal(reads, 1, 'nothing changed: nothing read');
    table = { ...table, tun0: [v4('10.201.0.2/32')] };
    await timers.advance(CHANGE_POLL_MS);
    assert.equal(reads, 2, 'a VPN adapter appeared: read within one poll');
    assert.equal(cell.scope.mtu, 1300);
    await timers.advance(MTU_CHECK_MS - 4 * 60_000);
    assert.equal(reads, 3, 'the safety net, 5 minutes after the start');
    await w.stop();
    await timers.advance(MTU_CHECK_MS * 2);
    assert.equal(reads, 3, 'stopped');
    reads = 0;
    await (
      await startMtuWatch({
        cells: [cellOf(yaml('1400'))],
        read,
        exclude: [],
        log: memoryLogger('warn'),
        clock: timers,
        timers,
      })
    ).stop();
    assert.equal(reads, 0, 'no auto scope: nothing read');
  });

  test('a reload does not call the watched MTU a settings change', () => {
    const cell = cellOf(yaml('auto'));
    cell.set({ ...cell.scope, mtu: 1300 });
    const r = applyReload(parseConfig(yaml('auto'), 't.yaml'), [cell], 'linux');
    assert.deepEqual(r.restartNeeded, []);
    const r2 = applyReload(parseConfig(yaml('1300'), 't.yaml'), [cell], 'linux');
    assert.equal(r2.restartNeeded.length, 1, 'auto → fixed needs a restart');
  });
});
