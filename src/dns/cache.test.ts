import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipv4 } from '../net/ipv4.js';
import { AnswerCache, cacheTtl, MAX_CACHE_TTL } from './cache.js';
import { Rcode, RrClass, RrType, type Answer, type Question, type ResourceRecord } from './message.js';

const q = (name: string): Question => ({ name, type: RrType.A, class: RrClass.IN });
const a = (name: string, ttl: number): ResourceRecord => ({
  name,
  type: RrType.A,
  class: RrClass.IN,
  ttl,
  data: { kind: 'a', address: ipv4('192.0.2.1') },
});
const ok = (...answers: ResourceRecord[]): Answer => ({
  rcode: Rcode.NOERROR,
  answers,
  authority: [],
  additional: [],
});

test('cacheTtl: smallest answer TTL, capped; negative answers need an SOA; failures are not cached', () => {
  assert.equal(cacheTtl(ok(a('x', 300), a('x', 20))), 20);
  assert.equal(cacheTtl(ok(a('x', 999_999))), MAX_CACHE_TTL);
  assert.equal(cacheTtl({ rcode: Rcode.NXDOMAIN, answers: [], authority: [], additional: [] }), 0);
  assert.equal(cacheTtl({ rcode: Rcode.SERVFAIL, answers: [a('x', 300)], authority: [], additional: [] }), 0);
  const soa: ResourceRecord = {
    name: 'z',
    type: RrType.SOA,
    class: RrClass.IN,
    ttl: 900,
    data: { kind: 'soa', mname: 'm', rname: 'r', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 60 },
  };
  assert.equal(cacheTtl({ rcode: Rcode.NXDOMAIN, answers: [], authority: [soa], additional: [] }), 60);
  assert.equal(cacheTtl(ok(a('x', 0))), 0);
});

test('entries are bounded: the least recently used goes first', () => {
  const c = new AnswerCache({ maxEntries: 3, maxBytes: 1 << 20 });
  for (const n of ['a', 'b', 'c']) c.put(q(n), ok(a(n, 300)), 0);
  assert.ok(c.get(q('a'), 1000)); // a is now the most recently used
  c.put(q('d'), ok(a('d', 300)), 1000);
  assert.equal(c.size, 3);
  assert.equal(c.get(q('b'), 1000), undefined);
  assert.ok(c.get(q('a'), 1000));
  assert.ok(c.get(q('d'), 1000));
});

test('bytes are bounded, and one huge answer is not stored', () => {
  const c = new AnswerCache({ maxEntries: 1000, maxBytes: 16 * 1024 });
  const huge: Answer = ok(...Array.from({ length: 200 }, () => a('huge.example', 300)));
  assert.equal(c.put(q('huge.example'), huge, 0), 0);
  for (let i = 0; i < 500; i++) c.put(q(`n${i}.example`), ok(a(`n${i}.example`, 300)), 0);
  assert.ok(c.byteSize <= 16 * 1024, `${c.byteSize}`);
  assert.ok(c.size < 500);
});

test('an expired entry is gone; names are matched case-insensitively', () => {
  const c = new AnswerCache();
  c.put(q('Mixed.Example'), ok(a('Mixed.Example', 10)), 0);
  assert.equal(c.get(q('mixed.example'), 9_999)?.answers[0]?.ttl, 1);
  assert.equal(c.get(q('mixed.example'), 10_000), undefined);
  assert.equal(c.size, 0);
});
