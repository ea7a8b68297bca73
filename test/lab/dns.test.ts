/**
 * Lab test (root, network namespaces): switchyard's DNS server with real `dig`, real DHCP clients naming
 * themselves, and a real upstream — dnsmasq in its own "corp" namespace playing the corporate resolver that
 * only the host can reach (the VPN). The daemon's host resolver is the lab host namespace's resolv.conf
 * (/etc/netns/<ns>/resolv.conf, bind-mounted by `ip netns exec`), pointing at corp.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLIENT_BINARIES, startClient, type ClientHandle } from './clients.js';
import { createLab, labSkipReason, waitUntil, type Lab, type LabClient, type LabProcess } from './netns.js';
import { runCli, startServe, type Daemon } from './switchyard.js';

const skip = labSkipReason(['dig', 'dnsmasq', ...CLIENT_BINARIES.dhclient, ...CLIENT_BINARIES.udhcpc]);
const HOST = '10.66.0.1';
const DOMAIN = 'lab.internal';
const CORP_DNS = '10.201.0.1';
const WSL_ADDR = '10.89.7.2';
const OUT_ADDR = '10.202.0.2';
const RESERVED_MAC = '00:15:5d:00:00:21';
const RESERVED_IP = '10.66.0.21';
const BIG = 60;

interface Dig {
  status: string;
  answers: string[];
  flags: string;
  text: string;
  ms: number;
}

/** dig in a namespace; parses status, flags and the answer section (name TTL class type data). */
async function dig(lab: Lab, ns: string, args: readonly string[], timeoutMs = 15_000): Promise<Dig> {
  const started = Date.now();
  const r = await lab.exec(ns, ['dig', `@${HOST}`, '+tries=1', '+time=6', ...args], {
    check: false,
    timeoutMs,
  });
  const text = r.stdout + r.stderr;
  const status = /status: (\w+)/.exec(text)?.[1] ?? 'NO-ANSWER';
  const flags = /;; flags: ([a-z ]+);/.exec(text)?.[1] ?? '';
  const section = /;; ANSWER SECTION:\n([\s\S]*?)(\n\n|$)/.exec(text)?.[1] ?? '';
  const answers = section
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s+/).slice(3).join(' '));
  return { status, answers, flags, text, ms: Date.now() - started };
}

if (skip) test('DNS with dig', { skip }, () => undefined);

