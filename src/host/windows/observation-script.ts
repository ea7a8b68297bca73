/**
 * Observing a Windows host: ONE PowerShell script that gathers everything the planner needs.
 *
 * The script (observationScript) runs non-elevated. Each part is guarded: a cmdlet that does not exist
 * (no Hyper-V module, Windows 10 without Get-NetFirewallHyperVVMSetting) or that fails (Hyper-V cmdlets
 * refuse users who are neither elevated nor in Hyper-V Administrators) yields `null` for that part and a
 * note — never a failed observation. A CDXML query that matches nothing (FullyQualifiedErrorId
 * `CmdletizationQuery_NotFound…`, docs/windows.md#errors-powershell-prints) is an empty list, not an error.
 * Parts are collected with `@(…)` into a hashtable and serialised with `ConvertTo-Json -InputObject`
 * (never the pipeline), so a one-element list stays a list on 5.1 (PowerShell/PowerShell#11857).
 */
import { psArray, psString } from '../../ps-quote.js';
import { FIREWALL_GROUP, LXSS_HKLM, LXSS_KEY, NRPT_MARK, TASK_NAME, TASK_PATH } from '../../model/marks.js';
import { NRPT_GPO_KEY, OBSERVATION_SCHEMA, WSL_VM_CREATOR_ID } from './observation-types.js';
import { PS_IS_ELEVATED, PS_IS_HYPERV_ADMIN, wrapScript } from './prelude.js';

export interface ObservationOptions {
  /** Our firewall rule group; default FIREWALL_GROUP (model/marks.ts). */
  firewallGroup?: string;
  /**
   * DNS namespaces whose NRPT rules to report besides switchyard's own, e.g. ["switchyard.internal"]
   * (leading dot optional); default: every rule.
   */
  nrptNamespaces?: readonly string[];
}

/**
 * The observation script: prints one JSON object between JSON markers (see markers.ts). Config values
 * (firewall group, namespaces) enter only as quoted literals.
 */
