import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cidr } from './ipv4.js';
import { describeUplinkMtu, uplinkMtu, type UplinkLink, type UplinkRoute } from './uplink-mtu.js';

const link = (name: string, mtu: number, more: Partial<UplinkLink> = {}): UplinkLink => ({
  name,
  mtu,
  up: true,
  loopback: false,
  pointToPoint: false,
  subnets: [],
  ...more,
});
const route = (dest: string, iface: string, viaGateway = false): UplinkRoute => ({
  dest: cidr(dest),
  iface,
  viaGateway,
});

const ETH = link('eth0', 1500, { subnets: [cidr('192.168.1.0/24')] });
const SWITCH = link('sy-lab', 1500, { subnets: [cidr('10.20.0.0/24')] });

describe('uplinkMtu (pure)', () => {
  test('default route only → its link', () => {
    const u = uplinkMtu([ETH], [route('0.0.0.0/0', 'eth0', true), route('192.168.1.0/24', 'eth0')], []);
    assert.deepEqual(u, { mtu: 1500, via: ['eth0'] });
  });

  test('a split-tunnel VPN (on-link route outside its subnet) lowers it', () => {
    const vpn = link('vpn0', 1300, { subnets: [cidr('10.77.0.2/32')] });
    const u = uplinkMtu([ETH, vpn], [route('0.0.0.0/0', 'eth0', true), route('10.200.0.0/16', 'vpn0')], []);
    assert.deepEqual(u, { mtu: 1300, via: ['vpn0'] });
  });

  test('a point-to-point link counts even for its own subnet', () => {
    const tun = link('tun0', 1280, { pointToPoint: true, subnets: [cidr('10.8.0.0/24')] });
    assert.equal(
      uplinkMtu([ETH, tun], [route('0.0.0.0/0', 'eth0', true), route('10.8.0.0/24', 'tun0')], []).mtu,
      1280,
    );
  });

  test('connected-only links (docker0, a switch) do not count; excluded names never do', () => {
    const docker = link('docker0', 1200, { subnets: [cidr('172.17.0.0/16')] });
    const routes = [
      route('0.0.0.0/0', 'eth0', true),
      route('172.17.0.0/16', 'docker0'),
      route('10.20.0.0/24', 'sy-lab'),
    ];
    assert.equal(uplinkMtu([ETH, docker, { ...SWITCH, mtu: 1000 }], routes, []).mtu, 1500);
    // Even a gateway route behind a switch: excluded by name (case-insensitive, for Windows aliases).
    const viaSwitch = [...routes, route('172.30.0.0/16', 'sy-lab', true)];
    assert.equal(uplinkMtu([ETH, { ...SWITCH, mtu: 1000 }], viaSwitch, ['SY-LAB']).mtu, 1500);
  });

  test('down links, loopback, multicast and broadcast destinations do not count', () => {
    const links = [
      ETH,
      link('tun9', 1280, { up: false, pointToPoint: true }),
      link('lo', 65536, { loopback: true }),
      link('wifi', 1400),
    ];
    const routes = [
      route('0.0.0.0/0', 'eth0', true),
      route('10.8.0.0/24', 'tun9'),
      route('127.0.0.0/8', 'lo'),
      route('224.0.0.0/4', 'wifi'),
      route('255.255.255.255/32', 'wifi'),
    ];
    assert.deepEqual(uplinkMtu(links, routes, []), { mtu: 1500, via: ['eth0'] });
  });

  test('no route out → none, with the reason', () => {
    const u = uplinkMtu([SWITCH], [route('10.20.0.0/24', 'sy-lab')], []);
    assert.equal(u.mtu, undefined);
    assert.match(describeUplinkMtu(u), /no route leaves the host/);
    const excluded = uplinkMtu([SWITCH], [route('0.0.0.0/0', 'sy-lab', true)], ['sy-lab']);
    assert.match(describeUplinkMtu(excluded), /sy-lab: down, loopback, a switch or WSL/);
  });

  test('MTUs option 26 cannot carry are ignored (Windows loopback reports 4294967295)', () => {
    assert.equal(uplinkMtu([link('x', 4294967295)], [route('0.0.0.0/0', 'x', true)], []).mtu, undefined);
  });

  test('ties name every link at the minimum', () => {
    const u = uplinkMtu(
      [ETH, link('eth1', 1500)],
      [route('0.0.0.0/0', 'eth0', true), route('0.0.0.0/0', 'eth1', true)],
      [],
    );
    assert.deepEqual(u, { mtu: 1500, via: ['eth0', 'eth1'] });
  });
});
