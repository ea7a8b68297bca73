#!/usr/bin/env node
// Long fuzz run (after `npm run build`): node scripts/fuzz.mjs [iterations=1000000] [seed=random]
const { runFuzz } = await import('../dist/test/support/fuzz.js');
const n = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? Math.floor(Math.random() * 2 ** 31));
const t0 = Date.now();
const r = await runFuzz(n, seed);
const s = (Date.now() - t0) / 1000;
console.log(
  `fuzz: ${r.iterations} packets (seed ${seed}) in ${s.toFixed(1)} s: ${r.decoded} decoded, ${r.stats.malformed} malformed, ` +
    `${r.replied} replies, ${r.stats.errors} escaped errors; final DORA reply type ${r.finalReply} (5 = ACK)`,
);
process.exitCode = r.stats.errors === 0 && r.finalReply === 5 ? 0 : 1;
