/**
 * The boot task as PowerShell statements: what `install` registers (through the Windows host's ops) and what
 * `install --print` shows (artifacts/scheduled-task.ts). Why these settings: artifacts/scheduled-task.ts.
 */
import type { BootFilesStage, BootTaskSpec } from '../../model/ops.js';
import { TASK_NAME, TASK_PATH } from '../../model/marks.js';
import { psString } from '../../ps-quote.js';

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

/**
 * Statements that make each folder admin-only and copy the task's files into it. The task runs them as
 * SYSTEM, so a file a user can write would be a local privilege escalation (MITRE ATT&CK T1053, mitigation
 * M1047). icacls takes SIDs (`*S-1-5-32-544` Administrators, `*S-1-5-18` SYSTEM, `*S-1-5-32-545` Users)
 * because the group names are localized. The ACL is set before the copy, so the files inherit it; any
 * icacls failure stops the script before the task is registered.
 */
export function stageBootFilesStatements(stage: BootFilesStage): string[] {
  const lines: string[] = [];
  for (const dir of stage.dirs) {
    const d = psString(dir);
    const fail = psString(`cannot make ${dir} admin-only (icacls exit `);
    const why = psString('): the boot task would run files others can write, so it is not registered');
    lines.push(
      `New-Item -ItemType Directory -Force -Path ${d} | Out-Null`,
      `& icacls.exe ${d} /setowner '*S-1-5-32-544' /T /C /Q | Out-Null`,
      `if ($LASTEXITCODE -ne 0) { throw (${fail} + $LASTEXITCODE + ${why}) }`,
      `& icacls.exe ${d} /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' '*S-1-5-32-545:(OI)(CI)RX' /T /C /Q | Out-Null`,
      `if ($LASTEXITCODE -ne 0) { throw (${fail} + $LASTEXITCODE + ${why}) }`,
    );
  }
  for (const c of stage.copies) {
    const from = psString(c.from);
    lines.push(
      `if (-not (Test-Path -LiteralPath ${from})) { throw (${psString(`cannot copy ${c.from} for the boot task: it does not exist`)}) }`,
      // A folder's contents go into the target (Copy-Item -Recurse of a folder onto an existing one nests it).
      `if (Test-Path -LiteralPath ${from} -PathType Container) { New-Item -ItemType Directory -Force -Path ${psString(c.to)} | Out-Null; Get-ChildItem -LiteralPath ${from} -Force | Copy-Item -Destination ${psString(c.to)} -Recurse -Force } else { Copy-Item -LiteralPath ${from} -Destination ${psString(c.to)} -Force }`,
    );
  }
  return lines;
}
