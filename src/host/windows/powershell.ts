/**
 * Running PowerShell scripts on the Windows host — from Windows itself or from inside WSL — and reading
 * their results back. Pure except for `systemProbe`, `makeSpawnRunner` and the `run*` functions, which
 * take an injectable Runner so tests need no Windows.
 *
 * How a script travels (research/windows-anchors.md §4.1, §4.5):
 * - Windows PowerShell 5.1 by absolute path (`%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe`;
 *   from WSL `/mnt/c/Windows/System32/…`, because WSL's `appendWindowsPath` may be off, so PATH may not
 *   reach Windows), with `-NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass` as Vagrant does.
 * - The script goes in `-EncodedCommand` (base64 of UTF-16LE): one argument of [A-Za-z0-9+/=] that needs
 *   no quoting through Node, cmd.exe, CreateProcess or WSL interop. Limit: a Windows command line holds at
 *   most 32,767 characters (CreateProcessW lpCommandLine), so a script may have roughly 12,000 characters.
 * - Results come back as one line of JSON between marker lines (`<<<SWITCHYARD-JSON` … `SWITCHYARD-JSON>>>`),
 *   errors as JSON between `<<<SWITCHYARD-ERROR` … `SWITCHYARD-ERROR>>>` (Vagrant's VagrantMessages.psm1
 *   does the same), so banners, warnings and profile noise around them cannot corrupt parsing. The JSON is
 *   escaped to ASCII inside PowerShell, so the console code page cannot mangle it either.
 * - stdin is not connected (an open stdin pipe can keep powershell.exe from exiting), and stderr may be
 *   CLIXML: with -EncodedCommand and redirected stderr PowerShell serialises error and progress records as
 *   `#< CLIXML <Objs…>` (PowerShell/PowerShell#5912, #16678); `clixmlToText` turns that back into text.
 *
 * Elevation (research §4.2, §4.4): most writes (switch, IP, NAT, forwarding, firewall, HKLM) need an
 * elevated Administrator token. `elevatedScript` wraps a whole apply script for ONE elevated run, so one
 * apply shows one UAC prompt: the non-elevated PowerShell starts a second, elevated one with
 * `Start-Process -Verb RunAs -Wait -PassThru` (Vagrant's powerup_command pattern); an elevated process
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
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EnvironmentError, InternalError } from '../../errors.js';
import type { RunResult, Runner } from '../linux/interfaces.js';
import { psString } from '../../ps-quote.js';

export type { RunResult, Runner };

// ---------------------------------------------------------------------------------------------------
// Where powershell.exe is

/** What powershellPath looks at; `systemProbe()` is the real one, tests pass their own. */
export interface HostProbe {
  platform: NodeJS.Platform;
  env: Readonly<Record<string, string | undefined>>;
  /** A small text file's content; undefined when it does not exist or cannot be read. */
  readFile: (path: string) => string | undefined;
}

export function systemProbe(): HostProbe {
  return {
    platform: process.platform,
    env: process.env,
    readFile: (path) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}

/** The binfmt_misc entries WSL registers for Windows executables (older builds: WSLInterop only). */
export const WSL_INTEROP_FILES = [
  '/proc/sys/fs/binfmt_misc/WSLInterop',
  '/proc/sys/fs/binfmt_misc/WSLInterop-late',
] as const;

/** Environment variable that names powershell.exe explicitly (both platforms); wins over detection. */
export const POWERSHELL_OVERRIDE_ENV = 'SWITCHYARD_POWERSHELL';

export interface WslState {
  wsl: boolean;
  /** From the binfmt_misc entry: "enabled"/"disabled" is its first line; "unknown" when no entry is visible. */
  interop: 'enabled' | 'disabled' | 'unknown';
}

/**
 * Whether this Linux runs inside WSL: a WSLInterop binfmt entry, WSL_DISTRO_NAME (set by WSL's init for
 * sessions it starts), or a "microsoft"/"WSL" kernel release (systemd services have no WSL_DISTRO_NAME, and
 * systemd-binfmt can wipe the binfmt entry: microsoft/WSL#8843).
 */
export function wslState(probe: HostProbe): WslState {
  if (probe.platform !== 'linux') return { wsl: false, interop: 'unknown' };
  let interop: WslState['interop'] = 'unknown';
  let entry = false;
  for (const file of WSL_INTEROP_FILES) {
    const text = probe.readFile(file);
    if (text === undefined) continue;
    entry = true;
    const first = text.split('\n', 1)[0]?.trim();
    if (first === 'enabled') interop = 'enabled';
    else if (first === 'disabled' && interop !== 'enabled') interop = 'disabled';
  }
  const release = probe.readFile('/proc/sys/kernel/osrelease') ?? '';
  const wsl = entry || (probe.env.WSL_DISTRO_NAME ?? '') !== '' || /microsoft|wsl/i.test(release);
  return { wsl, interop };
}

/** The last value of `key` in `[section]` of /etc/wsl.conf text (`#`/`;` comments, case-insensitive names). */
export function wslConfValue(wslConf: string | undefined, section: string, key: string): string | undefined {
  let current = '';
  let value: string | undefined;
  for (const raw of (wslConf ?? '').split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1]!.trim().toLowerCase();
      continue;
    }
    const kv = /^([^=]+)=(.*)$/.exec(line);
    if (current === section && kv && kv[1]!.trim().toLowerCase() === key) value = kv[2]!.trim();
  }
  return value;
}

