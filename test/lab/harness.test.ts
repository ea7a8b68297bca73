/**
 * Lab test (root, network namespaces): proves the lab harness (netns.ts, clients.ts, hooks) against
 * dnsmasq as the DHCP server, before switchyard's own server is used with it.
 *
 * dnsmasq (from dnsmasq-base) runs in the lab's host namespace, in the foreground, DHCP only (port=0),
 * bound to the lab bridge, with its config and lease file in the lab's scratch directory.
 * ISC dhclient, busybox udhcpc and dhcpcd each obtain, renew and release a lease from their own client
 * namespace on the bridge. Everything is created and deleted by the test; nothing touches the host's
 * own namespace or interfaces.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createLab,
  labSkipReason,
  LabCommandError,
  LAB_NS_PATTERN,
  LAB_STATE_DIR,
  listNamespaces,
  sweepStale,
  waitUntil,
  withTimeout,
  type Lab,
  type LabProcess,
  type LabSwitch,
} from './netns.js';
import { CLIENT_BINARIES, CLIENT_KINDS, obtainLease, setMac, startClient } from './clients.js';

const NETNS_JS = fileURLToPath(new URL('./netns.js', import.meta.url));
const POOL = { start: '10.77.0.10', end: '10.77.0.250' };
const BIND_MS = 15_000;

const skip = labSkipReason([
  'dnsmasq',
  'ethtool',
  'tcpdump',
  ...new Set(CLIENT_KINDS.flatMap((k) => CLIENT_BINARIES[k])),
]);

interface Dnsmasq {
  proc: LabProcess;
  leaseFile: string;
}

/** dnsmasq DHCP-only in the foreground on the bridge (like bench/servers/dnsmasq.sh). */
async function startDnsmasq(lab: Lab, sw: LabSwitch): Promise<Dnsmasq> {
  const dir = join(lab.workDir, 'dnsmasq');
  mkdirSync(dir, { recursive: true });
  const leaseFile = join(dir, 'dnsmasq.leases');
  writeFileSync(leaseFile, '');
  const conf = join(dir, 'dnsmasq.conf');
  writeFileSync(
    conf,
    [
      'port=0', // no DNS
      `interface=${sw.ifname}`,
      'bind-interfaces',
      'no-resolv',
      'no-hosts',
      `dhcp-range=${POOL.start},${POOL.end},255.255.255.0,1h`,
      `dhcp-leasefile=${leaseFile}`,
      'dhcp-authoritative',
      'no-ping', // the ICMP probe delays each new offer by ~3 s
      'user=root',
      `pid-file=${join(dir, 'dnsmasq.pid')}`,
      'log-facility=-',
      'log-dhcp',
      '',
    ].join('\n'),
  );
  const proc = lab.spawn(lab.hostNs, ['dnsmasq', '--keep-in-foreground', `--conf-file=${conf}`]);
  await proc.waitForOutput(/sockets bound exclusively to interface/, 5_000);
  return { proc, leaseFile };
}

/** dnsmasq lease file lines: `<expiry> <mac> <ip> <hostname|*> <client-id|*>`. */
function leases(d: Dnsmasq): { mac: string; ip: string; hostname: string; clientId: string }[] {
  return readFileSync(d.leaseFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [, mac = '', ip = '', hostname = '', clientId = ''] = l.split(' ');
      return { mac, ip, hostname, clientId };
    });
}

/** tcpdump -n line of a DHCP packet sent from ip:68 to server:67 (not broadcast). */
function unicastFrom(ip: string, server: string): RegExp {
  const q = (a: string): string => a.replace(/\./g, '\\.');
  return new RegExp(`IP ${q(ip)}\\.68 > ${q(server)}\\.67: `);
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}

function inPool(ip: string): boolean {
  const n = ipToInt(ip);
  return n >= ipToInt(POOL.start) && n <= ipToInt(POOL.end);
}

async function addresses(lab: Lab, ns: string, ifname: string): Promise<string[]> {
  const out = (await lab.exec(ns, ['ip', '-4', '-o', 'addr', 'show', 'dev', ifname])).stdout;
  return [...out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\/\d+/g)].map((m) => m[1]!);
}

