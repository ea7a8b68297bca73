# NetSecurity cmdlets of the simulated Windows: firewall rules and the Hyper-V firewall. Sources:
# microsoft/WSL#11693 and danosito/JetBrainsActivator#3 (recorded output),
# learn.microsoft.com/powershell/module/netsecurity/*.
#
# Policy stores: rules and settings written by our cmdlets go to the local store (PersistentStore). What is
# enforced is the ActiveStore, which Group Policy and MDM also feed. `firewallPolicy.allowLocalPolicyMerge`
# false (GPO "Apply local firewall rules: No", AllowLocalPolicyMerge = 0) means local rules exist but are
# not in the ActiveStore (learn.microsoft.com/windows/security/operating-system-security/network-security/
# windows-firewall/rules#local-policy-merge-and-application-rules). `hypervVmSettings[].policy` holds values
# an MDM policy imposes on the ActiveStore (learn.microsoft.com/windows/security/.../hyper-v-firewall).

function ConvertTo-SimRule($r) {
  New-SimObject 'root/StandardCimv2/MSFT_NetFirewallRule' @{
    Name = $r.Name; DisplayName = $r.DisplayName; Group = $r.Group; DisplayGroup = $r.Group
    Enabled = [SimFirewallEnabled]$r.Enabled; Direction = [SimDirection]$r.Direction; Action = [SimAction]$r.Action
    Profile = "$($r.Profile)"; PolicyStoreSource = 'PersistentStore'
  }
}

function Get-SimRules($Sim, $B) {
  $items = @($Sim.State.firewallRules)
  if ($B['PolicyStore'] -eq 'ActiveStore' -and $Sim.State.firewallPolicy.allowLocalPolicyMerge -eq $false) { $items = @() }
  foreach ($key in 'Name', 'DisplayName', 'Group') {
    if ($B.ContainsKey($key)) { $items = @(Select-SimMatch $Sim $items $key $B[$key] 'MSFT_NetFirewallRule') }
  }
  $items
}

function SimImpl_Get-NetFirewallRule($Sim, $Set, $B) {
  if ($B.ContainsKey('AssociatedNetFirewallPortFilter') -or $B.ContainsKey('AssociatedNetFirewallAddressFilter')) {
    Stop-Sim $Sim 'simulated Windows: rule lookup by filter is not simulated' 'NotSimulated'
  }
  Get-SimRules $Sim $B | ForEach-Object { ConvertTo-SimRule $_ }
}

function SimImpl_New-NetFirewallRule($Sim, $Set, $B) {
  if (-not (Assert-SimElevated $Sim)) { return }
  $state = $Sim.State
  $name = if ($B.ContainsKey('Name')) { $B.Name } else { New-SimGuid $state }
  # Assigned before the literal: an if-expression would unroll a one-element array into a string.
  [string[]]$ports = if ($B.ContainsKey('LocalPort')) { $B.LocalPort | ForEach-Object { "$_" } } else { 'Any' }
  [string[]]$remote = if ($B.ContainsKey('RemoteAddress')) { $B.RemoteAddress | ForEach-Object { "$_" } } else { 'Any' }
  [string[]]$aliases = if ($B.ContainsKey('InterfaceAlias')) { $B.InterfaceAlias | ForEach-Object { "$_" } } else { 'Any' }
  # The rule keeps the interface, not the alias (microsoft/WSL#6731: rules scoped by alias stop matching once
  # the adapter is re-created); an alias no adapter has is refused (microsoft/WSL#11242). The index stands in
  # for the interface's identity here.
  [int[]]$indexes = @()
  if ($B.ContainsKey('InterfaceAlias')) {
    foreach ($a in $aliases) {
      $hit = @($state.adapters | Where-Object { [int]$_.hiddenFor -le 0 -and $_.Name -eq $a })
      if ($hit.Count -eq 0) { Stop-Sim $Sim "simulated Windows: no network interface has the alias '$a'" 'InterfaceNotFound' }
      $indexes += [int]$hit[0].InterfaceIndex
    }
  }
  $r = @{
    Name = $name; DisplayName = $B.DisplayName; Group = "$($B['Group'])"
    Enabled = $(if ($B['Enabled'] -eq 'False') { 'False' } else { 'True' })
    Direction = $(if ($B.ContainsKey('Direction')) { "$($B.Direction)" } else { 'Inbound' })
    Action = $(if ($B.ContainsKey('Action')) { "$($B.Action)" } else { 'Allow' })
    Profile = $(if ($B.ContainsKey('Profile')) { (@($B.Profile) -join ',') } else { 'Any' })
    Protocol = $(if ($B.ContainsKey('Protocol')) { "$($B.Protocol)".ToUpperInvariant() } else { 'Any' })
    LocalPort = $ports
    RemoteAddress = $remote
    InterfaceAlias = $aliases
    InterfaceIndex = $indexes
  }
  $state.firewallRules = @($state.firewallRules) + @($r)
  ConvertTo-SimRule $r
}

