import assert from 'node:assert/strict';
import { test } from 'node:test';
import { macFromBytes, macToBytes, parseMac } from './mac.js';

test('MAC spellings accepted, mixed or malformed ones refused', () => {
  for (const t of [
    '00:15:5D:01:02:03',
    '00-15-5d-01-02-03',
    '0015.5d01.0203',
    '00155d010203',
    ' 00:15:5d:01:02:03 ',
  ]) {
    assert.equal(parseMac(t), '00:15:5d:01:02:03', t);
  }
  for (const t of [
    '00:15-5d:01:02:03',
    '00:15:5d:01:02',
    '00:15:5d:01:02:0g',
    '0:15:5d:1:2:3',
    '',
    '00155d01020304',
  ]) {
    assert.equal(parseMac(t), undefined, t);
  }
  const m = parseMac('02:aa:bb:cc:dd:ee')!;
  assert.equal(macFromBytes(macToBytes(m), 0), m);
});