function nsPids(ns: string): number[] {
  return (spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '')
    .split(/\s+/)
    .filter((x) => /^\d+$/.test(x))
    .map(Number);
}

/** A process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

// Not runnable here: one visibly skipped test with the reason (a skipped suite alone counts no test).
if (skip) test('lab harness against dnsmasq', { skip }, () => undefined);

describe('lab harness against dnsmasq', { skip: skip ?? false }, () => {
  let lab: Lab;
  let sw: LabSwitch;
  let dnsmasq: Dnsmasq;
  let capture: LabProcess;
  const timings: string[] = [];

  before(async () => {
    lab = await createLab();
    try {
      sw = await lab.addSwitch();
      dnsmasq = await startDnsmasq(lab, sw);
      // DHCP traffic on the bridge, to see how each renewal and release was addressed
      capture = lab.spawn(lab.hostNs, ['tcpdump', '-i', sw.ifname, '-n', '-l', '-U', 'udp', 'port', '67']);
      await capture.waitForOutput(/listening on/, 5_000);
    } catch (err) {
      await lab.destroy();
      throw err;
    }
  });

  after(async () => {
    if (timings.length > 0) console.log(`timings (ms): ${timings.join('; ')}`);
    await lab?.destroy();
  });

  test('topology: host namespace with the bridge; prefixed names; no default route; IPv6 off', async () => {
    assert.match(lab.prefix, /^sy[0-9a-f]{4}$/);
    assert.equal(lab.hostNs, `${lab.prefix}-host`);
    assert.ok(sw.ifname.length <= 15);
    assert.deepEqual(await addresses(lab, lab.hostNs, sw.ifname), ['10.77.0.1']);
    const c = await lab.addClient('topo');
    assert.match(c.ns, LAB_NS_PATTERN);
    assert.ok(c.ifname.startsWith(lab.prefix) && c.ifname.length <= 15, c.ifname);
    const master = (await lab.exec(lab.hostNs, ['ip', '-o', 'link', 'show', 'dev', c.peerIfname])).stdout;
    assert.match(master, new RegExp(`master ${sw.ifname} `));
    for (const ns of lab.namespaces) {
      assert.equal(
        (await lab.exec(ns, ['ip', 'route', 'show', 'default'])).stdout.trim(),
        '',
        `${ns} default route`,
      );
      const v6 = await lab.exec(ns, ['cat', '/proc/sys/net/ipv6/conf/all/disable_ipv6'], { check: false });
      if (v6.code === 0) assert.equal(v6.stdout.trim(), '1', `${ns} IPv6 disabled`);
    }
    // tx checksum offload is off on both veth ends
    const k = await lab.exec(c.ns, ['ethtool', '-k', c.ifname]);
    assert.match(k.stdout, /tx-checksumming: off/);
    assert.deepEqual(lab.warnings, []);
  });

  test("a resolv.conf written inside a lab namespace is the namespace's own, never the machine's", async () => {
    const machine = readFileSync('/etc/resolv.conf', 'utf8');
    const c = await lab.addClient('resolv');
    // what a DHCP client's resolv.conf hook does: write in place, and replace by rename
    await lab.exec(c.ns, ['sh', '-c', 'echo "nameserver 192.0.2.53" > /etc/resolv.conf']);
    const tmp = join(lab.workDir, 'resolv.conf.new');
    writeFileSync(tmp, 'nameserver 192.0.2.54\n');
    const renamed = await lab.exec(c.ns, ['mv', '-f', tmp, '/etc/resolv.conf'], { check: false });
    assert.notEqual(renamed.code, 0, 'a rename onto the mounted file fails');
    assert.equal(readFileSync(`/etc/netns/${c.ns}/resolv.conf`, 'utf8'), 'nameserver 192.0.2.53\n');
    assert.equal(readFileSync('/etc/resolv.conf', 'utf8'), machine, "the machine's resolv.conf is untouched");
  });

  test('exec refuses namespaces the lab did not create, and is bounded by its timeout', async () => {
    await assert.rejects(lab.exec('sy-not-ours', ['true']), /does not belong to lab/);
    const t0 = Date.now();
    await assert.rejects(lab.exec(lab.hostNs, ['sleep', '5'], { timeoutMs: 200 }), (err: unknown) => {
      assert.ok(err instanceof LabCommandError);
      assert.equal(err.result.timedOut, true);
      return true;
    });
    assert.ok(Date.now() - t0 < 2_000);
    const r = await lab.exec(lab.hostNs, ['sh', '-c', 'exit 3'], { check: false });
    assert.equal(r.code, 3);
  });

  for (const kind of CLIENT_KINDS) {
    test(`${kind}: obtains, renews and releases a lease`, async () => {
      const c = await lab.addClient(kind);
      const hostname = `sy-${kind}`;
      const clientId = `01:02:${randomBytes(5).toString('hex').match(/../g)!.join(':')}`;
      const h = await startClient(lab, c.ns, c.ifname, kind, { hostname, clientId });
      try {
        const bound = await h.waitBound(BIND_MS);
        assert.ok(inPool(bound.ip), `leased ${bound.ip} outside the pool`);
        assert.equal(bound.serverId, sw.address);
        assert.equal(bound.event.kind, 'bound');
        assert.deepEqual(
          await addresses(lab, c.ns, c.ifname),
          [bound.ip],
          'address configured in the namespace',
        );
        const l = leases(dnsmasq).find((x) => x.ip === bound.ip);
        assert.ok(l, `dnsmasq has a lease for ${bound.ip}`);
        assert.equal(l.mac, c.mac);
        assert.equal(l.hostname, hostname);
        assert.equal(l.clientId, clientId);

        const captureMark = capture.outputMark();
        const t1 = Date.now();
        const renewed = await h.renew(10_000);
        const renewMs = Date.now() - t1;
        assert.equal(renewed.event.kind, 'renew', renewed.event.raw);
        assert.equal(renewed.ip, bound.ip);
        assert.equal(renewed.serverId, sw.address);
        assert.deepEqual(await addresses(lab, c.ns, c.ifname), [bound.ip]);
        // RENEWING: unicast from the leased address (configured by the hook) to the server
        await capture.waitForOutput(unicastFrom(bound.ip, sw.address), 3_000, captureMark);

        const releaseMark = capture.outputMark();
        const t2 = Date.now();
        const released = await h.release(10_000);
        const releaseMs = Date.now() - t2;
        assert.ok(['release', 'deconfig', 'stop'].includes(released.kind), released.raw);
        await waitUntil(
          () => !leases(dnsmasq).some((x) => x.ip === bound.ip),
          5_000,
          `dnsmasq to drop the lease of ${bound.ip}`,
        );
        await waitUntil(
          async () => (await addresses(lab, c.ns, c.ifname)).length === 0,
          3_000,
          'the address to be removed',
        );
        assert.match(
          dnsmasq.proc.output(),
          new RegExp(`DHCPRELEASE\\(${sw.ifname}\\) ${bound.ip.replace(/\./g, '\\.')} `),
        );
        // DHCPRELEASE is always unicast to the server
        await capture.waitForOutput(unicastFrom(bound.ip, sw.address), 3_000, releaseMark);
        timings.push(`${kind}: bound ${bound.ms}, renew ${renewMs}, release ${releaseMs}`);
      } finally {
        await h.stop();
      }
    });
  }

  test('obtainLease one-shot with setMac; release: false leaves the lease on the server', async () => {
    const c = await lab.addClient('oneshot');
    const mac = '02:00:5e:10:20:30';
    await setMac(lab, c.ns, c.ifname, mac);
    const got = await obtainLease(lab, c.ns, c.ifname, 'udhcpc', { release: false, timeoutMs: BIND_MS });
    assert.ok(inPool(got.ip));
    assert.equal(got.serverId, sw.address);
    assert.equal(leases(dnsmasq).find((x) => x.ip === got.ip)?.mac, mac);
    assert.deepEqual(await addresses(lab, c.ns, c.ifname), [], 'stop() removed the address');
    // same MAC again (dhclient this time): dnsmasq hands out the same address
    const again = await obtainLease(lab, c.ns, c.ifname, 'dhclient', { timeoutMs: BIND_MS });
    assert.equal(again.ip, got.ip);
    timings.push(`obtainLease udhcpc ${got.ms}, dhclient ${again.ms}`);
  });

  test('a client on the host-namespace interface off the bridge gets no answer', async () => {
    const side = await lab.addClient('side', { onBridge: false });
    assert.equal(side.onBridge, false);
    assert.ok(side.peerIfname.startsWith(lab.prefix));
    const master = (await lab.exec(lab.hostNs, ['ip', '-o', 'link', 'show', 'dev', side.peerIfname])).stdout;
    assert.doesNotMatch(master, / master /);
    assert.deepEqual(await addresses(lab, lab.hostNs, side.peerIfname), [side.serverCidr.split('/')[0]]);
    const h = await startClient(lab, side.ns, side.ifname, 'udhcpc');
    try {
      await assert.rejects(h.waitBound(3_000), /timed out/);
      assert.ok(h.events().every((e) => e.ip === undefined));
      assert.match(h.output(), /broadcasting discover/);
    } finally {
      await h.stop();
    }
  });

  test('sweepStale deletes only orphaned sy<hex>- namespaces', () => {
    const orphan = `sy${randomBytes(2).toString('hex')}-stale`;
    assert.ok(!listNamespaces().some((n) => n.startsWith(orphan.slice(0, 7))));
    assert.equal(spawnSync('ip', ['netns', 'add', orphan]).status, 0);
    try {
      const deleted = sweepStale();
      assert.ok(deleted.includes(orphan), `deleted ${JSON.stringify(deleted)}`);
      assert.ok(!deleted.some((n) => n.startsWith(`${lab.prefix}-`)), 'a live lab is never swept');
      assert.ok(!listNamespaces().includes(orphan));
      assert.ok(listNamespaces().includes(lab.hostNs));
    } finally {
      spawnSync('ip', ['netns', 'del', orphan]);
    }
  });

  for (const [sig, how] of [
    ['SIGTERM', 'its SIGTERM handler'],
    ['SIGKILL', 'the next sweepStale()'],
  ] as const) {
    test(`a run killed by ${sig} leaves no namespace behind (${how})`, async () => {
      const script = `
        import { createLab } from ${JSON.stringify(NETNS_JS)};
        const lab = await createLab({ sweep: false });
        const c = await lab.addClient('crash');
        lab.spawn(c.ns, ['sleep', '60']);
        console.log(JSON.stringify({ prefix: lab.prefix }));
        setInterval(() => {}, 1000);
      `;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise((r) => child.once('exit', r));
      const prefix = await waitUntil(
        () => /"prefix":"(sy[0-9a-f]{4})"/.exec(out)?.[1],
        10_000,
        () => `the child's lab; output: ${out}`,
      );
      const mine = (): string[] => listNamespaces().filter((n) => n.startsWith(`${prefix}-`));
      assert.deepEqual(mine().sort(), [`${prefix}-crash`, `${prefix}-host`]);
      const pids = nsPids(`${prefix}-crash`);
      assert.equal(pids.length, 1, 'the `sleep 60` inside');
      child.kill(sig);
      assert.notEqual(await withTimeout(exited, 10_000), undefined, 'child exited');
      if (sig === 'SIGKILL') {
        assert.equal(mine().length, 2, 'SIGKILL leaves the namespaces');
        const deleted = sweepStale();
        assert.deepEqual(deleted.sort(), [`${prefix}-crash`, `${prefix}-host`]);
      }
      assert.deepEqual(mine(), []);
      assert.throws(() => readFileSync(join(LAB_STATE_DIR, `${prefix}.owner`)), /ENOENT/);
      for (const pid of pids) assert.ok(!alive(pid), `process ${pid} of the crashed run is gone`);
    });
  }

  test('destroy() removes every namespace of the lab and is idempotent', async () => {
    const prefix = lab.prefix;
    assert.ok(listNamespaces().some((n) => n.startsWith(`${prefix}-`)));
    await lab.destroy();
    assert.deepEqual(
      listNamespaces().filter((n) => n.startsWith(`${prefix}-`)),
      [],
    );
    await lab.destroy();
    assert.equal(dnsmasq.proc.exitInfo() !== undefined, true, 'dnsmasq was stopped');
    await assert.rejects(lab.exec(lab.hostNs, ['true']), /destroyed/);
  });
});
