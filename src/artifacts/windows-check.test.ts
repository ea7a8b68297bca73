/**
 * The fleet pair: the detection script (`script --target windows --check`) is read-only, needs no elevation and
 * ends in exit 0 or one JSON line and exit 1; the converge script reports each step, keeps cmdlet warnings,
 * says when `wsl --shutdown` is needed and, with --with-daemon, registers the boot task. Both parse under the
 * PowerShell grammar and stay within Windows PowerShell 5.1 syntax. (They are run in PowerShell against the
 * simulated Windows host elsewhere; this file does not simulate Windows.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  commandNames,
  decodeVerbatimString,
  nodesOfType,
  parsePowerShell,
} from '../../test/support/ps-parse.js';
import { parseConfig } from '../config/load.js';
import { windowsCheckScript } from './windows-check.js';
import { fleetBootTask, windowsScript } from './windows-script.js';

const CONFIG = parseConfig(
  `switches:
  - name: dev
    dhcp:
      reservations:
        - { name: web1, mac: "00:15:5d:00:00:01", ip: 10.30.0.10 }
    subnet: 10.30.0.0/24
  - { name: test, subnet: auto, nat: false }
wsl:
  subnet: auto
`,
  'fleet.yaml',
);
const EXE = 'C:\\Program Files\\switchyard\\switchyard.exe';

/** What Windows PowerShell 5.1 does not have: PowerShell 7's pipeline chains, null operators and ternary. */
function ps7Only(script: string): string[] {
  const code = script
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/'(?:[^']|'')*'/g, "''");
  return ['&&', '||', '??', '?.', ' ? ', '-Parallel', 'ForEach-Object -Parallel'].filter((t) =>
    code.includes(t),
  );
}

describe('fleet detection script (--check)', () => {
  const script = windowsCheckScript(CONFIG, '0.0.0', { bootTask: fleetBootTask(CONFIG, EXE) });

  test('parses with zero errors, in Windows PowerShell 5.1 syntax', async () => {
    assert.deepEqual((await parsePowerShell(script)).errors, []);
    assert.deepEqual(ps7Only(script), []);
  });

  test('read-only: only commands that look (Get-, Test-Path) and its own helpers', async () => {
    const names = new Set(await commandNames(script));
    const allowed =
      /^(Get-[A-Za-z]+|Test-Path|Join-Path|Write-Host|Write-Output|Where-Object|ForEach-Object|Select-Object|ConvertTo-Json|New-Object|Add-Drift|Invoke-Look|Out-Marked|Get-ErrInfo|exit)$/;
    // `& $Look` runs the read passed to Invoke-Look, itself one of the Get- commands above.
    assert.deepEqual(
      [...names].filter((n) => !allowed.test(n) && n !== '$Look'),
      [],
    );
    assert.doesNotMatch(
      script,
      /\b(Set|New|Remove|Add|Register|Start|Stop|Unregister)-(?!Object\b|Drift\b)[A-Z]/,
    );
    assert.doesNotMatch(script, /WriteAllText|icacls/);
  });

  test('asks for no elevation; exit 0 when compliant, else one JSON line and exit 1', () => {
    assert.doesNotMatch(script, /run this script elevated|IsInRole/);
    assert.match(
      script,
      /if \(\$drift\.Count -eq 0\) \{ Write-Host 'compliant: the host matches the config'; exit 0 \}/,
    );
    assert.match(
      script,
      /\[Console\]::Out\.WriteLine\(\(ConvertTo-Json -InputObject \(\[ordered\]@\{ drift = @\(\$drift\) \}\) -Compress -Depth 4\)\)\nexit 1\n/,
    );
  });

  test('looks at every resource the converge script sets, and "could not look" counts as drift', () => {
    for (const what of [
      "Add-Drift 'switch' 'dev'",
      "Add-Drift 'host-address' 'vEthernet (dev)' '10.30.0.1/24'",
      "Add-Drift 'nat' 'dev'",
      "Add-Drift 'forwarding' 'vEthernet (dev)' 'Enabled'",
      "Add-Drift 'forwarding' 'WSL' 'Enabled'",
      "Add-Drift 'firewall' $want",
      "Add-Drift 'dns-rule' 'switchyard:dev'",
      "Add-Drift 'wsl-range' 'HKLM Lxss'",
      "Add-Drift 'wslconfig' '.wslconfig' 'networkingMode=nat'",
      "Add-Drift 'hyperv-firewall' 'WSL' 'DefaultInboundAction Allow'",
      "Add-Drift 'boot-task' '\\switchyard\\switchyard'",
      "Add-Drift 'unknown' $What ('could not look: '",
    ])
      assert.ok(script.includes(what), what);
    assert.doesNotMatch(script, /Add-Drift 'nat' 'test'/, 'nat: false is not looked for');
    assert.ok(
      !windowsCheckScript(CONFIG, '0.0.0').includes("'boot-task'"),
      'no boot task without --with-daemon',
    );
  });

  test('the switch is found by its adapter (Get-VMSwitch needs Hyper-V Administrators)', () => {
    assert.doesNotMatch(script, /Get-VMSwitch/);
    assert.match(script, /Invoke-Look 'adapters' \{ Get-NetAdapter \}/);
  });
});

