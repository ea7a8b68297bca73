/**
 * PowerShell's own parser, for tests: what pwsh makes of a text (real pwsh, not the tree-sitter grammar of
 * ps-parse.ts). Texts travel to pwsh in base64 inside an -EncodedCommand, so nothing needs quoting here.
 */
import { spawnSync } from 'node:child_process';
import { encodeCommand } from '../../src/host/windows/command-line.js';
import { psArray } from '../../src/ps-quote.js';
import { pwshPath } from '../windows-sim/runner.js';

export interface PwshParse {
  /** Parse errors. */
  errors: number;
  /** Top-level statements. */
  statements: number;
  /** The text of each comment token. */
  comments: string[];
  /** The first command's elements: a constant string's value, else the element's text (`--config`). */
  words: string[];
}

const PROBE = `foreach ($b in $texts) {
  $src = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b)); $t = $null; $e = $null
  $ast = [Management.Automation.Language.Parser]::ParseInput($src, [ref]$t, [ref]$e)
  $cmd = $ast.Find({ $args[0] -is [Management.Automation.Language.CommandAst] }, $true)
  $words = @(if ($cmd) { $cmd.CommandElements | ForEach-Object { if ($_ -is [Management.Automation.Language.StringConstantExpressionAst]) { $_.Value } else { $_.Extent.Text } } })
  $out = [ordered]@{ errors = $e.Count; statements = $ast.EndBlock.Statements.Count; comments = @($t | Where-Object { $_.Kind -eq 'Comment' } | ForEach-Object { $_.Text }); words = $words }
  [Console]::Out.WriteLine([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -Compress -InputObject $out))))
}`;

/** Each text as pwsh's parser reads it. */
export function pwshParse(texts: readonly string[]): PwshParse[] {
  const b64 = texts.map((t) => Buffer.from(t, 'utf8').toString('base64'));
  const script = `$texts = ${psArray(b64)}\n${PROBE}`;
  const argv = ['-NoProfile', '-NonInteractive', '-EncodedCommand', encodeCommand(script)];
  const r = spawnSync(pwshPath() ?? 'pwsh', argv, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`pwsh failed (${r.status}): ${r.stderr}`);
  const lines = r.stdout.trim().split(/\r?\n/);
  if (lines.length !== texts.length) throw new Error(`pwsh printed ${lines.length} lines: ${r.stdout}`);
  return lines.map((l) => {
    const j = JSON.parse(Buffer.from(l, 'base64').toString('utf8')) as PwshParse;
    return { errors: j.errors, statements: j.statements, comments: j.comments ?? [], words: j.words ?? [] };
  });
}
