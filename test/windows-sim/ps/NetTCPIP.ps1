# NetAdapter and NetTCPIP cmdlets of the simulated Windows. Sources: docs/windows.md (adapters, forwarding, errors),
# §13 (recorded output and exact error texts); learn.microsoft.com/powershell/module/nettcpip/*.
# Reading needs no elevation; every Set-/New-/Remove- does ("Access is denied.", danosito/JetBrainsActivator#3).

# A host vNIC: the adapter, its IPv4 interface (forwarding off, as every new interface) and no address.
function Add-SimAdapter($State, [string]$Alias, [int]$HiddenFor) {
  $index = New-SimIfIndex $State
  $mac = '00-15-5D-{0:X2}-{1:X2}-{2:X2}' -f 0, [int][Math]::Floor($index / 256), ($index % 256)
  $State.adapters = @($State.adapters) + @(@{ Name = $Alias; InterfaceIndex = $index; Status = 'Up'; MacAddress = $mac; hiddenFor = $HiddenFor })
  $State.ipInterfaces = @($State.ipInterfaces) + @(@{ InterfaceAlias = $Alias; InterfaceIndex = $index; Forwarding = 'Disabled'; NlMtu = 1500; InterfaceMetric = 15; ConnectionState = 'Connected' })
}

function Remove-SimAdapter($State, [string]$Alias) {
  $State.adapters = @($State.adapters | Where-Object { $_.Name -ne $Alias })
  $State.ipInterfaces = @($State.ipInterfaces | Where-Object { $_.InterfaceAlias -ne $Alias })
  $State.addresses = @($State.addresses | Where-Object { $_.InterfaceAlias -ne $Alias })
  $State.routes = @($State.routes | Where-Object { $_.InterfaceAlias -ne $Alias })
}

function Get-SimVisibleAliases($State) {
  @($State.adapters | Where-Object { [int]$_.hiddenFor -le 0 } | ForEach-Object { $_.Name })
}

# Get-NetAdapter: each call is one "poll" of a vNIC that has not appeared yet.
function SimImpl_Get-NetAdapter($Sim, $Set, $B) {
  $state = $Sim.State
  foreach ($a in @($state.adapters)) { if ([int]$a.hiddenFor -gt 0) { $a.hiddenFor = [int]$a.hiddenFor - 1 } }
  $visible = @($state.adapters | Where-Object { [int]$_.hiddenFor -le 0 })
  $hits = @(Select-SimMatch $Sim $visible 'Name' ($B['Name']) 'MSFT_NetAdapter')
  foreach ($a in $hits) {
    New-SimObject 'ROOT/StandardCimv2/MSFT_NetAdapter' @{ Name = $a.Name; InterfaceIndex = [uint32]$a.InterfaceIndex; ifIndex = [uint32]$a.InterfaceIndex; Status = "$($a.Status)"; MacAddress = "$($a.MacAddress)"; InterfaceAlias = $a.Name }
  }
}

function Select-SimVisible($State, $Items) {
  $visible = Get-SimVisibleAliases $State
  @($Items | Where-Object { $visible -contains $_.InterfaceAlias })
}

function ConvertTo-SimAddress($a) {
  New-SimObject 'ROOT/StandardCimv2/MSFT_NetIPAddress' @{
    IPAddress = $a.IPAddress; PrefixLength = [byte]$a.PrefixLength; InterfaceAlias = $a.InterfaceAlias; InterfaceIndex = [uint32]$a.InterfaceIndex
    AddressFamily = 'IPv4'; PrefixOrigin = [SimPrefixOrigin]$a.PrefixOrigin; SuffixOrigin = [SimSuffixOrigin]$a.SuffixOrigin; AddressState = [SimAddressState]$a.AddressState
  }
}

function SimImpl_Get-NetIPAddress($Sim, $Set, $B) {
  $items = @(Select-SimVisible $Sim.State @($Sim.State.addresses))
  if ($B.ContainsKey('AddressFamily') -and @($B.AddressFamily) -notcontains 'IPv4') { $items = @() }
  foreach ($key in 'InterfaceAlias', 'IPAddress', 'InterfaceIndex') {
    if ($B.ContainsKey($key)) {
      $items = @(Select-SimMatch $Sim $items $key $B[$key] 'MSFT_NetIPAddress')
    }
  }
  $items | ForEach-Object { ConvertTo-SimAddress $_ }
}

