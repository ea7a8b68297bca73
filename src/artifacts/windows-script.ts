/**
 * `switchyard script --target windows`: one idempotent PowerShell script that converges a Windows host to
 * the config, for review or for fleet tools that run scripts rather than Node. It is the plan against an
 * empty host (every resource created), made of guarded operations, so running it on a host that is already
 * converged changes nothing. Ranges left `auto` are resolved here, on this machine, and written into the
 * script; the script itself refuses to run where they clash with the target's routes.
 */
import { writtenConfig, type Config } from '../config/schema.js';
import { planAddresses } from '../model/address-plan.js';
import { desiredHost } from '../model/desired.js';
import { emptyHost } from '../model/observed.js';
import { makePlan } from '../reconcile/plan.js';
import { formatCidr, formatIpv4 } from '../net/ipv4.js';
import { PS_IS_ELEVATED, wrapScript } from '../host/windows/prelude.js';
import { renderOpPs } from '../host/windows/ops.js';
import { psArray, psComment, psString } from '../ps-quote.js';
import { registerTaskStatements } from '../host/windows/task.js';
import { stringify } from 'yaml';
import { LXSS_HKLM, TASK_NAME, TASK_PATH } from '../model/marks.js';
import type { BootTaskSpec } from '../model/ops.js';
import { bootTaskSpec } from './scheduled-task.js';
import type { AddressPlan } from '../model/address-plan.js';

export interface ScriptOptions {
  /**
   * `--with-daemon PATH`: also register the boot task running PATH (switchyard.exe, the single-executable
   * build) as `serve`, with the config written beside its state, ranges resolved as in this script.
   */
  daemon?: string;
}

/** Where a fleet-provisioned host keeps the daemon's state and config (the Windows default of state-dir.ts). */
export function fleetStateDir(config: Config): string {
  return config.stateDir ?? 'C:\\ProgramData\\switchyard';
}

/** The boot task `--with-daemon PATH` registers: PATH serve, config and log in the state directory. */
export function fleetBootTask(config: Config, program: string): BootTaskSpec {
  const dir = fleetStateDir(config);
  return bootTaskSpec({
    nodePath: program,
    configPath: `${dir}\\switchyard.yaml`,
    stateDir: dir,
    logFile: `${dir}\\switchyard.log`,
  });
}

/** The config as the daemon on the target must read it: every `auto` range as this script resolved it. */
function resolvedConfigText(config: Config, ranges: AddressPlan): string {
  const c = structuredClone(config);
  for (const sw of c.switches) {
    const r = ranges.switches.find((x) => x.name === sw.name);
    if (r) {
      sw.subnet = r.subnet;
      sw.host = r.host;
    }
  }
  if (c.wsl && ranges.wsl) {
    c.wsl.subnet = ranges.wsl.subnet;
    c.wsl.gateway = ranges.wsl.gateway;
  }
  return stringify(writtenConfig(c));
}

/**
 * .wslconfig `networkingMode=nat`, edited in PowerShell: a simpler reader than the CLI's (wslconfig.ts), with
 * the same outcome for the usual files — the first networkingMode line in [wsl2]/[experimental] gets the value
 * nat, else the line is added under [wsl2], else a [wsl2] section is appended; written back in the encoding
 * its byte-order mark says (Notepad and 5.1's Out-File write UTF-16 LE). The file is per-user: as SYSTEM (a
 * fleet agent) it is left alone and said so.
 */
