# pwsh -File run.ps1 SCRIPT: SCRIPT as the simulated Windows' PowerShell would run it (-EncodedCommand),
# after boot.ps1; exits with the script's exit code.
param([Parameter(Mandatory = $true)][string]$ScriptPath)
if (-not $env:SWITCHYARD_SIM_PSVERSION) { $env:SWITCHYARD_SIM_PSVERSION = $PSVersionTable.PSVersion.ToString() }
. (Join-Path $PSScriptRoot 'boot.ps1')
$global:LASTEXITCODE = 0
. $ScriptPath
exit $global:LASTEXITCODE
