/**
 * Lab test (root, network namespaces): `switchyard serve` against real DHCP clients — ISC dhclient,
 * busybox udhcpc and dhcpcd — on a bridge in the lab's host namespace (the "internal switch").
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CLIENT_BINARIES, CLIENT_KINDS, startClient, type ClientKind } from './clients.js';
import { createLab, labSkipReason, sleep, type Lab, type LabClient } from './netns.js';
import { runCli, startServe, type Daemon } from './switchyard.js';
import { readFileSync } from 'node:fs';

const skip = labSkipReason(['ethtool', ...new Set(CLIENT_KINDS.flatMap((k) => CLIENT_BINARIES[k]))]);
const BIND_MS = 15_000;

function config(ifname: string, reservations: string[] = []): string {
  return `switches:
  - name: ${ifname}
    subnet: 10.77.0.0/24
    host: 10.77.0.1
    dhcp:
      pool: 10.77.0.100-10.77.0.199
      leaseTime: 10m
      reservations:${reservations.length ? '\n' + reservations.map((r) => `        - ${r}`).join('\n') : ' []'}
`;
}

const RESERVED_MAC = '00:15:5d:00:00:10';
const RESERVED = `{ name: web1, mac: "${RESERVED_MAC}", ip: 10.77.0.10 }`;

if (skip) test('switchyard serve with real clients', { skip }, () => undefined);

describe('switchyard serve with real clients', { skip: skip ?? false }, () => {
  let lab: Lab;
  let c: LabClient[];
  let off: LabClient;
  let d: Daemon;

  before(async () => {
    lab = await createLab();
    const sw = await lab.addSwitch({ cidr: '10.77.0.1/24' });
    c = [await lab.addClient('c1'), await lab.addClient('c2'), await lab.addClient('c3')];
    off = await lab.addClient('x1', { onBridge: false });
    d = await startServe(lab, config(sw.ifname, [RESERVED]));
  });
  after(async () => {
    await lab?.destroy();
  });

  for (const [i, kind] of CLIENT_KINDS.entries()) {
    test(`${kind} gets a lease, renews it and releases it`, async () => {
      const mac = `02:00:00:00:01:0${i}`;
      const cl = await startClient(lab, c[i]!.ns, c[i]!.ifname, kind, { mac, hostname: `vm-${kind}` });
      try {
        const lease = await cl.waitBound(BIND_MS);
        assert.match(lease.ip, /^10\.77\.0\.1\d\d$/, 'from the pool');
        assert.equal(lease.serverId, '10.77.0.1');
        assert.equal(lease.event.routers?.[0], '10.77.0.1');
        let row = (await d.leases()).find((l) => l.mac === mac);
        assert.equal(row?.ip, lease.ip);
        assert.equal(row?.state, 'bound');
        assert.equal(row?.hostname, `vm-${kind}`);
        const before = Date.parse(row.expiresAt);
        await sleep(1100);
        const renewed = await cl.renew(10_000);
        assert.equal(renewed.ip, lease.ip, 'renewal keeps the address');
        row = (await d.leases()).find((l) => l.mac === mac);
        assert.ok(Date.parse(row!.expiresAt) > before, 'renewal extended the lease in the journal');
        await cl.release(10_000);
        await waitFor(async () => (await d.leases()).find((l) => l.mac === mac)?.state === 'released', 5000);
      } finally {
        await cl.stop();
      }
    });
  }

  test('a reserved MAC gets its reserved address', async () => {
    const cl = await startClient(lab, c[0]!.ns, c[0]!.ifname, 'dhcpcd', { mac: RESERVED_MAC });
    try {
      assert.equal((await cl.waitBound(BIND_MS)).ip, '10.77.0.10');
    } finally {
      await cl.release(10_000).catch(() => cl.stop());
    }
  });

  test('two clients with one client-id but different MACs get different addresses', async () => {
    const cid = 'ff:00:00:00:01:00:01:00:01:2f:3a:4b:5c:00:15:5d:00:00:99';
    const kinds: ClientKind[] = ['udhcpc', 'dhclient'];
    const cls = await Promise.all(
      kinds.map((k, i) =>
        startClient(lab, c[i]!.ns, c[i]!.ifname, k, { mac: `02:00:00:00:02:0${i}`, clientId: cid }),
      ),
    );
    try {
      const [a, b] = await Promise.all(cls.map((x) => x.waitBound(BIND_MS)));
      assert.notEqual(a!.ip, b!.ip);
      const rows = await d.leases();
      assert.equal(rows.find((l) => l.mac === '02:00:00:00:02:00')?.clientId, cid.replaceAll(':', ''));
    } finally {
      await Promise.all(cls.map((x) => x.stop()));
    }
  });

  test('a client on another interface of the server namespace gets no answer at all', async () => {
    const mark = d.process.outputMark();
    const cl = await startClient(lab, off.ns, off.ifname, 'udhcpc', {
      mac: '02:00:00:00:03:01',
      timeoutSec: 4,
    });
    try {
      await assert.rejects(cl.waitBound(4000));
      const seen = d.process.output().slice(-(d.process.outputMark() - mark) || d.process.output().length);
      assert.doesNotMatch(seen, /02:00:00:00:03:01/, 'the daemon (logging every packet) never even saw it');
    } finally {
      await cl.stop();
    }
  });

  test('after a server restart (kill -9) a renewing client is ACKed for the same address', async () => {
    const cl = await startClient(lab, c[2]!.ns, c[2]!.ifname, 'udhcpc', { mac: '02:00:00:00:04:01' });
    try {
      const lease = await cl.waitBound(BIND_MS);
      await d.restart({ hard: true });
      const renewed = await cl.renew(10_000);
      assert.equal(renewed.ip, lease.ip);
      assert.equal(renewed.event.kind, 'renew');
    } finally {
      await cl.stop();
    }
  });

  test('a client whose address now belongs to its new reservation is NAKed and moves to it', async () => {
    const mac = '02:00:00:00:05:01';
    const cl = await startClient(lab, c[1]!.ns, c[1]!.ifname, 'udhcpc', { mac });
    try {
      const lease = await cl.waitBound(BIND_MS);
      assert.match(lease.ip, /^10\.77\.0\.1\d\d$/);
      await d.restart({
        config: config(lab.switch!.ifname, [RESERVED, `{ name: moved, mac: "${mac}", ip: 10.77.0.20 }`]),
      });
      const since = cl.events().length;
      const mark = d.process.outputMark();
      await cl.renew(10_000).catch(() => undefined); // the renewal is NAKed; the client starts over
      const bound = await cl.waitEvent((e) => e.kind === 'bound' && e.ip === '10.77.0.20', BIND_MS, since);
      assert.equal(bound.ip, '10.77.0.20');
      await d.process.waitForOutput(/"mac":"02:00:00:00:05:01".*"msg":"nak"/, 1000, mark);
      assert.ok(
        cl
          .events()
          .slice(since)
          .some((e) => e.kind === 'nak'),
        'the client saw a NAK',
      );
    } finally {
      await cl.stop();
    }
  });

  test('live reserve: `switchyard reserve` while the daemon runs moves a real client at its next request', async () => {
    const mac = '02:00:00:00:06:01';
    const cl = await startClient(lab, c[0]!.ns, c[0]!.ifname, 'udhcpc', { mac });
    try {
      const lease = await cl.waitBound(BIND_MS);
      assert.match(lease.ip, /^10\.77\.0\.1\d\d$/);
      const r = await runCli([
        'reserve',
        'vmlive',
        '--mac',
        mac,
        '--ip',
        '10.77.0.40',
        '--config',
        d.configPath,
        '--state-dir',
        d.stateDir,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /reserved vmlive: 02:00:00:00:06:01 → 10\.77\.0\.40/);
      assert.match(r.stdout, /the running daemon applied it/);
      assert.match(
        readFileSync(d.configPath, 'utf8'),
        /- \{ name: vmlive, mac: "02:00:00:00:06:01", ip: 10\.77\.0\.40 \}/,
      );
      const since = cl.events().length;
      await cl.renew(10_000).catch(() => undefined);
      await cl.waitEvent((e) => e.kind === 'bound' && e.ip === '10.77.0.40', BIND_MS, since);
      const row = (await d.leases()).find((l) => l.mac === mac);
      assert.equal(row?.ip, '10.77.0.40');
    } finally {
      await cl.stop();
    }
  });

  test('live reserve of an address another client holds: the holder is NAKed at its next request, the owner then gets it', async () => {
    const holderMac = '02:00:00:00:07:01';
    const ownerMac = '02:00:00:00:07:02';
    const holder = await startClient(lab, c[1]!.ns, c[1]!.ifname, 'udhcpc', { mac: holderMac });
    try {
      const held = (await holder.waitBound(BIND_MS)).ip;
      const r = await runCli([
        'reserve',
        'owner',
        '--mac',
        ownerMac,
        '--ip',
        held,
        '--config',
        d.configPath,
        '--state-dir',
        d.stateDir,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`note: ${holderMac} holds ${held.replaceAll('.', '\\.')} now`));
      const since = holder.events().length;
      await holder.renew(10_000).catch(() => undefined);
      const moved = await holder.waitEvent((e) => e.kind === 'bound' && e.ip !== held, BIND_MS, since);
      assert.notEqual(moved.ip, held);
      const owner = await startClient(lab, c[2]!.ns, c[2]!.ifname, 'dhclient', { mac: ownerMac });
      try {
        assert.equal((await owner.waitBound(BIND_MS)).ip, held);
      } finally {
        await owner.stop();
      }
      const un = await runCli(['unreserve', 'owner', '--config', d.configPath, '--state-dir', d.stateDir]);
      assert.equal(un.code, 0, un.stderr);
      assert.doesNotMatch(readFileSync(d.configPath, 'utf8'), /name: owner/);
    } finally {
      await holder.stop();
    }
  });

  test('conflict probe: a real host squatting on a pool address is detected; the client gets another', async () => {
    const squatter = c[2]!;
    await lab.exec(squatter.ns, ['ip', 'addr', 'add', '10.77.0.150/24', 'dev', squatter.ifname]);
    try {
      await d.restart({
        config: config(lab.switch!.ifname).replace(
          'pool: 10.77.0.100-10.77.0.199',
          'pool: 10.77.0.150-10.77.0.151\n      conflictProbe: true',
        ),
      });
      const mark = d.process.outputMark();
      const cl = await startClient(lab, c[0]!.ns, c[0]!.ifname, 'dhclient', { mac: '02:00:00:00:08:01' });
      try {
        assert.equal((await cl.waitBound(BIND_MS)).ip, '10.77.0.151');
        await d.process.waitForOutput(/"ip":"10\.77\.0\.150".*answered the conflict probe/, 1000, mark);
      } finally {
        await cl.stop();
      }
    } finally {
      await lab.exec(squatter.ns, ['ip', 'addr', 'flush', 'dev', squatter.ifname]);
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(100);
  }
}
