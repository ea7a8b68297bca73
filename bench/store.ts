/**
 * Lease store benchmarks (the journal of src/dhcp/journal.ts, on the real filesystem in a temp dir):
 *
 *   (a) leases/s appended with fdatasync before the callback and group commit, N appends in flight
 *   (b) the same N "clients", but one fdatasync per lease (each append awaited before the next starts)
 *   (c) load time of a journal of 100k leases, and of 100k leases + 200k superseded records
 *   (d) compaction time for 100k live leases
 *
 * Run: npm run build && node dist/bench/store.js [--quick] [--json FILE]
 * (--json: the figures as JSON too; `npm run bench` uses it for bench/results/<date>.json)
 * Bounded: every append run stops after APPEND_MS or its count, whichever comes first (< 60 s in all).
 * SWITCHYARD_BENCH_DIR picks the directory (default: the OS temp dir) — put it on the disk you care about.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeRecord, Journal, type LiveLeases } from '../src/dhcp/journal.js';
import { LeaseSlots } from '../src/dhcp/lease-slots.js';
import type { StoredLease } from '../src/dhcp/lease-store.js';
import { asIpv4, ipv4 } from '../src/net/ipv4.js';
import { mac } from '../src/net/mac.js';

const QUICK = process.argv.includes('--quick');
const JSON_OUT = ((i) => (i >= 0 ? process.argv[i + 1] : undefined))(process.argv.indexOf('--json'));
/** Longest time one append run may take (ms). */
const APPEND_MS = QUICK ? 1_000 : 3_000;
/** Most appends in one run. */
const APPEND_MAX = 50_000;
const CONCURRENCY = [1, 16, 256] as const;
const LOAD_LIVE = QUICK ? 20_000 : 100_000;
const LOAD_SUPERSEDED = 2 * LOAD_LIVE;

const BASE_IP = ipv4('10.64.0.0');
const NOW = Date.now();

/** The lease of client i (MAC 02:ii:ii:ii:ii:00), written for the `version`-th time. */
function record(i: number, version: number): StoredLease {
  const bytes = [(i >>> 24) & 255, (i >>> 16) & 255, (i >>> 8) & 255, i & 255, 0];
  return {
    switchName: 'bench',
    mac: mac(`02:${bytes.map((b) => b.toString(16).padStart(2, '0')).join(':')}`),
    ip: asIpv4(BASE_IP + (i % 4_000_000)),
    state: 'bound',
    expiresAt: NOW + 12 * 3600_000 + version,
    updatedAt: NOW + version,
    clientId: `01${(0x020000000000 + i).toString(16).padStart(12, '0')}`,
    hostname: `vm-${i}`,
  };
}

