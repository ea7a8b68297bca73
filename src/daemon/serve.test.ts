import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { FakeTimers } from '../../test/fakes/fake-timers.js';
import { FakeTransport } from '../../test/fakes/fake-transport.js';
import { SimWindowsNet } from '../../test/fakes/sim-windows-net.js';
import { fixedClock } from '../clock.js';
import { parseConfig } from '../config/load.js';
import { BOOTREQUEST, MessageType, Opt, type DhcpMessage } from '../dhcp/message.js';
import { getMessageType, ipBytes, u8 } from '../dhcp/options.js';
import { decode, encode } from '../dhcp/wire.js';
import { EnvironmentError } from '../errors.js';
import { daemonHostFor } from '../host/daemon-host.js';
import type { InterfaceInfo } from '../host/interface-info.js';
import { formatIpv4, ipv4, ZERO_IP, type Ipv4 } from '../net/ipv4.js';
import { mac, macToBytes, type Mac } from '../net/mac.js';
import { memoryLogger } from '../log.js';
import { startDaemon, type ServeOptions } from './serve.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const CONFIG = parseConfig(
  'switches:\n  - name: sy-br0\n    subnet: 10.9.0.0/24\n    host: 10.9.0.1\n    dhcp: { pool: 10.9.0.100-10.9.0.199 }\n',
  't.yaml',
);

const healthy: InterfaceInfo = {
  name: 'sy-br0',
  exists: true,
  up: true,
  addresses: [{ address: '10.9.0.1', prefix: 24, dynamic: false }],
};

function packet(
  type: number,
  m: Mac,
  o: { requested?: Ipv4; serverId?: Ipv4; ciaddr?: Ipv4 } = {},
): Uint8Array {
  const chaddr = new Uint8Array(16);
  chaddr.set(macToBytes(m));
  const options = new Map<number, Uint8Array>([[Opt.MESSAGE_TYPE, u8(type)]]);
  if (o.requested !== undefined) options.set(Opt.REQUESTED_IP, ipBytes(o.requested));
  if (o.serverId !== undefined) options.set(Opt.SERVER_ID, ipBytes(o.serverId));
  const msg: DhcpMessage = {
    op: BOOTREQUEST,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: 42,
    secs: 0,
    flags: 0,
    ciaddr: o.ciaddr ?? ZERO_IP,
    yiaddr: ZERO_IP,
    siaddr: ZERO_IP,
    giaddr: ZERO_IP,
    chaddr,
    sname: new Uint8Array(64),
    file: new Uint8Array(128),
    options,
  };
  return encode(msg);
}

function replyOf(data: Uint8Array): DhcpMessage {
  const d = decode(data);
  assert.ok(d.ok);
  return d.msg;
}

async function start(stateDir: string, transport: FakeTransport, extra: Partial<ServeOptions> = {}) {
  return startDaemon({
    config: CONFIG,
    stateDir,
    log: memoryLogger('info'),
    clock: fixedClock(Date.UTC(2026, 10, 24)),
    host: daemonHostFor('linux'),
    inspect: () => Promise.resolve(healthy),
    openTransport: () => Promise.resolve(transport),
    // Never the real /proc/sys of this machine (the Linux keeper writes conf/<if>/forwarding and conf/all).
    forwardingKeeper: false,
    ...extra,
  });
}

