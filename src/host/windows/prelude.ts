/**
 * The PowerShell text every generated script starts with: the language-mode guard, the prelude
 * (Out-Marked, Get-ErrInfo), wrapScript around a body, and the elevation checks (expressions, a script
 * that prints them, and the parser of what it prints).
 */
import { psString } from '../../ps-quote.js';
import { ERROR_END, ERROR_START } from './markers.js';

/**
 * First thing in every generated script that calls .NET directly: ConstrainedLanguage mode (an AppLocker or
 * WDAC policy, common on managed laptops) blocks static members of all but a few core types ([Console],
 * [IO.File], [Convert] among them; learn.microsoft.com/powershell/module/microsoft.powershell.core/about/
 * about_language_modes). The script then says so in an error marker, written with cmdlets that mode allows,
 * and exits 5, instead of failing half-way on the first .NET call.
 */
export const CONSTRAINED_LANGUAGE = 'ConstrainedLanguage';
export const PS_LANGUAGE_GUARD = `if ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
  Write-Output ${psString(ERROR_START)}
  Write-Output (ConvertTo-Json -Compress -InputObject @{ message = ('PowerShell runs in ' + $ExecutionContext.SessionState.LanguageMode + ' mode on this machine (an AppLocker or WDAC policy), which blocks the .NET calls switchyard makes; ask IT to allow switchyard, or run it where PowerShell runs in FullLanguage mode'); errorId = ${psString(CONSTRAINED_LANGUAGE)}; category = 'SecurityError'; line = $null })
  Write-Output ${psString(ERROR_END)}
  exit 5
}`;

/**
 * Shared start of every generated script. Stops on the first error (so try/catch sees it), silences the
 * progress stream (else 5.1 writes "Preparing modules for first use." as CLIXML to stderr) and warnings,
 * asks for UTF-8 console output (best effort: it throws when there is no console), and defines:
 * - `Out-Marked KIND VALUE`: VALUE as compressed JSON (enums as names where PowerShell 6+ can, numbers in
 *   5.1), escaped to ASCII, between marker lines, straight to stdout (no formatting, no line wrapping);
 * - `Get-ErrInfo $_`: an error record as { message, errorId, category, line }.
 */
export const PS_PRELUDE = `$ErrorActionPreference = 'Stop'
${PS_LANGUAGE_GUARD}
$ProgressPreference = 'SilentlyContinue'
$WarningPreference = 'SilentlyContinue'
try { [Console]::OutputEncoding = [Text.UTF8Encoding]::new($false) } catch { }
function Out-Marked([string]$Kind, $Value) {
  $j = @{ InputObject = $Value; Depth = 6; Compress = $true }
  if ($PSVersionTable.PSVersion.Major -ge 6) { $j.EnumsAsStrings = $true }
  $json = ConvertTo-Json @j
  $json = [regex]::Replace($json, '[^\\x00-\\x7F]', { '\\u{0:x4}' -f [int][char]$args[0].Value })
  [Console]::Out.WriteLine('<<<SWITCHYARD-' + $Kind)
  [Console]::Out.WriteLine($json)
  [Console]::Out.WriteLine('SWITCHYARD-' + $Kind + '>>>')
  [Console]::Out.Flush()
}
function Get-ErrInfo($e) {
  [ordered]@{ message = "$($e.Exception.Message)"; errorId = "$($e.FullyQualifiedErrorId)"; category = "$($e.CategoryInfo.Category)"; line = $e.InvocationInfo.ScriptLineNumber }
}
`;

/**
 * A complete script: the prelude, then `body` inside try/catch; anything uncaught is reported between
 * error markers and the process exits 1. `body` reports its result with `Out-Marked 'JSON' $value`.
 */
export function wrapScript(body: string): string {
  return `${PS_PRELUDE}try {
${body}
} catch {
  Out-Marked 'ERROR' (Get-ErrInfo $_)
  exit 1
}
`;
}

/** PowerShell expression: is this session elevated (full Administrators token)? */
export const PS_IS_ELEVATED =
  '([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)';

/** PowerShell expression: is the user in Hyper-V Administrators (S-1-5-32-578; enough for Hyper-V cmdlets)? */
export const PS_IS_HYPERV_ADMIN =
  "([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.SecurityIdentifier]'S-1-5-32-578')";

/** Script printing `{ "elevated": bool, "hypervAdmin": bool }` between JSON markers. */
export function isElevatedScript(): string {
  return wrapScript(
    `  Out-Marked 'JSON' ([ordered]@{ elevated = ${PS_IS_ELEVATED}; hypervAdmin = ${PS_IS_HYPERV_ADMIN} })`,
  );
}
