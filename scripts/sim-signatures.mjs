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

const from =
  process.argv[2] ?? new URL('../../shared/validators/ps-signatures.json', import.meta.url).pathname;
const all = JSON.parse(readFileSync(from, 'utf8'));
const cmdlets = {};
for (const name of SIMULATED) {
  const c = all.cmdlets[name];
  if (!c) throw new Error(`${name} is not in ${from}`);
  const sets = Object.fromEntries(Object.entries(c.sets).filter(([set]) => !/ - | #\d+$/.test(set)));
  cmdlets[name] = { ...c, sets };
}
const out = {
  _: { ...all._, copiedBy: 'scripts/sim-signatures.mjs', subset: 'the cmdlets test/windows-sim simulates' },
  commonParameters: all.commonParameters,
  cmdlets,
};
writeFileSync(
  new URL('../test/windows-sim/signatures.json', import.meta.url),
  JSON.stringify(out, null, 1) + '\n',
);
console.log(`sim-signatures: ${SIMULATED.length} cmdlets`);
