import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { mac, macToNumber } from '../net/mac.js';
import { RateLimiter } from './rate-limiter.js';

/** The MAC 02:00:00:xx:xx:xx for i, as the limiter's key. */
function client(i: number): number {
  return macToNumber(
    mac(`02:00:00:${[16, 8, 0].map((s) => ((i >> s) & 255).toString(16).padStart(2, '0')).join(':')}`),
  );
}

test('rate limiter memory stays bounded under a flood of random MACs', () => {
  const rl = new RateLimiter(5, 10_000, 1000);
  for (let i = 0; i < 100_000; i++) assert.equal(rl.allow(client(i), i), true);
  assert.ok(rl.tracked <= 1000, `tracked ${rl.tracked}`);
});

test('a MAC over budget stays limited even while others are evicted', () => {
  const rl = new RateLimiter(2, 10_000, 100);
  const bad = client(1_000_000);
  for (let i = 0; i < 3; i++) rl.allow(bad, 0);
  for (let i = 0; i < 500; i++) rl.allow(client(i), 1);
  assert.equal(rl.allow(bad, 2), false);
  assert.ok(rl.tracked <= 100);
});

test('when every tracked client is over budget, a new one goes untracked and the old ones stay limited', () => {
  const rl = new RateLimiter(1, 10_000, 10);
  for (let i = 0; i < 10; i++) {
    rl.allow(client(i), 0);
    assert.equal(rl.allow(client(i), 0), false);
  }
  for (let k = 0; k < 3; k++) assert.equal(rl.allow(client(99), 1), true, 'untracked: never limited');
  assert.equal(rl.tracked, 10);
  for (let i = 0; i < 10; i++) assert.equal(rl.allow(client(i), 2), false);
  // once their windows end they can be forgotten, and the newcomer is tracked and limited again
  assert.equal(rl.allow(client(99), 10_001), true);
  assert.equal(rl.allow(client(99), 10_002), false);
});

test('a window that ended restarts with a full budget, and one that has not keeps counting', () => {
  const rl = new RateLimiter(2, 1000, 100);
  const m = client(7);
  assert.deepEqual(
    [0, 10, 20].map((t) => rl.allow(m, t)),
    [true, true, false],
  );
  assert.equal(rl.allow(m, 999), false, 'still the window that started at 0');
  assert.deepEqual(
    [1000, 1500, 1600].map((t) => rl.allow(m, t)),
    [true, true, false],
  );
  assert.equal(rl.tracked, 1);
});

test('with room for every client, each verdict is that of a per-client fixed window', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.record({ who: fc.integer({ min: 0, max: 7 }), dt: fc.integer({ min: 0, max: 600 }) }), {
        maxLength: 200,
        size: 'max',
      }),
      (packets, steps) => {
        const rl = new RateLimiter(packets, 1000, 8);
        const model = new Map<number, { start: number; count: number }>();
        let now = 0;
        for (const { who, dt } of steps) {
          now += dt;
          let w = model.get(who);
          if (!w || now - w.start >= 1000) model.set(who, (w = { start: now, count: 0 }));
          w.count++;
          assert.equal(rl.allow(client(who), now), w.count <= packets);
        }
      },
    ),
  );
});
