# ScheduledTasks cmdlets of the simulated Windows. Sources: learn.microsoft.com/powershell/module/scheduledtasks/*
# (New-ScheduledTaskSettingsSet: -Priority "0 (highest) … 10 (lowest); the default is 7"); task visibility:
# a task registered by an administrator to run as SYSTEM is stored with an ACL that lets only Administrators
# and SYSTEM read it, so an unelevated session does not list it (learn.microsoft.com/windows/win32/taskschd/
# security-contexts-for-running-tasks; reported as "Get-ScheduledTask shows nothing unless elevated").
# Access denied for writes uses the HRESULT form (kangyu-california/PersistentWindows#470).

function Test-SimTaskVisible($Sim, $t) {
  if ($Sim.Identity.Elevated -or $Sim.Identity.System) { return $true }
  "$($t.Principal.UserId)" -notin @('SYSTEM', 'NT AUTHORITY\SYSTEM', 'S-1-5-18')
}

function ConvertTo-SimTask($t) {
  $actions = @($t.Actions | ForEach-Object { New-SimObject 'Root/Microsoft/Windows/TaskScheduler/MSFT_TaskExecAction' @{ Execute = $_.Execute; Arguments = $_.Arguments; WorkingDirectory = $_.WorkingDirectory } })
  New-SimObject 'Root/Microsoft/Windows/TaskScheduler/MSFT_ScheduledTask' @{
    TaskPath = $t.TaskPath; TaskName = $t.TaskName; State = [SimTaskState]$t.State; Description = $t.Description
    Actions = $actions
    Principal = (New-SimObject 'Root/Microsoft/Windows/TaskScheduler/MSFT_TaskPrincipal2' @{ UserId = $t.Principal.UserId; LogonType = $t.Principal.LogonType; RunLevel = $t.Principal.RunLevel })
    Settings = (New-SimObject 'Root/Microsoft/Windows/TaskScheduler/MSFT_TaskSettings3' @{ Priority = [int]$t.Settings.Priority; MultipleInstances = $t.Settings.MultipleInstances; ExecutionTimeLimit = $t.Settings.ExecutionTimeLimit; RestartCount = [int]$t.Settings.RestartCount })
    Triggers = @($t.Triggers)
  }
}

function Select-SimTasks($Sim, $B) {
  $items = @($Sim.State.tasks | Where-Object { Test-SimTaskVisible $Sim $_ })
  if ($B.ContainsKey('TaskPath')) { $items = @($items | Where-Object { $t = $_; @($B.TaskPath | Where-Object { $t.TaskPath -like $_ }).Count -gt 0 }) }
  if ($B.ContainsKey('TaskName')) {
    $named = @($items | Where-Object { $t = $_; @($B.TaskName | Where-Object { $t.TaskName -like $_ }).Count -gt 0 })
    if ($named.Count -eq 0 -and -not (Test-SimWildcard "$(@($B.TaskName)[0])")) {
      Write-SimError $Sim ("No MSFT_ScheduledTask objects found with property 'TaskName' equal to '" + (@($B.TaskName) -join ',') + "'.  Verify the value of the property and retry.") 'CmdletizationQuery_NotFound_TaskName' 'ObjectNotFound'
    }
    $items = $named
  }
  $items
}

function SimImpl_Get-ScheduledTask($Sim, $Set, $B) {
  Select-SimTasks $Sim $B | ForEach-Object { ConvertTo-SimTask $_ }
}

function SimImpl_New-ScheduledTaskAction($Sim, $Set, $B) {
  New-SimObject 'Root/Microsoft/Windows/TaskScheduler/MSFT_TaskExecAction' @{ Execute = $B.Execute; Arguments = "$($B['Argument'])"; WorkingDirectory = "$($B['WorkingDirectory'])" }
}

function SimImpl_New-ScheduledTaskTrigger($Sim, $Set, $B) {
  $repetition = New-SimObject 'Root/Microsoft/Windows/TaskScheduler/MSFT_TaskRepetitionPattern' @{ Interval = $(if ($B.ContainsKey('RepetitionInterval')) { 'PT' + [int]$B.RepetitionInterval.TotalMinutes + 'M' } else { $null }); Duration = $null; StopAtDurationEnd = $false }
  $kind = if ($B.ContainsKey('AtStartup')) { 'Boot' } elseif ($B.ContainsKey('AtLogOn')) { 'Logon' } elseif ($B.ContainsKey('Once')) { 'Time' } else { 'Other' }
  New-SimObject "Root/Microsoft/Windows/TaskScheduler/MSFT_Task${kind}Trigger" @{ Kind = $kind; Enabled = $true; Repetition = $repetition }
}