/** `[automount] root` from /etc/wsl.conf (default "/mnt/"), always with a trailing slash. */
export function parseAutomountRoot(wslConf: string | undefined): string {
  const value = wslConfValue(wslConf, 'automount', 'root')?.replace(/^"(.*)"$/, '$1');
  if (value === undefined || !value.startsWith('/')) return '/mnt/';
  return value.endsWith('/') ? value : `${value}/`;
}

function envGet(env: HostProbe['env'], name: string): string | undefined {
  const direct = env[name];
  if (direct !== undefined && direct !== '') return direct;
  // Windows environment names are case-insensitive; an injected plain object is not.
  const key = Object.keys(env).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : env[key];
  return value === '' ? undefined : value;
}

export type PowerShellLocation =
  { ok: true; path: string; via: 'windows' | 'wsl' | 'override' } | { ok: false; reason: string };

/**
 * Where Windows PowerShell 5.1 is, for this process:
 * - `SWITCHYARD_POWERSHELL` if set;
 * - on Windows `%SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe` (`Sysnative` instead of
 *   `System32` from a 32-bit Node on 64-bit Windows, whose System32 is redirected to the 32-bit SysWOW64);
 * - inside WSL the same file through the drvfs mount, `/mnt/c/Windows/System32/…` (the mount root from
 *   /etc/wsl.conf `[automount] root`), by absolute path since PATH may not include Windows directories.
 *   Assumes Windows lives on C: (WSL cannot see %SystemRoot% before interop works); override otherwise.
 */
export function powershellPath(probe: HostProbe = systemProbe()): PowerShellLocation {
  const override = envGet(probe.env, POWERSHELL_OVERRIDE_ENV);
  if (override !== undefined) return { ok: true, path: override, via: 'override' };
  if (probe.platform === 'win32') {
    const root = (envGet(probe.env, 'SystemRoot') ?? envGet(probe.env, 'windir') ?? 'C:\\Windows').replace(
      /[\\/]+$/,
      '',
    );
    const wow64 = envGet(probe.env, 'PROCESSOR_ARCHITEW6432') !== undefined;
    const system = wow64 ? 'Sysnative' : 'System32';
    return { ok: true, path: `${root}\\${system}\\WindowsPowerShell\\v1.0\\powershell.exe`, via: 'windows' };
  }
  const wsl = wslState(probe);
  if (!wsl.wsl) {
    return {
      ok: false,
      reason: `no Windows host to reach: this is ${probe.platform}, not Windows and not inside WSL`,
    };
  }
  if (wsl.interop === 'disabled') {
    return {
      ok: false,
      reason:
        'Windows interop is disabled in this WSL distribution, so powershell.exe cannot run: set ' +
        '[interop] enabled=true in /etc/wsl.conf and restart WSL (wsl.exe --shutdown)',
    };
  }
  const mount = parseAutomountRoot(probe.readFile('/etc/wsl.conf'));
  return { ok: true, path: `${mount}c/Windows/System32/WindowsPowerShell/v1.0/powershell.exe`, via: 'wsl' };
}

// ---------------------------------------------------------------------------------------------------
// Command line

/** Flags for every run: no banner, no profile scripts, never prompt, ignore the execution policy. */
export const POWERSHELL_FLAGS: readonly string[] = [
  '-NoLogo',
  '-NoProfile',
  '-NonInteractive',
  '-ExecutionPolicy',
  'Bypass',
];

/** CreateProcessW: "The maximum length of this string is 32,767 characters", terminating NUL included. */
export const MAX_COMMAND_LINE_CHARS = 32_767;

