import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../errors.js';
import { commandNames, parsePowerShell } from '../../test/support/ps-parse.js';
import {
  registerTaskScript,
  taskArguments,
  unregisterTaskScript,
  windowsArg,
  type TaskOptions,
} from './scheduled-task.js';

const BASE: TaskOptions = {
  nodePath: 'C:\\Program Files\\nodejs\\node.exe',
  scriptPath: 'C:\\Program Files\\switchyard\\bin\\switchyard.js',
  configPath: 'C:\\ProgramData\\switchyard\\switchyard.yaml',
  stateDir: 'C:\\ProgramData\\switchyard',
};

const HOSTILE: TaskOptions = {
  nodePath: "C:\\x'; Stop-Computer; '\\node.exe",
  scriptPath: 'C:\\a\u2019; Remove-Item C:\\ -Recurse; \u2018\\switchyard.js',
  configPath: 'C:\\$(Stop-Computer)\\`n "q" #.yaml',
  stateDir: 'C:\\state dir\\',
  logFile: "C:\\state dir\\log'; Invoke-Expression evil",
};

const REGISTER_COMMANDS = [
  'Get-Date',
  'New-Item',
  'New-ScheduledTaskAction',
  'New-ScheduledTaskPrincipal',
  'New-ScheduledTaskSettingsSet',
  'New-ScheduledTaskTrigger',
  'New-TimeSpan',
  'Out-Null',
  'Register-ScheduledTask',
  'Start-ScheduledTask',
  'Write-Output',
];

async function check(script: string, allowed: readonly string[]): Promise<void> {
  assert.deepEqual((await parsePowerShell(script)).errors, []);
  assert.deepEqual([...new Set(await commandNames(script))].sort(), [...allowed].sort());
}

describe('scheduled task scripts', () => {
  test('register: parses, only our commands, the settings asked for', async () => {
    const s = registerTaskScript(BASE);
    await check(s, REGISTER_COMMANDS);
    assert.match(s, /-AtStartup/);
    assert.match(s, /-UserId 'SYSTEM'/);
    assert.match(s, /-RestartCount 999 -RestartInterval/);
    assert.match(s, /-ExecutionTimeLimit \(\[TimeSpan\]::Zero\)/);
    assert.match(s, /-TaskPath '\\switchyard\\'/);
  });

  test('register with hostile paths: still parses, nothing injected', async () => {
    await check(registerTaskScript(HOSTILE), REGISTER_COMMANDS);
  });

  test('unregister: only our TaskPath, parses, only our commands', async () => {
    const s = unregisterTaskScript();
    await check(s, ['Get-ScheduledTask', 'Stop-ScheduledTask', 'Unregister-ScheduledTask', 'Write-Output']);
    for (const line of s.split('\n').filter((l) => /ScheduledTask /.test(l))) {
      assert.match(line, /-TaskPath '\\switchyard\\' -TaskName 'switchyard'/);
    }
  });

  test('% is refused (Task Scheduler expands %VAR% in actions)', () => {
    assert.throws(() => registerTaskScript({ ...BASE, configPath: 'C:\\%TEMP%\\x.yaml' }), UsageError);
  });

  test('Windows command-line quoting', () => {
    assert.equal(windowsArg('C:\\a b\\'), '"C:\\a b\\\\"');
    assert.equal(windowsArg('say "hi"'), '"say \\"hi\\""');
    assert.equal(windowsArg('a\\"b'), '"a\\\\\\"b"');
    assert.match(taskArguments({ ...BASE, logFile: 'C:\\l.log' }), /"--log-file" "C:\\l.log"$/);
    assert.doesNotMatch(taskArguments(BASE), /--log-file/);
  });
});
