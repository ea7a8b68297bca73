/**
 * The observation's install/uninstall sections (boot task, VM adapters) mapped onto the model. Values are in
 * the shapes Select-Object/ConvertTo-Json print (Get-VMNetworkAdapter: VMName, SwitchName; the task's first
 * action: Execute, Arguments). Observations recorded before these sections existed stay valid.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { toObservedHost } from './host.js';
import { isObservationError, parseObservation } from './observation-parse.js';
import { type ObservedWindows } from './observation-types.js';

function observe(extra: Record<string, unknown>): ObservedWindows {
  const raw = JSON.parse(
    readFileSync(
      new URL('../../../../test/fixtures/windows/ps51-single-switch.json', import.meta.url),
      'utf8',
    ),
  ) as Record<string, unknown>;
  const parsed = parseObservation({ ...raw, ...extra });
  assert.ok(!isObservationError(parsed));
  return parsed;
}

describe('observation: boot task and VM adapters', () => {
  test('our task and the VMs on our switch', () => {
    const w = observe({
      bootTask: { Execute: 'C:\\sy\\switchyard.exe', Arguments: '"serve" "--config" "C:\\sy\\s.yaml"' },
      vmAdapters: [
        { VMName: 'web1', SwitchName: 'switchyard' },
        { VMName: 'web1', SwitchName: 'SWITCHYARD' },
        { VMName: 'db', SwitchName: 'Default Switch' },
        { VMName: 'spare', SwitchName: null },
      ],
    });
    const o = toObservedHost(w);
    assert.deepEqual(o.bootTask, {
      execute: 'C:\\sy\\switchyard.exe',
      arguments: '"serve" "--config" "C:\\sy\\s.yaml"',
    });
    assert.deepEqual(o.switches.find((s) => s.name === 'switchyard')?.vms, ['web1']);
    assert.deepEqual(
      w.notes.filter((n) => n.section === 'bootTask' || n.section === 'vmAdapters'),
      [],
    );
  });

  test('no task (Get-ScheduledTask found none: @()), no VMs', () => {
    const o = toObservedHost(observe({ bootTask: [], vmAdapters: [] }));
    assert.equal(o.bootTask, undefined);
    assert.deepEqual(o.switches[0]?.vms, []);
  });

  test('older observations without the sections: nothing known, no notes added', () => {
    const w = observe({});
    const o = toObservedHost(w);
    assert.equal(o.bootTask, undefined);
    assert.equal(o.switches[0]?.vms, undefined);
    assert.equal(w.vmAdapters, undefined);
    assert.equal(w.notes.filter((n) => n.errorId === 'MissingSection').length, 0);
  });
});