/** The -EncodedCommand form of a script: base64 of its UTF-16LE bytes. */
export function encodeCommand(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64');
}

export function decodeCommand(encoded: string): string {
  return Buffer.from(encoded, 'base64').toString('utf16le');
}

/** Length of the Windows command line for `file args…` (quoted file, space-separated plain args, NUL). */
export function commandLineLength(file: string, args: readonly string[]): number {
  return file.length + 2 + args.reduce((n, a) => n + 1 + a.length, 0) + 1;
}

/** The arguments for running `script`; throws InternalError if the command line would be too long. */
export function powershellArgs(script: string, file = 'powershell.exe'): string[] {
  const args = [...POWERSHELL_FLAGS, '-EncodedCommand', encodeCommand(script)];
  const length = commandLineLength(file, args);
  if (length > MAX_COMMAND_LINE_CHARS) {
    throw new InternalError(
      `PowerShell script too long for one command line (${script.length} characters → ${length} of at most ` +
        `${MAX_COMMAND_LINE_CHARS}); split it`,
    );
  }
  return args;
}

/**
 * A script too long for one command line travels on stdin instead: the command line carries a short
 * bootstrap that reads the base64 text from stdin, decodes it and runs it in the same scope, as
 * -EncodedCommand would (exit codes included). Like -EncodedCommand it is not a script file, so an
 * execution policy set by Group Policy (AllSigned) does not block it, where `-File` of a temp file would be.
 */
function stdinBootstrap(): string {
  return `$ErrorActionPreference = 'Stop'
${PS_LANGUAGE_GUARD}
. ([scriptblock]::Create([Text.Encoding]::Unicode.GetString([Convert]::FromBase64String([Console]::In.ReadToEnd().Trim()))))`;
}

export interface PowerShellInvocation {
  args: string[];
  /** For stdin (the script, base64 of UTF-16LE), when it does not fit the command line. */
  input?: string;
}

/** How to run `script`: on the command line when it fits, else through stdin (no length limit). */
export function powershellInvocation(script: string, file = 'powershell.exe'): PowerShellInvocation {
  const args = [...POWERSHELL_FLAGS, '-EncodedCommand', encodeCommand(script)];
  if (commandLineLength(file, args) <= MAX_COMMAND_LINE_CHARS) return { args };
  return {
    args: [...POWERSHELL_FLAGS, '-EncodedCommand', encodeCommand(stdinBootstrap())],
    input: `${encodeCommand(script)}\n`,
  };
}

// ---------------------------------------------------------------------------------------------------
// Markers and the PowerShell side of them

export const JSON_START = '<<<SWITCHYARD-JSON';
export const JSON_END = 'SWITCHYARD-JSON>>>';
export const ERROR_START = '<<<SWITCHYARD-ERROR';
export const ERROR_END = 'SWITCHYARD-ERROR>>>';

/**
 * The text between the first `<<<SWITCHYARD-<kind>` line and the next `SWITCHYARD-<kind>>>` line, or
 * undefined if there is no complete block. Markers must be whole lines; the JSON in between is one line
 * (compressed, so no string in it can contain a line break), which means a value that happens to contain
 * marker text can never be taken for a marker.
 */
export function extractMarked(stdout: string, kind: 'JSON' | 'ERROR' = 'JSON'): string | undefined {
  const start = kind === 'JSON' ? JSON_START : ERROR_START;
  const end = kind === 'JSON' ? JSON_END : ERROR_END;
  const lines = stdout.split(/\r?\n/).map((l) => l.replace(/^\uFEFF/, '').trimEnd());
  const from = lines.indexOf(start);
  if (from < 0) return undefined;
  const to = lines.indexOf(end, from + 1);
  if (to < 0) return undefined;
  return lines.slice(from + 1, to).join('\n');
}

/**
 * First thing in every generated script that calls .NET directly: ConstrainedLanguage mode (an AppLocker or
 * WDAC policy, common on managed laptops) blocks static members of all but a few core types ([Console],
 * [IO.File], [Convert] among them; learn.microsoft.com/powershell/module/microsoft.powershell.core/about/
 * about_language_modes). The script then says so in an error marker, written with cmdlets that mode allows,
 * and exits 5, instead of failing half-way on the first .NET call.
 */
