// The table and the JSON of bench/dns.sh: medians of the per-run figures in results.tsv
// ("server<TAB>metric<TAB>value" lines), ratios switchyard ÷ dnsmasq. A max-load figure whose server used
// less than BUSY % of a CPU was limited by something else (dnsperf on the other core, or other load on the
// machine): it is printed as "≥" (a lower bound of what the server can do) and flagged notServerBound in the
// JSON; a ratio with such a figure on one side is a bound, on both sides "~".
// Usage: node report.mjs RESULTS.tsv OUT.json DATE MACHINE PERIOD RUNS LAT_RATE NSRC NRES NFWD "SERVERS"
import { readFileSync, writeFileSync } from 'node:fs';

const [tsv, jsonPath, date, machine, period, runs, latRate, nsrc, nres, nfwd, serverList] =
  process.argv.slice(2);
if (serverList === undefined) {
  console.error('report.mjs: expected 11 arguments (see the header)');
  process.exit(2);
}
const BUSY = 90;
const servers = serverList.split(/\s+/).filter((s) => s !== '');

/** server → metric → the values of its runs */
const runsOf = new Map();
for (const line of readFileSync(tsv, 'utf8').split('\n')) {
  if (line === '') continue;
  const [server, metric, value] = line.split('\t');
  const v = Number(value);
  if (!runsOf.has(server)) runsOf.set(server, new Map());
  const m = runsOf.get(server);
  if (!m.has(metric)) m.set(metric, []);
  m.get(metric).push(Number.isFinite(v) ? v : null);
}

function median(values) {
  const v = values.filter((x) => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const h = Math.floor(v.length / 2);
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
}

/** max-load figure → the CPU figure of the same runs */
const cpuOf = { local_qps: 'local_max_cpu', cached_qps: 'cached_max_cpu' };
const rows = [
  ['local names: queries/s, max load', 'local_qps', 0, 'higher'],
  ['  server CPU %', 'local_max_cpu', 0, 'lower'],
  [`local names: avg ms @${latRate}/s`, 'local_avg_ms', 3, 'lower'],
  [`local names: p99 ms @${latRate}/s`, 'local_p99_ms', 3, 'lower'],
  [`  server CPU % @${latRate}/s`, 'local_lat_cpu', 0, 'lower'],
  ['cached fwd: queries/s, max load', 'cached_qps', 0, 'higher'],
  ['  server CPU %', 'cached_max_cpu', 0, 'lower'],
  [`cached fwd: avg ms @${latRate}/s`, 'cached_avg_ms', 3, 'lower'],
  [`cached fwd: p99 ms @${latRate}/s`, 'cached_p99_ms', 3, 'lower'],
  [`  server CPU % @${latRate}/s`, 'cached_lat_cpu', 0, 'lower'],
  ['  upstream queries (must be 0)', 'cached_upstream_queries', 0, 'lower'],
  [`one source @${latRate}/s: answered %`, 'onesource_answered_pct', 1, 'higher'],
  [`one source @${latRate}/s: answered/s`, 'onesource_answered_qps', 0, 'higher'],
  ['peak RSS kB (VmHWM)', 'rss_kb', 0, 'lower'],
  ['machine load avg (1 min) at start', 'load1', 2, 'none'],
];

const result = {
  date,
  machine,
  setup: {
    periodSeconds: Number(period),
    runsPerFigure: Number(runs),
    fixedRate: Number(latRate),
    sourceAddresses: Number(nsrc),
    localNames: Number(nres),
    forwardedNames: Number(nfwd),
  },
  servers: {},
  ratios: {},
};
for (const s of servers) {
  result.servers[s] = {};
  for (const [, key] of rows) {
    const v = runsOf.get(s)?.get(key) ?? [];
    result.servers[s][key] = { median: median(v), runs: v };
  }
  for (const [qps, cpu] of Object.entries(cpuOf)) {
    const c = result.servers[s][cpu].median;
    result.servers[s][qps].notServerBound = c !== null && c < BUSY;
  }
}
const peers = servers.includes('switchyard') ? servers.filter((s) => s !== 'switchyard') : [];
const fmt = (v, digits) => (v === null || v === undefined ? 'n/a' : v.toFixed(digits));
const ratioOf = (a, b) => (a === null || b === null || b === 0 ? null : a / b);

const w = 36;
const col = 14;
const out = [];
out.push('');
out.push(
  `DNS bench ${date} on ${machine}; dnsperf, ${nsrc} source addresses, ${period} s per run, median of ${runs}`,
);
out.push(
  'metric'.padEnd(w) +
    servers.map((s) => s.padStart(col)).join('') +
    peers.map((p) => `sy/${p}`.padStart(col)).join(''),
);
for (const [label, key, digits, better] of rows) {
  const med = (s) => result.servers[s][key].median;
  const cell = (s) => (result.servers[s][key].notServerBound ? '≥' : '') + fmt(med(s), digits);
  let line = label.padEnd(w) + servers.map((s) => cell(s).padStart(col)).join('');
  for (const p of peers) {
    const r = better === 'none' ? null : ratioOf(med('switchyard'), med(p));
    if (better !== 'none') result.ratios[`${key}/${p}`] = r;
    const sy = result.servers.switchyard[key].notServerBound === true;
    const peer = result.servers[p][key].notServerBound === true;
    const bound = sy && peer ? '~' : sy ? '≥' : peer ? '≤' : '';
    line += (r === null ? 'n/a' : `${bound}${r.toFixed(2)}x`).padStart(col);
  }
  out.push(line);
}
out.push(
  '(ratios: switchyard ÷ peer; queries/s and answered %: higher is better; latency, CPU, RSS: lower is better)',
);
out.push(
  `(≥: the server used < ${BUSY} % of a CPU at max load: dnsperf or other load on the machine was the limit)`,
);
console.log(out.join('\n'));
writeFileSync(jsonPath, JSON.stringify(result, null, 2) + '\n');
