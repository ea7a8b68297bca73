import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractMarked } from './markers.js';
import { JSON_BLOCK } from '../../../test/support/ps-runner.js';

test('extractMarked: finds the block among profile noise, warnings, BOM and CRLF', () => {
  const stdout =
    '\uFEFFWindows PowerShell\r\nCopyright (C) Microsoft Corporation.\r\n' +
    'WARNING: Resulting JSON is truncated as serialization has exceeded the set depth of 2.\r\n' +
    '<<<SWITCHYARD-JSON\r\n{"switches":[],"note":"x"}\r\nSWITCHYARD-JSON>>>\r\n' +
    'trailing noise\r\n';
  assert.equal(extractMarked(stdout), '{"switches":[],"note":"x"}');
  assert.equal(extractMarked(`\uFEFF${JSON_BLOCK}`), '{"a":1}');
});

test('extractMarked: marker text inside a JSON value is not a marker (markers are whole lines)', () => {
  const json = JSON.stringify({
    notes: 'SWITCHYARD-JSON>>>\n<<<SWITCHYARD-JSON',
    more: 'SWITCHYARD-JSON>>>',
  });
  assert.equal(extractMarked(`noise\n<<<SWITCHYARD-JSON\n${json}\nSWITCHYARD-JSON>>>\n`), json);
});

test('extractMarked: no block, an unterminated block, or the other kind → undefined', () => {
  assert.equal(extractMarked(''), undefined);
  assert.equal(extractMarked('<<<SWITCHYARD-JSON\n{"a":1}\n'), undefined);
  assert.equal(extractMarked(JSON_BLOCK, 'ERROR'), undefined);
  assert.equal(extractMarked('x <<<SWITCHYARD-JSON\n{}\nSWITCHYARD-JSON>>>'), undefined);
  assert.equal(
    extractMarked('<<<SWITCHYARD-ERROR\n{"message":"boom"}\nSWITCHYARD-ERROR>>>', 'ERROR'),
    '{"message":"boom"}',
  );
});
