# The simulated Windows: state, identity and the machinery every simulated cmdlet goes through.
# Dot-sourced by boot.ps1 before any generated script runs. Behaviour of each cmdlet: the SimImpl_* functions
# in the module files beside this one, each with its source.
#
# State lives in one JSON file ($env:SWITCHYARD_SIM_STATE): a test writes a host, runs a script, reads the
# host back. Each cmdlet call loads it, changes it and writes it back, so a child PowerShell (the elevated
# run) sees what its parent did.

Set-StrictMode -Off

# Enums with Windows' numeric values, so ConvertTo-Json prints numbers in 5.1 mode and names under
# -EnumsAsStrings, as on Windows. Values: Hyper-V VMSwitchType (Vagrant get_switches.ps1); NL_PREFIX_ORIGIN,
# NL_SUFFIX_ORIGIN, NL_DAD_STATE (netioapi.h); MSFT_NetIPInterface, MSFT_NetFirewallRule (their class docs).
enum SimVMSwitchType { Private = 0; Internal = 1; External = 2 }
enum SimPrefixOrigin { Other = 0; Manual = 1; WellKnown = 2; Dhcp = 3; RouterAdvertisement = 4 }
enum SimSuffixOrigin { Other = 0; Manual = 1; WellKnown = 2; OriginDhcp = 3; LinkLayerAddress = 4; Random = 5 }
enum SimAddressState { Invalid = 0; Tentative = 1; Duplicate = 2; Deprecated = 3; Preferred = 4 }
enum SimForwarding { Disabled = 0; Enabled = 1 }
enum SimConnectionState { Disconnected = 0; Connected = 1 }
enum SimFirewallEnabled { True = 1; False = 2 }
enum SimDirection { Inbound = 1; Outbound = 2 }
enum SimAction { NotConfigured = 0; Allow = 2; AllowBypass = 3; Block = 4 }
enum SimGpoBoolean { False = 0; True = 1; NotConfigured = 2 }
enum SimTaskState { Unknown = 0; Disabled = 1; Queued = 2; Ready = 3; Running = 4 }

function Get-SimStatePath { $env:SWITCHYARD_SIM_STATE }

function Read-SimState {
  $text = [System.IO.File]::ReadAllText((Get-SimStatePath))
  ConvertFrom-Json -InputObject $text -AsHashtable -Depth 64
}

function Write-SimState($State) {
  $json = ConvertTo-Json -InputObject $State -Depth 64
  [System.IO.File]::WriteAllText((Get-SimStatePath), $json)
}

# The identity this process runs as: the account and whether its token is elevated (the runner and the
# simulated Start-Process -Verb RunAs set both).
function Get-SimIdentity {
  $state = Read-SimState
  $name = $env:SWITCHYARD_SIM_ACCOUNT
  $account = $state.accounts[$name]
  if ($null -eq $account) { throw "simulated Windows: unknown account '$name'" }
  [pscustomobject]@{
    Name = $name
    Elevated = ($env:SWITCHYARD_SIM_ELEVATED -eq '1')
    Admin = [bool]$account.admin
    HyperVAdmin = [bool]$account.hypervAdmin
    System = [bool]$account.system
  }
}

class SimSecurityIdentifier {
  [string]$Value
  SimSecurityIdentifier([string]$value) { $this.Value = $value }
  [string] ToString() { return $this.Value }
}

class SimWindowsIdentity {
  [string]$Name
  [bool]$Elevated
  [bool]$HyperVAdmin
  [bool]$IsSystem
  static [SimWindowsIdentity] GetCurrent() {
    $id = Get-SimIdentity
    $w = [SimWindowsIdentity]::new()
    $w.Name = $id.Name
    $w.Elevated = $id.Elevated
    $w.HyperVAdmin = $id.HyperVAdmin
    $w.IsSystem = $id.System
    return $w
  }
}

