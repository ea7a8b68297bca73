import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mac } from '../net/mac.js';
import { RateLimiter } from './rate-limiter.js';

test('rate limiter memory stays bounded under a flood of random MACs', () => {
  const rl = new RateLimiter(5, 10_000, 1000);
  for (let i = 0; i < 100_000; i++) {
    const m = mac(
      `02:${[16, 8, 0].map((s) => ((i >> s) & 255).toString(16).padStart(2, '0')).join(':')}:00:00`,
    );
    assert.equal(rl.allow(m, i), true);
  }
  assert.ok(rl.tracked <= 1000, `tracked ${rl.tracked}`);
});

test('a MAC over budget stays limited even while others are evicted', () => {
  const rl = new RateLimiter(2, 10_000, 100);
  const bad = mac('02:00:00:00:00:01');
  for (let i = 0; i < 3; i++) rl.allow(bad, 0);
  for (let i = 0; i < 500; i++)
    rl.allow(
      mac(`02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`),
      1,
    );
  assert.equal(rl.allow(bad, 2), false);
});

test('a window that ended restarts with a full budget, and one that has not keeps counting', () => {
  const rl = new RateLimiter(2, 1000, 100);
  const m = mac('02:00:00:00:00:07');
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
