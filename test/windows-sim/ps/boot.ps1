# Loaded into every simulated PowerShell before the script under test is parsed (run.ps1): the simulation's
# own module (state, identity, core overrides), the PowerShell version and language mode of the simulated
# host, and a PSModulePath holding only the Windows modules that host has.
Import-Module -Name (Join-Path $PSScriptRoot 'SimWindows.psm1') -Global -DisableNameChecking -Force
Initialize-SimSession
if ((Read-SimState).languageMode -eq 'ConstrainedLanguage') {
  $ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage'
}
