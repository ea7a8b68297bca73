/** The install/uninstall operations as PowerShell: parse with zero errors, hostile values stay data. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { commandNames, parsePowerShell } from '../../../test/support/ps-parse.js';
import { bootTaskSpec } from '../../artifacts/scheduled-task.js';
import type { Op } from '../../model/ops.js';
import { renderOpPs, renderOpsPs } from './ops.js';

const EVIL = "x'; Remove-Item C:\\ -Recurse; '\u2019$(Stop-Computer)`n";

const ALLOWED = new Set([
  'New-Item',
  'Out-Null',
  'New-ScheduledTaskAction',
  'New-ScheduledTaskTrigger',
  'Get-Date',
  'New-TimeSpan',
  'New-ScheduledTaskPrincipal',
  'New-ScheduledTaskSettingsSet',
  'Register-ScheduledTask',
  'Start-ScheduledTask',
  'Get-ScheduledTask',
  'Stop-ScheduledTask',
  'Unregister-ScheduledTask',
  'Test-Path',
  'Set-ItemProperty',
  'Remove-ItemProperty',
  'Remove-Item',
  'Join-Path',
  'Get-Command',
  'Set-NetFirewallHyperVVMSetting',
  'Set-NetIPInterface',
]);

describe('install/uninstall operations', () => {
  const ops: Op[] = [
    {
      op: 'registerBootTask',
      task: bootTaskSpec({
        nodePath: 'C:\\Program Files\\switchyard\\switchyard.exe',
        configPath: `C:\\${EVIL}.yaml`,
        stateDir: `C:\\state ${EVIL}`,
        logFile: `C:\\state ${EVIL}\\switchyard.log`,
      }),
    },
    { op: 'unregisterBootTask' },
    { op: 'restoreWslNat', natNetwork: EVIL, natGateway: null },
    { op: 'restoreWslNat', natNetwork: null, natGateway: '172.29.192.1' },
    { op: 'restoreWslUserIp', ip: EVIL },
    { op: 'removeWslConfig' },
    { op: 'restoreHyperVFirewallInbound', action: 'block' },
    { op: 'setForwarding', iface: EVIL, on: false },
  ];

  test('parse with zero errors; only our commands, whatever the values', async () => {
    const text = renderOpsPs(ops);
    assert.deepEqual((await parsePowerShell(text)).errors, []);
    assert.deepEqual(
      [...new Set(await commandNames(text))].filter((c) => !ALLOWED.has(c)),
      [],
    );
  });

  test('restoring an absent value removes it; forwarding off is Disabled; inbound by its enum name', () => {
    assert.match(
      renderOpPs({ op: 'restoreWslNat', natNetwork: null, natGateway: null }),
      /Remove-ItemProperty .* -Name 'NatNetwork'[^\n]*\nRemove-ItemProperty .* -Name 'NatGatewayIpAddress'/,
    );
    assert.match(renderOpPs({ op: 'setForwarding', iface: 'a', on: false }), /-Forwarding Disabled$/);
    assert.match(renderOpPs({ op: 'setForwarding', iface: 'a', on: true }), /-Forwarding Enabled$/);
    assert.match(
      renderOpPs({ op: 'restoreHyperVFirewallInbound', action: 'notConfigured' }),
      /-DefaultInboundAction NotConfigured \}$/,
    );
  });

  test('unregister touches only the task in our folder, and only when it exists', () => {
    const s = renderOpPs({ op: 'unregisterBootTask' });
    for (const line of s.split('\n').filter((l) => /ScheduledTask /.test(l)))
      assert.match(line, /-TaskPath '\\switchyard\\' -TaskName 'switchyard'/);
    assert.match(s, /^if \(Get-ScheduledTask /);
  });
});
