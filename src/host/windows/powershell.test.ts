import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandNames, nodesOfType, parsePowerShell } from '../../../test/support/ps-parse.js';
import { EnvironmentError, InternalError } from '../../errors.js';
import { observationScript } from './observe.js';
import {
  clixmlToText,
  commandLineLength,
  decodeCommand,
  elevatedChildScript,
  powershellInvocation,
  scriptHash,
  elevatedScript,
  elevationBlocker,
  encodeCommand,
  extractMarked,
  interpretRun,
  isElevatedScript,
  makeSpawnRunner,
  MAX_COMMAND_LINE_CHARS,
  parseAutomountRoot,
  parseElevation,
  POWERSHELL_FLAGS,
  powershellArgs,
  powershellPath,
  runElevated,
  runPowerShell,
  wrapScript,
  wslState,
  type HostProbe,
  type RunResult,
  type Runner,
} from './powershell.js';
import { psString } from '../../ps-quote.js';

function probe(over: Partial<HostProbe> & { files?: Record<string, string> } = {}): HostProbe {
  const files = over.files ?? {};
  return {
    platform: over.platform ?? 'linux',
    env: over.env ?? {},
    readFile: over.readFile ?? ((path) => files[path]),
  };
}

const WIN_PS = 'WindowsPowerShell\\v1.0\\powershell.exe';
const WSL_PS = 'c/Windows/System32/WindowsPowerShell/v1.0/powershell.exe';

// ---------------------------------------------------------------------------------------------------
// Where powershell.exe is

test('powershellPath on Windows: %SystemRoot%\\System32, looked up case-insensitively', () => {
  assert.deepEqual(powershellPath(probe({ platform: 'win32', env: { SystemRoot: 'C:\\WINDOWS' } })), {
    ok: true,
    path: `C:\\WINDOWS\\System32\\${WIN_PS}`,
    via: 'windows',
  });
  assert.deepEqual(powershellPath(probe({ platform: 'win32', env: { SYSTEMROOT: 'D:\\Win\\' } })), {
    ok: true,
    path: `D:\\Win\\System32\\${WIN_PS}`,
    via: 'windows',
  });
  assert.deepEqual(powershellPath(probe({ platform: 'win32', env: {} })), {
    ok: true,
    path: `C:\\Windows\\System32\\${WIN_PS}`,
    via: 'windows',
  });
});

test('powershellPath on Windows from a 32-bit Node (WOW64): Sysnative reaches the 64-bit PowerShell', () => {
  const p = powershellPath(
    probe({
      platform: 'win32',
      env: { SystemRoot: 'C:\\Windows', PROCESSOR_ARCHITEW6432: 'AMD64' },
    }),
  );
  assert.deepEqual(p, { ok: true, path: `C:\\Windows\\Sysnative\\${WIN_PS}`, via: 'windows' });
});

test('powershellPath inside WSL: the absolute /mnt/c path, whatever tells us it is WSL', () => {
  const expected = { ok: true, path: `/mnt/${WSL_PS}`, via: 'wsl' };
  // binfmt_misc interop entry (both names WSL has used)
  assert.deepEqual(
    powershellPath(
      probe({ files: { '/proc/sys/fs/binfmt_misc/WSLInterop': 'enabled\ninterpreter /init\n' } }),
    ),
    expected,
  );
  assert.deepEqual(
    powershellPath(probe({ files: { '/proc/sys/fs/binfmt_misc/WSLInterop-late': 'enabled\n' } })),
    expected,
  );
  // WSL_DISTRO_NAME alone (binfmt entry not visible)
  assert.deepEqual(powershellPath(probe({ env: { WSL_DISTRO_NAME: 'Ubuntu' } })), expected);
  // a systemd service: no WSL_DISTRO_NAME, binfmt wiped, but the kernel says so
  assert.deepEqual(
    powershellPath(
      probe({ files: { '/proc/sys/kernel/osrelease': '5.15.167.4-microsoft-standard-WSL2\n' } }),
    ),
    expected,
  );
});

