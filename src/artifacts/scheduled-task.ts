/**
 * Starting the Windows daemon (`switchyard serve`) at boot: the PowerShell that registers it as a Scheduled
 * Task, and the PowerShell that removes it again. Pure: paths come in as arguments; every value reaches the
 * scripts through psString.
 *
 * Scheduled Task, not a service (docs/windows.md#boot-task):
 * - Node is not a service binary (it cannot answer the Service Control Manager), so a service needs a
 *   wrapper (WinSW, NSSM, node-windows) shipped and trusted alongside; a task needs nothing but Windows.
 * - The daemon's work is Windows-side network work (forwarding, HNS/NetNat, firewall, DHCP on the switch),
 *   which a SYSTEM startup task does fine (wsl-subnet-utility, wsl-pfm use exactly this); neither a task
 *   nor a service running as SYSTEM can drive wsl.exe (microsoft/WSL#11280), so a service gains nothing.
 * - AtStartup runs before anyone logs on, as a service would; the task must not assume the WSL adapter
 *   exists yet (microsoft/WSL#4288) — the forwarding keeper polls for it.
 *
 * Restart on failure: RestartCount/RestartInterval restart a task whose start fails. Task Scheduler does
 * not treat a later non-zero exit as a failure to restart on (Inference, widely reported), so the startup
 * trigger also repeats every 5 minutes for ever with MultipleInstances IgnoreNew: while the daemon runs
 * the repetition does nothing; after a crash it is back within 5 minutes.
 *
 * Marking: the task lives in its own folder, TaskPath `\switchyard\`; the removal script touches only a
 * task in that folder, never a same-named task elsewhere.
 *
 * Logging: the daemon is given `--log-file <stateDir>\switchyard.log` (installCommand always passes it):
 * serve rotates it by size, 10 MB × 5 files by default (src/log-file.ts).
 *
 * Boot-time WSL pin: the action is just `switchyard serve`; serve itself re-asserts the pinned WSL range
 * before anything else when it starts on Windows (daemon/boot-pin.ts), which at boot is before any user
 * logs on and so before WSL can start.
 *
 * The program: node.exe + bin\switchyard.js, or — in a single-executable build (node:sea) — switchyard.exe
 * alone, with no script argument (`scriptPath` left out).
 */
import { UsageError } from '../errors.js';
import type { BootTaskSpec } from '../model/ops.js';
import { psString } from '../ps-quote.js';
import { registerTaskStatements } from '../host/windows/task.js';
import { TASK_NAME, TASK_PATH } from '../model/marks.js';
import { SERVE_NODE_FLAGS } from './serve-flags.js';

export interface TaskOptions {
  /** Absolute Windows path of node.exe, or of switchyard.exe in a single-executable build. */
  nodePath: string;
  /** Absolute Windows path of bin\switchyard.js; left out when nodePath is switchyard.exe itself. */
  scriptPath?: string;
  configPath: string;
  stateDir: string;
  /** When set, `--log-file <logFile>` is passed to serve. */
  logFile?: string;
}

/**
 * One argument for a Windows command line, as CommandLineToArgvW / the MS C runtime read it back: wrapped
 * in double quotes, `"` as `\"`, and backslashes doubled where they precede a quote (also the closing one).
 */
export function windowsArg(value: string): string {
  let out = '"';
  let slashes = 0;
  for (const c of value) {
    if (c === '\\') {
      slashes += 1;
      continue;
    }
    if (c === '"') {
      out += '\\'.repeat(slashes * 2 + 1) + '"';
    } else {
      out += '\\'.repeat(slashes) + c;
    }
    slashes = 0;
  }
  return `${out}${'\\'.repeat(slashes * 2)}"`;
}

function taskValue(what: string, value: string): string {
  // Task Scheduler expands %VARIABLE% in an action's path and arguments, and there is no escape for %.
  if (value.includes('%')) {
    throw new UsageError(`${what} cannot contain "%" in a Scheduled Task action: ${value}`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(value)) {
    throw new UsageError(`${what} contains a control character: ${JSON.stringify(value)}`);
  }
  return value;
}

/** The `-Argument` string of the task's action. */
export function taskArguments(o: TaskOptions): string {
  const args = [
    ...(o.scriptPath !== undefined ? [...SERVE_NODE_FLAGS, taskValue('the script path', o.scriptPath)] : []),
    'serve',
    '--config',
    taskValue('the config path', o.configPath),
    '--state-dir',
    taskValue('the state directory', o.stateDir),
  ];
  if (o.logFile !== undefined) args.push('--log-file', taskValue('the log file', o.logFile));
  return args.map(windowsArg).join(' ');
}

/** The task's action as data (the boot-task resource compares it with what Get-ScheduledTask shows). */
export function bootTaskSpec(o: TaskOptions): BootTaskSpec {
  return {
    execute: taskValue('the program path', o.nodePath),
    arguments: taskArguments(o),
    workingDirectory: taskValue('the state directory', o.stateDir),
  };
}

/** PowerShell that (re)registers the boot task; run elevated. Idempotent (-Force replaces ours). */
export function registerTaskScript(o: TaskOptions): string {
  return [
    "$ErrorActionPreference = 'Stop'",
    ...registerTaskStatements(bootTaskSpec(o)),
    `Write-Output ${psString(`registered and started task ${TASK_PATH}${TASK_NAME}`)}`,
    '',
  ].join('\n');
}

/** PowerShell that removes our task (only in our TaskPath); run elevated. Idempotent. */
export function unregisterTaskScript(): string {
  const where = `-TaskPath ${psString(TASK_PATH)} -TaskName ${psString(TASK_NAME)}`;
  return [
    "$ErrorActionPreference = 'Stop'",
    `$task = Get-ScheduledTask ${where} -ErrorAction SilentlyContinue`,
    `if ($null -eq $task) { Write-Output ${psString(`no task ${TASK_PATH}${TASK_NAME}: nothing to remove`)}; exit 0 }`,
    `Stop-ScheduledTask ${where} -ErrorAction SilentlyContinue`,
    `Unregister-ScheduledTask ${where} -Confirm:$false`,
    `Write-Output ${psString(`removed task ${TASK_PATH}${TASK_NAME}`)}`,
    '',
  ].join('\n');
}
