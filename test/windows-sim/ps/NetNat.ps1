# NetNat cmdlets of the simulated Windows. Sources: docs/windows.md#nat (WinNAT supports one NAT
# network per host), docs/windows.md#errors-powershell-prints, learn.microsoft.com/powershell/module/netnat.

function ConvertTo-SimNat($n) {
  New-SimObject 'root/StandardCimv2/MSFT_NetNat' @{ Name = $n.Name; InternalIPInterfaceAddressPrefix = $n.InternalIPInterfaceAddressPrefix; Active = $true }
}

function SimImpl_Get-NetNat($Sim, $Set, $B) {
  $items = @(Select-SimMatch $Sim @($Sim.State.nats) 'Name' ($B['Name']) 'MSFT_NetNat')
  $items | ForEach-Object { ConvertTo-SimNat $_ }
}

# A second NetNat is refused with Win32 ERROR_DUP_NAME's text (MicrosoftDocs/Virtualization-Documentation#1244).
function SimImpl_New-NetNat($Sim, $Set, $B) {
  if (-not (Assert-SimElevated $Sim)) { return }
  $state = $Sim.State
  if (@($state.nats).Count -gt 0) {
    Write-SimError $Sim 'You were not connected because a duplicate name exists on the network. If joining a domain, go to System in Control Panel to change the computer name and try again. If joining a workgroup, choose another workgroup name.' 'Windows System Error 52' 'NotSpecified'
    return
  }
  $n = @{ Name = $B.Name; InternalIPInterfaceAddressPrefix = $B.InternalIPInterfaceAddressPrefix }
  $state.nats = @($state.nats) + @($n)
  ConvertTo-SimNat $n
}

function SimImpl_Remove-NetNat($Sim, $Set, $B) {
  if (-not (Assert-SimElevated $Sim)) { return }
  $state = $Sim.State
  $names = if ($B.ContainsKey('InputObject')) { @($B.InputObject | ForEach-Object { $_.Name }) } else { @((Select-SimMatch $Sim @($state.nats) 'Name' ($B['Name']) 'MSFT_NetNat') | ForEach-Object { $_.Name }) }
  $state.nats = @($state.nats | Where-Object { $names -notcontains $_.Name })
}
