import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageType } from './message.js';
import { runFuzz } from '../../test/support/fuzz.js';

// The fast variant; `node scripts/fuzz.mjs 1000000` is the long run.
test('fuzz: 100,000 random and mutated packets through the whole server path; nothing escapes', async () => {
  const r = await runFuzz(100_000, 20261124);
  assert.equal(r.stats.errors, 0, 'no exception escaped the chain');
  assert.ok(r.decoded > 20_000, `enough mutants decode to reach the policy (${r.decoded})`);
  assert.ok(r.stats.malformed > 10_000, `and enough are malformed (${r.stats.malformed})`);
  assert.ok(r.replied > 1000, `the policy answered some (${r.replied})`);
  assert.equal(r.finalReply, MessageType.ACK, 'a real client still gets a lease afterwards');
});
