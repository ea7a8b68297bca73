/**
 * The key index against a Map under random sets and deletes: growth, runs that wrap around the end of the
 * table, and the backward shift that fills a deleted entry's hole.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { KeyIndex } from './key-index.js';

const KEY = fc.oneof(
  fc.integer({ min: 0, max: 300 }), // dense: many share a home in a small table
  fc.integer({ min: 0, max: 2 ** 48 - 1 }),
  fc.constantFrom(0x00155d000001, 0x00155d000002, 2 ** 48 - 1),
);
const OP = fc.oneof(fc.record({ set: KEY, slot: fc.nat(1_000_000) }), fc.record({ del: KEY }));

function agree(index: KeyIndex, model: Map<number, number>, probe: readonly number[]): void {
  assert.equal(index.size, model.size);
  for (const k of probe) assert.equal(index.get(k), model.get(k), `key ${k}`);
}

describe('KeyIndex', () => {
  test('answers as a Map does after any sequence of sets and deletes', () => {
    fc.assert(
      fc.property(fc.array(OP, { minLength: 20, maxLength: 400, size: 'max' }), (ops) => {
        const index = new KeyIndex();
        const model = new Map<number, number>();
        const seen: number[] = [];
        for (const op of ops) {
          if ('set' in op) {
            index.set(op.set, op.slot);
            model.set(op.set, op.slot);
            seen.push(op.set);
          } else {
            index.delete(op.del);
            model.delete(op.del);
            seen.push(op.del);
          }
        }
        agree(index, model, seen);
      }),
      { numRuns: 500 },
    );
  });

  test('100,000 clients in, every other one out, and the rest still found', () => {
    const index = new KeyIndex();
    const model = new Map<number, number>();
    const mac = (i: number): number => 0x020000000000 + i * 7919;
    for (let i = 0; i < 100_000; i++) {
      index.set(mac(i), i);
      model.set(mac(i), i);
    }
    for (let i = 0; i < 100_000; i += 2) {
      index.delete(mac(i));
      model.delete(mac(i));
    }
    agree(
      index,
      model,
      Array.from({ length: 100_001 }, (_, i) => mac(i)),
    );
  });
});