# WindowsPrincipal.IsInRole: under UAC an administrator's filtered token is not in Administrators until it
# is elevated (learn.microsoft.com/windows/security/application-security/application-control/user-account-control/how-it-works);
# Hyper-V Administrators (S-1-5-32-578) is not filtered, so membership counts unelevated
# (learn.microsoft.com/windows-server/virtualization/hyper-v/manage/... "Hyper-V Administrators").
class SimWindowsPrincipal {
  [SimWindowsIdentity]$Identity
  SimWindowsPrincipal([SimWindowsIdentity]$identity) { $this.Identity = $identity }
  [bool] IsInRole([object]$role) {
    $r = "$role"
    if ($r -eq 'Administrator' -or $r -eq 'S-1-5-32-544') { return $this.Identity.Elevated -or $this.Identity.IsSystem }
    if ($r -eq 'S-1-5-32-578') { return $this.Identity.HyperVAdmin }
    return $false
  }
}

# [Environment]::UserInteractive is false for a process without a desktop (a service, a SYSTEM task);
# the rest is the real System.Environment.
class SimEnvironment {
  static [string]$NewLine = [System.Environment]::NewLine
  static [bool]$UserInteractive = ($env:SWITCHYARD_SIM_INTERACTIVE -ne '0')
  static [string]$MachineName = [System.Environment]::MachineName
  static [string] GetEnvironmentVariable([string]$name) { return [System.Environment]::GetEnvironmentVariable($name) }
  static [string] GetFolderPath([object]$folder) { return [System.Environment]::GetFolderPath($folder) }
}

