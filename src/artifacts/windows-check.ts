/**
 * `switchyard script --target windows --check`: the detection half of a fleet remediation pair (Intune
 * Remediations, a ConfigMgr configuration item, Ansible `win_powershell` + `changed_when`); the converge
 * script (windows-script.ts) is the remediation. Read-only: only Get- cmdlets, Test-Path and file reads.
 * Exit 0 when the host matches the config; exit 1 with one line of JSON, `{"drift":[{resource,key,want}]}`,
 * when it does not — and also when something could not be looked at (resource "unknown"): "could not look"
 * is never "nothing there". No elevation asked for: it looks through what a standard user may read (the
 * switch by its vEthernet adapter, since Get-VMSwitch needs Hyper-V Administrators and then reports a
 * missing permission as ObjectNotFound, kubernetes/minikube#15621). Windows PowerShell 5.1 syntax only.
 */
import type { Config } from '../config/schema.js';
import { planAddresses } from '../model/address-plan.js';
import { desiredHost } from '../model/desired.js';
import { natName } from '../model/resources/nat.js';
import { nrptComment } from '../model/resources/dns-rule.js';
import { formatCidr, formatIpv4 } from '../net/ipv4.js';
import { WSL_VM_CREATOR_ID } from '../host/windows/observation-types.js';
import { psArray, psString } from '../ps-quote.js';
import { PS_PRELUDE } from '../host/windows/prelude.js';
import { LXSS_HKLM, TASK_NAME, TASK_PATH } from '../model/marks.js';
import type { BootTaskSpec } from '../model/ops.js';

/**
 * The helpers: `Add-Drift` records one difference and prints it; `Invoke-Look` runs one read and returns its
 * objects, `@()` when the cmdlet says the object does not exist (category ObjectNotFound), or `$null` after
 * recording "could not look" for any other error (access denied, a missing module).
 */
const HELPERS = `$drift = New-Object System.Collections.ArrayList
function Add-Drift([string]$Resource, [string]$Key, [string]$Want) {
  [void]$drift.Add([ordered]@{ resource = $Resource; key = $Key; want = $Want })
  Write-Host ('drift: ' + $Resource + ' ' + $Key + ': ' + $Want)
}
function Invoke-Look([string]$What, [scriptblock]$Look) {
  try { return ,@(& $Look) } catch {
    if ("$($_.CategoryInfo.Category)" -eq 'ObjectNotFound') { return ,@() }
    Add-Drift 'unknown' $What ('could not look: ' + $_.Exception.Message)
    return $null
  }
}`;

export interface CheckOptions {
  /** The boot task the converge script registers (`--with-daemon`): checked too. */
  bootTask?: BootTaskSpec;
}

