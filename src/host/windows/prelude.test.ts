import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePowerShell } from '../../../test/support/ps-parse.js';
import { isElevatedScript, wrapScript } from './prelude.js';

test('wrapScript and isElevatedScript: parse with zero errors', async () => {
  assert.deepEqual((await parsePowerShell(isElevatedScript())).errors, []);
  assert.deepEqual((await parsePowerShell(wrapScript("  Out-Marked 'JSON' @(1, 2)"))).errors, []);
});
