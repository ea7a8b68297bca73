/**
 * Elevation (docs/windows.md#elevation): most writes (switch, IP, NAT, forwarding, firewall, HKLM) need an
 * elevated Administrator token. `elevatedScript` wraps a whole apply script for ONE elevated run, so one
 * apply shows one UAC prompt: the non-elevated PowerShell starts a second, elevated one with
 * `Start-Process -Verb RunAs -PassThru` and a wait (Vagrant's powerup_command pattern); an elevated process
 * cannot write into the caller's pipes, so the elevated PowerShell runs the script in one more PowerShell
 * whose stdout/stderr go to temp files (`Start-Process -RedirectStandardOutput`), which the non-elevated
 * one prints and deletes. Declining the prompt fails Start-Process with "The operation was canceled by
 * the user" (Win32 ERROR_CANCELLED 1223; gerardog/gsudo#102, xtaci/kcptun#1009) → errorId
 * ElevationCancelled. A prompt needs an interactive desktop session: without a console (CI, services,
 * SSH) we refuse up front.
 * Caveat: when a standard user elevates with an administrator's credentials ("over the shoulder"), the
 * elevated script runs as that administrator — HKCU and %USERPROFILE% are the administrator's. Per-user
 * state (HKCU …\Lxss NatIpAddress, .wslconfig) must be read and written by the non-elevated run.
 */
import { createHash } from 'node:crypto';
import { EnvironmentError } from '../../errors.js';
import { psString } from '../../ps-quote.js';
import { POWERSHELL_FLAGS, encodeCommand } from './command-line.js';
import { ERROR_END, ERROR_START } from './markers.js';
import type { PsOutcome } from './outcome.js';
import { PS_IS_ELEVATED, PS_LANGUAGE_GUARD, wrapScript } from './prelude.js';
import { makeSpawnRunner, runPowerShell, type RunOptions } from './spawn-runner.js';

/** errorId when the user declined the UAC prompt. */
const ELEVATION_CANCELLED = 'ElevationCancelled';
/** errorId when the session cannot show a UAC prompt. */
const NOT_INTERACTIVE = 'NotInteractive';