function append(j: Journal, r: StoredLease): Promise<void> {
  return new Promise((resolve, reject) => {
    j.append(r.switchName, [r], (err) => {
      if (err) reject(err);
      else resolve();
    });
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface AppendResult {
  mode: string;
  inFlight: number;
  leases: number;
  ms: number;
  perSec: number;
  p50: number;
  p99: number;
}

/**
 * `inFlight` clients, each appending one lease and waiting for its callback before the next. With
 * `serial`, a lock lets only one append be outstanding at a time: one fdatasync per lease.
 */
async function appendRun(dir: string, inFlight: number, serial: boolean): Promise<AppendResult> {
  const j = new Journal(dir);
  await j.load();
  const lat: number[] = [];
  let issued = 0;
  const t0 = performance.now();
  const deadline = t0 + APPEND_MS;
  let lock: Promise<void> = Promise.resolve();
  const client = async (): Promise<void> => {
    while (issued < APPEND_MAX && performance.now() < deadline) {
      const n = issued++;
      const r = record(n, 0);
      const start = performance.now();
      if (serial) {
        const prev = lock;
        let release!: () => void;
        lock = new Promise((res) => {
          release = res;
        });
        await prev;
        await append(j, r);
        lat.push(performance.now() - start);
        release();
      } else {
        await append(j, r);
        lat.push(performance.now() - start);
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, client));
  const ms = performance.now() - t0;
  await j.close();
  lat.sort((a, b) => a - b);
  return {
    mode: serial ? 'one fsync per lease' : 'group commit',
    inFlight,
    leases: lat.length,
    ms,
    perSec: (lat.length / ms) * 1000,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
  };
}

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(' | ')} |`;
  return [
    line(head),
    `|${w.map((x, i) => (i === 0 ? `${'-'.repeat(x + 1)}-` : `${'-'.repeat(x + 1)}:`)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

function fsOf(path: string): string {
  try {
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f.length > 2 && path.startsWith(f[1]!))
      .sort((a, b) => b[1]!.length - a[1]!.length);
    const m = mounts[0];
    return m ? `${m[2]} (${m[0]} on ${m[1]})` : 'unknown';
  } catch {
    return 'unknown';
  }
}

async function timeLoad(dir: string): Promise<{ ms: number; leases: number; problems: number }> {
  const j = new Journal(dir);
  const t = performance.now();
  const r = await j.load();
  const ms = performance.now() - t;
  await j.close();
  return { ms, leases: r.leases.length, problems: r.problems.length };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(process.env.SWITCHYARD_BENCH_DIR ?? tmpdir(), 'sy-bench-store-'));
  const started = performance.now();
  try {
    console.log(`# lease store benchmark${QUICK ? ' (quick)' : ''}`);
    console.log(
      `node ${process.version}, linux ${release()}, dir ${root} on ${fsOf(root)}; append runs bounded by ${APPEND_MS} ms / ${fmt(APPEND_MAX)} leases\n`,
    );

    // (a) and (b)
    const results: AppendResult[] = [];
    let run = 0;
    for (const serial of [false, true]) {
      for (const n of CONCURRENCY) {
        results.push(await appendRun(join(root, `append-${run++}`), n, serial));
      }
    }
    console.log('## (a) group commit vs (b) one fsync per lease — appends acknowledged after fdatasync\n');
    console.log(
      table(
        ['mode', 'in flight', 'leases', 'seconds', 'leases/s', 'p50 ms', 'p99 ms'],
        results.map((r) => [
          r.mode,
          String(r.inFlight),
          fmt(r.leases),
          fmt(r.ms / 1000, 2),
          fmt(r.perSec),
          fmt(r.p50, 2),
          fmt(r.p99, 2),
        ]),
      ),
    );
    console.log(
      '\nlatency: from a client asking to its callback (under (b) including its wait for the appends before it).',
    );
    console.log(
      '(b) is a server that awaits each fsync alone: one fsync per lease however many clients wait.\n',
    );

    // (c) load
    const liveDir = join(root, 'load-live');
    const mixedDir = join(root, 'load-mixed');
    let live = '';
    for (let i = 0; i < LOAD_LIVE; i++) live += encodeRecord(record(i, 0), 'bench') + '\n';
    const j0 = new Journal(liveDir);
    await j0.load(); // creates the directory
    await j0.close();
    writeFileSync(join(liveDir, 'leases.jsonl'), live);
    let mixed = '';
    // every client written three times (two superseded records each), interleaved as a busy server would
    for (let v = 0; v < 3; v++)
      for (let i = 0; i < LOAD_LIVE; i++) mixed += encodeRecord(record(i, v), 'bench') + '\n';
    const j1 = new Journal(mixedDir);
    await j1.load();
    await j1.close();
    writeFileSync(join(mixedDir, 'leases.jsonl'), mixed);
    const mixedText = mixed;
    live = '';
    mixed = '';
    const loadFigures: {
      journal: string;
      lines: number;
      leases: number;
      medianMs: number;
      bestMs: number;
    }[] = [];
    const loads: string[][] = [];
    for (const [name, dir, lines] of [
      [`${fmt(LOAD_LIVE)} leases`, liveDir, LOAD_LIVE],
      [
        `${fmt(LOAD_LIVE)} leases + ${fmt(LOAD_SUPERSEDED)} superseded`,
        mixedDir,
        LOAD_LIVE + LOAD_SUPERSEDED,
      ],
    ] as const) {
      const size = statSync(join(dir, 'leases.jsonl')).size;
      const times: number[] = [];
      let leases = 0;
      for (let i = 0; i < 3; i++) {
        const r = await timeLoad(dir);
        if (r.problems > 0) throw new Error(`${name}: ${r.problems} problems on load`);
        times.push(r.ms);
        leases = r.leases;
      }
      times.sort((a, b) => a - b);
      loads.push([name, fmt(lines), fmt(size / 1048576, 1), fmt(leases), fmt(times[1]!), fmt(times[0]!)]);
      loadFigures.push({ journal: name, lines, leases, medianMs: times[1]!, bestMs: times[0]! });
    }
    console.log('## (c) load (read + parse the journal at start-up; median and best of 3)\n');
    console.log(table(['journal', 'lines', 'MiB', 'leases kept', 'median ms', 'best ms'], loads));

    // (d) compaction of 100k live leases (the journal above with 300k lines → 100k), 3 times on a fresh copy:
    // the daemon's own path, in the background after a flush, from the append that triggers it to its end.
    const compactions: { ms: number; before: number; after: number; reloadMs: number; leases: number }[] = [];
    for (let k = 0; k < 3; k++) {
      writeFileSync(join(mixedDir, 'leases.jsonl'), mixedText);
      // The daemon's table keeps its records in LeaseSlots and hands the compaction a copy of them.
      const table = new LeaseSlots();
      let order = new Int32Array(0);
      const j2 = new Journal(mixedDir, {
        snapshot: (): LiveLeases[] => [{ switchName: 'bench', leases: table.snapshot(order) }],
      });
      const { leases } = await j2.load();
      order = Int32Array.from(leases, (l) => table.add(l));
      const before = statSync(j2.path).size;
      const t = performance.now();
      await append(j2, leases[0]!); // 300k lines > 2 × 100k live + 10k slack: this flush starts the compaction
      await j2.close(); // waits for it
      const ms = performance.now() - t;
      const after = statSync(j2.path).size;
      if (after >= before) throw new Error(`no compaction: ${before} -> ${after} bytes`);
      const reloaded = await timeLoad(mixedDir);
      if (reloaded.leases !== LOAD_LIVE) throw new Error(`compaction kept ${reloaded.leases} leases`);
      compactions.push({ ms, before, after, reloadMs: reloaded.ms, leases: leases.length });
    }
    compactions.sort((a, b) => a.ms - b.ms);
    const c = compactions[1]!;
    console.log('\n## (d) compaction (write temp file, fsync, rename, fsync dir; median of 3)\n');
    console.log(
      table(
        ['live leases', 'before MiB', 'after MiB', 'median ms', 'best ms', 'reload ms'],
        [
          [
            fmt(c.leases),
            fmt(c.before / 1048576, 1),
            fmt(c.after / 1048576, 1),
            fmt(c.ms),
            fmt(compactions[0]!.ms),
            fmt(c.reloadMs),
          ],
        ],
      ),
    );
    if (JSON_OUT !== undefined) {
      const byMode = (mode: string): Record<string, { perSec: number; p50Ms: number; p99Ms: number }> =>
        Object.fromEntries(
          results
            .filter((r) => r.mode === mode)
            .map((r) => [String(r.inFlight), { perSec: r.perSec, p50Ms: r.p50, p99Ms: r.p99 }]),
        );
      writeFileSync(
        JSON_OUT,
        JSON.stringify(
          {
            dir: fsOf(root),
            appendGroupCommit: byMode('group commit'),
            appendFsyncPerLease: byMode('one fsync per lease'),
            load: loadFigures,
            compaction: {
              leases: c.leases,
              medianMs: c.ms,
              bestMs: compactions[0]!.ms,
              runs: compactions.map((x) => x.ms),
            },
          },
          null,
          2,
        ) + '\n',
      );
    }
    console.log(`\ntotal ${fmt((performance.now() - started) / 1000, 1)} s`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
