import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeTransport } from '../../test/fakes/fake-transport.js';
import { decline, dhclient } from '../../test/support/client-packets.js';
import { fixedClock } from '../clock.js';
import { parseConfig } from '../config/load.js';
import { memoryLogger } from '../log.js';
import { formatIpv4, ipv4 } from '../net/ipv4.js';
import { decode } from './wire.js';
import { STANDARD_PORTS } from './destination.js';
import { policyContext } from './handlers/exchange.js';
import { LeaseDb } from './lease-db.js';
import type { Lease } from './lease.js';
import type { LeaseStore, LoadResult } from './lease-store.js';
import { resolveScope } from './scope.js';
import { DhcpServer, MAX_INFLIGHT } from './server.js';

/** A disk that never finishes: every append waits forever. */
class StuckStore implements LeaseStore {
  waiting = 0;
  load(): Promise<LoadResult> {
    return Promise.resolve({ leases: [], problems: [] });
  }
  append(_switchName: string, records: readonly Lease[]): void {
    this.waiting += records.length;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

test('requests waiting for the disk are bounded: past MAX_INFLIGHT new packets are shed unread', () => {
  const c = parseConfig(
    'switches:\n  - name: lab\n    subnet: 10.9.0.0/16\n    host: 10.9.0.1\n    dhcp: { maxLeases: 65536, rateLimit: { packets: 1000 } }\n',
    't.yaml',
  );
  const r = resolveScope(c.switches[0]!, { address: ipv4('10.9.0.1'), prefix: 16 }, 'linux');
  assert.ok(r.ok);
  const store = new StuckStore();
  const server = new DhcpServer({
    ctx: policyContext(r.scope, new LeaseDb(r.scope)),
    store,
    transport: new FakeTransport(),
    clock: fixedClock(Date.UTC(2026, 10, 24)),
    log: memoryLogger('error'),
    ports: STANDARD_PORTS,
  });
  const from = { address: '0.0.0.0', port: 68 };
  for (let i = 0; i < MAX_INFLIGHT + 10; i++) {
    const mac = `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
    // SELECTING a free address: the server commits it (a journal append each).
    server.onPacket(
      dhclient.request({
        mac,
        state: 'selecting',
        serverId: '10.9.0.1',
        requestedIp: `10.9.${128 + (i >> 8)}.${i & 255}`,
      }).bytes,
      from,
    );
  }
  assert.equal(store.waiting, MAX_INFLIGHT);
  assert.equal(server.stats.shed, 10);
  assert.equal(server.stats.errors, 0);
});

test('conflict probe: a fresh offer whose address answers is quarantined and another address offered', async () => {
  const c = parseConfig(
    'switches:\n  - name: lab\n    subnet: 10.9.0.0/24\n    host: 10.9.0.1\n    dhcp: { pool: 10.9.0.100-10.9.0.102, conflictProbe: true }\n',
    't.yaml',
  );
  const r = resolveScope(c.switches[0]!, { address: ipv4('10.9.0.1'), prefix: 24 }, 'linux');
  assert.ok(r.ok);
  const probed: string[] = [];
  const transport = new FakeTransport();
  const db = new LeaseDb(r.scope);
  const server = new DhcpServer({
    ctx: policyContext(r.scope, db),
    store: new StuckStore(),
    transport,
    clock: fixedClock(Date.UTC(2026, 10, 24)),
    log: memoryLogger('error'),
    ports: STANDARD_PORTS,
    probe: {
      inUse: (ip) => {
        probed.push(formatIpv4(ip));
        return Promise.resolve(formatIpv4(ip) === '10.9.0.100');
      },
      close: () => Promise.resolve(),
    },
  });
  server.onPacket(dhclient.discover({ mac: '02:00:00:00:00:01' }).bytes, { address: '0.0.0.0', port: 68 });
  const [sent] = await transport.waitSent(1);
  const offer = decode(sent!.data);
  assert.ok(offer.ok);
  assert.equal(formatIpv4(offer.msg.yiaddr), '10.9.0.101');
  assert.deepEqual(probed, ['10.9.0.100', '10.9.0.101']);
  assert.equal(
    db.byIp(ipv4('10.9.0.100'), Date.UTC(2026, 10, 24))?.state,
    'declined',
    'the taken address is quarantined',
  );
  // The same client asking again is not probed again: its offer is no longer fresh.
  server.onPacket(dhclient.discover({ mac: '02:00:00:00:00:01' }).bytes, { address: '0.0.0.0', port: 68 });
  await transport.waitSent(2);
  assert.equal(probed.length, 2);
});

/** A disk whose fsync completes only when told: every waiting append is released at once (a group commit). */
class GateStore implements LeaseStore {
  waiting = 0;
  private readonly callbacks: ((err: Error | null) => void)[] = [];
  load(): Promise<LoadResult> {
    return Promise.resolve({ leases: [], problems: [] });
  }
  append(_switchName: string, records: readonly Lease[], done: (err: Error | null) => void): void {
    this.waiting += records.length;
    this.callbacks.push(done);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  commit(): void {
    for (const done of this.callbacks.splice(0)) done(null);
  }
}

test('ACKs released by one group commit are paced: a burst leaves in order, not all in one go', async () => {
  const c = parseConfig(
    'switches:\n  - name: lab\n    subnet: 10.9.0.0/16\n    host: 10.9.0.1\n    dhcp: { maxLeases: 65536, rateLimit: { packets: 1000 } }\n',
    't.yaml',
  );
  const r = resolveScope(c.switches[0]!, { address: ipv4('10.9.0.1'), prefix: 16 }, 'linux');
  assert.ok(r.ok);
  const store = new GateStore();
  const transport = new FakeTransport();
  const server = new DhcpServer({
    ctx: policyContext(r.scope, new LeaseDb(r.scope)),
    store,
    transport,
    clock: fixedClock(Date.UTC(2026, 10, 24)),
    log: memoryLogger('error'),
    ports: STANDARD_PORTS,
  });
  const n = 300;
  for (let i = 0; i < n; i++) {
    const mac = `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
    server.onPacket(
      dhclient.request({
        mac,
        state: 'selecting',
        serverId: '10.9.0.1',
        requestedIp: `10.9.${128 + (i >> 8)}.${i & 255}`,
      }).bytes,
      { address: '0.0.0.0', port: 68 },
    );
  }
  assert.equal(store.waiting, n);
  store.commit();
  const atOnce = transport.sent.length;
  assert.ok(atOnce > 0 && atOnce < n, `some sent at once, the rest later (${atOnce} of ${n} at once)`);
  const sent = await transport.waitSent(n);
  const order = sent.map((s) => {
    const d = decode(s.data);
    assert.ok(d.ok);
    return formatIpv4(d.msg.yiaddr);
  });
  assert.deepEqual(
    order,
    Array.from({ length: n }, (_, i) => `10.9.${128 + (i >> 8)}.${i & 255}`),
    'in commit order',
  );
  assert.equal(server.stats.replied, n);
});

test('the debug log says what happened to a RELEASE and a DECLINE that were acted on, not "ignored"', () => {
  const c = parseConfig(
    'switches:\n  - name: lab\n    subnet: 10.9.0.0/24\n    host: 10.9.0.1\n    dhcp: { pool: 10.9.0.100-10.9.0.109 }\n',
    't.yaml',
  );
  const r = resolveScope(c.switches[0]!, { address: ipv4('10.9.0.1'), prefix: 24 }, 'linux');
  assert.ok(r.ok);
  const log = memoryLogger('debug');
  const server = new DhcpServer({
    ctx: policyContext(r.scope, new LeaseDb(r.scope)),
    store: new GateStore(),
    transport: new FakeTransport(),
    clock: fixedClock(Date.UTC(2026, 10, 24)),
    log,
    ports: STANDARD_PORTS,
  });
  const from = { address: '0.0.0.0', port: 68 };
  const bind = (mac: string, ip: string): void => {
    server.onPacket(
      dhclient.request({ mac, state: 'selecting', serverId: '10.9.0.1', requestedIp: ip }).bytes,
      from,
    );
  };
  bind('02:00:00:00:00:01', '10.9.0.101');
  bind('02:00:00:00:00:02', '10.9.0.102');
  server.onPacket(
    dhclient.release({ mac: '02:00:00:00:00:01', ciaddr: '10.9.0.101', serverId: '10.9.0.1' }).bytes,
    from,
  );
  server.onPacket(
    decline({ mac: '02:00:00:00:00:02', requestedIp: '10.9.0.102', serverId: '10.9.0.1' }).bytes,
    from,
  );
  // and one that changes nothing: a RELEASE of an address the client does not hold
  server.onPacket(
    dhclient.release({ mac: '02:00:00:00:00:03', ciaddr: '10.9.0.103', serverId: '10.9.0.1' }).bytes,
    from,
  );
  const lines = log.lines.filter(
    (l) => l.level === 'debug' && (l.obj.type === 'RELEASE' || l.obj.type === 'DECLINE'),
  );
  assert.deepEqual(
    lines.map((l) => [l.obj.type, l.msg, l.obj.why]),
    [
      ['RELEASE', 'acted on (no reply is sent)', 'RELEASE: 10.9.0.101 freed'],
      [
        'DECLINE',
        'acted on (no reply is sent)',
        'DECLINE: 10.9.0.102 another host answers on it; quarantined for 10m',
      ],
      ['RELEASE', 'ignored', 'RELEASE not acted on: 10.9.0.103 is not held by this client'],
    ],
  );
});
