import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FAST_MS,
  FIRST_PROBE_EVERY,
  MAX_PROBE_EVERY,
  PROBES_NEEDED,
  SLOW_MS,
  SyncModeChooser,
  type SyncMode,
} from './sync-mode.js';

/** Runs `n` syncs through the chooser; inline ones take `ms(i)` milliseconds. Returns the modes used. */
function run(c: SyncModeChooser, n: number, ms: (i: number) => number): SyncMode[] {
  const modes: SyncMode[] = [];
  for (let i = 0; i < n; i++) {
    const m = c.next();
    modes.push(m);
    if (m === 'inline') c.recordInline(ms(i));
  }
  return modes;
}

const fast = FAST_MS / 10;
const slow = SLOW_MS * 5;

describe('journal sync mode (inline fdatasync or the thread pool)', () => {
  test('starts in the pool and probes inline every FIRST_PROBE_EVERY syncs', () => {
    const c = new SyncModeChooser();
    assert.equal(c.mode, 'pool');
    const modes = run(c, FIRST_PROBE_EVERY * 2, () => (FAST_MS + SLOW_MS) / 2); // neither fast nor slow
    assert.deepEqual(
      modes.flatMap((m, i) => (m === 'inline' ? [i] : [])),
      [FIRST_PROBE_EVERY - 1, 2 * FIRST_PROBE_EVERY - 1],
    );
    assert.equal(c.mode, 'pool');
  });

  test('goes inline after PROBES_NEEDED fast probes, and stays while syncs are fast', () => {
    const c = new SyncModeChooser();
    run(c, FIRST_PROBE_EVERY * PROBES_NEEDED, () => fast);
    assert.equal(c.mode, 'inline');
    assert.ok(run(c, 1000, () => fast).every((m) => m === 'inline'));
  });

  test('a probe that is not fast restarts the count', () => {
    const c = new SyncModeChooser();
    let probe = 0;
    // fast, fast, medium, fast, fast: never PROBES_NEEDED (3) fast ones in a row
    const pattern = [fast, fast, (FAST_MS + SLOW_MS) / 2, fast, fast];
    run(c, FIRST_PROBE_EVERY * pattern.length, () => pattern[probe++]!);
    assert.equal(c.mode, 'pool');
    run(c, FIRST_PROBE_EVERY, () => fast);
    assert.equal(c.mode, 'inline');
  });

  test('one slow inline sync sends the syncs back to the pool and doubles the probe interval', () => {
    const c = new SyncModeChooser();
    run(c, FIRST_PROBE_EVERY * PROBES_NEEDED, () => fast);
    assert.equal(c.mode, 'inline');
    run(c, 1, () => slow);
    assert.equal(c.mode, 'pool');
    assert.equal(c.fallbacks, 1);
    const modes = run(c, FIRST_PROBE_EVERY * 4, () => (FAST_MS + SLOW_MS) / 2);
    assert.deepEqual(
      modes.flatMap((m, i) => (m === 'inline' ? [i] : [])),
      [2 * FIRST_PROBE_EVERY - 1, 4 * FIRST_PROBE_EVERY - 1],
    );
  });

  test('a fast disk with the odd slow sync (1 in 3,000) keeps nearly all its syncs inline', () => {
    const c = new SyncModeChooser();
    const modes = run(c, 300_000, (i) => (i % 3000 === 2999 ? slow : fast));
    const inline = modes.filter((m) => m === 'inline').length;
    assert.ok(c.fallbacks >= 90, `${c.fallbacks} fallbacks`);
    assert.ok(inline / modes.length > 0.95, `${((100 * inline) / modes.length).toFixed(1)} % inline`);
  });

  test('slow probes back off up to MAX_PROBE_EVERY: a slow disk stalls the loop rarely', () => {
    const c = new SyncModeChooser();
    const modes = run(c, 200_000, () => slow);
    const probes = modes.flatMap((m, i) => (m === 'inline' ? [i] : []));
    const gaps = probes.slice(1).map((p, i) => p - probes[i]!);
    assert.equal(c.mode, 'pool');
    assert.equal(Math.max(...gaps), MAX_PROBE_EVERY);
    assert.ok(probes.length < 60, `${probes.length} probes in 200,000 syncs`);
    for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i]! >= gaps[i - 1]!, 'intervals never shrink');
  });
});