const WSLCONFIG_STEP = String.raw`if ([Security.Principal.WindowsIdentity]::GetCurrent().IsSystem) {
    Write-Host '  .wslconfig is per-user: run this script once as the user (or a user-context remediation) for networkingMode=nat'
  } else {
    $path = Join-Path $env:USERPROFILE '.wslconfig'
    $lines = New-Object System.Collections.ArrayList
    $encoding = [Text.UTF8Encoding]::new($false)
    if (Test-Path -LiteralPath $path) {
      foreach ($l in [IO.File]::ReadAllLines($path)) { [void]$lines.Add($l) }
      $b = [IO.File]::ReadAllBytes($path)
      if ($b.Length -ge 3 -and $b[0] -eq 0xEF -and $b[1] -eq 0xBB -and $b[2] -eq 0xBF) { $encoding = [Text.UTF8Encoding]::new($true) }
      elseif ($b.Length -ge 2 -and $b[0] -eq 0xFF -and $b[1] -eq 0xFE) { $encoding = [Text.UnicodeEncoding]::new($false, $true) }
      elseif ($b.Length -ge 2 -and $b[0] -eq 0xFE -and $b[1] -eq 0xFF) { $encoding = [Text.UnicodeEncoding]::new($true, $true) }
    }
    $section = ''; $found = -1; $header = -1
    for ($i = 0; $i -lt $lines.Count; $i++) {
      if ($lines[$i] -match '^\s*\[([A-Za-z][A-Za-z0-9]*)\]') { $section = $Matches[1].ToLower(); if ($section -eq 'wsl2' -and $header -lt 0) { $header = $i }; continue }
      if ($found -lt 0 -and ($section -eq 'wsl2' -or $section -eq 'experimental') -and $lines[$i] -match '^\s*networkingMode\s*=') { $found = $i }
    }
    $changed = $true
    if ($found -ge 0) {
      if ($lines[$found] -match '^\s*networkingMode\s*=\s*"?nat"?\s*(#.*)?$') { $changed = $false } else { $lines[$found] = 'networkingMode=nat' }
    } elseif ($header -ge 0) { $lines.Insert($header + 1, 'networkingMode=nat') }
    else { [void]$lines.Add('[wsl2]'); [void]$lines.Add('networkingMode=nat') }
    if ($changed) {
      [IO.File]::WriteAllText($path, (($lines -join "$([char]13)$([char]10)") + "$([char]13)$([char]10)"), $encoding)
      Write-Host ('  wrote networkingMode=nat to ' + $path)
      $needWslShutdown = $true
    }
  }`;

/**
 * Progress text as ASCII: Windows PowerShell 5.1 reads a script file without a BOM in the ANSI code page, where
 * the UTF-8 bytes of "→" end in 0x92, which cp1252 maps to U+2019 — a character PowerShell takes as a quote.
 */
function asciiText(text: string): string {
  return text
    .replace(/\r?\n/g, ' ')
    .replace(/→/g, '->')
    .replace(/[—–]/g, '-')
    .replace(/[^\x20-\x7e]/g, '?');
}