export function observationScript(options: ObservationOptions = {}): string {
  const group = options.firewallGroup ?? FIREWALL_GROUP;
  const namespaces = (options.nrptNamespaces ?? []).map((n) => n.replace(/^\.+/, ''));
  const sel = (...props: string[]): string => psArray(props);
  const hv = (prop: string): string => `@{ n = ${psString(prop)}; e = { "$($_.${prop})" } }`;
  return wrapScript(`  $fwGroup = ${psString(group)}
  $nrptNames = ${psArray(namespaces)}
  $r = [ordered]@{ schema = ${OBSERVATION_SCHEMA}; psVersion = $PSVersionTable.PSVersion.ToString(); psEdition = "$($PSVersionTable.PSEdition)"; collectedAt = [DateTime]::UtcNow; elevated = $false; hypervAdmin = $false }
  $notes = [Collections.ArrayList]::new()
  function Add-Note($Section, $Message, $ErrorId) {
    [void]$notes.Add([ordered]@{ section = $Section; message = "$Message"; errorId = "$ErrorId" })
  }
  # Runs $Body into $r[$Name]: null plus a note if $Command is missing or fails; @() if a CIM query found nothing.
  function Get-Section($Name, $Module, $Command, [scriptblock]$Body) {
    $r[$Name] = $null
    if ($Command -and -not (Get-Command -Name $Command -Module $Module -ErrorAction SilentlyContinue)) {
      Add-Note $Name "$Module\\$Command is not available on this system" 'CommandNotFound'
      return
    }
    try {
      $r[$Name] = @(& $Body)
    } catch {
      if ("$($_.FullyQualifiedErrorId)" -like 'CmdletizationQuery_NotFound*') { $r[$Name] = @() }
      else { Add-Note $Name $_.Exception.Message $_.FullyQualifiedErrorId }
    }
  }
  try {
    $r.elevated = ${PS_IS_ELEVATED}
    $r.hypervAdmin = ${PS_IS_HYPERV_ADMIN}
  } catch { Add-Note 'elevated' $_.Exception.Message $_.FullyQualifiedErrorId }
  Get-Section 'switches' 'Hyper-V' 'Get-VMSwitch' {
    Hyper-V\\Get-VMSwitch | Select-Object -Property ${sel('Name', 'Id', 'SwitchType', 'Notes')}
  }
  Get-Section 'adapters' 'NetAdapter' 'Get-NetAdapter' {
    NetAdapter\\Get-NetAdapter -Name 'vEthernet (*' -IncludeHidden | Select-Object -Property ${sel('Name', 'InterfaceIndex', 'Status', 'MacAddress')}
  }
  Get-Section 'addresses' 'NetTCPIP' 'Get-NetIPAddress' {
    NetTCPIP\\Get-NetIPAddress -AddressFamily IPv4 | Select-Object -Property ${sel('IPAddress', 'PrefixLength', 'InterfaceAlias', 'InterfaceIndex', 'PrefixOrigin', 'SuffixOrigin', 'AddressState')}
  }
  Get-Section 'interfaces' 'NetTCPIP' 'Get-NetIPInterface' {
    NetTCPIP\\Get-NetIPInterface -AddressFamily IPv4 | Select-Object -Property ${sel('InterfaceAlias', 'InterfaceIndex', 'Forwarding', 'NlMtu', 'InterfaceMetric', 'ConnectionState')}
  }
  Get-Section 'nats' 'NetNat' 'Get-NetNat' {
    NetNat\\Get-NetNat | Select-Object -Property ${sel('Name', 'InternalIPInterfaceAddressPrefix', 'Active')}
  }
  Get-Section 'routes' 'NetTCPIP' 'Get-NetRoute' {
    NetTCPIP\\Get-NetRoute -AddressFamily IPv4 -PolicyStore ActiveStore | Select-Object -Property ${sel('DestinationPrefix', 'InterfaceAlias', 'InterfaceIndex', 'NextHop', 'RouteMetric')}
  }
  Get-Section 'firewallRules' 'NetSecurity' 'Get-NetFirewallRule' {
    NetSecurity\\Get-NetFirewallRule -Group $fwGroup | ForEach-Object {
      $pf = $_ | NetSecurity\\Get-NetFirewallPortFilter
      $af = $_ | NetSecurity\\Get-NetFirewallAddressFilter
      $if = $_ | NetSecurity\\Get-NetFirewallInterfaceFilter
      [pscustomobject]@{ Name = $_.Name; DisplayName = $_.DisplayName; Group = $_.Group; Enabled = $_.Enabled; Direction = $_.Direction; Action = $_.Action; Protocol = $pf.Protocol; LocalPort = $pf.LocalPort; RemoteAddress = $af.RemoteAddress; InterfaceAlias = @($if.InterfaceAlias) }
    }
  }
  # Enforced, not local: Group Policy's "Apply local firewall rules: No" shows here as AllowLocalFirewallRules
  # False (learn.microsoft.com/windows/security/operating-system-security/network-security/windows-firewall/rules).
  Get-Section 'firewallProfiles' 'NetSecurity' 'Get-NetFirewallProfile' {
    NetSecurity\\Get-NetFirewallProfile -PolicyStore ActiveStore | Select-Object -Property @('Name', ${hv('AllowLocalFirewallRules')})
  }
  # Value names of this cmdlet's enums are not documented as numbers: ask for the names in every version.
  Get-Section 'hypervFirewall' 'NetSecurity' 'Get-NetFirewallHyperVVMSetting' {
    NetSecurity\\Get-NetFirewallHyperVVMSetting -PolicyStore ActiveStore -Name ${psString(WSL_VM_CREATOR_ID)} | Select-Object -Property @('Name', ${hv('Enabled')}, ${hv('DefaultInboundAction')}, ${hv('DefaultOutboundAction')}, ${hv('LoopbackEnabled')})
  }
  # Without -PolicyStore: the persistent (local) store, what Set-NetFirewallHyperVVMSetting wrote; an MDM
  # policy shows only in the ActiveStore above.
  Get-Section 'hypervFirewallLocal' 'NetSecurity' 'Get-NetFirewallHyperVVMSetting' {
    NetSecurity\\Get-NetFirewallHyperVVMSetting -Name ${psString(WSL_VM_CREATOR_ID)} | Select-Object -Property @('Name', ${hv('Enabled')}, ${hv('DefaultInboundAction')}, ${hv('DefaultOutboundAction')}, ${hv('LoopbackEnabled')})
  }
  Get-Section 'nrptRules' 'DnsClient' 'Get-DnsClientNrptRule' {
    DnsClient\\Get-DnsClientNrptRule | Where-Object { $nrptNames.Count -eq 0 -or "$($_.Comment)" -like ${psString(`${NRPT_MARK}*`)} -or @($_.Namespace | Where-Object { $nrptNames -contains "$_".TrimStart('.') }).Count -gt 0 } | Select-Object -Property ${sel('Name', 'Namespace', 'NameServers', 'DisplayName', 'Comment')}
  }
  Get-Section 'nrptPolicy' $null $null {
    [ordered]@{ groupPolicy = [bool](Test-Path -LiteralPath ${psString(`HKLM:\\${NRPT_GPO_KEY}`)}) }
  }
  Get-Section 'vmAdapters' 'Hyper-V' 'Get-VMNetworkAdapter' {
    Hyper-V\\Get-VMNetworkAdapter -VMName * | Select-Object -Property ${sel('VMName', 'SwitchName')}
  }
  Get-Section 'bootTask' 'ScheduledTasks' 'Get-ScheduledTask' {
    ScheduledTasks\\Get-ScheduledTask -TaskPath ${psString(TASK_PATH)} -TaskName ${psString(TASK_NAME)} | ForEach-Object { $a = @($_.Actions)[0]; [pscustomobject]@{ Execute = $a.Execute; Arguments = $a.Arguments } }
  }
  Get-Section 'wsl' $null $null {
    $m = Get-ItemProperty -LiteralPath ${psString(LXSS_HKLM)} -ErrorAction SilentlyContinue
    $u = Get-ItemProperty -LiteralPath ${psString(`HKCU:\\${LXSS_KEY}`)} -ErrorAction SilentlyContinue
    $cfg = Join-Path $env:USERPROFILE '.wslconfig'
    $text = $null
    $enc = $null
    if (Test-Path -LiteralPath $cfg -PathType Leaf) {
      $text = [IO.File]::ReadAllText($cfg)
      # The byte-order mark says how to write it back (ReadAllText itself decodes by it).
      $b = [IO.File]::ReadAllBytes($cfg)
      $enc = 'utf8'
      if ($b.Length -ge 3 -and $b[0] -eq 0xEF -and $b[1] -eq 0xBB -and $b[2] -eq 0xBF) { $enc = 'utf8bom' }
      elseif ($b.Length -ge 2 -and $b[0] -eq 0xFF -and $b[1] -eq 0xFE) { $enc = 'utf16le' }
      elseif ($b.Length -ge 2 -and $b[0] -eq 0xFE -and $b[1] -eq 0xFF) { $enc = 'utf16be' }
    }
    [ordered]@{ natNetwork = $m.NatNetwork; natGatewayIpAddress = $m.NatGatewayIpAddress; natIpAddress = $u.NatIpAddress; wslconfigPath = $cfg; wslconfig = $text; wslconfigEncoding = $enc }
  }
  $r.notes = @($notes)
  Out-Marked 'JSON' $r`);
}
