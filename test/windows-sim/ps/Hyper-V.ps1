# Hyper-V cmdlets of the simulated Windows. Sources: docs/windows.md#hyper-v (recorded output and errors),
# learn.microsoft.com/powershell/module/hyper-v/{get,new,remove}-vmswitch, get-vmnetworkadapter.

function ConvertTo-SimSwitch($s) {
  $o = [pscustomobject]@{
    Name = $s.Name
    Id = [guid]$s.Id
    SwitchType = [SimVMSwitchType]$s.SwitchType
    Notes = "$($s.Notes)"
    NetAdapterInterfaceDescription = $null
  }
  $o.PSObject.TypeNames.Insert(0, 'Microsoft.HyperV.PowerShell.VMSwitch')
  $o
}

# Get-VMSwitch: -Name takes wildcards; a literal name that matches nothing is an error ("No Ethernet switch
# could be found matching the specified criteria", ObjectNotFound; canonical/multipass#1323), which is why
# callers pass -ErrorAction SilentlyContinue.
function SimImpl_Get-VMSwitch($Sim, $Set, $B) {
  if (-not (Assert-SimHyperVAccess $Sim)) { return }
  $all = @($Sim.State.switches)
  if ($B.ContainsKey('Name')) {
    foreach ($n in @($B.Name)) {
      $hit = @($all | Where-Object { $_.Name -like $n })
      if ($hit.Count -eq 0 -and -not (Test-SimWildcard $n)) {
        Write-SimError $Sim 'No Ethernet switch could be found matching the specified criteria.' 'ObjectNotFound' 'ObjectNotFound'
      }
      $hit | ForEach-Object { ConvertTo-SimSwitch $_ }
    }
    return
  }
  if ($B.ContainsKey('SwitchType')) { $all = @($all | Where-Object { @($B.SwitchType) -contains "$([SimVMSwitchType]$_.SwitchType)" }) }
  $all | ForEach-Object { ConvertTo-SimSwitch $_ }
}

# New-VMSwitch -SwitchType Internal: a switch plus its host vNIC "vEthernet (NAME)", which appears a while
# after the cmdlet returns (NetworkingDsc waits up to 30 s for it): here after `adapterDelay` Get-NetAdapter
# calls. Hyper-V does not refuse a duplicate name (VirtualEngine/Lability#326); the second vNIC gets " 2".
function SimImpl_New-VMSwitch($Sim, $Set, $B) {
  if (-not (Assert-SimHyperVAccess $Sim)) { return }
  if ($Set -ne 'SwitchType') {
    Stop-Sim $Sim 'simulated Windows: only internal and private switches are simulated (no physical adapters here)' 'NotSimulated'
  }
  $state = $Sim.State
  $id = (New-SimGuid $state).Trim('{}')
  $type = "$($B.SwitchType)"
  $sw = @{ Name = $B.Name; Id = $id; SwitchType = [int][SimVMSwitchType]$type; Notes = "$($B.Notes)" }
  $state.switches = @($state.switches) + @($sw)
  if ($type -eq 'Internal') {
    $alias = "vEthernet ($($B.Name))"
    $n = 2
    while (@($state.adapters | Where-Object { $_.Name -eq $alias }).Count -gt 0) { $alias = "vEthernet ($($B.Name)) $n"; $n++ }
    Add-SimAdapter $state $alias ([int]$state.adapterDelay)
  }
  ConvertTo-SimSwitch $sw
}

# Remove-VMSwitch: the switch and its host vNIC (with the vNIC's addresses) go. With VMs still connected,
# Hyper-V disconnects them (the switch is gone from their adapters); switchyard's own op refuses first.
function SimImpl_Remove-VMSwitch($Sim, $Set, $B) {
  if (-not (Assert-SimHyperVAccess $Sim)) { return }
  $state = $Sim.State
  $names = @()
  if ($B.ContainsKey('Name')) { $names = @($B.Name) }
  elseif ($B.ContainsKey('VMSwitch')) { $names = @($B.VMSwitch | ForEach-Object { $_.Name }) }
  foreach ($n in $names) {
    $hit = @($state.switches | Where-Object { $_.Name -like $n })
    if ($hit.Count -eq 0) { Write-SimError $Sim 'No Ethernet switch could be found matching the specified criteria.' 'ObjectNotFound' 'ObjectNotFound'; continue }
    foreach ($s in $hit) {
      $state.switches = @($state.switches | Where-Object { $_.Id -ne $s.Id })
      Remove-SimAdapter $state "vEthernet ($($s.Name))"
      foreach ($a in @($state.vmAdapters | Where-Object { $_.SwitchName -eq $s.Name })) { $a.SwitchName = $null }
    }
  }
}

function SimImpl_Get-VMNetworkAdapter($Sim, $Set, $B) {
  if (-not (Assert-SimHyperVAccess $Sim)) { return }
  $all = @($Sim.State.vmAdapters)
  if ($B.ContainsKey('VMName')) { $all = @($all | Where-Object { $a = $_; @($B.VMName | Where-Object { $a.VMName -like $_ }).Count -gt 0 }) }
  if ($B.ContainsKey('Name')) { $all = @($all | Where-Object { $a = $_; @($B.Name | Where-Object { "$($a.Name)" -like $_ }).Count -gt 0 }) }
  foreach ($a in $all) {
    $o = [pscustomobject]@{ Name = "$($a.Name)"; VMName = $a.VMName; SwitchName = $a.SwitchName; MacAddress = "$($a.MacAddress)"; IsManagementOs = $false }
    $o.PSObject.TypeNames.Insert(0, 'Microsoft.HyperV.PowerShell.VMNetworkAdapter')
    $o
  }
}

function SimImpl_Connect-VMNetworkAdapter($Sim, $Set, $B) {
  if (-not (Assert-SimHyperVAccess $Sim)) { return }
  $switch = "$($B.SwitchName)"
  if (@($Sim.State.switches | Where-Object { $_.Name -eq $switch }).Count -eq 0) {
    Stop-Sim $Sim "Hyper-V was unable to find a virtual switch with name `"$switch`"." 'ObjectNotFound' 'ObjectNotFound'
  }
  foreach ($a in @($Sim.State.vmAdapters | Where-Object { @($B.VMName) -contains $_.VMName })) { $a.SwitchName = $switch }
}
