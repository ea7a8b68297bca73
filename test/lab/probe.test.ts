/**
 * Lab test (root, network namespaces): the ARP conflict probe (src/dhcp/probe/arp-linux.ts) finds an
 * address that a machine on the link uses, and gives up on a free one within its wait (≤ 1.1 s).
 *
 * Topology, all inside two namespaces this test creates and deletes (nothing in or attached to the host
 * namespace; no default route anywhere):
 *
 *   <id>-s  pr<hex>s 10.66.0.1/24 ── veth ── pr<hex>v 10.66.0.50/24  <id>-v
 *   ("server": runs the probe)                ("vm": its kernel answers ARP for .50)
 *
 * Namespaces are named sy-pr-<pid hex>-<random hex>-{s,v}; at start, sy-pr-* namespaces whose creating
 * process is gone (crashed runs) are deleted. The probe runs in a child node process inside the server
 * namespace (`ip netns exec NS node --input-type=module -e CHILD SPEC`), which prints one JSON line.
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { listNamespaces, mustRun as must, runCommand as run, sweepByCreator } from './netns.js';

const PREFIX = 'sy-pr-';
const SERVER_IP = '10.66.0.1';
const VM_IP = '10.66.0.50';
/** One probe must never take longer than this (the wait is ≤ 1 s, plus scheduling slack). */
const PROBE_BOUND_MS = 1100;
const CHILD_TIMEOUT_MS = 20_000;

const moduleUrl = (rel: string): string => new URL(rel, import.meta.url).href;

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'network-namespace lab test: Linux only';
  if (process.getuid?.() !== 0) return 'needs root (creates network namespaces, opens AF_PACKET sockets)';
  if (spawnSync('ip', ['-V'], { encoding: 'utf8' }).error) return '`ip` (iproute2) not found';
  return undefined;
}

/** Deletes namespaces of this test left by crashed runs (their creator PID, in the name, is gone). */
function sweep(): void {
  sweepByCreator(/^sy-pr-([0-9a-f]+)-/, 16);
}

/** What the child does: open a probe, run batches of concurrent inUse calls, report timings. */
interface ChildSpec {
  ifname: string;
  waitMs?: number;
  senderIp?: string;
  /** Wrap the raw probe in cachedProbe with this timeout. */
  cachedTimeoutMs?: number;
  batches: string[][];
}

interface ProbeResult {
  ip: string;
  inUse?: boolean;
  error?: string;
  ms: number;
}

interface ChildOutput {
  mac?: string;
  batches: ProbeResult[][];
  conflicts: { ip: string; mac: string }[];
  failures: { ip: string; kind: string }[];
  error?: { name: string; message: string };
  /** process.exit is never called: the child must end by itself once the probe is closed. */
}

// Plain JS, run with `node --input-type=module -e`. argv[1] is the JSON spec plus the module URLs.
const CHILD = `
const spec = JSON.parse(process.argv[1]);
const arp = await import(spec.urls.arp);
const pr = await import(spec.urls.probe);
const { ipv4, formatIpv4 } = await import(spec.urls.ip);
const { systemClock } = await import(spec.urls.clock);
const out = { batches: [], conflicts: [], failures: [] };
try {
  const raw = arp.openArpProbe({
    interfaceName: spec.ifname,
    ...(spec.waitMs !== undefined ? { waitMs: spec.waitMs } : {}),
    ...(spec.senderIp !== undefined ? { senderIp: ipv4(spec.senderIp) } : {}),
    onConflict: (ip, mac) => out.conflicts.push({ ip: formatIpv4(ip), mac }),
  });
  out.mac = raw.mac;
  const probe = spec.cachedTimeoutMs === undefined ? raw : pr.cachedProbe(raw, {
    clock: systemClock,
    timeoutMs: spec.cachedTimeoutMs,
    onFailure: (ip, f) => out.failures.push({ ip: formatIpv4(ip), kind: f.kind }),
  });
  for (const batch of spec.batches) {
    out.batches.push(await Promise.all(batch.map(async (ip) => {
      const t = performance.now();
      try {
        const inUse = await probe.inUse(ipv4(ip));
        return { ip, inUse, ms: performance.now() - t };
      } catch (e) {
        return { ip, error: String(e), ms: performance.now() - t };
      }
    })));
  }
  await probe.close();
} catch (e) {
  out.error = { name: e.name, message: e.message };
}
process.stdout.write(JSON.stringify(out) + '\\n');
`;

