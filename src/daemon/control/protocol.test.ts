import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  encodeRequest,
  encodeResponse,
  isParseError,
  LineReader,
  MAX_REQUEST_BYTES,
  parseRequest,
  parseResponse,
} from './protocol.js';

describe('parseRequest', () => {
  test('a well-formed request', () => {
    assert.deepEqual(parseRequest('{"id":1,"method":"status","params":{}}'), {
      id: 1,
      method: 'status',
      params: {},
    });
  });

  test('params may be left out; trailing CR is tolerated', () => {
    assert.deepEqual(parseRequest('{"id":7,"method":"reload"}\r'), { id: 7, method: 'reload', params: {} });
  });

  test('round-trips encodeRequest', () => {
    const req = { id: 3, method: 'leases' as const, params: { switch: 'a' } };
    assert.deepEqual(parseRequest(encodeRequest(req).trimEnd()), req);
  });

  const bad: [string, string, RegExp, number | undefined][] = [
    ['not JSON', '{"id":1,', /not JSON/, undefined],
    ['empty', '', /not JSON/, undefined],
    ['an array', '[1,2]', /JSON object/, undefined],
    ['null', 'null', /JSON object/, undefined],
    ['a string', '"status"', /JSON object/, undefined],
    ['no id', '{"method":"status"}', /"id"/, undefined],
    ['fractional id', '{"id":1.5,"method":"status"}', /"id"/, undefined],
    ['unknown method', '{"id":2,"method":"shutdown"}', /unknown method "shutdown"/, 2],
    ['missing method', '{"id":2}', /unknown method undefined/, 2],
    ['method not a string', '{"id":2,"method":{"x":1}}', /unknown method \{"x":1\}/, 2],
    ['inherited name', '{"id":2,"method":"toString"}', /unknown method/, 2],
    ['params an array', '{"id":4,"method":"status","params":[]}', /"params"/, 4],
    ['params null', '{"id":4,"method":"status","params":null}', /"params"/, 4],
  ];
  for (const [name, line, want, id] of bad) {
    test(`refuses ${name} without throwing`, () => {
      const r = parseRequest(line);
      assert.ok(isParseError(r));
      assert.match(r.error, want);
      assert.equal(r.id, id);
    });
  }
});

describe('parseResponse / encodeResponse', () => {
  test('ok and error responses round-trip', () => {
    for (const r of [
      { id: 1, ok: true as const, result: { leases: [] } },
      { id: 1, ok: false as const, error: 'boom' },
      { ok: false as const, error: 'no id' },
    ]) {
      assert.deepEqual(parseResponse(encodeResponse(r)), r);
    }
  });

  test('an unencodable result becomes an error response', () => {
    const line = encodeResponse({ id: 9, ok: true, result: { n: 1n } });
    const r = parseResponse(line);
    assert.ok(!isParseError(r) && !r.ok);
    assert.equal(r.id, 9);
    assert.match(r.error, /could not be encoded as JSON/);
  });

  test('one line per response', () => {
    const line = encodeResponse({ id: 1, ok: true, result: 'a\nb' });
    assert.equal(line.indexOf('\n'), line.length - 1);
  });

  test('malformed responses are parse errors', () => {
    for (const line of ['x', '{}', '{"ok":"yes"}', '{"ok":false}', '[]']) {
      assert.ok(isParseError(parseResponse(line)), line);
    }
  });
});

describe('LineReader', () => {
  test('joins chunks and keeps a UTF-8 character split across them', () => {
    const bytes = Buffer.from('{"x":"é"}\n');
    const split = bytes.indexOf(0xc3) + 1;
    const r = new LineReader(100);
    assert.equal(r.push(bytes.subarray(0, split)), undefined);
    assert.deepEqual(r.push(bytes.subarray(split)), { line: '{"x":"é"}' });
  });

  test('stops at the first newline and ignores what follows', () => {
    const r = new LineReader(100);
    assert.deepEqual(r.push(Buffer.from('one\ntwo\n')), { line: 'one' });
    assert.equal(r.push(Buffer.from('three\n')), undefined);
    assert.equal(r.end(), undefined);
  });

  test('a line of exactly the limit is accepted; one byte more is refused', () => {
    const ok = new LineReader(MAX_REQUEST_BYTES);
    assert.deepEqual(ok.push(Buffer.alloc(MAX_REQUEST_BYTES, 0x61)), undefined);
    assert.ok(ok.push(Buffer.from('\n')));
    const big = new LineReader(MAX_REQUEST_BYTES);
    assert.equal(big.push(Buffer.alloc(MAX_REQUEST_BYTES, 0x61)), undefined);
    assert.deepEqual(big.push(Buffer.from('a')), { tooLong: true });
  });

  test('end() yields an unterminated line, or nothing for no input', () => {
    const r = new LineReader(100);
    r.push(Buffer.from('partial'));
    assert.deepEqual(r.end(), { line: 'partial' });
    assert.equal(new LineReader(100).end(), undefined);
  });
});
