#!/usr/bin/env node
// Writes every PowerShell script switchyard can generate (test/windows-sim/scripts.ts, hostile names
// included) to a folder and, where the shared validators are present (../shared/validators — not part of
// this repository, so the project's own tests never depend on them), runs Microsoft's documented cmdlet
// syntax check over them: ps-cmdlet-check.mjs. Needs `npm run build` first.
//   node scripts/check-generated-ps.mjs [OUT_DIR]
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const { generatedScripts } = await import('../dist/test/windows-sim/scripts.js');
const out = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'switchyard-ps-'));
mkdirSync(out, { recursive: true });
const files = generatedScripts().map((s, i) => {
  const f = join(
    out,
    `${String(i).padStart(2, '0')}-${s.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60)}.ps1`,
  );
  writeFileSync(f, s.text);
  return f;
});
console.log(`check-generated-ps: ${files.length} scripts in ${out}`);
const validator = new URL('../../shared/validators/ps-cmdlet-check.mjs', import.meta.url).pathname;
if (!existsSync(validator)) {
  console.log('check-generated-ps: ../shared/validators not here: the documented-syntax check is skipped');
  process.exit(0);
}
const r = spawnSync(process.execPath, [validator, '--no-notes', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
