import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clixmlToText, interpretRun } from './outcome.js';
import { JSON_BLOCK, run } from '../../../test/support/ps-runner.js';

test('interpretRun: the marked JSON value', () => {
  const r = interpretRun(run(`Preparing modules for first use.\n${JSON_BLOCK}\n`));
  assert.equal(r.ok, true);
  assert.deepEqual(r.ok ? r.value : undefined, { a: 1 });
});

test('interpretRun: an error block wins and keeps errorId, category, line', () => {
  const err =
    '<<<SWITCHYARD-ERROR\n' +
    JSON.stringify({
      message: 'Access is denied.',
      errorId: 'Windows System Error 5,Set-NetIPInterface',
      category: 'PermissionDenied',
      line: 42,
    }) +
    '\nSWITCHYARD-ERROR>>>';
  const r = interpretRun(run(`${err}\n`, '', 1));
  assert.deepEqual(r.ok ? undefined : r.failure, {
    message: 'Access is denied.',
    errorId: 'Windows System Error 5,Set-NetIPInterface',
    category: 'PermissionDenied',
    line: 42,
  });
});

test('interpretRun: no markers → the error from CLIXML stderr, else the exit code', () => {
  // PowerShell/PowerShell#5912: stderr of `throw 'boom'` under -EncodedCommand with stderr redirected.
  const clixml =
    '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">' +
    '<S S="Error">boom_x000D__x000A_</S><S S="Error">At line:1 char:1_x000D__x000A_</S>' +
    '<S S="Error">+ throw &apos;boom&apos;_x000D__x000A_</S></Objs>';
  const r = interpretRun(run('', clixml, 1));
  assert.equal(r.ok ? '' : r.failure.message, "boom\r\nAt line:1 char:1\r\n+ throw 'boom'");
  const silent = interpretRun(run('', '', 7));
  assert.match(silent.ok ? '' : silent.failure.message, /exited with code 7 without a result/);
});

test('interpretRun: broken JSON between markers is a failure, not an exception', () => {
  const r = interpretRun(run('<<<SWITCHYARD-JSON\n{"a":\nSWITCHYARD-JSON>>>\n'));
  assert.match(r.ok ? '' : r.failure.message, /not JSON/);
});

test('clixmlToText: PowerShell 7 colour codes are dropped; plain stderr is trimmed', () => {
  // PowerShell/PowerShell#16678
  const s =
    '#< CLIXML\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">' +
    '<S S="Error">_x001B_[91mWrite-Error: _x001B_[91mboomed_x001B_[0m_x000A_</S></Objs>';
  assert.equal(clixmlToText(s), 'Write-Error: boomed');
  assert.equal(clixmlToText('  plain error\n'), 'plain error');
});
