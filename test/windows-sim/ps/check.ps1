# Static checks of generated scripts, with PowerShell's own parser:
#   pwsh -File check.ps1 MANIFEST.json SIGNATURES.json   (manifest: [{ "name", "path" }])
# prints one JSON array: per script { name, parse, ps7, clm, cmdlets }, each a list of "line N: problem".
# - parse:   PowerShell's parser errors.
# - ps7:     what Windows PowerShell 5.1 lacks (syntax added in 6/7, and parameters 5.1's cmdlets do not
#            have), unless inside an `if` whose condition tests $PSVersionTable (a version guard).
# - clm:     static members of .NET types that ConstrainedLanguage mode (AppLocker/WDAC) blocks, unless the
#            script first tests $ExecutionContext.SessionState.LanguageMode (and says so). Core types:
#            learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_language_modes.
# - cmdlets: every command named in SIGNATURES (Microsoft's documented syntax): each parameter a known
#            name, alias or unique prefix; a literal value of a parameter with documented accepted values
#            among them; a switch not given a separate value.
param([Parameter(Mandatory = $true)][string]$Manifest, [Parameter(Mandatory = $true)][string]$Signatures)
$ErrorActionPreference = 'Stop'
$sig = Get-Content -Raw -LiteralPath $Signatures | ConvertFrom-Json -AsHashtable
$common = @($sig.commonParameters.Keys) + @('WhatIf', 'Confirm', 'wi', 'cf')
foreach ($c in $sig.commonParameters.Values) { if ($c.aliases) { $common += @($c.aliases) } }

# Syntax and parameters that exist only in PowerShell 6+ (about_* "What's new" pages of PowerShell 6.0-7.4).
$ps7Params = @{
  'ConvertTo-Json' = @('EnumsAsStrings', 'AsArray', 'EscapeHandling')
  'ConvertFrom-Json' = @('AsHashtable', 'Depth', 'NoEnumerate')
  'ForEach-Object' = @('Parallel', 'ThrottleLimit', 'TimeoutSeconds', 'AsJob')
  'Join-Path' = @('AdditionalChildPath')
  'Get-Content' = @('AsByteStream')
  'Set-Content' = @('AsByteStream')
  'Select-Object' = @('SkipIndex')
  'Start-Process' = @('Environment')
  'Out-File' = @()
}
$ps7Commands = @('Get-Error', 'Test-Json', 'Join-String', 'ConvertFrom-Markdown', 'Get-Uptime', 'Remove-Alias', 'Clear-RecycleBin')
# Type names whose static members ConstrainedLanguage allows (the core types; about_Language_Modes).
$coreTypes = @('string', 'int', 'int32', 'long', 'int64', 'bool', 'boolean', 'byte', 'char', 'decimal', 'double', 'float', 'single',
  'regex', 'guid', 'datetime', 'timespan', 'version', 'uri', 'hashtable', 'ordered', 'pscustomobject', 'psobject', 'array',
  'xml', 'ipaddress', 'math', 'scriptblock', 'switch', 'uint16', 'uint32', 'uint64', 'sbyte', 'short', 'ushort', 'uint', 'ulong',
  'System.String', 'System.Int32', 'System.DateTime', 'System.TimeSpan', 'System.Guid', 'System.Math', 'System.Text.RegularExpressions.Regex',
  'Net.IPAddress', 'System.Net.IPAddress', 'Security.Principal.WindowsBuiltInRole')

function Test-VersionGuarded($ast) {
  $p = $ast.Parent
  while ($p) {
    if ($p -is [System.Management.Automation.Language.IfStatementAst]) {
      foreach ($clause in $p.Clauses) { if ($clause.Item1.Extent.Text -match 'PSVersionTable|PSEdition') { return $true } }
    }
    $p = $p.Parent
  }
  $false
}

function Get-Param($cmd, [string]$name) {
  $n = $name.ToLowerInvariant()
  $exact = @($cmd.params.Keys | Where-Object { $_.ToLowerInvariant() -eq $n -or @($cmd.params[$_].aliases | Where-Object { "$_".ToLowerInvariant() -eq $n }).Count -gt 0 })
  if ($exact.Count -gt 0) { return $exact[0] }
  $prefix = @($cmd.params.Keys | Where-Object { $_.ToLowerInvariant().StartsWith($n) })
  if ($prefix.Count -eq 1) { return $prefix[0] }
  if ($prefix.Count -gt 1) { return "ambiguous: $($prefix -join ', ')" }
  $null
}