function SimImpl_New-ScheduledTaskPrincipal($Sim, $Set, $B) {
  New-SimObject 'Root/Microsoft/Windows/TaskScheduler/MSFT_TaskPrincipal2' @{ UserId = "$($B['UserId'])"; GroupId = "$($B['GroupId'])"; LogonType = "$($B['LogonType'])"; RunLevel = $(if ($B.ContainsKey('RunLevel')) { "$($B.RunLevel)" } else { 'Limited' }) }
}

function SimImpl_New-ScheduledTaskSettingsSet($Sim, $Set, $B) {
  New-SimObject 'Root/Microsoft/Windows/TaskScheduler/MSFT_TaskSettings3' @{
    Priority = $(if ($B.ContainsKey('Priority')) { [int]$B.Priority } else { 7 })
    MultipleInstances = $(if ($B.ContainsKey('MultipleInstances')) { "$($B.MultipleInstances)" } else { 'IgnoreNew' })
    ExecutionTimeLimit = $(if ($B.ContainsKey('ExecutionTimeLimit')) { "$($B.ExecutionTimeLimit)" } else { '3.00:00:00' })
    RestartCount = $(if ($B.ContainsKey('RestartCount')) { [int]$B.RestartCount } else { 0 })
  }
}

# Register-ScheduledTask: a task running as SYSTEM (or with RunLevel Highest) needs an elevated caller;
# an existing task is replaced only with -Force ("Cannot create a file when that file already exists.",
# HRESULT 0x800700B7).
function SimImpl_Register-ScheduledTask($Sim, $Set, $B) {
  $state = $Sim.State
  $p = $B['Principal']
  if (-not ($Sim.Identity.Elevated -or $Sim.Identity.System)) {
    Write-SimError $Sim 'Access is denied.' 'HRESULT 0x80070005' 'PermissionDenied'
    return
  }
  $path = if ($B.ContainsKey('TaskPath')) { "$($B.TaskPath)" } else { '\' }
  if (-not $path.EndsWith('\')) { $path += '\' }
  $existing = @($state.tasks | Where-Object { $_.TaskPath -eq $path -and $_.TaskName -eq $B.TaskName })
  if ($existing.Count -gt 0 -and -not $B.ContainsKey('Force')) {
    Write-SimError $Sim 'Cannot create a file when that file already exists.' 'HRESULT 0x800700b7' 'ResourceExists'
    return
  }
  $s = $B['Settings']
  $t = @{
    TaskPath = $path; TaskName = $B.TaskName; State = 'Ready'; Description = "$($B['Description'])"
    Actions = @($B.Action | ForEach-Object { @{ Execute = $_.Execute; Arguments = $_.Arguments; WorkingDirectory = $_.WorkingDirectory } })
    Principal = @{ UserId = $(if ($p) { $p.UserId } else { $Sim.Identity.Name }); LogonType = $(if ($p) { $p.LogonType } else { 'Interactive' }); RunLevel = $(if ($p) { $p.RunLevel } else { 'Limited' }) }
    Settings = @{ Priority = $(if ($s) { [int]$s.Priority } else { 7 }); MultipleInstances = $(if ($s) { $s.MultipleInstances } else { 'IgnoreNew' }); ExecutionTimeLimit = $(if ($s) { $s.ExecutionTimeLimit } else { '3.00:00:00' }); RestartCount = $(if ($s) { $s.RestartCount } else { 0 }) }
    Triggers = @($B['Trigger'] | ForEach-Object { @{ Kind = $_.Kind; Repetition = $(if ($_.Repetition) { "$($_.Repetition.Interval)" } else { $null }) } })
  }
  $state.tasks = @($state.tasks | Where-Object { -not ($_.TaskPath -eq $path -and $_.TaskName -eq $B.TaskName) }) + @($t)
  ConvertTo-SimTask $t
}

function Set-SimTaskState($Sim, $B, [string]$To) {
  if (-not ($Sim.Identity.Elevated -or $Sim.Identity.System)) { Write-SimError $Sim 'Access is denied.' 'HRESULT 0x80070005' 'PermissionDenied'; return }
  foreach ($t in (Select-SimTasks $Sim $B)) { $t.State = $To }
}

function SimImpl_Start-ScheduledTask($Sim, $Set, $B) { Set-SimTaskState $Sim $B 'Running' }
function SimImpl_Stop-ScheduledTask($Sim, $Set, $B) { Set-SimTaskState $Sim $B 'Ready' }

function SimImpl_Unregister-ScheduledTask($Sim, $Set, $B) {
  if (-not ($Sim.Identity.Elevated -or $Sim.Identity.System)) { Write-SimError $Sim 'Access is denied.' 'HRESULT 0x80070005' 'PermissionDenied'; return }
  $gone = @(Select-SimTasks $Sim $B)
  $Sim.State.tasks = @($Sim.State.tasks | Where-Object { $t = $_; @($gone | Where-Object { $_.TaskPath -eq $t.TaskPath -and $_.TaskName -eq $t.TaskName }).Count -eq 0 })
}