function runChild(ns: string, spec: ChildSpec): Promise<ChildOutput> {
  const full = {
    ...spec,
    urls: {
      arp: moduleUrl('../../src/dhcp/probe/arp-linux.js'),
      probe: moduleUrl('../../src/dhcp/probe/probe.js'),
      ip: moduleUrl('../../src/net/ipv4.js'),
      clock: moduleUrl('../../src/clock.js'),
    },
  };
  const argv = [
    'netns',
    'exec',
    ns,
    process.execPath,
    '--input-type=module',
    '-e',
    CHILD,
    JSON.stringify(full),
  ];
  return new Promise((resolve, reject) => {
    execFile('ip', argv, { timeout: CHILD_TIMEOUT_MS, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`probe child failed: ${err.message}; stdout ${stdout}; stderr ${stderr}`));
        return;
      }
      const line = stdout.trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(line) as ChildOutput);
      } catch {
        reject(new Error(`probe child printed no JSON: stdout ${stdout}; stderr ${stderr}`));
      }
    });
  });
}

function fmt(r: ProbeResult): string {
  return `${r.ip} → ${r.error ?? String(r.inUse)} in ${r.ms.toFixed(1)} ms`;
}

const skip = skipReason();

describe('ARP conflict probe on Linux (network namespaces)', { skip: skip ?? false }, () => {
  const tag = randomBytes(2).toString('hex');
  const id = `${PREFIX}${process.pid.toString(16)}-${tag}`;
  const ns = { s: `${id}-s`, v: `${id}-v` };
  const ifs = { s: `pr${tag}s`, v: `pr${tag}v` };
  const created: string[] = [];

  const cleanup = () => {
    for (const n of created.splice(0)) run(['ip', 'netns', 'del', n]);
  };
  // Last resort if the runner is torn down before `after` runs.
  const onExit = () => {
    for (const n of created) spawnSync('ip', ['netns', 'del', n]);
  };

  before(async () => {
    process.on('exit', onExit);
    sweep();
    try {
      for (const n of [ns.s, ns.v]) {
        must(['ip', 'netns', 'add', n]);
        created.push(n);
        must(['ip', '-n', n, 'link', 'set', 'lo', 'up']);
        run(['ip', 'netns', 'exec', n, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
      }
      // Both veth ends are created directly inside the namespaces, never in the host namespace.
      must(['ip', 'link', 'add', ifs.s, 'netns', ns.s, 'type', 'veth', 'peer', 'name', ifs.v, 'netns', ns.v]);
      for (const [n, ifn, addr] of [
        [ns.s, ifs.s, `${SERVER_IP}/24`],
        [ns.v, ifs.v, `${VM_IP}/24`],
      ] as const) {
        // tx checksum offload off, as the other lab tests do (best-effort; ethtool may be absent)
        run(['ip', 'netns', 'exec', n, 'ethtool', '-K', ifn, 'tx', 'off']);
        must(['ip', '-n', n, 'addr', 'add', addr, 'dev', ifn]);
        must(['ip', '-n', n, 'link', 'set', ifn, 'up']);
      }
      for (const n of [ns.s, ns.v]) {
        assert.doesNotMatch(must(['ip', '-n', n, 'route', 'show']), /^default/m, `${n}: no default route`);
      }
      for (const [n, ifn] of [
        [ns.s, ifs.s],
        [ns.v, ifs.v],
      ] as const) {
        const deadline = Date.now() + 5000;
        while (!/LOWER_UP/.test(run(['ip', '-n', n, 'link', 'show', ifn]).stdout)) {
          if (Date.now() > deadline) throw new Error(`${ifn} in ${n}: no carrier after 5 s`);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    } catch (err) {
      cleanup();
      throw err;
    }
  });

  after(() => {
    cleanup();
    process.off('exit', onExit);
    assert.deepEqual(
      listNamespaces().filter((n) => n.startsWith(id)),
      [],
      'namespaces of this run must be gone',
    );
  });

  test('an address in use answers at once; a free one is given up after the wait (1 s), never > 1.1 s', async (t) => {
    const out = await runChild(ns.s, {
      ifname: ifs.s,
      waitMs: 1000,
      batches: [[VM_IP], ['10.66.0.51'], [VM_IP, '10.66.0.51', '10.66.0.52']],
    });
    assert.equal(out.error, undefined, JSON.stringify(out.error));
    const [[used], [free], concurrent] = out.batches as [[ProbeResult], [ProbeResult], ProbeResult[]];
    t.diagnostic(`probe mac ${out.mac}; ${[used, free, ...concurrent].map(fmt).join('; ')}`);
    assert.equal(used.inUse, true, fmt(used));
    assert.ok(used.ms < 200, `an answer on a veth takes well under 200 ms: ${fmt(used)}`);
    assert.equal(free.inUse, false, fmt(free));
    assert.ok(free.ms >= 990 && free.ms <= PROBE_BOUND_MS, `≈ the 1 s wait: ${fmt(free)}`);
    assert.deepEqual(
      concurrent.map((r) => r.inUse),
      [true, false, false],
      'probes in flight together on one socket',
    );
    for (const r of concurrent) assert.ok(r.ms <= PROBE_BOUND_MS, fmt(r));
    assert.ok(out.conflicts.every((c) => c.ip === VM_IP && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(c.mac)));
    assert.ok(out.conflicts.length >= 1);
  });

  test('cachedProbe over the ARP probe: default wait, cache hits, coalesced calls', async (t) => {
    const out = await runChild(ns.s, {
      ifname: ifs.s,
      cachedTimeoutMs: 1000,
      batches: [
        [VM_IP, VM_IP, '10.66.0.51', '10.66.0.51'],
        [VM_IP, '10.66.0.51'],
      ],
    });
    assert.equal(out.error, undefined, JSON.stringify(out.error));
    const [first, second] = out.batches as [ProbeResult[], ProbeResult[]];
    t.diagnostic([...first, ...second].map(fmt).join('; '));
    assert.deepEqual(
      first.map((r) => r.inUse),
      [true, true, false, false],
    );
    // default wait 500 ms
    assert.ok(first[2]!.ms >= 490 && first[2]!.ms < 900, fmt(first[2]!));
    assert.deepEqual(
      second.map((r) => r.inUse),
      [true, false],
    );
    for (const r of second) assert.ok(r.ms < 20, `cached: ${fmt(r)}`);
    assert.equal(out.conflicts.length, 1, 'two concurrent calls for .50 made one probe');
    assert.deepEqual(out.failures, [], 'no timeouts: the ARP wait is shorter than the cache timeout');
  });

  test('with the server address as sender IP (a plain ARP request) it finds the VM too', async () => {
    const out = await runChild(ns.s, {
      ifname: ifs.s,
      senderIp: SERVER_IP,
      waitMs: 300,
      batches: [[VM_IP, '10.66.0.53']],
    });
    assert.equal(out.error, undefined, JSON.stringify(out.error));
    assert.deepEqual(
      out.batches[0]?.map((r) => r.inUse),
      [true, false],
    );
  });

  test(
    'a VM that drops every IP packet (ICMP included) still answers ARP',
    { skip: spawnSync('nft', ['--version']).error ? '`nft` not found' : false },
    async () => {
      const table = 'sypr';
      must([
        'ip',
        'netns',
        'exec',
        ns.v,
        'nft',
        `add table inet ${table}; add chain inet ${table} input { type filter hook input priority 0; policy drop; }`,
      ]);
      try {
        const out = await runChild(ns.s, { ifname: ifs.s, waitMs: 300, batches: [[VM_IP]] });
        assert.equal(out.error, undefined, JSON.stringify(out.error));
        assert.equal(out.batches[0]?.[0]?.inUse, true, fmt(out.batches[0]![0]!));
      } finally {
        run(['ip', 'netns', 'exec', ns.v, 'nft', `delete table inet ${table}`]);
      }
    },
  );

  test('opening fails with a clear EnvironmentError on a missing or non-Ethernet interface', async () => {
    const missing = await runChild(ns.s, { ifname: 'nope0', batches: [] });
    assert.equal(missing.error?.name, 'EnvironmentError');
    assert.match(missing.error?.message ?? '', /"nope0" does not exist/);
    const lo = await runChild(ns.s, { ifname: 'lo', batches: [] });
    assert.equal(lo.error?.name, 'EnvironmentError');
    assert.match(lo.error?.message ?? '', /not an Ethernet interface/);
  });
});