describe('fleet converge script', () => {
  const script = windowsScript(CONFIG, '0.0.0', { daemon: EXE });

  test('parses with zero errors, in Windows PowerShell 5.1 syntax', async () => {
    assert.deepEqual((await parsePowerShell(script)).errors, []);
    assert.deepEqual(ps7Only(script), []);
  });

  test('one Write-Host line per step, numbered, in ASCII (5.1 reads a BOM-less file as ANSI)', () => {
    const steps = script.split('\n').filter((l) => /^ {2}Write-Host '\[\d+\/\d+\] /.test(l));
    const total = Number(/\[1\/(\d+)\]/.exec(steps[0]!)![1]);
    assert.equal(steps.length, total);
    steps.forEach((l, i) => {
      assert.ok(l.includes(`[${i + 1}/${total}]`), l);
      assert.match(l, /^[\x20-\x7e]*$/, l);
    });
    for (const what of [
      'switch dev',
      'wsl-range',
      'wslconfig .wslconfig',
      'hyperv-firewall WSL',
      'boot-task',
    ])
      assert.ok(
        steps.some((l) => l.includes(what)),
        what,
      );
  });

  test('cmdlet warnings are shown, not hidden', () => {
    const prelude = script.indexOf("$WarningPreference = 'SilentlyContinue'");
    const shown = script.indexOf("$WarningPreference = 'Continue'");
    assert.ok(shown > prelude, 'Continue is set after the shared prelude');
  });

  test('says when wsl --shutdown is needed, and reports it in its JSON', () => {
    assert.match(
      script,
      /if \(\$needWslShutdown\) \{ Write-Host 'WSL must restart to use this: run {2}wsl --shutdown/,
    );
    assert.match(script, /\$needWslShutdown = \$true/);
    assert.match(script, /wslShutdownNeeded = \$needWslShutdown/);
  });

  test('.wslconfig NAT mode and the WSL Hyper-V firewall are part of it', () => {
    assert.match(script, /\$lines\[\$found\] = 'networkingMode=nat'/);
    assert.match(script, /IsSystem\) \{\n\s+Write-Host ' {2}\.wslconfig is per-user/);
    assert.match(
      script,
      /Set-NetFirewallHyperVVMSetting -Name '\{40E0AC32-46A5-438A-A0B2-2B479E8F2E90\}' -DefaultInboundAction Allow/,
    );
  });

  test('--with-daemon: the config (ranges resolved) written to an Administrators-only folder, then the boot task', async () => {
    const task = fleetBootTask(CONFIG, EXE);
    assert.ok(script.includes(`-Argument '${task.arguments}'`), 'the task runs serve with the fleet paths');
    assert.match(task.arguments, /"serve" "--config" "C:\\ProgramData\\switchyard\\switchyard\.yaml"/);
    assert.match(script, /Register-ScheduledTask -TaskPath '\\switchyard\\' -TaskName 'switchyard'/);
    const acl = script.indexOf('icacls.exe $dir /inheritance:r');
    const write = script.indexOf("[IO.File]::WriteAllText((Join-Path $dir 'switchyard.yaml')");
    assert.ok(acl > 0 && write > acl, 'the folder is locked down before the config is written');
    const literal = (await nodesOfType(script, 'verbatim_string_characters')).find((l) =>
      l.includes('switches:'),
    );
    assert.ok(literal !== undefined);
    const yaml = decodeVerbatimString(literal)!.value;
    const written = parseConfig(yaml, 'written.yaml');
    assert.notEqual(written.switches[1]!.subnet, 'auto', 'subnet: auto is written as the range chosen');
    assert.notEqual(written.wsl?.subnet ?? 'auto', 'auto');
    assert.ok(
      !windowsScript(CONFIG, '0.0.0').includes('Register-ScheduledTask'),
      'no task without --with-daemon',
    );
  });
});
