import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ipv4 } from '../net/ipv4.js';
import {
  escapeLabel,
  formatName,
  isSubdomain,
  parseName,
  parseReverseName,
  reverseName,
  sameName,
  wireLength,
} from './name.js';

function labels(text: string): string[] {
  const p = parseName(text);
  if (!p.ok) assert.fail(p.reason);
  return p.labels.map((l) => Buffer.from(l).toString('latin1'));
}

function refused(text: string, pattern: RegExp): void {
  const p = parseName(text);
  assert.equal(p.ok, false, `"${text}" should be refused`);
  if (!p.ok) assert.match(p.reason, pattern);
}

describe('escapeLabel (RFC 4343 §2.1)', () => {
  test('letters, digits, hyphen and underscore stay; dot and backslash get a backslash; the rest \\DDD', () => {
    assert.equal(escapeLabel(Buffer.from('Web-1_x')), 'Web-1_x');
    assert.equal(escapeLabel(Buffer.from('a.b')), 'a\\.b');
    assert.equal(escapeLabel(Buffer.from('a\\b')), 'a\\\\b');
    assert.equal(escapeLabel(Uint8Array.from([0, 32, 0x2a, 200, 255])), '\\000\\032\\042\\200\\255');
  });
});

describe('parseName', () => {
  test('root, plain names and one trailing dot', () => {
    assert.deepEqual(labels(''), []);
    assert.deepEqual(labels('.'), []);
    assert.deepEqual(labels('Web1.Example.test'), ['Web1', 'Example', 'test']);
    assert.deepEqual(labels('web1.example.test.'), ['web1', 'example', 'test']);
  });
  test('escapes: \\DDD, \\X, escaped dot inside a label and escaped trailing dot', () => {
    assert.deepEqual(labels('a\\.b.c'), ['a.b', 'c']);
    assert.deepEqual(labels('a\\046b'), ['a.b']);
    assert.deepEqual(labels('\\000\\255'), ['\x00\xff']);
    assert.deepEqual(labels('x\\*'), ['x*']);
    assert.deepEqual(labels('a\\.'), ['a.'], 'an escaped final dot belongs to the label');
    assert.deepEqual(
      labels('a\\\\.'),
      ['a\\'],
      'an escaped backslash before a final dot leaves the dot a separator',
    );
  });
  test('refusals name the problem', () => {
    refused('a..b', /empty label/);
    refused('.a', /empty label/);
    refused('..', /empty label/);
    refused('a\\', /lone backslash/);
    refused('a\\256', /above 255/);
    refused('a\\1b', /three digits/);
    refused('é\u0100', /not one octet/);
    refused(`${'x'.repeat(64)}.test`, /64 octets; at most 63/);
    refused(Array.from({ length: 4 }, () => 'y'.repeat(63)).join('.'), /257 octets on the wire; at most 255/);
    assert.equal(
      parseName(Array.from({ length: 4 }, (_, i) => 'y'.repeat(i === 3 ? 61 : 63)).join('.')).ok,
      true,
    );
  });
  test('property: formatName and parseName are inverse on any labels', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 63 }), { maxLength: 8 }), (ls) => {
        fc.pre(wireLength(ls) <= 255);
        const p = parseName(formatName(ls));
        assert.ok(p.ok);
        assert.deepEqual(
          p.labels.map((l) => Array.from(l)),
          ls.map((l) => Array.from(l)),
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe('sameName and isSubdomain (RFC 4343 §3)', () => {
  test('ASCII case-insensitive, escapes compared by value, nothing else folded', () => {
    assert.equal(sameName('Web1.Example.TEST', 'web1.example.test'), true);
    assert.equal(sameName('web1.example.test.', 'web1.example.test'), true);
    assert.equal(sameName('\\065bc', 'abc'), true, '\\065 is A, which folds to a');
    assert.equal(
      sameName('\\196', '\\228'),
      false,
      'Ä and ä are different octets (no folding outside ASCII)',
    );
    assert.equal(sameName('a.b', 'a\\.b'), false);
    assert.equal(sameName('web1', 'web2'), false);
  });
  test('subdomain is label-wise', () => {
    assert.equal(isSubdomain('web1.Switchyard.Internal', 'switchyard.internal'), true);
    assert.equal(isSubdomain('switchyard.internal', 'switchyard.internal'), true);
    assert.equal(isSubdomain('anything.at.all', ''), true, 'everything is under the root');
    assert.equal(isSubdomain('xswitchyard.internal', 'switchyard.internal'), false);
    assert.equal(isSubdomain('internal', 'switchyard.internal'), false);
    assert.equal(
      isSubdomain('a\\.switchyard.internal', 'switchyard.internal'),
      false,
      '"a.switchyard" is one label',
    );
    assert.equal(isSubdomain('x.a\\.b.internal', 'A\\.B.internal'), true);
  });
});

describe('reverse names (RFC 1035 §3.5)', () => {
  test('reverseName and parseReverseName round-trip', () => {
    assert.equal(reverseName(ipv4('192.0.2.7')), '7.2.0.192.in-addr.arpa');
    assert.equal(parseReverseName('7.2.0.192.in-addr.arpa'), ipv4('192.0.2.7'));
    assert.equal(parseReverseName('7.2.0.192.IN-ADDR.Arpa.'), ipv4('192.0.2.7'));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        const ip = (n >>> 0) as ReturnType<typeof ipv4>;
        assert.equal(parseReverseName(reverseName(ip)), ip);
      }),
    );
  });
  test('only full four-label in-addr.arpa names', () => {
    for (const bad of [
      '2.0.192.in-addr.arpa',
      '1.7.2.0.192.in-addr.arpa',
      '256.2.0.192.in-addr.arpa',
      '07.2.0.192.in-addr.arpa',
      '7.2.0.192.ip6.arpa',
      '7.2.0.192.in-addr.arpa.example',
      'a.2.0.192.in-addr.arpa',
    ]) {
      assert.equal(parseReverseName(bad), undefined, bad);
    }
  });
});
