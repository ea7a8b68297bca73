import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DesiredHost } from '../desired.js';
import type { BootTaskSpec } from '../ops.js';
import { emptyHost, type ObservedHost } from '../observed.js';
import { diffBootTask } from './boot-task.js';

const SPEC: BootTaskSpec = {
  execute: 'C:\\sy\\switchyard.exe',
  arguments: '"serve" "--config" "C:\\sy\\switchyard.yaml"',
  workingDirectory: 'C:\\ProgramData\\switchyard',
};
const D: DesiredHost = { switches: [], wsl: undefined, forwarding: true, firewall: [] };
const withTask = (t?: { execute: string; arguments: string }): ObservedHost => ({
  ...emptyHost('windows'),
  bootTask: t,
});

describe('diffBootTask', () => {
  test('plain plan/apply (bootTask undefined) never touches the task', () => {
    assert.deepEqual(diffBootTask(D, withTask(SPEC)), []);
    assert.deepEqual(diffBootTask(D, withTask()), []);
  });

  test('install: + when missing, ~ when the action differs, nothing when equal', () => {
    const want = { ...D, bootTask: SPEC };
    assert.deepEqual(diffBootTask(want, withTask())[0]?.ops, [{ op: 'registerBootTask', task: SPEC }]);
    assert.equal(diffBootTask(want, withTask())[0]?.action, '+');
    assert.equal(diffBootTask(want, withTask({ ...SPEC, arguments: '"serve"' }))[0]?.action, '~');
    assert.deepEqual(diffBootTask(want, withTask({ execute: SPEC.execute, arguments: SPEC.arguments })), []);
  });

  test('uninstall: - when ours exists, nothing when there is none; never on Linux', () => {
    const absent = { ...D, bootTask: 'absent' as const };
    assert.deepEqual(diffBootTask(absent, withTask(SPEC))[0]?.ops, [{ op: 'unregisterBootTask' }]);
    assert.deepEqual(diffBootTask(absent, withTask()), []);
    assert.deepEqual(diffBootTask({ ...D, bootTask: SPEC }, { ...withTask(), platform: 'linux' }), []);
  });
});
