# Core cmdlets where they touch Windows-only state: the registry (HKLM/HKCU) and Start-Process (elevation and
# the command-line limit). Any other path goes to the real cmdlet of this PowerShell.
#
# Registry: HKLM is the machine's; HKCU is the hive of the account the process runs as, so an elevated
# process started with an administrator's credentials ("over the shoulder") sees that administrator's
# HKCU and profile, not the user's (learn.microsoft.com/windows/security/application-security/
# application-control/user-account-control/how-it-works). Writing under HKLM unelevated fails with
# "Requested registry access is not allowed." (ChrisTitusTech/winutil#386).

function Split-SimRegistryPath([string]$Path) {
  if ($Path -match '^(?:Microsoft\.PowerShell\.Core\\)?Registry::HKEY_(LOCAL_MACHINE|CURRENT_USER)\\?(.*)$') {
    $hive = if ($Matches[1] -eq 'LOCAL_MACHINE') { 'HKLM' } else { 'HKCU' }
    return [pscustomobject]@{ Hive = $hive; Key = $Matches[2].TrimEnd('\').ToLowerInvariant(); Text = $Path }
  }
  if ($Path -match '^(HKLM|HKCU):\\?(.*)$') {
    return [pscustomobject]@{ Hive = $Matches[1].ToUpperInvariant(); Key = $Matches[2].TrimEnd('\').ToLowerInvariant(); Text = $Path }
  }
  $null
}

function Get-SimHive($Sim, [string]$Hive) {
  $reg = $Sim.State.registry
  if ($Hive -eq 'HKLM') { return $reg.HKLM }
  $name = $Sim.Identity.Name
  if ($null -eq $reg.HKCU[$name]) { $reg.HKCU[$name] = @{} }
  $reg.HKCU[$name]
}

function Get-SimPathArgs($B) {
  if ($B.ContainsKey('LiteralPath')) { return @($B.LiteralPath) }
  @($B['Path'])
}

function Invoke-SimReal($Sim, $B) {
  $p = @{}
  foreach ($k in $B.Keys) { if ($k -ne 'UseTransaction') { $p[$k] = $B[$k] } }
  $real = Get-Command -Name "Microsoft.PowerShell.Management\$($Sim.Name)" -CommandType Cmdlet
  & $real @p
}

function Assert-SimRegistryWrite($Sim, $R) {
  if ($R.Hive -eq 'HKLM' -and -not ($Sim.Identity.Elevated -or $Sim.Identity.System)) {
    $e = [System.Security.SecurityException]::new('Requested registry access is not allowed.')
    Stop-Sim $Sim 'Requested registry access is not allowed.' 'System.Security.SecurityException' 'PermissionDenied' $R.Text $e
  }
}

function Stop-SimPathNotFound($Sim, $R) {
  $e = [System.Management.Automation.ItemNotFoundException]::new("Cannot find path '$($R.Text)' because it does not exist.")
  Write-SimError $Sim $e.Message 'PathNotFound' 'ObjectNotFound' $R.Text
}

function SimImpl_Test-Path($Sim, $Set, $B) {
  $paths = Get-SimPathArgs $B
  $regs = @($paths | ForEach-Object { Split-SimRegistryPath $_ } | Where-Object { $null -ne $_ })
  if ($regs.Count -eq 0) { return Invoke-SimReal $Sim $B }
  foreach ($r in $regs) {
    if ($B['PathType'] -eq 'Leaf') { $false; continue }
    $hive = Get-SimHive $Sim $r.Hive
    $hive.ContainsKey($r.Key)
  }
}

function SimImpl_New-Item($Sim, $Set, $B) {
  $r = Split-SimRegistryPath "$(@($B['Path'])[0])"
  if ($null -eq $r) { return Invoke-SimReal $Sim $B }
  if ($B.ContainsKey('Name')) { $r = Split-SimRegistryPath ("$($r.Text.TrimEnd('\'))\$($B.Name)") }
  Assert-SimRegistryWrite $Sim $r
  $hive = Get-SimHive $Sim $r.Hive
  if ($hive.ContainsKey($r.Key) -and -not $B.ContainsKey('Force')) {
    Stop-Sim $Sim 'A key at this path already exists.' 'System.IO.IOException,Microsoft.PowerShell.Commands.NewItemCommand' 'ResourceExists' $r.Text
  }
  # New-Item -Force creates the missing parent keys too.
  $parts = $r.Key.Split('\')
  for ($i = 1; $i -le $parts.Count; $i++) {
    $k = ($parts[0..($i - 1)] -join '\')
    if (-not $hive.ContainsKey($k)) { $hive[$k] = @{} }
  }
  [pscustomobject]@{ PSPath = $r.Text; Name = $parts[-1] }
}

function SimImpl_Get-ItemProperty($Sim, $Set, $B) {
  $paths = Get-SimPathArgs $B
  $regs = @($paths | ForEach-Object { Split-SimRegistryPath $_ } | Where-Object { $null -ne $_ })
  if ($regs.Count -eq 0) { return Invoke-SimReal $Sim $B }
  foreach ($r in $regs) {
    $hive = Get-SimHive $Sim $r.Hive
    if (-not $hive.ContainsKey($r.Key)) { Stop-SimPathNotFound $Sim $r; continue }
    $values = $hive[$r.Key]
    $o = [ordered]@{}
    foreach ($name in @($values.Keys | Sort-Object)) {
      if ($B.ContainsKey('Name') -and @($B.Name) -notcontains $name) { continue }
      $o[$name] = $values[$name]
    }
    if ($B.ContainsKey('Name') -and $o.Count -eq 0) {
      Write-SimError $Sim "Property $(@($B.Name) -join ',') does not exist at path $($r.Text)." 'System.Management.Automation.PSArgumentException' 'InvalidArgument'
      continue
    }
    $o['PSPath'] = $r.Text
    [pscustomobject]$o
  }
}

function SimImpl_Set-ItemProperty($Sim, $Set, $B) {
  $r = Split-SimRegistryPath "$(@(Get-SimPathArgs $B)[0])"
  if ($null -eq $r) { return Invoke-SimReal $Sim $B }
  Assert-SimRegistryWrite $Sim $r
  $hive = Get-SimHive $Sim $r.Hive
  if (-not $hive.ContainsKey($r.Key)) { Stop-SimPathNotFound $Sim $r; return }
  $hive[$r.Key][$B.Name] = $B.Value
}

function SimImpl_Remove-ItemProperty($Sim, $Set, $B) {
  $r = Split-SimRegistryPath "$(@(Get-SimPathArgs $B)[0])"
  if ($null -eq $r) { return Invoke-SimReal $Sim $B }
  Assert-SimRegistryWrite $Sim $r
  $hive = Get-SimHive $Sim $r.Hive
  if (-not $hive.ContainsKey($r.Key)) { Stop-SimPathNotFound $Sim $r; return }
  foreach ($name in @($B.Name)) {
    if (-not $hive[$r.Key].ContainsKey($name)) {
      Write-SimError $Sim "Property $name does not exist at path $($r.Text)." 'System.Management.Automation.PSArgumentException' 'InvalidArgument'
      continue
    }
    $hive[$r.Key].Remove($name)
  }
}

# Start-Process of a PowerShell: the child is another simulated PowerShell (same boot), as the account and
# with the token the Windows rules give it.
# - The command line: CreateProcess takes at most 32,767 characters, NUL included (learn.microsoft.com/
#   windows/win32/api/processthreadsapi/nf-processthreadsapi-createprocessw, lpCommandLine); longer fails
#   with ERROR_FILENAME_EXCED_RANGE, "The filename or extension is too long." (206).
# - -Verb RunAs from an unelevated process is a UAC prompt: declined → Win32 ERROR_CANCELLED (1223), "The
#   operation was canceled by the user." (gerardog/gsudo#102); accepted → an elevated token of the account
#   that answered: the same user if an administrator (consent prompt), else the administrator whose
#   credentials were typed (credential prompt). From an elevated process no prompt is shown.
function SimImpl_Start-Process($Sim, $Set, $B) {
  $file = "$($B.FilePath)"
  $argList = @($B['ArgumentList'] | ForEach-Object { "$_" })
  $lineLength = $file.Length + 2 + ($argList | ForEach-Object { 1 + $_.Length } | Measure-Object -Sum).Sum + 1
  if ($lineLength -gt 32767) {
    $inner = [System.ComponentModel.Win32Exception]::new(206, 'The filename or extension is too long.')
    $e = [System.InvalidOperationException]::new("This command cannot be run due to the error: $($inner.Message)", $inner)
    Stop-Sim $Sim $e.Message 'InvalidOperationException,Microsoft.PowerShell.Commands.StartProcessCommand' 'InvalidOperation' $null $e
  }
  $self = (Get-Process -Id $PID).Path
  if (-not ($file -match '(?i)(^|[\\/])(powershell|pwsh)(\.exe)?$' -or $file -eq $self)) {
    Stop-Sim $Sim "simulated Windows: only PowerShell children are simulated, not $file" 'NotSimulated'
  }
  $enc = $null
  for ($i = 0; $i -lt $argList.Count - 1; $i++) { if ($argList[$i] -match '^-(EncodedCommand|enc|e|ec)$') { $enc = $argList[$i + 1] } }
  if ($null -eq $enc) { Stop-Sim $Sim 'simulated Windows: a PowerShell child must get its script as -EncodedCommand' 'NotSimulated' }

  $account = $Sim.Identity.Name
  $elevated = $Sim.Identity.Elevated
  if ($B['Verb'] -eq 'RunAs' -and -not $elevated) {
    $uac = $Sim.State.uac
    if (-not [SimEnvironment]::UserInteractive -or "$($uac.answer)" -ne 'accept') {
      $inner = [System.ComponentModel.Win32Exception]::new(1223, 'The operation was canceled by the user.')
      $e = [System.InvalidOperationException]::new("This command cannot be run due to the error: $($inner.Message)", $inner)
      Stop-Sim $Sim $e.Message 'InvalidOperationException,Microsoft.PowerShell.Commands.StartProcessCommand' 'InvalidOperation' $null $e
    }
    if (-not $Sim.Identity.Admin) { $account = "$($uac.account)" }
    $elevated = $true
  }
  # In the simulation's own folder: a child started without -Wait outlives this call, and the folder goes
  # with the test.
  $script = Join-Path (Split-Path -Parent (Get-SimStatePath)) ('sim-child-' + [guid]::NewGuid().ToString('N') + '.ps1')
  [System.IO.File]::WriteAllText($script, [System.Text.Encoding]::Unicode.GetString([Convert]::FromBase64String($enc)))
  $saved = @{ A = $env:SWITCHYARD_SIM_ACCOUNT; E = $env:SWITCHYARD_SIM_ELEVATED; P = $env:USERPROFILE }
  try {
    $env:SWITCHYARD_SIM_ACCOUNT = $account
    $env:SWITCHYARD_SIM_ELEVATED = $(if ($elevated) { '1' } else { '0' })
    $env:USERPROFILE = "$($Sim.State.accounts[$account].profile)"
    $p = @{ FilePath = $env:SWITCHYARD_SIM_PWSH; ArgumentList = @('-NoLogo', '-NoProfile', '-NonInteractive', '-File', (Join-Path $env:SWITCHYARD_SIM_ROOT 'run.ps1'), $script) }
    foreach ($k in 'RedirectStandardOutput', 'RedirectStandardError', 'Wait', 'PassThru', 'WorkingDirectory') { if ($B.ContainsKey($k)) { $p[$k] = $B[$k] } }
    if (-not $B.ContainsKey('RedirectStandardOutput')) { $p['NoNewWindow'] = $true }
    $proc = Microsoft.PowerShell.Management\Start-Process @p
    # PowerShell 7.4.0 (state.startProcessExitCodeLost): -PassThru -Wait with -RedirectStandard* returns a
    # process object whose ExitCode is empty (PowerShell/PowerShell#20716, #20400; fixed in 7.4.1).
    $lost = $Sim.State.startProcessExitCodeLost -eq $true -and $B.ContainsKey('Wait') -and ($B.ContainsKey('RedirectStandardOutput') -or $B.ContainsKey('RedirectStandardError'))
    if ($lost -and $null -ne $proc) { [pscustomobject]@{ Id = $proc.Id; HasExited = $true; ExitCode = $null } } else { $proc }
  } finally {
    $env:SWITCHYARD_SIM_ACCOUNT = $saved.A
    $env:SWITCHYARD_SIM_ELEVATED = $saved.E
    $env:USERPROFILE = $saved.P
    if ($B.ContainsKey('Wait')) { Remove-Item -LiteralPath $script -Force -ErrorAction SilentlyContinue }
  }
}

# icacls.exe <path> /setowner <who> | /inheritance:r /grant:r <sid:(perm)>… [/T /C /Q] — what the boot task's
# staging runs (src/host/windows/task.ts). Changing the owner or the ACL of a folder under %ProgramFiles% /
# %ProgramData% needs an administrator: unelevated, icacls prints "<path>: Access is denied." and exits 5
# (ERROR_ACCESS_DENIED; learn.microsoft.com/windows-server/administration/windows-commands/icacls).
# A missing path: "The system cannot find the file specified." and exit 2. The call is logged; the ACL
# itself is not modelled.
function Invoke-SimIcacls {
  $a = @($args | ForEach-Object { "$_" })
  $sim = Enter-SimCmdlet 'icacls.exe' 'icacls' $null
  [System.IO.File]::AppendAllText((Get-SimStatePath) + '.calls', ('icacls.exe ' + ($a -join ' ')) + "`n")
  if ($a.Count -lt 2) { Write-Output 'simulated Windows: icacls needs a path and an operation'; $global:LASTEXITCODE = 87; return }
  if (-not (Test-Path -LiteralPath $a[0])) {
    Write-Output ($a[0] + ': The system cannot find the file specified.')
    Write-Output 'Successfully processed 0 files; Failed processing 1 files'
    $global:LASTEXITCODE = 2
    return
  }
  if (-not ($sim.Identity.Elevated -or $sim.Identity.System)) {
    Write-Output ($a[0] + ': Access is denied.')
    Write-Output 'Successfully processed 0 files; Failed processing 1 files'
    $global:LASTEXITCODE = 5
    return
  }
  Write-Output 'Successfully processed 1 files; Failed processing 0 files'
  $global:LASTEXITCODE = 0
}
Set-Alias -Name 'icacls.exe' -Value Invoke-SimIcacls
Set-Alias -Name 'icacls' -Value Invoke-SimIcacls
