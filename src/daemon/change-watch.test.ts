import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeTimers } from '../../test/fakes/fake-timers.js';
import { adapterFingerprint, startChangeWatch, type InterfaceTable } from './change-watch.js';

const entry = (address: string, family: 'IPv4' | 'IPv6', mac: string, scopeid = 0) =>
  family === 'IPv4'
    ? { address, netmask: '255.255.255.0', family, mac, internal: false, cidr: `${address}/24` }
    : {
        address,
        netmask: 'ffff:ffff:ffff:ffff::',
        family,
        mac,
        internal: false,
        cidr: `${address}/64`,
        scopeid,
      };

test('fingerprint: name, MAC, addresses and the IPv6 scope id (the interface index); order does not matter', () => {
  const wsl = (index: number, mac = '00:15:5d:00:00:01'): InterfaceTable => ({
    'vEthernet (WSL)': [entry('172.27.16.1', 'IPv4', mac), entry('fe80::1', 'IPv6', mac, index)],
    'Wi-Fi': [entry('192.168.1.23', 'IPv4', 'aa:bb:cc:00:00:01')],
  });
  const all = () => true;
  assert.equal(adapterFingerprint(wsl(17), all), adapterFingerprint(wsl(17), all));
  assert.notEqual(
    adapterFingerprint(wsl(17), all),
    adapterFingerprint(wsl(23), all),
    're-created: new index',
  );
  assert.notEqual(adapterFingerprint(wsl(17), all), adapterFingerprint(wsl(17, '00:15:5d:00:00:02'), all));
  const reordered: InterfaceTable = {
    'Wi-Fi': wsl(17)['Wi-Fi']!,
    'vEthernet (WSL)': [...wsl(17)['vEthernet (WSL)']!].reverse(),
  };
  assert.equal(adapterFingerprint(reordered, all), adapterFingerprint(wsl(17), all));
  const onlyWsl = (n: string) => n.startsWith('vEthernet');
  const moved = { ...wsl(17), 'Wi-Fi': [entry('10.1.2.3', 'IPv4', 'aa:bb:cc:00:00:01')] };
  assert.equal(
    adapterFingerprint(moved, onlyWsl),
    adapterFingerprint(wsl(17), onlyWsl),
    'other adapters do not matter',
  );
});

test('change watch: first poll one period after the start, then only on change; the safety net on its period; a throwing list is no change', async () => {
  const timers = new FakeTimers();
  let fp = 'a';
  let throwing = false;
  const calls: string[] = [];
  const w = startChangeWatch({
    fingerprint: () => {
      if (throwing) throw new Error('GetAdaptersAddresses failed');
      return fp;
    },
    onChange: () => (calls.push(`change@${timers.now() - start}`), Promise.resolve()),
    onFull: () => (calls.push(`full@${timers.now() - start}`), Promise.resolve()),
    pollMs: 2000,
    fullMs: 60_000,
    clock: timers,
    timers,
  });
  const start = timers.now();
  assert.deepEqual(calls, []);
  await timers.advance(10_000);
  fp = 'b';
  await timers.advance(2000);
  throwing = true;
  await timers.advance(50_000);
  await w.stop();
  assert.deepEqual(calls, ['change@2000', 'change@12000', 'full@60000']);
  await timers.advance(120_000);
  assert.equal(calls.length, 3, 'stopped');
});