test('powershellPath inside WSL honours [automount] root from /etc/wsl.conf', () => {
  const p = powershellPath(
    probe({
      env: { WSL_DISTRO_NAME: 'Debian' },
      files: {
        '/etc/wsl.conf': '[boot]\nsystemd=true\n\n[automount]\nenabled = true\nroot = /win # comment\n',
      },
    }),
  );
  assert.deepEqual(p, { ok: true, path: `/win/${WSL_PS}`, via: 'wsl' });
  assert.equal(parseAutomountRoot(undefined), '/mnt/');
  assert.equal(parseAutomountRoot('[automount]\nroot = "/"\n'), '/');
  assert.equal(parseAutomountRoot('[interop]\nroot = /nope/\n'), '/mnt/');
  assert.equal(parseAutomountRoot('[automount]\nroot = relative\n'), '/mnt/');
});

test('powershellPath inside WSL with interop disabled explains the fix', () => {
  const p = powershellPath(probe({ files: { '/proc/sys/fs/binfmt_misc/WSLInterop': 'disabled\n' } }));
  assert.equal(p.ok, false);
  assert.match(p.ok ? '' : p.reason, /interop is disabled.*\[interop\] enabled=true/);
});

test('powershellPath on plain Linux or macOS: no Windows host', () => {
  for (const platform of ['linux', 'darwin'] as const) {
    const p = powershellPath(
      probe({ platform, files: { '/proc/sys/kernel/osrelease': '6.1.0-13-amd64\n' } }),
    );
    assert.equal(p.ok, false, platform);
  }
  assert.deepEqual(wslState(probe({ platform: 'darwin', env: { WSL_DISTRO_NAME: 'x' } })), {
    wsl: false,
    interop: 'unknown',
  });
});

test('powershellPath: SWITCHYARD_POWERSHELL overrides detection on every platform', () => {
  for (const platform of ['win32', 'linux'] as const) {
    assert.deepEqual(powershellPath(probe({ platform, env: { SWITCHYARD_POWERSHELL: '/opt/pwsh' } })), {
      ok: true,
      path: '/opt/pwsh',
      via: 'override',
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// Command line

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

// ---------------------------------------------------------------------------------------------------
// Markers

const JSON_BLOCK = '<<<SWITCHYARD-JSON\n{"a":1}\nSWITCHYARD-JSON>>>';

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

// ---------------------------------------------------------------------------------------------------
// Reading a run back

function run(stdout: string, stderr = '', code = 0): RunResult {
  return { code, stdout, stderr };
}

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

// ---------------------------------------------------------------------------------------------------
// Generated scripts parse

test('wrapScript and isElevatedScript: parse with zero errors', async () => {
  assert.deepEqual((await parsePowerShell(isElevatedScript())).errors, []);
  assert.deepEqual((await parsePowerShell(wrapScript("  Out-Marked 'JSON' @(1, 2)"))).errors, []);
});

test('parseElevation', () => {
  assert.deepEqual(parseElevation({ elevated: true, hypervAdmin: false }), {
    elevated: true,
    hypervAdmin: false,
  });
  assert.deepEqual(parseElevation({ elevated: false }), { elevated: false, hypervAdmin: false });
  assert.equal(parseElevation({ elevated: 'True' }), undefined);
  assert.equal(parseElevation(null), undefined);
});

// ---------------------------------------------------------------------------------------------------
// Running, with a fake runner

function recordingRunner(stdout: string): {
  runner: Runner;
  calls: { file: string; args: readonly string[] }[];
} {
  const calls: { file: string; args: readonly string[] }[] = [];
  return {
    calls,
    runner: (file, args) => {
      calls.push({ file, args });
      return Promise.resolve(run(stdout));
    },
  };
}

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
// Elevation

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
  assert.match(outer, /Start-Process -FilePath \$exe .* -Verb RunAs -WindowStyle Hidden -PassThru -Wait/);
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