export function windowsCheckScript(config: Config, version: string, o: CheckOptions = {}): string {
  const ranges = planAddresses({ config, routes: [], pinned: undefined });
  if (ranges.errors.length > 0)
    throw new Error(`cannot choose the address ranges:\n  ${ranges.errors.join('\n  ')}`);
  const d = desiredHost(config, ranges, 'windows');
  const body: string[] = [
    `$WarningPreference = 'Continue'`,
    HELPERS,
    `$adapters = Invoke-Look 'adapters' { Get-NetAdapter }`,
    `$ipif = Invoke-Look 'IPv4 interfaces' { Get-NetIPInterface -AddressFamily IPv4 }`,
  ];
  for (const s of d.switches) {
    const a = psString(s.iface);
    const sub = formatCidr(s.subnet);
    body.push(
      `Write-Host ${psString(`checking switch ${s.name} (${sub})`)}`,
      `if ($null -ne $adapters -and -not ($adapters | Where-Object { $_.Name -eq ${a} })) { Add-Drift 'switch' ${psString(s.name)} ${psString(`internal switch with adapter ${s.iface}`)} }`,
      `$addr = Invoke-Look ${psString(`address on ${s.iface}`)} { Get-NetIPAddress -InterfaceAlias ${a} -AddressFamily IPv4 }`,
      `if ($null -ne $addr -and -not ($addr | Where-Object { $_.IPAddress -eq ${psString(formatIpv4(s.host))} -and $_.PrefixLength -eq ${s.subnet.prefix} })) { Add-Drift 'host-address' ${a} ${psString(`${formatIpv4(s.host)}/${s.subnet.prefix}`)} }`,
    );
    if (s.nat)
      body.push(
        `$nat = Invoke-Look ${psString(`NetNat ${natName(s.name)}`)} { Get-NetNat -Name ${psString(natName(s.name))} }`,
        `if ($null -ne $nat -and -not ($nat | Where-Object { $_.InternalIPInterfaceAddressPrefix -eq ${psString(sub)} })) { Add-Drift 'nat' ${psString(s.name)} ${psString(`NetNat ${natName(s.name)} for ${sub}`)} }`,
      );
    if (d.forwarding)
      body.push(
        `if ($null -ne $ipif -and -not ($ipif | Where-Object { $_.InterfaceAlias -eq ${a} -and @('Enabled', '1') -contains "$($_.Forwarding)" })) { Add-Drift 'forwarding' ${a} 'Enabled' }`,
      );
    if (s.dnsDomain !== undefined) {
      const ns = `.${s.dnsDomain}`;
      body.push(
        `$nrpt = Invoke-Look 'NRPT rules' { Get-DnsClientNrptRule }`,
        `if ($null -ne $nrpt -and -not ($nrpt | Where-Object { @($_.Namespace) -contains ${psString(ns)} -and (@($_.NameServers) -join ',') -eq ${psString(formatIpv4(s.host))} })) { Add-Drift 'dns-rule' ${psString(nrptComment(s.name))} ${psString(`${ns} -> ${formatIpv4(s.host)}`)} }`,
      );
    }
  }
  if (d.forwarding && d.wsl)
    body.push(
      `if ($null -ne $ipif -and ($ipif | Where-Object { $_.InterfaceAlias -like 'vEthernet (WSL*' -and @('Enabled', '1') -notcontains "$($_.Forwarding)" })) { Add-Drift 'forwarding' 'WSL' 'Enabled' }`,
    );
  if (d.firewall.length > 0) {
    body.push(
      `Write-Host 'checking firewall rules (group switchyard)'`,
      `$fw = Invoke-Look 'firewall rules' { Get-NetFirewallRule -Group 'switchyard' }`,
      `if ($null -ne $fw) {`,
      // Each rule by name, enabled, and on the switch's interface (a re-created vNIC leaves it on none).
      `  $wantOn = ${psArray(d.firewall.map((r) => r.iface ?? ''))}`,
      `  $i = 0`,
      `  foreach ($want in ${psArray(d.firewall.map((r) => r.name))}) {`,
      `    $on = $wantOn[$i]; $i++`,
      `    $hit = @($fw | Where-Object { $_.DisplayName -eq $want -and @('True', '1') -contains "$($_.Enabled)" })`,
      `    if ($hit.Count -gt 0 -and $on -ne '') { $hit = @($hit | Where-Object { @(($_ | Get-NetFirewallInterfaceFilter).InterfaceAlias) -contains $on }) }`,
      `    if ($hit.Count -eq 0) { Add-Drift 'firewall' $want ('enabled inbound allow rule on ' + $on) }`,
      `  }`,
      `}`,
    );
  }
  if (d.wsl) {
    const net = formatCidr(d.wsl.subnet);
    const gw = formatIpv4(d.wsl.gateway);
    body.push(
      `Write-Host ${psString(`checking WSL (${net})`)}`,
      `$lxss = Invoke-Look 'HKLM Lxss' { if (Test-Path ${psString(LXSS_HKLM)}) { Get-ItemProperty -Path ${psString(LXSS_HKLM)} } }`,
      `if ($null -ne $lxss) {`,
      `  $l = @($lxss) | Select-Object -First 1`,
      `  if (-not $l -or "$($l.NatNetwork)" -ne ${psString(net)} -or "$($l.NatGatewayIpAddress)" -ne ${psString(gw)}) { Add-Drift 'wsl-range' 'HKLM Lxss' ${psString(`NatNetwork ${net}, NatGatewayIpAddress ${gw}`)} }`,
      `}`,
      // .wslconfig: the first networkingMode line in [wsl2] (or the legacy [experimental]) must say nat.
      // .wslconfig is per-user: a SYSTEM agent would read its own profile's, so it says so and leaves it out.
      `if ([Security.Principal.WindowsIdentity]::GetCurrent().IsSystem) { Write-Host '.wslconfig is per-user: not checked as SYSTEM (use a user-context detection for it)' } else {`,
      `  $wslconfig = Join-Path $env:USERPROFILE '.wslconfig'`,
      `  $mode = $null; $section = ''`,
      `  if (Test-Path -LiteralPath $wslconfig) {`,
      `    foreach ($line in [IO.File]::ReadAllLines($wslconfig)) {`,
      `      if ($line -match '^\\s*\\[([A-Za-z][A-Za-z0-9]*)\\]') { $section = $Matches[1].ToLower(); continue }`,
      `      if ($null -eq $mode -and ($section -eq 'wsl2' -or $section -eq 'experimental') -and $line -match '^\\s*networkingMode\\s*=\\s*"?([A-Za-z]*)"?') { $mode = $Matches[1].ToLower() }`,
      `    }`,
      `  }`,
      `  if ($mode -ne 'nat') { Add-Drift 'wslconfig' '.wslconfig' 'networkingMode=nat' }`,
      `}`,
    );
    if (d.forwarding)
      body.push(
        `if (Get-Command -Name 'Get-NetFirewallHyperVVMSetting' -ErrorAction SilentlyContinue) {`,
        `  $hv = Invoke-Look 'Hyper-V firewall' { Get-NetFirewallHyperVVMSetting -PolicyStore ActiveStore -Name ${psString(WSL_VM_CREATOR_ID)} }`,
        // The enum reads as its name, or as its number (Allow 2, AllowBypass 3: observation-parse.ts ACTIONS).
        `  if ($null -ne $hv -and -not (@($hv) | Where-Object { @('Allow', 'AllowBypass', '2', '3') -contains "$($_.DefaultInboundAction)" })) { Add-Drift 'hyperv-firewall' 'WSL' 'DefaultInboundAction Allow' }`,
        `}`,
      );
  }
  if (o.bootTask) {
    body.push(
      `Write-Host 'checking the boot task'`,
      `$task = Invoke-Look 'boot task' { Get-ScheduledTask -TaskPath ${psString(TASK_PATH)} -TaskName ${psString(TASK_NAME)} }`,
      `if ($null -ne $task) {`,
      `  $act = @(@($task) | ForEach-Object { $_.Actions }) | Select-Object -First 1`,
      `  if (-not $act -or $act.Execute -ne ${psString(o.bootTask.execute)} -or $act.Arguments -ne ${psString(o.bootTask.arguments)}) { Add-Drift 'boot-task' ${psString(`${TASK_PATH}${TASK_NAME}`)} ${psString(`${o.bootTask.execute} ${o.bootTask.arguments}`)} }`,
      `}`,
    );
  }
  body.push(
    `if ($drift.Count -eq 0) { Write-Host 'compliant: the host matches the config'; exit 0 }`,
    // One line of JSON on stdout, last: what Intune shows as the detection output and Ansible can parse.
    `[Console]::Out.WriteLine((ConvertTo-Json -InputObject ([ordered]@{ drift = @($drift) }) -Compress -Depth 4))`,
    `exit 1`,
  );
  const header = [
    `# switchyard ${version}: detects drift of this Windows host from the config (read-only; no elevation needed).`,
    '# Generated by `switchyard script --target windows --check`. Exit 0: compliant. Exit 1: drift, one JSON line.',
    // The prelude's Out-Marked and Get-ErrInfo are used for unexpected errors only (exit 1 too).
    '',
  ];
  // Unexpected errors: reported as drift of kind "error" in the same one-line JSON, exit 1.
  return (
    header.join('\n') +
    PS_PRELUDE +
    // Not indented: a line break inside a string literal is part of the value.
    `try {\n${body.join('\n')}\n} catch {\n` +
    `  [Console]::Out.WriteLine((ConvertTo-Json -InputObject ([ordered]@{ drift = @([ordered]@{ resource = 'error'; key = ''; want = "$($_.Exception.Message)" }) }) -Compress -Depth 4))\n` +
    `  exit 1\n}\n`
  );
}