describe('serve (in process, fake transport)', () => {
  test('a lease ACKed before a restart is ACKed again on renewal after it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sy-serve-')), 'state');
    dirs.push(dir);
    const A = mac('02:00:00:00:00:0a');
    const t1 = new FakeTransport();
    const d1 = await start(dir, t1);
    t1.deliver(packet(MessageType.DISCOVER, A));
    const offer = replyOf((await t1.waitSent(1))[0]!.data);
    t1.deliver(packet(MessageType.REQUEST, A, { requested: offer.yiaddr, serverId: ipv4('10.9.0.1') }));
    const ack = replyOf((await t1.waitSent(2))[1]!.data);
    assert.equal(getMessageType(ack.options), MessageType.ACK);
    await d1.stop();
    assert.ok(t1.closed);

    const t2 = new FakeTransport();
    const d2 = await start(dir, t2);
    assert.equal(formatIpv4(d2.dbs[0]!.byMac(A)!.ip), formatIpv4(ack.yiaddr));
    t2.deliver(packet(MessageType.REQUEST, A, { ciaddr: ack.yiaddr }));
    const sent = await t2.waitSent(1);
    const renewed = replyOf(sent[0]!.data);
    assert.equal(getMessageType(renewed.options), MessageType.ACK);
    assert.equal(renewed.yiaddr, ack.yiaddr);
    assert.equal(sent[0]!.address, formatIpv4(ack.yiaddr), 'renewal ACK is unicast to ciaddr');
    await d2.stop();
  });

  test('a malformed packet is dropped and the daemon keeps answering', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sy-serve-')), 'state');
    dirs.push(dir);
    const t = new FakeTransport();
    const d = await start(dir, t);
    t.deliver(Uint8Array.from([1, 2, 3]));
    const bad = packet(MessageType.DISCOVER, mac('02:00:00:00:00:0b'));
    bad[236] = 0; // magic cookie broken
    t.deliver(bad);
    t.deliver(packet(MessageType.DISCOVER, mac('02:00:00:00:00:0c')));
    await t.waitSent(1);
    assert.equal(d.servers[0]!.stats.malformed, 2);
    await d.stop();
  });

  test('reload applies reservation changes live and says what needs a restart; a bad config changes nothing', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sy-serve-')), 'state');
    dirs.push(dir);
    let next = CONFIG;
    let broken = false;
    const log = memoryLogger('info');
    const d = await start(dir, new FakeTransport(), {
      log,
      identify: false,
      reloadConfig: () => (broken ? Promise.reject(new Error('t.yaml:3:5: bad')) : Promise.resolve(next)),
    });
    const base =
      'switches:\n  - name: sy-br0\n    subnet: 10.9.0.0/24\n    host: 10.9.0.1\n    dhcp:\n      pool: 10.9.0.100-10.9.0.199\n';
    next = parseConfig(
      base + '      reservations: [{ name: vm7, mac: "00:15:5d:00:00:07", ip: 10.9.0.7 }]\n',
      't.yaml',
    );
    const r1 = await d.reload();
    assert.deepEqual(r1.applied, ['switch "sy-br0": reservations +vm7 (00:15:5d:00:00:07 → 10.9.0.7)']);
    assert.deepEqual(r1.restartNeeded, []);
    assert.equal(formatIpv4(d.dbs[0]!.reservationOf(mac('00:15:5d:00:00:07'))!.ip), '10.9.0.7');
    next = parseConfig(base + '      leaseTime: 1h\n', 't.yaml');
    const r2 = await d.reload();
    assert.deepEqual(r2.applied, ['switch "sy-br0": reservations -vm7 (00:15:5d:00:00:07 → 10.9.0.7)']);
    assert.deepEqual(r2.restartNeeded, ['switch "sy-br0": leaseTime changed']);
    next = parseConfig(base + 'wsl: { subnet: 10.30.0.0/20 }\n', 't.yaml');
    const r3 = await d.reload();
    assert.deepEqual(r3.restartNeeded, ['wsl: changed']);
    const warned = log.lines.filter(
      (l) => l.level === 'warn' && /not applied until the daemon restarts/.test(l.msg),
    );
    assert.deepEqual(
      warned.map((l) => l.msg),
      [
        'reload: not applied until the daemon restarts: switch "sy-br0": leaseTime changed',
        'reload: not applied until the daemon restarts: wsl: changed',
      ],
    );
    assert.equal(d.dbs[0]!.reservationOf(mac('00:15:5d:00:00:07')), undefined);
    broken = true;
    await assert.rejects(d.reload(), /t\.yaml:3:5: bad/);
    assert.equal(d.scopes[0]!.leaseMs, 43200 * 1000, 'the running settings stay');
    await d.stop();
  });

  test('SIGHUP (reload) rebinds DHCP to a re-created switch interface at once, and status shows the socket', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sy-serve-')), 'state');
    dirs.push(dir);
    let index = '5';
    const opened: FakeTransport[] = [];
    const d = await start(dir, new FakeTransport(), {
      identify: () => Promise.resolve(index),
      rebindIntervalMs: 3_600_000, // only the reload can notice within this test
      reloadConfig: () => Promise.resolve(CONFIG),
      openTransport: () => {
        const t = new FakeTransport();
        opened.push(t);
        return Promise.resolve(t);
      },
    });
    assert.equal(opened.length, 1);
    index = '6'; // ip link del + apply: the same name, a new interface
    await d.reload();
    assert.equal(opened.length, 2, 'a new socket for the new interface');
    assert.equal(opened[0]!.closed, true);
    await d.stop();
  });

  test('a start step that fails stops the steps already started, in reverse, and its error comes out', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sy-serve-')), 'state');
    dirs.push(dir);
    const t = new FakeTransport();
    const log = memoryLogger('info');
    await assert.rejects(
      start(dir, t, { log, identify: () => Promise.reject(new Error('no /sys/class/net here')) }),
      /no \/sys\/class\/net here/,
    );
    assert.ok(t.closed, 'the DHCP socket opened before the rebind watch failed is closed');
    const again = new FakeTransport();
    const d = await start(dir, again, { identify: false });
    assert.ok(!again.closed);
    await d.stop();
    assert.ok(again.closed);
  });

  test('a second serve on the same state dir: "already running (pid …)" before it touches the journal', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sy-serve-')), 'state');
    dirs.push(dir);
    const d = await start(dir, new FakeTransport(), { identify: false });
    const journal = join(dir, 'leases.jsonl');
    const before = existsSync(journal) ? statSync(journal).mtimeMs : undefined;
    await assert.rejects(
      start(dir, new FakeTransport(), { identify: false }),
      new RegExp(`switchyard serve is already running \\(pid ${process.pid}\\) with state dir`),
    );
    assert.equal(existsSync(journal) ? statSync(journal).mtimeMs : undefined, before);
    await d.stop();
  });

  test('refuses to serve on a missing interface, a missing address or a DHCP-assigned address', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sy-serve-')), 'state');
    dirs.push(dir);
    const cases: [InterfaceInfo, RegExp][] = [
      [{ ...healthy, exists: false, addresses: [] }, /does not exist/],
      [
        { ...healthy, addresses: [{ address: '10.9.0.7', prefix: 24, dynamic: false }] },
        /10\.9\.0\.1 is not configured/,
      ],
      [{ ...healthy, addresses: [{ address: '10.9.0.1', prefix: 24, dynamic: true }] }, /obtained from DHCP/],
    ];
    for (const [info, why] of cases) {
      const t = new FakeTransport();
      await assert.rejects(start(dir, t, { inspect: () => Promise.resolve(info) }), (e: unknown) => {
        assert.ok(e instanceof EnvironmentError);
        assert.match(e.message, why);
        return true;
      });
    }
  });
});

