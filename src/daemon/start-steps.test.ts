import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startSteps, type StartStep } from './start-steps.js';

/** Steps that record their starts and stops; `failAt` (1-based) throws instead of starting. */
function recorded(n: number, failAt?: number) {
  const events: string[] = [];
  const steps: StartStep[] = Array.from({ length: n }, (_, i) => ({
    name: `step ${i + 1}`,
    start: () => {
      if (i + 1 === failAt) throw new Error(`step ${i + 1} failed`);
      events.push(`start ${i + 1}`);
      return () => {
        events.push(`stop ${i + 1}`);
      };
    },
  }));
  return { steps, events };
}

describe('startSteps: the daemon starts as a list of steps with one teardown', () => {
  test('a failing 3rd step tears down steps 2 and 1, in that order, and its error is reported', async () => {
    const { steps, events } = recorded(4, 3);
    await assert.rejects(startSteps(steps), /^Error: step 3 failed$/);
    assert.deepEqual(events, ['start 1', 'start 2', 'stop 2', 'stop 1']);
  });

  test('the teardown stops every step in reverse order of starting', async () => {
    const { steps, events } = recorded(3);
    const stop = await startSteps(steps);
    assert.deepEqual(events, ['start 1', 'start 2', 'start 3']);
    await stop();
    assert.deepEqual(events.slice(3), ['stop 3', 'stop 2', 'stop 1']);
  });

  test('a step with nothing to stop is skipped; async steps are awaited in order', async () => {
    const events: string[] = [];
    const stop = await startSteps([
      {
        name: 'a',
        start: async () => {
          await new Promise((r) => setTimeout(r, 5));
          events.push('start a');
          return async () => {
            await new Promise((r) => setTimeout(r, 5));
            events.push('stop a');
          };
        },
      },
      {
        name: 'check',
        start: () => {
          events.push('check');
          return undefined;
        },
      },
      {
        name: 'b',
        start: () => () => {
          events.push('stop b');
        },
      },
    ]);
    await stop();
    assert.deepEqual(events, ['start a', 'check', 'stop b', 'stop a']);
  });

  test('a teardown that fails: the rest still run; on rollback the start error wins, on stop it is thrown', async () => {
    const heard: string[] = [];
    const failingStop: StartStep = {
      name: 'flaky',
      start: () => () => Promise.reject(new Error('close failed')),
    };
    const { steps, events } = recorded(3, 3);
    await assert.rejects(
      startSteps([steps[0]!, failingStop, ...steps.slice(1)], (step, err) => {
        heard.push(`${step}: ${(err as Error).message}`);
      }),
      /step 3 failed/,
    );
    assert.deepEqual(events, ['start 1', 'start 2', 'stop 2', 'stop 1']);
    assert.deepEqual(heard, ['flaky: close failed']);

    const ok = recorded(2);
    const stop = await startSteps([ok.steps[0]!, failingStop, ok.steps[1]!]);
    await assert.rejects(stop(), /close failed/);
    assert.deepEqual(ok.events.slice(2), ['stop 2', 'stop 1']);
  });
});