export const CONSTRAINED_LANGUAGE = 'ConstrainedLanguage';
export const PS_LANGUAGE_GUARD = `if ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
  Write-Output '${ERROR_START}'
  Write-Output (ConvertTo-Json -Compress -InputObject @{ message = ('PowerShell runs in ' + $ExecutionContext.SessionState.LanguageMode + ' mode on this machine (an AppLocker or WDAC policy), which blocks the .NET calls switchyard makes; ask IT to allow switchyard, or run it where PowerShell runs in FullLanguage mode'); errorId = '${CONSTRAINED_LANGUAGE}'; category = 'SecurityError'; line = $null })
  Write-Output '${ERROR_END}'
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

export interface Elevation {
  elevated: boolean;
  hypervAdmin: boolean;
}

/** The value printed by isElevatedScript, or undefined if it is not that shape. */
export function parseElevation(value: unknown): Elevation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { elevated, hypervAdmin } = value as Record<string, unknown>;
  if (typeof elevated !== 'boolean') return undefined;
  return { elevated, hypervAdmin: hypervAdmin === true };
}

// ---------------------------------------------------------------------------------------------------
// Reading a run back

/** A PowerShell failure, from our error markers or reconstructed from stderr/exit code. */
export interface PsFailure {
  message: string;
  /** FullyQualifiedErrorId (e.g. "Windows System Error 5,Set-NetIPInterface"), or our own ids. */
  errorId: string | null;
  /** ErrorCategory name (e.g. "PermissionDenied"). */
  category: string | null;
  /** Line in the generated script. */
  line: number | null;
}

export type PsOutcome =
  { ok: true; value: unknown; run: RunResult } | { ok: false; failure: PsFailure; run: RunResult };

function text(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function failureFrom(v: unknown): PsFailure | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  const message = text(r.message);
  if (message === null) return undefined;
  return {
    message,
    errorId: text(r.errorId),
    category: text(r.category),
    line: typeof r.line === 'number' && r.line > 0 ? r.line : null,
  };
}

/** Colour codes PowerShell 7 puts into error text (ESC [ … m). */
const ANSI_SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * stderr as readable text. PowerShell writes CLIXML (`#< CLIXML` then `<Objs>…<S S="Error">line_x000D__x000A_</S>…`)
 * when stderr is redirected; this keeps the error strings and decodes `_xHHHH_` and XML escapes. Other
 * text is returned trimmed.
 */
export function clixmlToText(stderr: string): string {
  if (!stderr.includes('#< CLIXML')) return stderr.trim();
  const parts: string[] = [];
  for (const m of stderr.matchAll(/<S S="Error">([\s\S]*?)<\/S>/g)) {
    parts.push(
      m[1]!
        .replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
        .replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => XML_ENTITIES[name] ?? ''),
    );
  }
  return parts.join('').replace(ANSI_SGR, '').trim();
}

/** Turns a finished run into its marked JSON value or a failure. Pure. */
export function interpretRun(run: RunResult): PsOutcome {
  const errorText = extractMarked(run.stdout, 'ERROR');
  if (errorText !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(errorText);
    } catch {
      parsed = undefined;
    }
    return {
      ok: false,
      failure: failureFrom(parsed) ?? { message: errorText, errorId: null, category: null, line: null },
      run,
    };
  }
  const jsonText = extractMarked(run.stdout, 'JSON');
  if (jsonText !== undefined) {
    try {
      return { ok: true, value: JSON.parse(jsonText) as unknown, run };
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return {
        ok: false,
        failure: {
          message: `output between markers is not JSON (${why})`,
          errorId: null,
          category: null,
          line: null,
        },
        run,
      };
    }
  }
  const stderr = clixmlToText(run.stderr);
  return {
    ok: false,
    failure: {
      message:
        stderr !== ''
          ? stderr
          : `PowerShell exited with code ${run.code} without a result` +
            (run.stdout.trim() === '' ? '' : `; output: ${run.stdout.trim().slice(0, 300)}`),
      errorId: null,
      category: null,
      line: null,
    },
    run,
  };
}

// ---------------------------------------------------------------------------------------------------
// Running

export interface SpawnRunnerOptions {
  /** Kill the process after this long; 0 = never (an elevated run waits for a person at the UAC prompt). */
  timeoutMs?: number;
}

/**
 * The real Runner: spawn without a shell, stdin not connected, no console window, output as UTF-8.
 * ENOENT (no such file) and ENOEXEC (WSL interop not registered) become EnvironmentErrors that say what to do.
 */