describe('serve on Windows (simulated network and PowerShell, fake clock for the host watch)', () => {
  const WIN_CONFIG = parseConfig(
    'switches:\n  - name: switchyard\n    subnet: 10.0.251.0/24\n    host: 10.0.251.1\n    dhcp: { pool: 10.0.251.100-10.0.251.199, mtu: auto }\n    dns: { enabled: false }\n',
    't.yaml',
  );
  const winHealthy: InterfaceInfo = {
    name: 'vEthernet (switchyard)',
    exists: true,
    up: true,
    addresses: [{ address: '10.0.251.1', prefix: 24, dynamic: false }],
  };

  async function startWin(net: SimWindowsNet, timers: FakeTimers, transport: FakeTransport) {
    const dir = join(mkdtempSync(join(tmpdir(), 'sy-serve-')), 'state');
    dirs.push(dir);
    return startDaemon({
      config: WIN_CONFIG,
      stateDir: dir,
      log: memoryLogger('warn'),
      clock: timers,
      host: daemonHostFor('win32', {
        powershell: { runner: net.runner, location: { ok: true, path: 'powershell.exe', via: 'override' } },
      }),
      control: false,
      inspect: () => Promise.resolve(winHealthy),
      openTransport: () => Promise.resolve(transport),
      hostWatch: {
        timers,
        networkInterfaces: net.networkInterfaces,
      },
    });
  }

  function laptop(timers: FakeTimers): SimWindowsNet {
    const net = new SimWindowsNet(timers);
    net.add('Wi-Fi', ['192.168.1.23/24'], { mtu: 1500 });
    net.add('vEthernet (switchyard)', ['10.0.251.1/24'], { forwarding: true });
    net.routes.push({ dest: '0.0.0.0/0', alias: 'Wi-Fi', nextHop: '192.168.1.1' });
    return net;
  }

  const mtuOf = (m: DhcpMessage): number | undefined => {
    const b = m.options.get(Opt.INTERFACE_MTU);
    return b === undefined ? undefined : (b[0]! << 8) | b[1]!;
  };

  test('the first DISCOVER is answered with no PowerShell run before it', async () => {
    const timers = new FakeTimers();
    const net = laptop(timers);
    const t = new FakeTransport();
    const d = await startWin(net, timers, t);
    t.deliver(packet(MessageType.DISCOVER, mac('02:00:00:00:00:0d')));
    const offer = replyOf((await t.waitSent(1))[0]!.data);
    assert.equal(getMessageType(offer.options), MessageType.OFFER);
    assert.equal(net.count(), 0, net.runs.map((r) => r.kind).join(' '));
    await timers.advance(2000);
    assert.equal(net.count(), 1, 'the first check runs once DHCP answers');
    const done = d.stop();
    await timers.advance(net.costMs);
    await done;
  });

  test('a VPN coming up changes the MTU offered at the next renewal', async () => {
    const timers = new FakeTimers();
    const net = laptop(timers);
    const t = new FakeTransport();
    const d = await startWin(net, timers, t);
    await timers.advance(5000);
    const A = mac('02:00:00:00:00:0e');
    t.deliver(packet(MessageType.DISCOVER, A));
    const offer = replyOf((await t.waitSent(1))[0]!.data);
    t.deliver(packet(MessageType.REQUEST, A, { requested: offer.yiaddr, serverId: ipv4('10.0.251.1') }));
    const ack = replyOf((await t.waitSent(2))[1]!.data);
    assert.equal(mtuOf(ack), 1500);
    const vpn = net.add('Ethernet 3', ['10.201.0.2/32'], { mtu: 1400 });
    net.routes.push({ dest: '10.200.0.0/16', alias: vpn.alias, nextHop: '0.0.0.0' });
    await timers.advance(5000);
    t.deliver(packet(MessageType.REQUEST, A, { ciaddr: ack.yiaddr }));
    const renewed = replyOf((await t.waitSent(3))[2]!.data);
    assert.equal(getMessageType(renewed.options), MessageType.ACK);
    assert.equal(mtuOf(renewed), 1400);
    const done = d.stop();
    await timers.advance(net.costMs);
    await done;
  });
});
