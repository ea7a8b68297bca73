#!/usr/bin/env node
// Runs the compiled tests with Node's own test runner.
//   unit [substr]  every dist/**/*.test.js outside dist/test/lab (no root, no network)
//   lab  [substr]  dist/test/lab/**/*.test.js, one file at a time (root; network namespaces)
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const [kind = 'unit', filter = ''] = process.argv.slice(2);
if (!existsSync('dist')) {
  console.error('run-tests: no dist/ — run `npm run build` first');
  process.exit(2);
}
function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const lab = join('dist', 'test', 'lab');
const files = walk('dist')
  .filter((f) => (kind === 'lab' ? f.startsWith(lab) : !f.startsWith(lab)))
  .filter((f) => f.includes(filter))
  .sort();
if (files.length === 0) {
  console.error(`run-tests: no ${kind} test files match "${filter}"`);
  process.exit(2);
}
const args = ['--enable-source-maps', '--test', '--test-reporter=spec'];
if (kind === 'lab') args.push('--test-concurrency=1');
const r = spawnSync(process.execPath, [...args, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