# New-NetIPAddress: "Instance MSFT_NetIPAddress already exists" (Windows System Error 87) when present;
# "Element not found." (1168) when the interface is not there (Siemens-Healthineers/K2s#1131).
function SimImpl_New-NetIPAddress($Sim, $Set, $B) {
  if (-not (Assert-SimElevated $Sim)) { return }
  $state = $Sim.State
  $iface = @(Select-SimVisible $state @($state.ipInterfaces) | Where-Object { ($B.ContainsKey('InterfaceAlias') -and $_.InterfaceAlias -eq $B.InterfaceAlias) -or ($B.ContainsKey('InterfaceIndex') -and [int]$_.InterfaceIndex -eq [int]$B.InterfaceIndex) })
  if ($iface.Count -eq 0) { Write-SimError $Sim 'Element not found.' 'Windows System Error 1168' 'ObjectNotFound'; return }
  $alias = $iface[0].InterfaceAlias
  if (@($state.addresses | Where-Object { $_.IPAddress -eq $B.IPAddress -and $_.InterfaceAlias -eq $alias }).Count -gt 0) {
    Write-SimError $Sim 'Instance MSFT_NetIPAddress already exists' 'Windows System Error 87' 'InvalidArgument'
    return
  }
  $prefix = if ($B.ContainsKey('PrefixLength')) { [int]$B.PrefixLength } else { 32 }
  $a = @{ IPAddress = $B.IPAddress; PrefixLength = $prefix; InterfaceAlias = $alias; InterfaceIndex = [int]$iface[0].InterfaceIndex; PrefixOrigin = 'Manual'; SuffixOrigin = 'Manual'; AddressState = 'Preferred' }
  $state.addresses = @($state.addresses) + @($a)
  ConvertTo-SimAddress $a
}

function SimImpl_Remove-NetIPAddress($Sim, $Set, $B) {
  if (-not (Assert-SimElevated $Sim)) { return }
  $state = $Sim.State
  $targets = @()
  if ($B.ContainsKey('InputObject')) { $targets = @($B.InputObject) }
  else {
    $targets = @(Select-SimVisible $state @($state.addresses))
    foreach ($key in 'InterfaceAlias', 'IPAddress') { if ($B.ContainsKey($key)) { $targets = @(Select-SimMatch $Sim $targets $key $B[$key] 'MSFT_NetIPAddress') } }
  }
  foreach ($t in $targets) {
    $state.addresses = @($state.addresses | Where-Object { -not ($_.IPAddress -eq $t.IPAddress -and $_.InterfaceAlias -eq $t.InterfaceAlias) })
  }
}

function ConvertTo-SimIpInterface($i) {
  New-SimObject 'ROOT/StandardCimv2/MSFT_NetIPInterface' @{
    InterfaceAlias = $i.InterfaceAlias; InterfaceIndex = [uint32]$i.InterfaceIndex; ifIndex = [uint32]$i.InterfaceIndex; AddressFamily = 'IPv4'
    Forwarding = [SimForwarding]$i.Forwarding; NlMtu = [uint32]$i.NlMtu; InterfaceMetric = [uint32]$i.InterfaceMetric; ConnectionState = [SimConnectionState]$i.ConnectionState
  }
}

function SimImpl_Get-NetIPInterface($Sim, $Set, $B) {
  $items = @(Select-SimVisible $Sim.State @($Sim.State.ipInterfaces))
  if ($B.ContainsKey('AddressFamily') -and @($B.AddressFamily) -notcontains 'IPv4') { $items = @() }
  foreach ($key in 'InterfaceAlias', 'InterfaceIndex') {
    if ($B.ContainsKey($key)) { $items = @(Select-SimMatch $Sim $items $key $B[$key] 'MSFT_NetIPInterface') }
  }
  $items | ForEach-Object { ConvertTo-SimIpInterface $_ }
}

