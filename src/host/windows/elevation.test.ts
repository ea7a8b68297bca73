import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandNames, nodesOfType, parsePowerShell } from '../../../test/support/ps-parse.js';
import { EnvironmentError } from '../../errors.js';
import { psString } from '../../ps-quote.js';
import { decodeCommand } from './command-line.js';
import {
  elevatedChildScript,
  scriptHash,
  elevatedScript,
  elevationBlocker,
  runElevated,
} from './elevation.js';
import { isElevatedScript, wrapScript } from './prelude.js';
import { JSON_BLOCK, WIN_PS, recordingRunner } from '../../../test/support/ps-runner.js';

const TTY = { stdinIsTTY: true, stdoutIsTTY: true, env: {} };

test('elevationBlocker: CI, SSH and no console block a UAC prompt; a terminal does not', () => {
  assert.equal(elevationBlocker(TTY), undefined);
  assert.equal(
    elevationBlocker({ ...TTY, stdoutIsTTY: false }),
    undefined,
    'output piped, person still there',
  );
  assert.equal(elevationBlocker({ ...TTY, env: { CI: 'false' } }), undefined);
  assert.match(elevationBlocker({ ...TTY, env: { CI: 'true' } }) ?? '', /CI/);
  assert.match(
    elevationBlocker({ ...TTY, env: { SSH_CONNECTION: '10.0.0.1 5000 10.0.0.2 22' } }) ?? '',
    /SSH/,
  );
  assert.match(
    elevationBlocker({ stdinIsTTY: false, stdoutIsTTY: false, env: {} }) ?? '',
    /not interactive.*Run as administrator.*switchyard script --target windows/,
  );
});

test('elevatedScript: parses with zero errors, one RunAs, the inner script carried once', async () => {
  const inner = wrapScript(`  Out-Marked 'JSON' ${psString("x'\u2019; $(Stop-Computer)")}`);
  const outer = elevatedScript(inner);
  assert.deepEqual((await parsePowerShell(outer)).errors, []);
  assert.equal(outer.match(/-Verb RunAs/g)?.length, 1);
  // No -Wait: the handle is read first so the exit code survives (PowerShell#5421, #20400).
  assert.match(
    outer,
    /Start-Process -FilePath \$exe .* -Verb RunAs -WindowStyle Hidden -PassThru\n\s*\$null = \$p\.Handle; \$p\.WaitForExit\(\)/,
  );
  const literals = await nodesOfType(outer, 'string_literal');
  assert.equal(literals.filter((l) => l === psString(inner)).length, 1);
  // Stop-Computer only ever appears inside string literals, never as a command.
  assert.ok(!(await commandNames(outer)).some((c) => /Stop-Computer/i.test(c)));
});

test('the elevated child script: parses, carries paths and a hash (not the script), redirects to the temp files', async () => {
  const inner = wrapScript(`  Out-Marked 'JSON' ${psString('\u2019$(Stop-Computer)')}`);
  const child = elevatedChildScript(
    "C:\\Users\\O'Brien\\AppData\\Local\\Temp\\switchyard-1.ps1",
    scriptHash(inner),
    "C:\\Users\\O'Brien\\AppData\\Local\\Temp\\switchyard-1.out",
  );
  assert.deepEqual((await parsePowerShell(child)).errors, []);
  assert.ok(!child.includes('Stop-Computer'), 'the script itself is not on the command line');
  assert.ok(child.includes(scriptHash(inner)));
  assert.match(child, /-RedirectStandardOutput \$out -RedirectStandardError \(\$out \+ '\.err'\)/);
  assert.doesNotMatch(child, /RunAs/, 'the child is already elevated');
  // A script of any length: nothing of it travels on a command line.
  assert.doesNotThrow(() => elevatedScript(`# ${'x'.repeat(100_000)}`));
});

test('elevatedScript: the run-time quoting of the temp path matches psString', () => {
  const outer = elevatedScript(wrapScript("  Out-Marked 'JSON' 1"));
  const m = /-replace '(\[[^\]]+\])', '\$0\$0'/.exec(outer);
  assert.ok(m, 'run-time quote function present');
  // .NET and JavaScript read this character class the same way.
  const cls = new RegExp(m[1]!, 'g');
  for (const path of [
    "C:\\Users\\O'Brien\\AppData\\Local\\Temp\\",
    'C:\\Users\\\u2018a\u2019\u201a\u201b\\',
  ]) {
    assert.equal(`'${path.replace(cls, '$&$&')}'`, psString(path));
  }
});

test('runElevated: refuses up front when no prompt can be answered, without running anything', async () => {
  const { runner, calls } = recordingRunner('');
  await assert.rejects(
    runElevated('x', { runner, interactivity: { stdinIsTTY: false, stdoutIsTTY: false, env: {} } }),
    EnvironmentError,
  );
  assert.equal(calls.length, 0);
});

test('runElevated: in a terminal, runs the elevation wrapper once', async () => {
  const { runner, calls } = recordingRunner(`${JSON_BLOCK}\n`);
  const inner = isElevatedScript();
  const r = await runElevated(inner, {
    runner,
    interactivity: TTY,
    location: { ok: true, path: 'C:\\Windows\\System32\\' + WIN_PS, via: 'windows' },
  });
  assert.equal(r.ok, true);
  assert.equal(calls.length, 1);
  assert.equal(decodeCommand(calls[0]!.args.at(-1)!), elevatedScript(inner));
});
