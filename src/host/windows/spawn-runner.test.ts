import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EnvironmentError } from '../../errors.js';
import { decodeCommand, POWERSHELL_FLAGS } from './command-line.js';
import { isElevatedScript } from './prelude.js';
import { makeSpawnRunner, runPowerShell } from './spawn-runner.js';
import { JSON_BLOCK, recordingRunner } from '../../../test/support/ps-runner.js';

test('runPowerShell: runs the located powershell.exe with the encoded script and reads the result', async () => {
  const { runner, calls } = recordingRunner(`noise\n${JSON_BLOCK}\n`);
  const script = isElevatedScript();
  const r = await runPowerShell(script, {
    runner,
    location: { ok: true, path: '/mnt/c/x/powershell.exe', via: 'wsl' },
  });
  assert.deepEqual(r.ok ? r.value : undefined, { a: 1 });
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.file, '/mnt/c/x/powershell.exe');
  assert.deepEqual(calls[0]!.args.slice(0, POWERSHELL_FLAGS.length), POWERSHELL_FLAGS);
  assert.equal(decodeCommand(calls[0]!.args.at(-1)!), script);
});

test('runPowerShell: no PowerShell to run → EnvironmentError before anything runs', async () => {
  const { runner, calls } = recordingRunner('');
  await assert.rejects(
    runPowerShell('x', { runner, location: { ok: false, reason: 'no Windows host to reach' } }),
    (e: unknown) => e instanceof EnvironmentError && /no Windows host/.test(e.message),
  );
  assert.equal(calls.length, 0);
});

// ---------------------------------------------------------------------------------------------------
// The real runner (on this Linux machine, with /bin/sh standing in for powershell.exe)

test('makeSpawnRunner: exit code, stdout, stderr; stdin is not connected', async () => {
  const r = await makeSpawnRunner()('/bin/sh', ['-c', 'cat; echo out; echo err >&2; exit 3']);
  assert.deepEqual(r, { code: 3, stdout: 'out\n', stderr: 'err\n' });
});

test('makeSpawnRunner: a missing program is an EnvironmentError naming the override', async () => {
  await assert.rejects(
    makeSpawnRunner()('/nonexistent/powershell.exe', []),
    (e: unknown) => e instanceof EnvironmentError && /SWITCHYARD_POWERSHELL/.test(e.message),
  );
});

test('makeSpawnRunner: the timeout kills the process', async () => {
  const r = await makeSpawnRunner({ timeoutMs: 100 })('/bin/sh', ['-c', 'exec sleep 5']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /killed by SIGTERM/);
});
