/**
 * The boot task as PowerShell statements: what `install` registers (through the Windows host's ops) and what
 * `install --print` shows (artifacts/scheduled-task.ts). Why these settings: artifacts/scheduled-task.ts.
 */
import type { BootTaskSpec } from '../../model/ops.js';
import { psString } from '../../ps-quote.js';

/** Our own task folder: Unregister only ever touches this path. */
export const TASK_PATH = '\\switchyard\\';
export const TASK_NAME = 'switchyard';

/** Statements that (re)register and start the boot task; -Force replaces ours. For a script with 'Stop'. */
export function registerTaskStatements(t: BootTaskSpec): string[] {
  return [
    `$stateDir = ${psString(t.workingDirectory)}`,
    'New-Item -ItemType Directory -Force -Path $stateDir | Out-Null',
    `$action = New-ScheduledTaskAction -Execute ${psString(t.execute)} -Argument ${psString(t.arguments)} -WorkingDirectory $stateDir`,
    '$trigger = New-ScheduledTaskTrigger -AtStartup',
    '# Repeat every 5 minutes for ever: with IgnoreNew this restarts the daemon after a crash (see header).',
    '$repeat = New-ScheduledTaskTrigger -Once -At (Get-Date) -RepetitionInterval (New-TimeSpan -Minutes 5)',
    '$trigger.Repetition = $repeat.Repetition',
    "$principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest",
    // -Priority: 0 (highest) … 10 (lowest), default 7 = below normal (New-ScheduledTaskSettingsSet docs);
    // 5 is normal, so DHCP/DNS answers are not starved by ordinary desktop work.
    '$settings = New-ScheduledTaskSettingsSet -Priority 5 -ExecutionTimeLimit ([TimeSpan]::Zero) -RestartCount 999 ' +
      '-RestartInterval (New-TimeSpan -Minutes 1) -MultipleInstances IgnoreNew -StartWhenAvailable ' +
      '-AllowStartIfOnBatteries -DontStopIfGoingOnBatteries',
    `Register-ScheduledTask -TaskPath ${psString(TASK_PATH)} -TaskName ${psString(TASK_NAME)} -Action $action ` +
      '-Trigger $trigger -Principal $principal -Settings $settings ' +
      "-Description 'switchyard daemon (DHCP/DNS, forwarding keeper); created by switchyard install' -Force | Out-Null",
    `Start-ScheduledTask -TaskPath ${psString(TASK_PATH)} -TaskName ${psString(TASK_NAME)}`,
  ];
}

/** Statements that stop and remove our task (only in our TaskPath); nothing when there is none. */
export function unregisterTaskStatements(): string[] {
  const where = `-TaskPath ${psString(TASK_PATH)} -TaskName ${psString(TASK_NAME)}`;
  return [
    `if (Get-ScheduledTask ${where} -ErrorAction SilentlyContinue) {`,
    `  Stop-ScheduledTask ${where} -ErrorAction SilentlyContinue`,
    `  Unregister-ScheduledTask ${where} -Confirm:$false`,
    '}',
  ];
}