# Set-NetIPInterface: by alias (or piped interface); a missing alias is "No MSFT_NetIPInterface objects found
# with property 'InterfaceAlias' equal to …" (CmdletizationQuery_NotFound_InterfaceAlias).
function SimImpl_Set-NetIPInterface($Sim, $Set, $B) {
  $state = $Sim.State
  $targets = @()
  if ($B.ContainsKey('InputObject')) { $targets = @($B.InputObject | ForEach-Object { $alias = $_.InterfaceAlias; $state.ipInterfaces | Where-Object { $_.InterfaceAlias -eq $alias } }) }
  else {
    $targets = @(Select-SimVisible $state @($state.ipInterfaces))
    foreach ($key in 'InterfaceAlias', 'InterfaceIndex') { if ($B.ContainsKey($key)) { $targets = @(Select-SimMatch $Sim $targets $key $B[$key] 'MSFT_NetIPInterface') } }
  }
  if ($targets.Count -eq 0) { return }
  if (-not (Assert-SimElevated $Sim)) { return }
  foreach ($t in $targets) {
    if ($B.ContainsKey('Forwarding')) { $t.Forwarding = "$($B.Forwarding)" }
    if ($B.ContainsKey('NlMtuBytes')) { $t.NlMtu = [int]$B.NlMtuBytes }
  }
}

function SimImpl_Get-NetRoute($Sim, $Set, $B) {
  $items = @($Sim.State.routes)
  if ($B.ContainsKey('AddressFamily') -and @($B.AddressFamily) -notcontains 'IPv4') { $items = @() }
  foreach ($key in 'InterfaceAlias', 'DestinationPrefix') {
    if ($B.ContainsKey($key)) { $items = @(Select-SimMatch $Sim $items $key $B[$key] 'MSFT_NetRoute') }
  }
  foreach ($r in $items) {
    New-SimObject 'ROOT/StandardCimv2/MSFT_NetRoute' @{ DestinationPrefix = $r.DestinationPrefix; InterfaceAlias = $r.InterfaceAlias; InterfaceIndex = [uint32]$r.InterfaceIndex; NextHop = "$($r.NextHop)"; RouteMetric = [uint16]$r.RouteMetric }
  }
}

function SimImpl_Get-NetUDPEndpoint($Sim, $Set, $B) {
  $items = @($Sim.State.udpEndpoints)
  foreach ($key in 'LocalAddress', 'LocalPort') {
    if ($B.ContainsKey($key)) { $items = @(Select-SimMatch $Sim $items $key $B[$key] 'MSFT_NetUDPEndpoint') }
  }
  foreach ($u in $items) {
    New-SimObject 'ROOT/StandardCimv2/MSFT_NetUDPEndpoint' @{ LocalAddress = $u.LocalAddress; LocalPort = [uint16]$u.LocalPort; OwningProcess = [uint32]$u.OwningProcess }
  }
}

# netsh.exe interface ipv4 set interface <index> forwarding=enabled|disabled — the one netsh command
# switchyard runs (the WSL unit). Changing an interface needs an administrator: unelevated, netsh prints
# "The requested operation requires elevation (Run as administrator)." and exits 1 (Microsoft documents
# ERROR_ACCESS_DENIED for SetIpInterfaceEntry without administrator rights: learn.microsoft.com/windows/
# win32/api/netioapi/nf-netioapi-setipinterfaceentry). Other netsh commands are not simulated.
function Invoke-SimNetsh {
  $a = @($args | ForEach-Object { "$_" })
  $sim = Enter-SimCmdlet 'netsh.exe' 'netsh' $null
  [System.IO.File]::AppendAllText((Get-SimStatePath) + '.calls', ('netsh.exe ' + ($a -join ' ')) + "`n")
  if ($a.Count -ne 6 -or ($a[0..3] -join ' ') -ne 'interface ipv4 set interface' -or $a[5] -notmatch '^forwarding=(enabled|disabled)$') {
    Write-Output ('simulated Windows: netsh ' + ($a -join ' ') + ' is not simulated')
    $global:LASTEXITCODE = 1
    return
  }
  if (-not ($sim.Identity.Elevated -or $sim.Identity.System)) {
    Write-Output 'The requested operation requires elevation (Run as administrator).'
    $global:LASTEXITCODE = 1
    return
  }
  $state = Read-SimState
  $hit = @($state.ipInterfaces | Where-Object { "$($_.InterfaceIndex)" -eq $a[4] })
  if ($hit.Count -eq 0) {
    Write-Output 'The filename, directory name, or volume label syntax is incorrect.'
    $global:LASTEXITCODE = 1
    return
  }
  $hit[0].Forwarding = $(if ($a[5] -eq 'forwarding=enabled') { 'Enabled' } else { 'Disabled' })
  Write-SimState $state
  Write-Output 'Ok.'
  $global:LASTEXITCODE = 0
}
Set-Alias -Name 'netsh.exe' -Value Invoke-SimNetsh
Set-Alias -Name 'netsh' -Value Invoke-SimNetsh