describe('DNS with dig', { skip: skip ?? false }, () => {
  let lab: Lab;
  let vm1: LabClient;
  let vm2: LabClient;
  let vm3: LabClient;
  let wsl: LabClient;
  let out: LabClient;
  let corp: LabClient;
  let upstream: LabProcess;
  let d: Daemon;
  const clients: ClientHandle[] = [];
  let ip1 = '';
  let ip2 = '';

  before(async () => {
    lab = await createLab();
    const sw = await lab.addSwitch({ cidr: `${HOST}/24` });
    vm1 = await lab.addClient('vm1');
    vm2 = await lab.addClient('vm2');
    vm3 = await lab.addClient('vm3');

    // corp: the corporate resolver, reachable from the host only
    corp = await lab.addClient('corp', { onBridge: false, serverCidr: '10.201.0.2/24' });
    await lab.exec(corp.ns, ['ip', 'addr', 'add', `${CORP_DNS}/24`, 'dev', corp.ifname]);
    const hosts = join(lab.workDir, 'corp-hosts');
    writeFileSync(
      hosts,
      Array.from({ length: BIG }, (_, i) => `198.51.100.${i + 1} big.corp.example`).join('\n') + '\n',
    );
    upstream = lab.spawn(corp.ns, [
      'dnsmasq',
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--user=root', // the hosts file is in the lab's 0700 scratch directory
      '--no-resolv',
      '--no-hosts',
      `--addn-hosts=${hosts}`,
      `--listen-address=${CORP_DNS}`,
      '--bind-interfaces',
      '--address=/intranet.corp.example/172.16.9.9',
      '--local-ttl=300', // dnsmasq's own answers carry TTL 0 by default, which (rightly) is never cached
      '--log-queries',
      '--log-facility=-',
      `--pid-file=${join(lab.workDir, 'corp-dnsmasq.pid')}`,
    ]);
    lab.setResolvConf(lab.hostNs, `nameserver ${CORP_DNS}\n`);

    // WSL: a routed link of its own, in the allowed WSL range; "out": a routed link outside every allowed range
    wsl = await lab.addClient('wsl', { onBridge: false, serverCidr: '10.89.7.1/24' });
    await lab.exec(wsl.ns, ['ip', 'addr', 'add', `${WSL_ADDR}/24`, 'dev', wsl.ifname]);
    await lab.exec(wsl.ns, ['ip', 'route', 'add', 'default', 'via', '10.89.7.1']);
    out = await lab.addClient('out', { onBridge: false, serverCidr: '10.202.0.1/24' });
    await lab.exec(out.ns, ['ip', 'addr', 'add', `${OUT_ADDR}/24`, 'dev', out.ifname]);
    await lab.exec(out.ns, ['ip', 'route', 'add', 'default', 'via', '10.202.0.1']);

    d = await startServe(
      lab,
      `switches:
  - name: ${sw.ifname}
    subnet: 10.66.0.0/24
    host: ${HOST}
    dhcp:
      pool: 10.66.0.100-10.66.0.199
      leaseTime: 10m
      reservations:
        - { name: web1, mac: "${RESERVED_MAC}", ip: ${RESERVED_IP} }
    dns:
      domain: ${DOMAIN}
wsl:
  interface: ${wsl.peerIfname}
  subnet: 10.89.7.0/24
forwarding: false
`,
      { logLevel: 'debug' },
    );
    await d.process.waitForOutput(/"msg":"serving DNS"/, 10_000);

    const c1 = await startClient(lab, vm1.ns, vm1.ifname, 'dhclient', { hostname: 'alpha' });
    const c2 = await startClient(lab, vm2.ns, vm2.ifname, 'udhcpc', { hostname: 'Beta-Box' });
    clients.push(c1, c2);
    ip1 = (await c1.waitBound(15_000)).ip;
    ip2 = (await c2.waitBound(15_000)).ip;
  });

  after(async () => {
    for (const c of clients) await c.stop().catch(() => undefined);
    await lab?.destroy();
  });

  test('a VM resolves another VM by the hostname it sent, and the reservation by name', async () => {
    const a = await dig(lab, vm1.ns, [`beta-box.${DOMAIN}`, 'A']);
    assert.equal(a.status, 'NOERROR', a.text);
    assert.match(a.flags, /\baa\b/, 'authoritative');
    assert.deepEqual(a.answers, [`A ${ip2}`]);
    const r = await dig(lab, vm2.ns, [`web1.${DOMAIN}`]);
    assert.deepEqual(r.answers, [`A ${RESERVED_IP}`], r.text);
  });

  test('WSL resolves VM names and reverse lookups give the names back', async () => {
    const a = await dig(lab, wsl.ns, [`alpha.${DOMAIN}`]);
    assert.deepEqual(a.answers, [`A ${ip1}`], a.text);
    const p = await dig(lab, wsl.ns, ['-x', ip1]);
    assert.deepEqual(p.answers, [`PTR alpha.${DOMAIN}.`], p.text);
    const n = await dig(lab, wsl.ns, ['-x', '10.66.0.250']);
    assert.equal(n.status, 'NXDOMAIN', n.text);
  });

  test('an unknown name in our domain is NXDOMAIN and AAAA of a VM is NODATA, both at once', async () => {
    const n = await dig(lab, vm1.ns, [`nobody.${DOMAIN}`]);
    assert.equal(n.status, 'NXDOMAIN', n.text);
    const six = await dig(lab, vm1.ns, [`alpha.${DOMAIN}`, 'AAAA']);
    assert.equal(six.status, 'NOERROR', six.text);
    assert.deepEqual(six.answers, []);
    assert.match(six.text, /AUTHORITY SECTION:\n\S+\s+\d+\s+IN\s+SOA/);
  });

  test('names follow leases: a released lease loses its name; a new client takes it', async () => {
    const c2 = clients[1]!;
    await c2.release(10_000);
    await waitUntil(
      async () => (await dig(lab, vm1.ns, [`beta-box.${DOMAIN}`])).status === 'NXDOMAIN',
      10_000,
      'beta-box to disappear after the release',
      200,
    );
    const c3 = await startClient(lab, vm3.ns, vm3.ifname, 'dhclient', { hostname: 'beta-box' });
    clients.push(c3);
    const ip3 = (await c3.waitBound(15_000)).ip;
    const a = await dig(lab, vm1.ns, [`beta-box.${DOMAIN}`]);
    assert.deepEqual(a.answers, [`A ${ip3}`], a.text);
  });

  test('`switchyard reserve` while the daemon runs: the new name resolves at once, and goes with unreserve', async () => {
    const common = ['--config', d.configPath, '--state-dir', d.stateDir];
    const r = await runCli(['reserve', 'db1', '--ip', '10.66.0.30', ...common]);
    assert.equal(r.code, 0, r.stderr);
    const a = await dig(lab, wsl.ns, [`db1.${DOMAIN}`]);
    assert.deepEqual(a.answers, ['A 10.66.0.30'], a.text);
    const u = await runCli(['unreserve', 'db1', ...common]);
    assert.equal(u.code, 0, u.stderr);
    const n = await dig(lab, wsl.ns, [`db1.${DOMAIN}`]);
    assert.equal(n.status, 'NXDOMAIN', n.text);
  });

  test('other names go through the host resolver to the corporate DNS (split DNS over the "VPN")', async () => {
    const a = await dig(lab, vm1.ns, ['intranet.corp.example']);
    assert.equal(a.status, 'NOERROR', a.text);
    assert.deepEqual(a.answers, ['A 172.16.9.9']);
    assert.doesNotMatch(a.flags, /\baa\b/, 'forwarded answers are not authoritative');
    assert.match(upstream.output(), /query\[A\] intranet\.corp\.example from 10\.201\.0\.2/);
    // a second ask is served from the cache: corp sees no second query
    const asked = (): number => upstream.output().match(/query\[A\] intranet\.corp\.example/g)?.length ?? 0;
    await waitUntil(() => asked() === 1, 3_000, 'corp to log the first query', 50);
    const again = await dig(lab, wsl.ns, ['intranet.corp.example']);
    assert.deepEqual(
      again.answers.map((a) => a.replace(/^\S+ /, '')),
      ['172.16.9.9'],
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(asked(), 1, 'answered from the cache');
  });

  test('a large answer: truncated over UDP, whole over TCP (dig retries by itself)', async () => {
    const a = await dig(lab, vm1.ns, ['+noedns', 'big.corp.example']);
    assert.match(a.text, /Truncated, retrying in TCP mode/, a.text);
    assert.equal(a.answers.length, BIG, a.text);
    const tcp = await dig(lab, vm1.ns, ['+tcp', 'big.corp.example']);
    assert.equal(tcp.answers.length, BIG);
  });

  test('a query from outside the switch and WSL networks is refused', async () => {
    const r = await dig(lab, out.ns, ['intranet.corp.example']);
    assert.equal(r.status, 'REFUSED', r.text);
    const local = await dig(lab, out.ns, [`web1.${DOMAIN}`]);
    assert.equal(local.status, 'REFUSED', local.text);
  });

  test('dig +edns=1: BADVERS, with our OPT record saying version 0 (RFC 6891 §6.1.3)', async () => {
    const r = await dig(lab, vm1.ns, ['+edns=1', '+noednsnegotiation', `web1.${DOMAIN}`]);
    assert.equal(r.status, 'BADVERS', r.text);
    assert.match(r.text, /; EDNS: version: 0,/, r.text);
    assert.deepEqual(r.answers, []);
  });

  test('dig +opcode=…: NOTIMP with the opcode copied and RA set (RFC 1035 §4.1.1)', async () => {
    for (const [arg, name] of [
      ['status', 'STATUS'],
      ['15', 'RESERVED15'],
    ] as const) {
      const r = await dig(lab, vm1.ns, [`+opcode=${arg}`, `web1.${DOMAIN}`]);
      assert.equal(r.status, 'NOTIMP', r.text);
      assert.match(r.text, new RegExp(`opcode: ${name},`), r.text);
      assert.match(r.flags, /\bra\b/, r.text);
    }
  });

  test('dig -y (TSIG with a key we do not have): NOTAUTH and TSIG error BADKEY, no answer (RFC 8945 §5.2.1)', async () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const r = await dig(lab, vm1.ns, ['-y', `hmac-sha256:lab-key:${key}`, `web1.${DOMAIN}`]);
    assert.equal(r.status, 'NOTAUTH', r.text);
    assert.deepEqual(r.answers, [], r.text);
    assert.match(r.text, /BADKEY/, r.text);
  });

  test('upstream gone: SERVFAIL within a bounded time, names of VMs still answered', async () => {
    await upstream.stop();
    const r = await dig(lab, vm1.ns, ['gone.corp.example']);
    assert.equal(r.status, 'SERVFAIL', r.text);
    assert.ok(r.ms < 5_000, `SERVFAIL took ${r.ms} ms`);
    const local = await dig(lab, vm1.ns, [`web1.${DOMAIN}`]);
    assert.deepEqual(local.answers, [`A ${RESERVED_IP}`]);
    assert.equal(d.process.exitInfo(), undefined, 'the daemon is still running');
  });
});
