// Hot functions of V8 .cpuprofile files (node --cpu-prof): self time per function, and the self time summed
// per source file, highest first, as % of the busy time (samples of "(idle)" are left out). Usage: node profile.mjs FILE.cpuprofile... [TOP=25 via env]
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('profile.mjs: no .cpuprofile given');
  process.exit(2);
}
const top = Number(process.env.TOP ?? 25);
for (const f of files) {
  const p = JSON.parse(readFileSync(f, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map(); // node id → µs
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + dt);
  }
  let total = 0;
  let idle = 0;
  const fn = new Map();
  const file = new Map();
  for (const [id, us] of self) {
    const c = byId.get(id).callFrame;
    if (c.functionName === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const where = c.url.replace(/^file:\/\/.*?\/(dist\/|node_modules\/)/, '$1') || '(native)';
    const name = `${c.functionName || '(anonymous)'} ${where}:${c.lineNumber + 1}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    file.set(where, (file.get(where) ?? 0) + us);
  }
  const pct = (us) => ((us * 100) / total).toFixed(1).padStart(5) + ' %';
  console.log(`\n${f}: ${(total / 1e6).toFixed(1)} s busy, ${(idle / 1e6).toFixed(1)} s idle`);
  console.log('self time by function:');
  for (const [k, us] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(us)}  ${k}`);
  // inclusive: a node's self time counts for every distinct function on its stack (recursion counted once)
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map();
  for (const [id, us] of self) {
    if (byId.get(id).callFrame.functionName === '(idle)') continue;
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const c = byId.get(at).callFrame;
      if (!c.url.includes('/dist/src/')) continue;
      const name = `${c.functionName || '(anonymous)'} ${c.url.replace(/^.*\/dist\//, 'dist/')}:${c.lineNumber + 1}`;
      if (seen.has(name)) continue;
      seen.add(name);
      incl.set(name, (incl.get(name) ?? 0) + us);
    }
  }
  console.log('total (inclusive) time of switchyard functions:');
  for (const [k, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${pct(us)}  ${k}`);
  console.log('self time by file:');
  for (const [k, us] of [...file].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(us)}  ${k}`);
}