export function windowsScript(config: Config, version: string, o: ScriptOptions = {}): string {
  const ranges = planAddresses({ config, routes: [], pinned: undefined });
  if (ranges.errors.length > 0)
    throw new Error(`cannot choose the address ranges:\n  ${ranges.errors.join('\n  ')}`);
  const desired = desiredHost(config, ranges, 'windows');
  const host = emptyHost('windows');
  host.wslInterface = 'WSL';
  // NRPT observed as empty, so the plan adds each switch's rule (addNrptRule itself skips an equal one).
  host.nrpt = { rules: [], groupPolicy: false };
  const plan = makePlan(desired, host);
  const ranged = [
    ...desired.switches.map((s) => formatCidr(s.subnet)),
    ...(desired.wsl ? [formatCidr(desired.wsl.subnet)] : []),
  ];
  const body: string[] = [
    `  if (-not ${PS_IS_ELEVATED}) { throw 'run this script elevated (as Administrator)' }`,
    // Fleet tools log what a script prints: cmdlet warnings are part of it (the prelude silences them for the CLI's own runs).
    `  $WarningPreference = 'Continue'`,
    `  $needWslShutdown = $false`,
    // Preflight: the chosen ranges must not clash with the target's routes (a VPN's, say), other than our own adapters'.
    `  $ours = ${psArray(desired.switches.map((s) => s.iface))} + @(Get-NetAdapter -Name 'vEthernet (WSL*' -ErrorAction SilentlyContinue | ForEach-Object { $_.Name })`,
    `  foreach ($range in ${psArray(ranged)}) {`,
    `    $clash = Get-NetRoute -AddressFamily IPv4 -ErrorAction SilentlyContinue | Where-Object { $ours -notcontains $_.InterfaceAlias -and $_.DestinationPrefix -ne '0.0.0.0/0' -and (Test-Overlap $_.DestinationPrefix $range) }`,
    `    if ($clash) { throw ('range ' + $range + ' clashes with route ' + $clash[0].DestinationPrefix + ' on ' + $clash[0].InterfaceAlias + ': set the range in the config') }`,
    `  }`,
  ];
  const steps = plan.changes.length + (desired.wsl ? 2 : 0) + (o.daemon !== undefined ? 1 : 0);
  let step = 0;
  const say = (text: string): void => {
    step++;
    body.push(`  Write-Host ${psString(`[${step}/${steps}] ${asciiText(text)}`)}`);
  };
  for (const c of plan.changes) {
    say(`${c.resource} ${c.key}: ${c.detail}`);
    if (c.resource === 'wsl-range') {
      // WSL reads its NAT range when its VM starts: a changed value needs `wsl --shutdown`.
      body.push(
        `  $was = Get-ItemProperty -Path ${psString(LXSS_HKLM)} -ErrorAction SilentlyContinue`,
        ...c.ops.map((op) => renderOpPs(op)),
        `  if (-not $was -or "$($was.NatNetwork)" -ne ${psString(desired.wsl ? formatCidr(desired.wsl.subnet) : '')}) { $needWslShutdown = $true }`,
      );
      continue;
    }
    if (c.resource === 'forwarding' && c.key === 'WSL') {
      // The WSL adapter's name depends on WSL's firewall setting: both names occur (docs/windows.md#wsl-adapter).
      body.push(`  # ${c.action} forwarding on WSL's adapter, whichever name it has`);
      body.push(
        `  Get-NetAdapter -Name 'vEthernet (WSL*' -ErrorAction SilentlyContinue | ForEach-Object { Set-NetIPInterface -InterfaceAlias $_.Name -AddressFamily IPv4 -Forwarding Enabled }`,
      );
      continue;
    }
    body.push(`  ${psComment(`${c.action} ${c.resource} ${c.key}: ${c.detail}`)}`);
    // Not indented: a line break inside a string literal (.wslconfig's text) is part of the value.
    for (const op of c.ops) body.push(renderOpPs(op));
  }
  if (desired.wsl) {
    say('wslconfig .wslconfig: networkingMode=nat (WSL reads the pinned range only in NAT mode)');
    body.push(`  ${WSLCONFIG_STEP}`);
    say(
      'hyperv-firewall WSL: DefaultInboundAction Allow, so VMs on the switches can reach WSL (Windows 11 22H2+)',
    );
    body.push(renderOpPs({ op: 'setHyperVFirewallInbound' }));
  }
  if (o.daemon !== undefined) {
    const dir = fleetStateDir(config);
    const task = fleetBootTask(config, o.daemon);
    say(`boot-task ${TASK_PATH}${TASK_NAME}: ${task.execute} ${task.arguments}`);
    body.push(
      `  $dir = ${psString(dir)}`,
      '  New-Item -ItemType Directory -Force -Path $dir | Out-Null',
      // The task runs as SYSTEM and reads its config here; ProgramData lets standard users create and own
      // folders, so the folder is given to Administrators and only SYSTEM and Administrators may write.
      "  & icacls.exe $dir /setowner '*S-1-5-32-544' /T /C /Q | Out-Null",
      "  & icacls.exe $dir /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' '*S-1-5-32-545:(OI)(CI)RX' /T /C /Q | Out-Null",
      "  if ($LASTEXITCODE -ne 0) { throw ('icacls could not restrict ' + $dir + ' to Administrators and SYSTEM') }",
      `  [IO.File]::WriteAllText((Join-Path $dir 'switchyard.yaml'), ${psString(resolvedConfigText(config, ranges))})`,
      ...registerTaskStatements(task).map((l) => `  ${l}`),
    );
  }
  body.push(
    `  if ($needWslShutdown) { Write-Host 'WSL must restart to use this: run  wsl --shutdown  (it stops every running distribution)' }`,
  );
  body.push(`  Write-Host 'done: the host matches the config'`);
  body.push(`  Out-Marked 'JSON' ([ordered]@{ converged = $true; wslShutdownNeeded = $needWslShutdown })`);
  const header = [
    `# switchyard ${version}: converges this Windows host to the config (idempotent: safe to run again).`,
    `# Generated by \`switchyard script --target windows\`. Run elevated. Ranges chosen at generation time:`,
    // Switch names cannot hold newlines (the schema refuses them), so a name cannot end this comment.
    ...desired.switches.map(
      (s) => `#   switch ${s.name}: ${formatCidr(s.subnet)} (host ${formatIpv4(s.host)})`,
    ),
    ...(desired.wsl ? [`#   wsl: ${formatCidr(desired.wsl.subnet)}`] : []),
    '',
  ];
  // After the prelude, whose language-mode check must come before any .NET call.
  return header.join('\n') + '\n' + wrapScript([TEST_OVERLAP, ...body].join('\n'));
}

/** A small CIDR overlap test in PowerShell (IPv4), used by the preflight. */
const TEST_OVERLAP = `function Test-Overlap([string]$a, [string]$b) {
  function ToRange([string]$c) {
    $ip, $len = $c.Split('/'); $bytes = ([Net.IPAddress]::Parse($ip)).GetAddressBytes(); [Array]::Reverse($bytes)
    $n = [BitConverter]::ToUInt32($bytes, 0); $size = [math]::Pow(2, 32 - [int]$len)
    $start = [math]::Floor($n / $size) * $size; return @($start, ($start + $size - 1))
  }
  $x = ToRange $a; $y = ToRange $b
  return ($x[0] -le $y[1]) -and ($y[0] -le $x[1])
}`;