$out = @()
foreach ($entry in (Get-Content -Raw -LiteralPath $Manifest | ConvertFrom-Json)) {
  $tokens = $null; $errors = $null
  $ast = [System.Management.Automation.Language.Parser]::ParseFile($entry.path, [ref]$tokens, [ref]$errors)
  $r = [ordered]@{ name = $entry.name; parse = @(); ps7 = @(); clm = @(); cmdlets = @() }
  foreach ($e in $errors) { $r.parse += "line $($e.Extent.StartLineNumber): $($e.Message)" }

  $all = $ast.FindAll({ $true }, $true)
  foreach ($a in $all) {
    $line = $a.Extent.StartLineNumber
    switch ($a.GetType().Name) {
      'TernaryExpressionAst' { $r.ps7 += "line ${line}: ternary operator ?: (PowerShell 7)" }
      'PipelineChainAst' { $r.ps7 += "line ${line}: pipeline chain && / || (PowerShell 7)" }
      'BinaryExpressionAst' { if ("$($a.Operator)" -eq 'QuestionQuestion') { $r.ps7 += "line ${line}: ?? (PowerShell 7)" } }
      'AssignmentStatementAst' {
        if ("$($a.Operator)" -eq 'QuestionQuestionEquals') { $r.ps7 += "line ${line}: ??= (PowerShell 7)" }
      }
      'MemberExpressionAst' { if ($a.NullConditional) { $r.ps7 += "line ${line}: ?. (PowerShell 7)" } }
      'InvokeMemberExpressionAst' { if ($a.NullConditional) { $r.ps7 += "line ${line}: ?. (PowerShell 7)" } }
      'IndexExpressionAst' { if ($a.NullConditional) { $r.ps7 += "line ${line}: ?[] (PowerShell 7)" } }
    }
    if ($a -is [System.Management.Automation.Language.NamedBlockAst] -and "$($a.BlockKind)" -eq 'Clean') { $r.ps7 += "line ${line}: clean block (PowerShell 7.3)" }
  }

  # ConstrainedLanguage: the first guard, if any, and every static member of a non-core type before it or without it.
  $guard = @($all | Where-Object { $_ -is [System.Management.Automation.Language.IfStatementAst] -and $_.Clauses[0].Item1.Extent.Text -match 'LanguageMode' } | Select-Object -First 1)
  $guardAt = if ($guard.Count -gt 0) { $guard[0].Extent.StartOffset } else { [int]::MaxValue }
  foreach ($m in @($all | Where-Object { ($_ -is [System.Management.Automation.Language.MemberExpressionAst]) -and $_.Static -and $_.Expression -is [System.Management.Automation.Language.TypeExpressionAst] })) {
    $type = $m.Expression.TypeName.FullName
    if ($coreTypes -contains $type) { continue }
    if ($m.Extent.StartOffset -lt $guardAt) {
      $r.clm += "line $($m.Extent.StartLineNumber): [$type]::$($m.Member) is not allowed in ConstrainedLanguage mode, and no language-mode check comes first"
    }
  }

  foreach ($c in @($all | Where-Object { $_ -is [System.Management.Automation.Language.CommandAst] })) {
    $name = $c.GetCommandName()
    if (-not $name) { continue }
    $short = $name.Split('\')[-1]
    if ($ps7Commands -contains $short) { $r.ps7 += "line $($c.Extent.StartLineNumber): $short exists only in PowerShell 6+" }
    $params = @($c.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] })
    if ($ps7Params.ContainsKey($short) -and -not (Test-VersionGuarded $c)) {
      foreach ($p in $params) {
        if ($ps7Params[$short] -contains $p.ParameterName) { $r.ps7 += "line $($p.Extent.StartLineNumber): $short -$($p.ParameterName) exists only in PowerShell 6+" }
      }
    }
    $cmd = $sig.cmdlets[$short]
    if ($null -eq $cmd) { continue }
    $els = $c.CommandElements
    for ($i = 1; $i -lt $els.Count; $i++) {
      $p = $els[$i]
      if ($p -isnot [System.Management.Automation.Language.CommandParameterAst]) { continue }
      if ($common -contains $p.ParameterName) { continue }
      $pn = Get-Param $cmd $p.ParameterName
      if ($null -eq $pn) { $r.cmdlets += "line $($p.Extent.StartLineNumber): ${short} has no parameter -$($p.ParameterName)"; continue }
      if ($pn.StartsWith('ambiguous')) { $r.cmdlets += "line $($p.Extent.StartLineNumber): ${short} -$($p.ParameterName) is $pn"; continue }
      $def = $cmd.params[$pn]
      $value = $p.Argument
      if ($null -eq $value -and $def.type -ne 'SwitchParameter' -and $i + 1 -lt $els.Count -and $els[$i + 1] -isnot [System.Management.Automation.Language.CommandParameterAst]) { $value = $els[$i + 1] }
      if ($def.type -eq 'SwitchParameter' -and $null -eq $p.Argument) { continue }
      if ($def.accepted -and $value -is [System.Management.Automation.Language.StringConstantExpressionAst]) {
        $ok = @($def.accepted | Where-Object { $_ -eq $value.Value }).Count -gt 0
        if (-not $ok) { $r.cmdlets += "line $($value.Extent.StartLineNumber): ${short} -${pn} $($value.Value) is not one of the documented values ($($def.accepted -join ', '))" }
      }
    }
  }
  $out += [pscustomobject]$r
}
ConvertTo-Json -InputObject @($out) -Depth 5 -Compress