function Register-SimTypes {
  $accelerators = [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')
  $types = @{
    'Security.Principal.WindowsIdentity' = [SimWindowsIdentity]
    'Security.Principal.WindowsPrincipal' = [SimWindowsPrincipal]
    'Security.Principal.SecurityIdentifier' = [SimSecurityIdentifier]
    'Environment' = [SimEnvironment]
  }
  # Process-wide: a long-lived simulation (server.ps1) points them at this runspace's classes each time.
  foreach ($name in $types.Keys) {
    [void]$accelerators::Remove($name)
    $accelerators::Add($name, $types[$name])
  }
  [SimEnvironment]::UserInteractive = ($env:SWITCHYARD_SIM_INTERACTIVE -ne '0')
}

# ------------------------------------------------------------------------------------------------
# Errors as Windows reports them

function New-SimError([string]$Message, [string]$ErrorId, [System.Management.Automation.ErrorCategory]$Category, $Target, [Exception]$Exception) {
  if ($null -eq $Exception) { $Exception = [Exception]::new($Message) }
  [System.Management.Automation.ErrorRecord]::new($Exception, $ErrorId, $Category, $Target)
}

# A non-terminating error, as CIM and Hyper-V cmdlets write them (so -ErrorAction SilentlyContinue hides it).
function Write-SimError($Sim, [string]$Message, [string]$ErrorId, [string]$Category = 'NotSpecified', $Target = $null) {
  $Sim.Cmdlet.WriteError((New-SimError $Message $ErrorId $Category $Target))
}

function Stop-Sim($Sim, [string]$Message, [string]$ErrorId, [string]$Category = 'NotSpecified', $Target = $null, [Exception]$Exception = $null) {
  $Sim.Cmdlet.ThrowTerminatingError((New-SimError $Message $ErrorId $Category $Target $Exception))
}

# "Access is denied." from a CDXML cmdlet run unelevated
# (danosito/JetBrainsActivator#3): Windows System Error 5, PermissionDenied.
function Assert-SimElevated($Sim) {
  if ($Sim.Identity.Elevated -or $Sim.Identity.System) { return $true }
  Write-SimError $Sim 'Access is denied.' 'Windows System Error 5' 'PermissionDenied'
  return $false
}

# Hyper-V refuses a caller who is neither elevated nor in Hyper-V Administrators: "You do not have the
# required permission to complete this task. Contact the administrator of the authorization policy for the
# computer '<NAME>'." (pawelgnatowski/WSL2-Network-Fix#4).
function Assert-SimHyperVAccess($Sim) {
  if ($Sim.Identity.Elevated -or $Sim.Identity.System -or $Sim.Identity.HyperVAdmin) { return $true }
  Write-SimError $Sim ("You do not have the required permission to complete this task. Contact the administrator of the authorization policy for the computer '" + $Sim.State.computerName + "'.") 'InvalidOperation' 'PermissionDenied'
  return $false
}

# A CDXML Get- whose key filter matched nothing: "No MSFT_X objects found with property 'P' equal to 'V'.
# Verify the value of the property and retry." (pluralsight/PS-AutoLab-Env#256, CmdletizationQuery_NotFound_P).
function Write-SimNotFound($Sim, [string]$Class, [string]$Property, $Value) {
  Write-SimError $Sim ("No $Class objects found with property '$Property' equal to '$Value'.  Verify the value of the property and retry.") "CmdletizationQuery_NotFound_$Property" 'ObjectNotFound' $Value
}

# ------------------------------------------------------------------------------------------------
# Objects as the cmdlets return them

# CIM class → the cmdlet noun whose -InputObject / -Associated<Noun> parameters take it (param-block.ts).
$script:SimNouns = @{
  MSFT_NetAdapter = 'NetAdapter'; MSFT_NetIPAddress = 'NetIPAddress'; MSFT_NetIPInterface = 'NetIPInterface'
  MSFT_NetRoute = 'NetRoute'; MSFT_NetUDPEndpoint = 'NetUDPEndpoint'; MSFT_NetNat = 'NetNat'
  MSFT_NetFirewallRule = 'NetFirewallRule'; MSFT_NetProtocolPortFilter = 'NetFirewallPortFilter'
  MSFT_NetAddressFilter = 'NetFirewallAddressFilter'; MSFT_NetInterfaceFilter = 'NetFirewallInterfaceFilter'
  MSFT_NetFirewallProfile = 'NetFirewallProfile'; MSFT_NetFirewallHyperVVMSetting = 'NetFirewallHyperVVMSetting'
  PS_DnsClientNrptRule = 'DnsClientNrptRule'; MSFT_ScheduledTask = 'ScheduledTask'
  MSFT_TaskExecAction = 'ScheduledTaskAction'; MSFT_TaskPrincipal2 = 'ScheduledTaskPrincipal'
  MSFT_TaskSettings3 = 'ScheduledTaskSettingsSet'
}

function New-SimObject([string]$Class, [hashtable]$Properties) {
  $o = [pscustomobject]$Properties
  $o.PSObject.TypeNames.Insert(0, 'SimCimInstance')
  $noun = $script:SimNouns[$Class.Split('/')[-1]]
  if ($noun) { $o.PSObject.TypeNames.Insert(0, "SimCim#$noun") }
  $o.PSObject.TypeNames.Insert(0, "Microsoft.Management.Infrastructure.CimInstance#$Class")
  $o
}

function Test-SimWildcard([string]$Pattern) { [System.Management.Automation.WildcardPattern]::ContainsWildcardCharacters($Pattern) }

# Items whose $Property matches any of $Values (wildcards allowed, case-insensitive, as CDXML filters);
# when a literal value matches nothing, the not-found error of that key. Returns $null if an error was written.
function Select-SimMatch($Sim, $Items, [string]$Property, $Values, [string]$Class) {
  if ($null -eq $Values) { return @($Items) }
  # Each item once, in the host's order (by reference: Select-Object -Unique would merge all hashtables).
  $out = [System.Collections.Generic.List[object]]::new()
  foreach ($v in @($Values)) {
    $hit = @($Items | Where-Object { "$($_[$Property])" -like "$v" })
    if ($hit.Count -eq 0 -and -not (Test-SimWildcard "$v")) {
      Write-SimNotFound $Sim $Class $Property $v
    }
    foreach ($h in $hit) { if (-not $out.Contains($h)) { $out.Add($h) } }
  }
  @($Items | Where-Object { $out.Contains($_) })
}

function New-SimGuid($State) {
  $n = [int]$State.next.guid
  $State.next.guid = $n + 1
  '{' + ('{0:x8}-0000-4000-8000-{1:x12}' -f $n, $n) + '}'
}

function New-SimIfIndex($State) {
  $n = [int]$State.next.ifIndex
  $State.next.ifIndex = $n + 1
  $n
}

# ------------------------------------------------------------------------------------------------
# The path every generated cmdlet function takes (param-block.ts)

function Enter-SimCmdlet([string]$Name, [string]$Module, $Cmdlet) {
  [pscustomobject]@{
    Name = $Name
    Module = $Module
    Cmdlet = $Cmdlet
    State = $null
    Identity = (Get-SimIdentity)
  }
}

function Format-SimCall([string]$Name, [string]$SetName, $Bound) {
  $parts = @($Name)
  foreach ($k in @($Bound.Keys | Sort-Object)) {
    $v = $Bound[$k]
    if ($v -is [System.Management.Automation.SwitchParameter]) { $parts += "-$k" }
    elseif ($v -is [psobject] -and $v.PSObject.TypeNames -contains 'SimCimInstance') { $parts += "-$k <object>" }
    else { $parts += "-$k " + ((@($v) | ForEach-Object { "$_" }) -join ',') }
  }
  $parts -join ' '
}

# One call (one pipeline input): read the host, act, write the host back if it changed, then emit the
# output. Emitting only after the write keeps a cmdlet further down the pipeline (Get-X | Remove-X) from
# working on, or being overwritten by, a stale copy.
function Invoke-SimCmdlet($Sim, [string]$SetName, $Bound) {
  [System.IO.File]::AppendAllText((Get-SimStatePath) + '.calls', (Format-SimCall $Sim.Name $SetName $Bound) + "`n")
  $Sim.State = Read-SimState
  $before = ConvertTo-Json -InputObject $Sim.State -Depth 64
  $impl = "SimImpl_$($Sim.Name)"
  $out = @(& $impl $Sim $SetName $Bound)
  $after = ConvertTo-Json -InputObject $Sim.State -Depth 64
  if ($after -ne $before) { [System.IO.File]::WriteAllText((Get-SimStatePath), $after) }
  $out
}

function Exit-SimCmdlet($Sim) { }

# ------------------------------------------------------------------------------------------------
# Boot: run once per simulated PowerShell process, before the script is parsed.

function Initialize-SimSession {
  $state = Read-SimState
  Register-SimTypes
  # The PowerShell the host runs: Windows PowerShell 5.1 ("Desktop", powershell.exe) unless the state says
  # pwsh. The version table is what scripts branch on (ConvertTo-Json -EnumsAsStrings exists only in 6+).
  if ($state.powershell -ne 'core') {
    $PSVersionTable['PSVersion'] = [version]'5.1.22621.4391'
    $PSVersionTable['PSEdition'] = 'Desktop'
  } elseif ($env:SWITCHYARD_SIM_PSVERSION) {
    $PSVersionTable['PSVersion'] = [System.Management.Automation.SemanticVersion]$env:SWITCHYARD_SIM_PSVERSION
    $PSVersionTable['PSEdition'] = 'Core'
  }
  # C:\ is a folder of the host's: cmdlets given Windows paths (New-Item C:\ProgramData\…) work on it.
  $c = Join-Path (Split-Path -Parent (Get-SimStatePath)) 'C'
  [void][System.IO.Directory]::CreateDirectory($c)
  if (-not (Get-PSDrive -Name C -ErrorAction SilentlyContinue)) { [void](New-PSDrive -Name C -PSProvider FileSystem -Root $c -Scope Global) }
  $sep = [System.IO.Path]::PathSeparator
  $paths = @($state.modules | ForEach-Object { Join-Path (Join-Path $env:SWITCHYARD_SIM_ROOT 'modules') $_ })
  $env:PSModulePath = ($paths + @(Join-Path $PSHOME 'Modules')) -join $sep
}
