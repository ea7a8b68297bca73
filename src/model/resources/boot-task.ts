/**
 * The boot registration (Windows: the Scheduled Task \switchyard\switchyard that runs `switchyard serve`).
 * Managed only when the desired state says so: `install` asks for it, `uninstall` asks for it to be absent;
 * plain plan/apply leave it as it is (bootTask undefined), so an apply never undoes an install.
 * Visibility: the task runs as SYSTEM and Task Scheduler lets only Administrators and SYSTEM read it, so a
 * non-elevated observation that saw no task does not know whether there is one: uninstall then plans a
 * blocked change instead of "nothing to remove", which would leave the daemon starting at every boot.
 */
import type { Change } from '../change.js';
import type { DesiredHost } from '../desired.js';
import { TASK_NAME, TASK_PATH } from '../marks.js';
import type { ObservedHost } from '../observed.js';

const KEY = `${TASK_PATH}${TASK_NAME}`;

export function diffBootTask(d: DesiredHost, o: ObservedHost): Change[] {
  const want = d.bootTask;
  if (want === undefined || o.platform !== 'windows') return [];
  const seen = o.bootTask;
  if (want === 'absent') {
    if (seen === undefined && o.elevated === false) {
      return [
        {
          resource: 'boot-task',
          key: KEY,
          action: '!',
          detail:
            'unknown: a non-elevated session cannot see a task that runs as SYSTEM; ' +
            'run elevated (Run as administrator) to see/remove the boot task',
          ops: [],
        },
      ];
    }
    if (seen === undefined) return [];
    return [
      {
        resource: 'boot-task',
        key: KEY,
        action: '-',
        detail: `stop and remove the Scheduled Task ${KEY} (the daemon at boot)`,
        ops: [{ op: 'unregisterBootTask' }],
      },
    ];
  }
  if (seen?.execute === want.execute && seen.arguments === want.arguments) return [];
  return [
    {
      resource: 'boot-task',
      key: KEY,
      action: seen === undefined ? '+' : '~',
      detail:
        `${seen === undefined ? 'register' : 're-register'} the Scheduled Task ${KEY} ` +
        `(at startup, as SYSTEM, restarted on failure): ${want.execute} ${want.arguments}` +
        (want.stage ? `; first copied into admin-only ${want.stage.dirs.join(', ')}` : ''),
      ops: [
        ...(want.stage ? [{ op: 'stageBootFiles' as const, ...want.stage }] : []),
        { op: 'registerBootTask', task: want },
      ],
    },
  ];
}