export function makeSpawnRunner(options: SpawnRunnerOptions = {}): Runner {
  const timeoutMs = options.timeoutMs ?? 120_000;
  return (file, args, input) =>
    new Promise<RunResult>((resolve, reject) => {
      const child = spawn(file, [...args], {
        stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
      // Written whole and closed at once: an open stdin can keep powershell.exe from exiting.
      if (input !== undefined) child.stdin?.end(input);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout?.on('data', (b: Buffer) => out.push(b));
      child.stderr?.on('data', (b: Buffer) => err.push(b));
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              child.kill();
            }, timeoutMs)
          : undefined;
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (timer) clearTimeout(timer);
        if (e.code === 'ENOENT') {
          reject(
            new EnvironmentError(
              `${file} not found; set ${POWERSHELL_OVERRIDE_ENV} to the path of powershell.exe`,
              { cause: e },
            ),
          );
        } else if (e.code === 'ENOEXEC') {
          reject(
            new EnvironmentError(
              `cannot run ${file}: WSL interop is not registered (systemd-binfmt may have removed it); ` +
                `add ":WSLInterop:M::MZ::/init:PF" to /usr/lib/binfmt.d/WSLInterop.conf and restart WSL`,
              { cause: e },
            ),
          );
        } else {
          reject(new EnvironmentError(`could not run ${file}: ${e.message}`, { cause: e }));
        }
      });
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        const stdout = Buffer.concat(out).toString('utf8');
        const stderr = Buffer.concat(err).toString('utf8');
        resolve({
          code: code ?? (signal ? 128 : 1),
          stdout,
          stderr: signal ? `${stderr}\nkilled by ${signal}` : stderr,
        });
      });
    });
}

export interface RunOptions {
  runner?: Runner;
  location?: PowerShellLocation;
}

function locate(options: RunOptions): string {
  const location = options.location ?? powershellPath();
  if (!location.ok) throw new EnvironmentError(location.reason);
  return location.path;
}

/** Runs a complete script (see wrapScript) once, not elevated, and interprets its output. */
export async function runPowerShell(script: string, options: RunOptions = {}): Promise<PsOutcome> {
  const file = locate(options);
  const how = powershellInvocation(script, file);
  const run = await (options.runner ?? makeSpawnRunner())(file, how.args, how.input);
  return interpretRun(run);
}

// ---------------------------------------------------------------------------------------------------
// Elevation

/** errorId when the user declined the UAC prompt. */
export const ELEVATION_CANCELLED = 'ElevationCancelled';
/** errorId when the session cannot show a UAC prompt. */
export const NOT_INTERACTIVE = 'NotInteractive';

export interface InteractivityProbe {
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

export function systemInteractivity(): InteractivityProbe {
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
  $p = Start-Process -FilePath $exe -ArgumentList @(${POWERSHELL_FLAGS.map(psString).join(', ')}, '-EncodedCommand', '${encodeCommand(GRANDCHILD)}') -WindowStyle Hidden -PassThru -Wait -RedirectStandardOutput $out -RedirectStandardError ($out + '.err')
  $code = $p.ExitCode
} catch {
  $e = ConvertTo-Json -Compress -InputObject ([ordered]@{ message = "$($_.Exception.Message)"; errorId = "$($_.FullyQualifiedErrorId)"; category = "$($_.CategoryInfo.Category)"; line = $_.InvocationInfo.ScriptLineNumber })
  [IO.File]::AppendAllText($out, [Environment]::NewLine + '${ERROR_START}' + [Environment]::NewLine + $e + [Environment]::NewLine + '${ERROR_END}' + [Environment]::NewLine)
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
 *   `Start-Process -Verb RunAs -Wait -PassThru`, hidden window — with a short command line (the file's path
 *   and SHA-256, elevatedChildScript), whose own child writes stdout/stderr to `.out` / `.out.err`; then
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
    Out-Marked 'ERROR' ([ordered]@{ message = 'administrator rights are needed and this Windows session is not interactive, so no UAC prompt can be shown'; errorId = '${NOT_INTERACTIVE}'; category = 'PermissionDenied'; line = $null })
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
    $p = Start-Process -FilePath $exe -ArgumentList @(${POWERSHELL_FLAGS.map(psString).join(', ')}, '-EncodedCommand', $encoded) -Verb RunAs -WindowStyle Hidden -PassThru -Wait
  } catch {
    Remove-Item -LiteralPath $script -Force -ErrorAction SilentlyContinue
    $info = Get-ErrInfo $_
    $x = $_.Exception
    while ($x) {
      if ($x.NativeErrorCode -eq 1223) { $info.errorId = '${ELEVATION_CANCELLED}'; $info.message = 'the UAC prompt was declined: ' + $info.message }
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
