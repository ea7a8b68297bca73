import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mac, macFromBytes, macFromNumber, macToBytes, macToNumber, parseMac } from './mac.js';

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

test('a MAC as a 48-bit number and back, for every byte value in every position', () => {
  assert.equal(macToNumber(mac('00:00:00:00:00:00')), 0);
  assert.equal(macToNumber(mac('ff:ff:ff:ff:ff:ff')), 2 ** 48 - 1);
  assert.equal(macToNumber(mac('00:15:5d:01:02:03')), 0x00155d010203);
  for (let b = 0; b < 256; b++) {
    for (let pos = 0; pos < 6; pos++) {
      const bytes = new Uint8Array([2, 0xaa, 0x0f, 0x10, 0xf0, 0x99]);
      bytes[pos] = b;
      const m = macFromBytes(bytes, 0);
      assert.equal(macFromNumber(macToNumber(m)), m);
      assert.equal(macToNumber(m), Number(`0x${m.replaceAll(':', '')}`));
    }
  }
});
