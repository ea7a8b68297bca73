import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InternalError } from '../../errors.js';
import {
  commandLineLength,
  decodeCommand,
  powershellInvocation,
  encodeCommand,
  MAX_COMMAND_LINE_CHARS,
  powershellArgs,
} from './command-line.js';
import { elevatedScript } from './elevation.js';
import { observationScript } from './observation-script.js';
import { wrapScript } from './prelude.js';
import { WIN_PS } from '../../../test/support/ps-runner.js';

test('encodeCommand: base64 of UTF-16LE, round trip for any text', () => {
  assert.equal(encodeCommand('dir'), 'ZABpAHIA');
  for (const s of ["x'; y", 'a\r\nb', '\u2019\u00e9\ud83d\ude00', '$(x) `n', '']) {
    const encoded = encodeCommand(s);
    assert.match(encoded, /^[A-Za-z0-9+/]*={0,2}$/);
    assert.equal(decodeCommand(encoded), s);
  }
});

test('powershellArgs: fixed flags, then -EncodedCommand carrying the script', () => {
  const script = wrapScript("  Out-Marked 'JSON' 1");
  const args = powershellArgs(script);
  assert.deepEqual(args.slice(0, -1), [
    '-NoLogo',
    '-NoProfile',
    '-NonInteractive',
    '-ExecutionPolicy',
    'Bypass',
    '-EncodedCommand',
  ]);
  assert.equal(decodeCommand(args.at(-1)!), script);
});

test('powershellArgs: refuses a script whose command line would pass 32,767 characters', () => {
  assert.throws(() => powershellArgs('x'.repeat(13_000)), InternalError);
  const fits = powershellArgs(observationScript({ nrptNamespaces: ['switchyard.internal'] }));
  assert.ok(commandLineLength('C:\\Windows\\System32\\' + WIN_PS, fits) < MAX_COMMAND_LINE_CHARS);
});

test('a long script goes through stdin: the command line stays short, elevated or not (issue 18.1)', () => {
  // Six switches' worth of operations and a 4 KB .wslconfig made one elevated command line of 36,841
  // characters; CreateProcess takes 32,767.
  const long = elevatedScript(wrapScript(`# ${'x'.repeat(60_000)}`));
  const how = powershellInvocation(long, 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
  assert.ok(how.input !== undefined && how.input.length > 120_000);
  assert.ok(commandLineLength('powershell.exe', how.args) < 4_000);
  assert.equal(
    powershellInvocation(observationScript()).input,
    undefined,
    'a short one stays on the command line',
  );
});