export interface InteractivityProbe {
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

function systemInteractivity(): InteractivityProbe {
  return {
    // isTTY is undefined, not false, on a pipe (the types say boolean).
    stdinIsTTY: (process.stdin as { isTTY?: boolean }).isTTY === true,
    stdoutIsTTY: (process.stdout as { isTTY?: boolean }).isTTY === true,
    env: process.env,
  };
}

/**
 * Why a UAC prompt cannot be answered here, or undefined. A prompt appears on the interactive desktop of
 * the user's session; with no console there is normally nobody in front of it (CI, a service, a scheduled
 * task, an SSH session), and Start-Process -Verb RunAs would fail or wait forever.
 */
export function elevationBlocker(p: InteractivityProbe): string | undefined {
  const hint =
    'run switchyard from an elevated terminal ("Run as administrator"), or print the script with ' +
    '`switchyard script --target windows` and run it as Administrator';
  const ci = p.env.CI;
  if (ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false') {
    return `administrator rights are needed, and a UAC prompt cannot be answered in CI (CI=${ci}); ${hint}`;
  }
  if ((p.env.SSH_CONNECTION ?? '') !== '' || (p.env.SSH_CLIENT ?? '') !== '') {
    return `administrator rights are needed, and a UAC prompt cannot be shown over SSH; ${hint}`;
  }
  if (!p.stdinIsTTY && !p.stdoutIsTTY) {
    return `administrator rights are needed, and this session is not interactive (no console) to answer a UAC prompt; ${hint}`;
  }
  return undefined;
}

/**
 * The elevated side reads the script from a file the non-elevated parent wrote into its %TEMP%, so no
 * command line carries it (CreateProcess's 32,767 characters would otherwise bound a plan). The parent
 * computes the text's SHA-256 and passes it on the elevated command line; the elevated side reads the
 * file once, hashes what it read, and runs it only if the two match, so a file changed in between (by
 * anything running as the user) is refused, not run elevated.
 */
const GRANDCHILD = `$ErrorActionPreference = 'Stop'
${PS_LANGUAGE_GUARD}
$script = $env:SWITCHYARD_ELEVATED_SCRIPT
$hash = $env:SWITCHYARD_ELEVATED_HASH
$t = [IO.File]::ReadAllText($script)
$sha = [Security.Cryptography.SHA256]::Create()
$got = -join ($sha.ComputeHash([Text.Encoding]::UTF8.GetBytes($t)) | ForEach-Object { $_.ToString('x2') })
if ($got -ne $hash) { throw ('the script file ' + $script + ' changed before the elevated run read it; not run') }
. ([scriptblock]::Create($t))`;

/**
 * Waiting for a process from `Start-Process -PassThru` so that its ExitCode survives: PowerShell 7.4.0 returns
 * an empty ExitCode for `-PassThru -Wait` with `-RedirectStandard*` (PowerShell/PowerShell#20400, #20716;
 * fixed in 7.4.1), and without -Wait the code is lost unless the process handle was read before the process
 * ended (PowerShell/PowerShell#5421). So: no -Wait, read Handle at once, then WaitForExit(); a code still
 * missing is reported as a failure, never taken for 0.
 */
const WAIT_FOR_EXIT_CODE = '$null = $p.Handle; $p.WaitForExit()';

/**
 * The elevated child (started with -Verb RunAs): an elevated process cannot write into the non-elevated
 * caller's pipes, so — like Vagrant's powerup_command — it runs the verified script in one more
 * PowerShell with `Start-Process -RedirectStandardOutput/-RedirectStandardError` into `$out` and
 * `$out.err`, which the parent then prints. Redirecting at process level captures everything the script
 * writes, however it writes it. Both command lines are short: they carry paths and a hash, not the script.
 */
export function elevatedChildScript(scriptPath: string, hash: string, outPath: string): string {
  return `$ErrorActionPreference = 'Stop'
${PS_LANGUAGE_GUARD}
$out = ${psString(outPath)}
# To the grandchild through its environment (Start-Process passes this process's on).
$env:SWITCHYARD_ELEVATED_SCRIPT = ${psString(scriptPath)}
$env:SWITCHYARD_ELEVATED_HASH = ${psString(hash)}
$code = 1
try {
  $exe = (Get-Process -Id $PID).Path
  $p = Start-Process -FilePath $exe -ArgumentList @(${POWERSHELL_FLAGS.map(psString).join(', ')}, '-EncodedCommand', ${psString(encodeCommand(GRANDCHILD))}) -WindowStyle Hidden -PassThru -RedirectStandardOutput $out -RedirectStandardError ($out + '.err')
  ${WAIT_FOR_EXIT_CODE}
  $code = $p.ExitCode
  if ($null -eq $code) { $code = 1; throw 'the elevated script ended but Windows did not report its exit code' }
} catch {
  $e = ConvertTo-Json -Compress -InputObject ([ordered]@{ message = "$($_.Exception.Message)"; errorId = "$($_.FullyQualifiedErrorId)"; category = "$($_.CategoryInfo.Category)"; line = $_.InvocationInfo.ScriptLineNumber })
  [IO.File]::AppendAllText($out, [Environment]::NewLine + ${psString(ERROR_START)} + [Environment]::NewLine + $e + [Environment]::NewLine + ${psString(ERROR_END)} + [Environment]::NewLine)
}
exit $code
`;
}

/** SHA-256 of a script's text as UTF-8, lower-case hex: what the elevated side compares. */
export function scriptHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Wraps a complete script (see wrapScript) for one elevated run. The result is itself a script to run
 * non-elevated (runPowerShell, on stdin when long); it
 * - runs `inner` in-process if the session is already elevated (no prompt);
 * - refuses with errorId NotInteractive when Windows says the session is not interactive;
 * - otherwise writes `inner` to `%TEMP%\switchyard-<guid>.ps1` and starts the same PowerShell elevated —
 *   `Start-Process -Verb RunAs -PassThru`, hidden window, waited for (WAIT_FOR_EXIT_CODE) — with a short
 *   command line (the file's path and SHA-256, elevatedChildScript), whose own child writes stdout/stderr to `.out` / `.out.err`; then
 *   prints both, deletes the three files and exits with the script's exit code.
 *   A declined prompt → errorId ElevationCancelled.
 * No length limit: nothing of `inner` travels on a command line.
 */
export function elevatedScript(inner: string): string {
  return wrapScript(`  $inner = ${psString(inner)}
  if (${PS_IS_ELEVATED}) {
    . ([scriptblock]::Create($inner))
    exit 0
  }
  if (-not [Environment]::UserInteractive) {
    Out-Marked 'ERROR' ([ordered]@{ message = 'administrator rights are needed and this Windows session is not interactive, so no UAC prompt can be shown'; errorId = ${psString(NOT_INTERACTIVE)}; category = 'PermissionDenied'; line = $null })
    exit 3
  }
  # A verbatim literal of $s, at run time: each of the five single-quote characters doubled (ps-quote.ts).
  function Q([string]$s) { "'" + ($s -replace '[\\u0027\\u2018-\\u201B]', '$0$0') + "'" }
  $base = Join-Path ([IO.Path]::GetTempPath()) ('switchyard-' + [guid]::NewGuid().ToString('N'))
  $script = $base + '.ps1'
  $out = $base + '.out'
  [IO.File]::WriteAllText($script, $inner, [Text.UTF8Encoding]::new($false))
  $sha = [Security.Cryptography.SHA256]::Create()
  $hash = -join ($sha.ComputeHash([Text.Encoding]::UTF8.GetBytes($inner)) | ForEach-Object { $_.ToString('x2') })
  $child = ${psString(CHILD_TEMPLATE)}.Replace('@SCRIPT@', (Q $script)).Replace('@HASH@', (Q $hash)).Replace('@OUT@', (Q $out))
  $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($child))
  $exe = (Get-Process -Id $PID).Path
  try {
    $p = Start-Process -FilePath $exe -ArgumentList @(${POWERSHELL_FLAGS.map(psString).join(', ')}, '-EncodedCommand', $encoded) -Verb RunAs -WindowStyle Hidden -PassThru
    ${WAIT_FOR_EXIT_CODE}
  } catch {
    Remove-Item -LiteralPath $script -Force -ErrorAction SilentlyContinue
    $info = Get-ErrInfo $_
    $x = $_.Exception
    while ($x) {
      if ($x.NativeErrorCode -eq 1223) { $info.errorId = ${psString(ELEVATION_CANCELLED)}; $info.message = 'the UAC prompt was declined: ' + $info.message }
      $x = $x.InnerException
    }
    Out-Marked 'ERROR' $info
    exit 4
  }
  Remove-Item -LiteralPath $script -Force -ErrorAction SilentlyContinue
  if (-not (Test-Path -LiteralPath $out)) {
    Out-Marked 'ERROR' ([ordered]@{ message = 'the elevated PowerShell wrote no output'; errorId = 'NoElevatedOutput'; category = 'InvalidResult'; line = $null })
    exit 1
  }
  [Console]::Out.Write([IO.File]::ReadAllText($out))
  [Console]::Out.Flush()
  if (Test-Path -LiteralPath ($out + '.err')) { [Console]::Error.Write([IO.File]::ReadAllText($out + '.err')) }
  Remove-Item -LiteralPath @($out, ($out + '.err')) -Force -ErrorAction SilentlyContinue
  if ($null -eq $p.ExitCode) {
    Out-Marked 'ERROR' ([ordered]@{ message = 'the elevated PowerShell ended but Windows did not report its exit code'; errorId = 'ExitCodeLost'; category = 'InvalidResult'; line = $null })
    exit 1
  }
  exit $p.ExitCode`);
}

/** elevatedChildScript with placeholders the parent fills in at run time (paths and hash as literals). */
const CHILD_TEMPLATE = elevatedChildScript('@SCRIPT@', '@HASH@', '@OUT@')
  .replace("'@SCRIPT@'", '@SCRIPT@')
  .replace("'@HASH@'", '@HASH@')
  .replace("'@OUT@'", '@OUT@');

export interface ElevatedRunOptions extends RunOptions {
  interactivity?: InteractivityProbe;
}

/**
 * Runs `script` (a complete script, see wrapScript) once with administrator rights: one UAC prompt unless
 * the session is elevated already. Throws EnvironmentError up front when no prompt can be answered.
 * No timeout: the run waits for the person at the prompt.
 */
export async function runElevated(script: string, options: ElevatedRunOptions = {}): Promise<PsOutcome> {
  const blocker = elevationBlocker(options.interactivity ?? systemInteractivity());
  if (blocker !== undefined) throw new EnvironmentError(blocker);
  const runner = options.runner ?? makeSpawnRunner({ timeoutMs: 0 });
  return runPowerShell(elevatedScript(script), { ...options, runner });
}
