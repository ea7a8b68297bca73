# DnsClient NRPT cmdlets of the simulated Windows. Sources: docs/windows.md#nrpt-and-dns,
# learn.microsoft.com/powershell/module/dnsclient/add-dnsclientnrptrule: Add assigns the rule a new GUID as
# its Name and keeps Namespace, NameServers and Comment as given; nothing refuses two rules for one namespace.

function ConvertTo-SimNrpt($r) {
  New-SimObject 'root/Microsoft/Windows/DNS/PS_DnsClientNrptRule' @{ Name = $r.Name; Namespace = @($r.Namespace); NameServers = @($r.NameServers); Comment = $r.Comment; DisplayName = $r.DisplayName }
}

function SimImpl_Get-DnsClientNrptRule($Sim, $Set, $B) {
  $items = @($Sim.State.nrptRules)
  if ($B.ContainsKey('Name')) { $items = @(Select-SimMatch $Sim $items 'Name' $B.Name 'PS_DnsClientNrptRule') }
  $items | ForEach-Object { ConvertTo-SimNrpt $_ }
}

function SimImpl_Add-DnsClientNrptRule($Sim, $Set, $B) {
  if (-not (Assert-SimElevated $Sim)) { return }
  $state = $Sim.State
  $r = @{ Name = (New-SimGuid $state); Namespace = @($B.Namespace); NameServers = @($B['NameServers']); Comment = "$($B['Comment'])"; DisplayName = "$($B['DisplayName'])" }
  $state.nrptRules = @($state.nrptRules) + @($r)
  if ($B.ContainsKey('PassThru')) { ConvertTo-SimNrpt $r }
}

function SimImpl_Remove-DnsClientNrptRule($Sim, $Set, $B) {
  if (-not (Assert-SimElevated $Sim)) { return }
  $state = $Sim.State
  $names = @((Select-SimMatch $Sim @($state.nrptRules) 'Name' $B.Name 'PS_DnsClientNrptRule') | ForEach-Object { $_.Name })
  $state.nrptRules = @($state.nrptRules | Where-Object { $names -notcontains $_.Name })
}
