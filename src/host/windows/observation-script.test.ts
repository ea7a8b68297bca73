import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandNames, parsePowerShell } from '../../../test/support/ps-parse.js';
import { powershellArgs } from './command-line.js';
import { observationScript } from './observation-script.js';

// ---------------------------------------------------------------------------------------------------
// The script

/** Every command the observation script may call: anything else would be config text run as code. */
const ALLOWED_COMMANDS = new Set([
  '$Body', // & $Body: Get-Section invoking the section's own script block
  'ConvertTo-Json',
  'Write-Output', // the language-mode check's error marker (prelude.ts PS_LANGUAGE_GUARD)
  'Add-Note',
  'Get-Section',
  'Get-Command',
  'Out-Marked',
  'Get-ErrInfo',
  'Hyper-V\\Get-VMSwitch',
  'Select-Object',
  'NetAdapter\\Get-NetAdapter',
  'NetTCPIP\\Get-NetIPAddress',
  'NetTCPIP\\Get-NetIPInterface',
  'NetNat\\Get-NetNat',
  'NetTCPIP\\Get-NetRoute',
  'NetSecurity\\Get-NetFirewallRule',
  'ForEach-Object',
  'NetSecurity\\Get-NetFirewallPortFilter',
  'NetSecurity\\Get-NetFirewallAddressFilter',
  'NetSecurity\\Get-NetFirewallInterfaceFilter',
  'NetSecurity\\Get-NetFirewallProfile',
  'NetSecurity\\Get-NetFirewallHyperVVMSetting',
  'DnsClient\\Get-DnsClientNrptRule',
  'Hyper-V\\Get-VMNetworkAdapter',
  'ScheduledTasks\\Get-ScheduledTask',
  'Where-Object',
  'Get-ItemProperty',
  'Join-Path',
  'Test-Path',
]);

test('observation script: parses with zero errors and fits one command line', async () => {
  const script = observationScript({ nrptNamespaces: ['switchyard.internal', 'lab.example'] });
  assert.deepEqual((await parsePowerShell(script)).errors, []);
  powershellArgs(script);
  assert.deepEqual(new Set(await commandNames(script)), ALLOWED_COMMANDS);
});

test('observation script: hostile config values stay literals (no error, no new command)', async () => {
  const script = observationScript({
    firewallGroup: "sw'; Stop-Computer -Force; '\u2019",
    nrptNamespaces: ['$(Stop-Computer).internal', "x'\nRemove-Item C:\\ -Recurse #", '<#'],
  });
  assert.deepEqual((await parsePowerShell(script)).errors, []);
  for (const name of await commandNames(script)) assert.ok(ALLOWED_COMMANDS.has(name), name);
});

test('observation script: every section guarded, arrays kept, serialised with -InputObject', () => {
  const script = observationScript();
  for (const section of [
    'switches',
    'adapters',
    'addresses',
    'interfaces',
    'nats',
    'routes',
    'firewallRules',
    'hypervFirewall',
    'nrptRules',
    'nrptPolicy',
    'wsl',
  ]) {
    assert.match(script, new RegExp(`Get-Section '${section}' `), section);
  }
  assert.match(script, /\$r\[\$Name\] = @\(& \$Body\)/);
  assert.match(script, /InputObject = \$Value; Depth = 6; Compress = \$true/);
  assert.match(script, /-IncludeHidden/, 'Windows 11 hides the WSL and Default Switch vNICs');
  assert.match(script, /CmdletizationQuery_NotFound/);
  assert.doesNotMatch(
    script,
    /\|\s*ConvertTo-Json/,
    'never pipe into ConvertTo-Json (5.1 unrolls one-element arrays)',
  );
});

test('NRPT: every rule by default; with namespaces, ours (by Comment) and those; the GPO key is looked up', () => {
  const all = observationScript();
  assert.match(all, /\$nrptNames = @\(\)/);
  assert.match(all, /\$nrptNames\.Count -eq 0 -or "\$\(\$_\.Comment\)" -like 'switchyard:\*' -or/);
  assert.ok(
    all.includes(
      "Test-Path -LiteralPath 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\DNSClient\\DnsPolicyConfig'",
    ),
  );
});
