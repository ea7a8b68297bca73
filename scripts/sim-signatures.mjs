#!/usr/bin/env node
// Copies into test/windows-sim/signatures.json the part of Microsoft's documented cmdlet syntax that the
// simulated Windows implements (the param() blocks are generated from it: test/windows-sim/param-block.ts).
// Source: the validators' catalogue (../shared/validators/ps-signatures.json), itself derived from
// MicrosoftDocs under CC BY 4.0; the attribution travels with the copy. Run again when the list changes:
//   node scripts/sim-signatures.mjs [path/to/ps-signatures.json]
import { readFileSync, writeFileSync } from 'node:fs';

export const SIMULATED = [
  // Hyper-V
  'Get-VMSwitch',
  'New-VMSwitch',
  'Remove-VMSwitch',
  'Get-VMNetworkAdapter',
  'Connect-VMNetworkAdapter',
  // NetAdapter
  'Get-NetAdapter',
  // NetTCPIP
  'Get-NetIPAddress',
  'New-NetIPAddress',
  'Remove-NetIPAddress',
  'Get-NetIPInterface',
  'Set-NetIPInterface',
  'Get-NetRoute',
  'Get-NetUDPEndpoint',
  // NetNat
  'Get-NetNat',
  'New-NetNat',
  'Remove-NetNat',
  // NetSecurity
  'Get-NetFirewallRule',
  'New-NetFirewallRule',
  'Remove-NetFirewallRule',
  'Get-NetFirewallPortFilter',
  'Get-NetFirewallAddressFilter',
  'Get-NetFirewallInterfaceFilter',
  'Get-NetFirewallProfile',
  'Get-NetFirewallHyperVVMSetting',
  'Set-NetFirewallHyperVVMSetting',
  // DnsClient
  'Get-DnsClientNrptRule',
  'Add-DnsClientNrptRule',
  'Remove-DnsClientNrptRule',
  // ScheduledTasks
  'Get-ScheduledTask',
  'Register-ScheduledTask',
  'Unregister-ScheduledTask',
  'Start-ScheduledTask',
  'Stop-ScheduledTask',
  'New-ScheduledTaskAction',
  'New-ScheduledTaskTrigger',
  'New-ScheduledTaskPrincipal',
  'New-ScheduledTaskSettingsSet',
  // Core cmdlets where they touch Windows-only state (the registry, elevation): only their base parameter
  // sets are kept (the "- <X> provider" variants are the FileSystem/WSMan/Certificate dynamic parameters).
  'Test-Path',
  'New-Item',
  'Get-ItemProperty',
  'Set-ItemProperty',
  'Remove-ItemProperty',
  'Start-Process',
];

// Cmdlets the generated scripts call that need no simulation (they touch no Windows-only state): their
// documented syntax is kept for the static check of every generated script (test/windows-sim/ps/check.ps1).
export const CHECKED = [
  'Get-Command',
  'Select-Object',
  'Where-Object',
  'ForEach-Object',
  'ConvertTo-Json',
  'ConvertFrom-Json',
  'Join-Path',
  'Get-Date',
  'New-TimeSpan',
  'Start-Sleep',
  'Out-Null',
  'Remove-Item',
  'Get-Process',
  'Write-Host',
  'Write-Output',
  'Write-Error',
  'Write-Warning',
  'Out-File',
  'Get-Content',
  'Set-Content',
  'Copy-Item',
  'New-Object',
  'Measure-Object',
  'Sort-Object',
  'Out-String',
  'Split-Path',
  'Get-ChildItem',
  'Get-Item',
  'Invoke-Expression',
];

const from =
  process.argv[2] ?? new URL('../../shared/validators/ps-signatures.json', import.meta.url).pathname;
const all = JSON.parse(readFileSync(from, 'utf8'));
const cmdlets = {};
for (const name of [...SIMULATED, ...CHECKED]) {
  const c = all.cmdlets[name];
  if (!c) throw new Error(`${name} is not in ${from}`);
  const sets = Object.fromEntries(Object.entries(c.sets).filter(([set]) => !/ - | #\d+$/.test(set)));
  cmdlets[name] = { ...c, sets };
}
const out = {
  _: { ...all._, copiedBy: 'scripts/sim-signatures.mjs', subset: 'the cmdlets test/windows-sim simulates' },
  simulated: SIMULATED,
  commonParameters: all.commonParameters,
  cmdlets,
};
writeFileSync(
  new URL('../test/windows-sim/signatures.json', import.meta.url),
  JSON.stringify(out, null, 1) + '\n',
);
console.log(`sim-signatures: ${SIMULATED.length} simulated, ${CHECKED.length} checked only`);
