import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixedClock } from '../clock.js';
import type { Scope } from '../dhcp/scope.js';
import type { InterfaceInfo } from '../host/interface-info.js';
import { memoryLogger } from '../log.js';
import { ipv4 } from '../net/ipv4.js';
import { FakeTransport } from '../../test/fakes/fake-transport.js';
import { createRebindWatch, rebindable, reopenableProbe } from './rebind.js';

const scope = { switchName: 'lab', interfaceName: 'br-lab', host: ipv4('10.0.0.1') } as Scope;

function rig() {
  const host = { index: '7' as string | undefined, addresses: ['10.0.0.1'] };
  const first = new FakeTransport();
  const transport = rebindable(first);
  const opened: FakeTransport[] = [];
  const dnsRebinds: string[] = [];
  const log = memoryLogger('info');
  const inspect = (name: string): Promise<InterfaceInfo> =>
    Promise.resolve({
      name,
      exists: host.index !== undefined,
      up: true,
      addresses: host.addresses.map((address) => ({ address, prefix: 24, dynamic: false })),
    });
  const watch = createRebindWatch({
    targets: [
      {
        scope,
        transport,
        open: () => {
          const t = new FakeTransport();
          opened.push(t);
          return Promise.resolve(t);
        },
      },
    ],
    rebindDns: (name) => {
      dnsRebinds.push(name);
      return Promise.resolve();
    },
    identify: () => Promise.resolve(host.index),
    inspect,
    log,
    clock: fixedClock(0),
  });
  return { host, first, transport, opened, dnsRebinds, log, watch };
}

test('rebind: a switch interface deleted and re-created gets new DHCP and DNS sockets; status says gone meanwhile', async () => {
  const r = rig();
  const w = await r.watch;
  const got: string[] = [];
  r.transport.onMessage((data) => got.push(data.toString()));

  await w.check();
  assert.equal(w.status()[0]?.state, 'bound');
  assert.equal(r.opened.length, 0);

  r.host.index = undefined; // ip link del
  await w.check();
  assert.deepEqual(w.status()[0], { interface: 'br-lab', state: 'interface-gone', boundTo: '7' });
  assert.match(r.log.lines.at(-1)!.msg, /switch interface is gone: DHCP and DNS wait for it/);
  assert.equal(r.log.lines.at(-1)!.level, 'warn');

  r.host.index = '9'; // apply creates it again, address first missing
  r.host.addresses = [];
  await w.check();
  assert.equal(w.status()[0]?.state, 'interface-gone');
  assert.equal(r.opened.length, 0);

  r.host.addresses = ['10.0.0.1'];
  await w.check();
  assert.deepEqual(w.status()[0], { interface: 'br-lab', state: 'bound', boundTo: '9' });
  assert.equal(r.first.closed, true);
  assert.equal(r.opened.length, 1);
  assert.deepEqual(r.dnsRebinds, ['lab']);
  const line = r.log.lines.at(-1)!;
  assert.equal(line.level, 'warn');
  assert.match(line.msg, /re-created: DHCP and DNS sockets rebound/);
  assert.deepEqual([line.obj.from, line.obj.to], ['7', '9']);

  // the server's handler and its sends now go through the new socket
  r.opened[0]!.deliver(Buffer.from('discover'));
  assert.deepEqual(got, ['discover']);
  r.transport.send(Buffer.from('offer'), 68, '255.255.255.255');
  assert.equal(r.opened[0]!.sent.length, 1);
  assert.equal(r.first.sent.length, 0);
});

test('rebind: re-created straight away (never seen gone) is noticed by the new index alone', async () => {
  const r = rig();
  const w = await r.watch;
  r.host.index = '12';
  await w.check();
  assert.equal(r.opened.length, 1);
  assert.equal(w.status()[0]?.boundTo, '12');
});

test('rebind: a socket that cannot be opened is reported (rebind-failed, logged once) and retried', async () => {
  const r = rig();
  let fail = true;
  const watch = await createRebindWatch({
    targets: [
      {
        scope,
        transport: rebindable(new FakeTransport()),
        open: () => (fail ? Promise.reject(new Error('EADDRINUSE')) : Promise.resolve(new FakeTransport())),
      },
    ],
    rebindDns: () => Promise.resolve(),
    identify: () => Promise.resolve(r.host.index),
    inspect: (name) =>
      Promise.resolve({
        name,
        exists: true,
        up: true,
        addresses: [{ address: '10.0.0.1', prefix: 24, dynamic: false }],
      }),
    log: r.log,
    clock: fixedClock(0),
  });
  r.host.index = '8';
  await watch.check();
  await watch.check();
  assert.deepEqual(watch.status()[0], {
    interface: 'br-lab',
    state: 'rebind-failed',
    boundTo: '7',
    error: 'EADDRINUSE',
  });
  assert.equal(r.log.lines.filter((l) => l.level === 'error').length, 1);
  fail = false;
  await watch.check();
  assert.equal(watch.status()[0]?.state, 'bound');
});

test('rebind: the conflict probe (ARP, bound to the interface too) is reopened with the DHCP socket', async () => {
  let opened = 0;
  const closed: number[] = [];
  const probe = reopenableProbe(() => {
    const n = ++opened;
    return {
      inUse: () => Promise.resolve(n === 2),
      close: () => {
        closed.push(n);
        return Promise.resolve();
      },
    };
  });
  let index = '3';
  const w = await createRebindWatch({
    targets: [
      {
        scope,
        transport: rebindable(new FakeTransport()),
        open: () => Promise.resolve(new FakeTransport()),
        reopenProbe: () => probe.reopen(),
      },
    ],
    rebindDns: () => Promise.resolve(),
    identify: () => Promise.resolve(index),
    inspect: (name) =>
      Promise.resolve({
        name,
        exists: true,
        up: true,
        addresses: [{ address: '10.0.0.1', prefix: 24, dynamic: false }],
      }),
    log: memoryLogger('error'),
    clock: fixedClock(0),
  });
  index = '4';
  await w.check();
  assert.equal(opened, 2);
  assert.deepEqual(closed, [1]);
  assert.equal(await probe.inUse(ipv4('10.0.0.9')), true, 'asks through the new socket');
});
