/**
 * Runs ps/check.ps1 (PowerShell's own parser and AST) over scripts: parse errors, what Windows PowerShell
 * 5.1 lacks, what ConstrainedLanguage mode blocks, and every cmdlet call against Microsoft's documented syntax.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pwshPath, PWSH_HINT } from './runner.js';
import { SIM_SOURCE_DIR } from './sim-root.js';

export interface ScriptFindings {
  name: string;
  parse: string[];
  ps7: string[];
  clm: string[];
  cmdlets: string[];
}

export function checkScripts(scripts: readonly { name: string; text: string }[]): ScriptFindings[] {
  const pwsh = pwshPath();
  if (pwsh === null) throw new Error(`pwsh not found: ${PWSH_HINT}`);
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pscheck-'));
  try {
    const manifest = scripts.map((s, i) => {
      const path = join(dir, `script-${i}.ps1`);
      writeFileSync(path, `\uFEFF${s.text}`);
      return { name: s.name, path };
    });
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const r = spawnSync(
      pwsh,
      [
        '-NoLogo',
        '-NoProfile',
        '-NonInteractive',
        '-File',
        join(SIM_SOURCE_DIR, 'ps', 'check.ps1'),
        join(dir, 'manifest.json'),
        join(SIM_SOURCE_DIR, 'signatures.json'),
      ],
      {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
        env: { ...process.env, NO_COLOR: '1', POWERSHELL_TELEMETRY_OPTOUT: '1' },
      },
    );
    if (r.status !== 0) throw new Error(`check.ps1 failed (${r.status}): ${r.stderr}`);
    return JSON.parse(r.stdout) as ScriptFindings[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The findings as lines, one per problem ("script: kind: line N: …"); empty when every script is clean. */
export function problems(findings: readonly ScriptFindings[]): string[] {
  return findings.flatMap((f) =>
    (['parse', 'ps7', 'clm', 'cmdlets'] as const).flatMap((k) => f[k].map((p) => `${f.name}: ${k}: ${p}`)),
  );
}
