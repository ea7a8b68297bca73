# A long-lived simulated PowerShell for the test suite: one pwsh start (about a second) instead of one per
# script. Reads one JSON request per line on stdin — { "script": PATH, "env": { NAME: VALUE } } — and runs
# the script in a fresh runspace (nothing carries over from one script to the next: functions, variables,
# modules, language mode), after boot.ps1, as run.ps1 would in a process of its own; answers one JSON line
# { "code", "stdout", "stderr" } on the real stdout.
# - [Console]::Out/Error are redirected to buffers while a script runs: that is where the generated scripts
#   write their markers, as a real process's stdout.
# - `exit N` in the script sets $LASTEXITCODE, which is the exit code (an exit that reaches the host, as
#   SetShouldExit(N), wins).
# - A terminating error that escapes the script is exit code 1 and its text on stderr, as pwsh -File does.
# Child processes the script starts (the elevated run's Start-Process) are real pwsh processes (run.ps1).
$ErrorActionPreference = 'Stop'
Add-Type -TypeDefinition @'
using System;
using System.Globalization;
using System.Management.Automation.Host;
public class SimScriptHost : PSHost {
  private readonly Guid id = Guid.NewGuid();
  public int? ExitCode;
  public override string Name { get { return "ConsoleHost"; } }
  public override Version Version { get { return new Version(7, 6); } }
  public override Guid InstanceId { get { return id; } }
  public override PSHostUserInterface UI { get { return null; } }
  public override CultureInfo CurrentCulture { get { return CultureInfo.CurrentCulture; } }
  public override CultureInfo CurrentUICulture { get { return CultureInfo.CurrentUICulture; } }
  public override void EnterNestedPrompt() { }
  public override void ExitNestedPrompt() { }
  public override void NotifyBeginApplication() { }
  public override void NotifyEndApplication() { }
  public override void SetShouldExit(int exitCode) { ExitCode = exitCode; }
}
'@
$env:SWITCHYARD_SIM_PSVERSION = $PSVersionTable.PSVersion.ToString()
$protocol = [Console]::Out
$protocolIn = [Console]::In
$realError = [Console]::Error
$boot = Join-Path $PSScriptRoot 'boot.ps1'
# This host has no UI, where a console's Write-Host output goes; in a pwsh process of its own it reaches
# stdout, so here it is written there too.
$writeHost = @'
function global:Write-Host {
  param([Parameter(Position = 0, ValueFromRemainingArguments = $true)]$Object, [switch]$NoNewline, $Separator = ' ', $ForegroundColor, $BackgroundColor)
  $text = (@($Object) | ForEach-Object { "$_" }) -join $Separator
  if ($NoNewline) { [Console]::Out.Write($text) } else { [Console]::Out.WriteLine($text) }
}
'@
$protocol.WriteLine('{"ready":true}')
$protocol.Flush()
while ($null -ne ($line = $protocolIn.ReadLine())) {
  $req = ConvertFrom-Json -InputObject $line
  foreach ($p in $req.env.PSObject.Properties) { [Environment]::SetEnvironmentVariable($p.Name, [string]$p.Value) }
  $out = [IO.StringWriter]::new()
  $err = [IO.StringWriter]::new()
  $code = 0
  $h = [SimScriptHost]::new()
  $rs = [runspacefactory]::CreateRunspace($h, [initialsessionstate]::CreateDefault2())
  $ps = $null
  [Console]::SetOut($out)
  [Console]::SetError($err)
  $stdin = if ($null -ne $req.stdin) { "$($req.stdin)" } else { '' }
  [Console]::SetIn([IO.StringReader]::new($stdin))
  try {
    $rs.Open()
    $ps = [powershell]::Create()
    $ps.Runspace = $rs
    $q = "'" + ($req.script -replace "'", "''") + "'"
    [void]$ps.AddScript(". '$boot'`n$writeHost`n`$global:LASTEXITCODE = 0`n. $q")
    $results = $ps.Invoke()
    # `exit N` in a script file ends that script and sets $LASTEXITCODE (run.ps1 exits with it too).
    $last = $rs.SessionStateProxy.GetVariable('LASTEXITCODE')
    if ($last -is [int]) { $code = $last }
    if ($results.Count -gt 0) { $out.Write(($results | Out-String)) }
    foreach ($e in $ps.Streams.Error) { $err.WriteLine($e.ToString()) }
  } catch {
    $x = $_.Exception
    while ($x -is [System.Management.Automation.MethodInvocationException] -and $x.InnerException) { $x = $x.InnerException }
    $err.WriteLine($x.Message)
    $code = 1
  } finally {
    [Console]::SetOut($protocol)
    [Console]::SetError($realError)
    [Console]::SetIn($protocolIn)
    if ($ps) { $ps.Dispose() }
    $rs.Dispose()
  }
  if ($null -ne $h.ExitCode) { $code = $h.ExitCode }
  $protocol.WriteLine((ConvertTo-Json -Compress -InputObject ([ordered]@{ code = $code; stdout = $out.ToString(); stderr = $err.ToString() })))
  $protocol.Flush()
}