function SimImpl_Remove-NetFirewallRule($Sim, $Set, $B) {
  if (-not (Assert-SimElevated $Sim)) { return }
  $state = $Sim.State
  $names = if ($B.ContainsKey('InputObject')) { @($B.InputObject | ForEach-Object { $_.Name }) } else { @((Get-SimRules $Sim $B) | ForEach-Object { $_.Name }) }
  $state.firewallRules = @($state.firewallRules | Where-Object { $names -notcontains $_.Name })
}

function Get-SimRuleOf($Sim, $B) {
  $rule = $B['AssociatedNetFirewallRule']
  if ($null -eq $rule) { Stop-Sim $Sim 'simulated Windows: filters are looked up from a piped rule only' 'NotSimulated' }
  @($Sim.State.firewallRules | Where-Object { $_.Name -eq $rule.Name })[0]
}

function SimImpl_Get-NetFirewallPortFilter($Sim, $Set, $B) {
  $r = Get-SimRuleOf $Sim $B
  New-SimObject 'root/StandardCimv2/MSFT_NetProtocolPortFilter' @{ InstanceID = $r.Name; Protocol = $r.Protocol; LocalPort = @($r.LocalPort); RemotePort = @('Any') }
}

function SimImpl_Get-NetFirewallAddressFilter($Sim, $Set, $B) {
  $r = Get-SimRuleOf $Sim $B
  New-SimObject 'root/StandardCimv2/MSFT_NetAddressFilter' @{ InstanceID = $r.Name; LocalAddress = @('Any'); RemoteAddress = @($r.RemoteAddress) }
}

function SimImpl_Get-NetFirewallInterfaceFilter($Sim, $Set, $B) {
  $r = Get-SimRuleOf $Sim $B
  # The aliases the kept interfaces have now: none left once the adapter is gone (what real Windows prints
  # for a vanished interface is not documented; the README's real-machine checklist asks).
  [string[]]$aliases = @($r.InterfaceAlias)
  if (@($r.InterfaceIndex).Count -gt 0) {
    $aliases = @($Sim.State.adapters | Where-Object { @($r.InterfaceIndex) -contains [int]$_.InterfaceIndex } | ForEach-Object { "$($_.Name)" })
  }
  New-SimObject 'root/StandardCimv2/MSFT_NetInterfaceFilter' @{ InstanceID = $r.Name; InterfaceAlias = $aliases }
}

# Get-NetFirewallProfile -PolicyStore ActiveStore: AllowLocalFirewallRules is False when Group Policy turned
# local rule merging off.
function SimImpl_Get-NetFirewallProfile($Sim, $Set, $B) {
  $merge = -not ($Sim.State.firewallPolicy.allowLocalPolicyMerge -eq $false)
  foreach ($p in 'Domain', 'Private', 'Public') {
    if ($B.ContainsKey('Name') -and @($B.Name) -notcontains $p) { continue }
    New-SimObject 'root/StandardCimv2/MSFT_NetFirewallProfile' @{ Name = $p; Enabled = [SimGpoBoolean]::True; AllowLocalFirewallRules = $(if ($merge) { [SimGpoBoolean]::NotConfigured } else { [SimGpoBoolean]::False }) }
  }
}

function Get-SimVmSetting($Sim, [string]$Name) {
  @($Sim.State.hypervVmSettings | Where-Object { $_.Name -eq $Name })[0]
}

function SimImpl_Get-NetFirewallHyperVVMSetting($Sim, $Set, $B) {
  $items = @(Select-SimMatch $Sim @($Sim.State.hypervVmSettings) 'Name' ($B['Name']) 'MSFT_NetFirewallHyperVVMSetting')
  $active = $B['PolicyStore'] -eq 'ActiveStore'
  foreach ($s in $items) {
    $inbound = $s.DefaultInboundAction
    if ($active -and $null -ne $s.policy -and $null -ne $s.policy.DefaultInboundAction) { $inbound = $s.policy.DefaultInboundAction }
    New-SimObject 'root/StandardCimv2/MSFT_NetFirewallHyperVVMSetting' @{
      Name = $s.Name; Enabled = [SimGpoBoolean]$s.Enabled; DefaultInboundAction = [SimAction]$inbound
      DefaultOutboundAction = [SimAction]$s.DefaultOutboundAction; LoopbackEnabled = [SimGpoBoolean]$s.LoopbackEnabled
    }
  }
}

function SimImpl_Set-NetFirewallHyperVVMSetting($Sim, $Set, $B) {
  if (-not (Assert-SimElevated $Sim)) { return }
  $s = Get-SimVmSetting $Sim $B.Name
  if ($null -eq $s) { Write-SimNotFound $Sim 'MSFT_NetFirewallHyperVVMSetting' 'Name' $B.Name; return }
  foreach ($k in 'DefaultInboundAction', 'DefaultOutboundAction', 'Enabled', 'LoopbackEnabled') {
    if ($B.ContainsKey($k)) { $s[$k] = "$($B[$k])" }
  }
}
