/**
 * Every script switchyard generates, judged by PowerShell itself: PowerShell's parser, an AST check for
 * Windows PowerShell 5.1 and ConstrainedLanguage, Microsoft's documented cmdlet syntax — and then run in
 * pwsh 7.6 against the simulated Windows (test/windows-sim), whose cmdlets bind parameters as the real ones.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isObservationError, parseObservation } from '../../src/host/windows/observation-parse.js';
import { observationScript } from '../../src/host/windows/observation-script.js';
import { renderOpPs, renderOpsPs } from '../../src/host/windows/ops.js';
import { encodeCommand, POWERSHELL_FLAGS } from '../../src/host/windows/command-line.js';
import { elevatedScript, runElevated } from '../../src/host/windows/elevation.js';
import { wrapScript } from '../../src/host/windows/prelude.js';
import { runPowerShell } from '../../src/host/windows/spawn-runner.js';
import type { DesiredHost, DesiredSwitch } from '../../src/model/desired.js';
import { diffDnsRules, removeNrptRuleCommand } from '../../src/model/resources/dns-rule.js';
import { diffNat, removeNetNatCommand } from '../../src/model/resources/nat.js';
import { cidr, ipv4 } from '../../src/net/ipv4.js';
import { keeperScript, parseKeeperResult } from '../../src/host/windows/keeper-script.js';
import { NETSH_REFUSED_EXIT, wslForwardingScript, wslForwardingUnit } from '../../src/artifacts/wsl-unit.js';
import { checkScripts, problems } from './check.js';
import { SimWindowsHost } from './host.js';
import { makeSimRunner, pwshMissing, runScriptText } from './runner.js';
import {
  doctorFixCommands,
  everyOp,
  generatedScripts,
  HOSTILE,
  HOSTILE_FOLDER,
  HOSTILE_NAME,
} from './scripts.js';

const PWSH = { skip: pwshMissing() };
const EXE = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';

function runner(h: SimWindowsHost): ReturnType<typeof makeSimRunner> {
  return makeSimRunner({
    dir: h.dir,
    session: () => h.session,
    profileOf: (a) => h.state.accounts[a]?.profile ?? h.dir,
  });
}

function run(h: SimWindowsHost, script: string): ReturnType<typeof runPowerShell> {
  h.push();
  return runPowerShell(script, {
    runner: runner(h),
    location: { ok: true, path: EXE, via: 'windows' },
  }).finally(() => {
    h.pull();
  });
}

describe('every generated script, checked by PowerShell', PWSH, () => {
  test('parser, 5.1 syntax, ConstrainedLanguage guard and documented cmdlet syntax: no finding', () => {
    const scripts = generatedScripts();
    assert.ok(scripts.length >= 40, `${scripts.length} scripts`);
    assert.deepEqual(problems(checkScripts(scripts)), []);
  });

  test('a parameter the real cmdlet lacks fails the static check and, run, the binder', async () => {
    const op = renderOpPs({ op: 'setForwarding', iface: 'vEthernet (lab)', on: true });
    const mutated = op.replace('-InterfaceAlias', '-InterfaceAlais');
    assert.notEqual(mutated, op);
    assert.deepEqual(problems(checkScripts([{ name: 'mutated', text: mutated }])), [
      'mutated: cmdlets: line 1: Set-NetIPInterface has no parameter -InterfaceAlais',
    ]);
    const h = new SimWindowsHost();
    h.addAdapter('vEthernet (lab)');
    const r = await run(h, wrapScript(`${mutated}\nOut-Marked 'JSON' 1`));
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : `${r.failure.errorId}`, /^NamedParameterNotFound,Set-NetIPInterface$/);
    assert.equal(h.adapters[0]?.forwarding, false);
  });

  test('an undocumented value fails the same way (AllowBypass is not a -DefaultInboundAction)', async () => {
    const bad =
      "Set-NetFirewallHyperVVMSetting -Name '{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}' -DefaultInboundAction AllowBypass";
    assert.match(
      problems(checkScripts([{ name: 'bad', text: bad }])).join('\n'),
      /AllowBypass is not one of the documented values/,
    );
    const h = new SimWindowsHost();
    h.hyperVFirewall = { defaultInboundAction: 'block' };
    const r = await run(h, wrapScript(`${bad}\nOut-Marked 'JSON' 1`));
    assert.match(
      r.ok ? '' : `${r.failure.errorId}`,
      /^ParameterArgumentValidationError,Set-NetFirewallHyperVVMSetting$/,
    );
  });
});

describe('generated scripts run in pwsh against the simulated Windows', PWSH, () => {
  test('every operation, hostile names included, in one elevated run: done, and the values arrive intact', async () => {
    const h = new SimWindowsHost();
    h.adapterDelay = 0;
    h.hyperVFirewall = { defaultInboundAction: 'notConfigured' };
    // What stageBootFiles copies, on the simulated C: drive.
    mkdirSync(join(h.dir, 'C', 'Users', HOSTILE_FOLDER), { recursive: true });
    writeFileSync(join(h.dir, 'C', 'Users', HOSTILE_FOLDER, 'switchyard.yaml'), 'switches: []\n');
    const ops = everyOp();
    const r = await h.execute(ops);
    assert.equal(r.error, undefined, r.error?.message);
    assert.equal(r.done, ops.length);
    const s = h.read();
    // setWslConfig: the text byte for byte (CRLF and a comment with every quote character); removeWslConfig
    // came later in the list, so it is run again on its own.
    const wslconfig = ops.find((o) => o.op === 'setWslConfig');
    assert.ok(wslconfig?.op === 'setWslConfig');
    assert.equal((await h.execute([wslconfig])).done, 1);
    assert.equal(readFileSync(join(h.state.accounts.dev!.profile, '.wslconfig'), 'utf8'), wslconfig.text);
    assert.equal(s.registry.HKLM['software\\microsoft\\windows\\currentversion\\lxss']?.NatNetwork, HOSTILE);
    assert.equal(
      s.registry.HKCU.dev?.['software\\microsoft\\windows\\currentversion\\lxss']?.NatIpAddress,
      HOSTILE,
    );
    // The switch created and deleted under its hostile name; nothing else was run.
    assert.deepEqual(s.switches, []);
    const calls = h.calls();
    assert.ok(
      calls.includes(`New-VMSwitch -Name ${HOSTILE_NAME} -Notes switchyard -SwitchType Internal`),
      calls.join('\n'),
    );
    assert.ok(calls.includes(`Remove-VMSwitch -Force -Name ${HOSTILE_NAME}`), calls.join('\n'));
    assert.ok(
      !calls.some((c) => c.startsWith('Remove-Item') && c.includes('C:\\')),
      'no injected command ran',
    );
    // AllowBypass is restored as Allow, the nearest documented value.
    assert.equal(s.hypervVmSettings[0]?.DefaultInboundAction, 'Block');
    assert.ok(
      calls.includes(
        'Set-NetFirewallHyperVVMSetting -DefaultInboundAction Allow -Name {40E0AC32-46A5-438A-A0B2-2B479E8F2E90}',
      ),
    );
  });

  test("doctor's fix commands, with hostile names, do exactly what they say", async () => {
    const fixes = doctorFixCommands();
    assert.ok(fixes.length >= 4, fixes.join('\n'));
    const removeOurs = fixes.find((f) => f.includes('Remove-NetNat') && !f.includes(`${HOSTILE} 2`));
    assert.ok(removeOurs);
    const h = new SimWindowsHost();
    h.nats = [
      { name: HOSTILE, prefix: cidr('10.20.0.0/16'), ours: false },
      { name: `${HOSTILE} 2`, prefix: cidr('192.168.50.0/24'), ours: false },
    ];
    const r = await run(h, wrapScript(`${removeOurs}\nOut-Marked 'JSON' 1`));
    assert.equal(r.ok, true, r.ok ? '' : r.failure.message);
    assert.deepEqual(
      h.nats.map((n) => n.name),
      [`${HOSTILE} 2`],
    );
    // Each of the others at least binds (no parse or parameter error), whatever the host says.
    for (const fix of fixes) {
      const x = await run(h, wrapScript(`${fix}\nOut-Marked 'JSON' 1`));
      assert.doesNotMatch(
        x.ok ? '' : `${x.failure.errorId}`,
        /ParameterBinding|NamedParameterNotFound|ParseException|AmbiguousParameterSet|ParameterArgument/,
        fix,
      );
    }
  });

  test("the plan's fixes for a foreign NetNat and NRPT rule, with hostile names, remove exactly that object", async () => {
    // Names as a hostile host could report them: all five single quotes, $(…), `;`, and for the NetNat a
    // backtick too (a wildcard escape if the name reached Remove-NetNat -Name).
    const h = new SimWindowsHost();
    h.nats = [
      { name: HOSTILE, prefix: cidr('10.20.0.0/16'), ours: false },
      { name: `${HOSTILE}*`, prefix: cidr('192.168.50.0/24'), ours: false },
    ];
    h.nrpt = [
      {
        name: HOSTILE_NAME,
        namespaces: ['.lab.internal'],
        nameServers: ['192.168.1.53'],
        comment: undefined,
      },
      {
        name: `${HOSTILE_NAME} 2`,
        namespaces: ['.other'],
        nameServers: ['192.168.1.53'],
        comment: undefined,
      },
    ];
    const lab: DesiredSwitch = {
      name: 'lab',
      iface: 'vEthernet (lab)',
      subnet: cidr('10.20.0.0/24'),
      host: ipv4('10.20.0.1'),
      nat: true,
      dhcp: true,
      dnsDomain: 'lab.internal',
    };
    const desired: DesiredHost = { switches: [lab], wsl: undefined, forwarding: true, firewall: [] };
    const observed = await h.observe();
    const nat = diffNat(desired, observed).find((c) => c.action === '!');
    const rule = diffDnsRules(desired, observed).find((c) => c.action === '!');
    const commands = [removeNetNatCommand(HOSTILE), removeNrptRuleCommand(HOSTILE_NAME)];
    assert.ok(nat?.detail.includes(`(${commands[0]})`), nat?.detail);
    assert.ok(rule?.detail.includes(`(${commands[1]})`), rule?.detail);
    for (const command of commands) {
      const r = await run(h, wrapScript(`${command}\nOut-Marked 'JSON' 1`));
      assert.equal(r.ok, true, r.ok ? '' : r.failure.message);
    }
    assert.deepEqual(
      h.nats.map((n) => n.name),
      [`${HOSTILE}*`],
    );
    assert.deepEqual(
      h.nrpt.map((n) => n.name),
      [`${HOSTILE_NAME} 2`],
    );
    assert.ok(!h.calls().some((c) => c.startsWith('Remove-Item')), 'no injected command ran');
  });

  test('the observation in Windows PowerShell 5.1 (enums as numbers) and in pwsh (names) reads the same', async () => {
    const h = new SimWindowsHost();
    h.addAdapter('vEthernet (lab)', [{ address: ipv4('10.20.0.1'), prefix: 24, dynamic: false }], true);
    h.switches = [{ name: 'lab', ours: true, kind: 'Internal' }];
    h.hyperVFirewall = { defaultInboundAction: 'block' };
    h.firewall = [{ name: 'switchyard DHCP lab', protocol: 'udp', port: 67, from: [cidr('10.20.0.0/24')] }];
    const desktop = await run(h, observationScript());
    h.state.powershell = 'core';
    const core = await run(h, observationScript());
    assert.ok(desktop.ok && core.ok);
    const raw = JSON.stringify(desktop.value);
    assert.match(raw, /"SwitchType":1/, 'enums as numbers in 5.1');
    assert.match(JSON.stringify(core.value), /"SwitchType":"Internal"/, 'names under -EnumsAsStrings');
    const a = parseObservation(desktop.value);
    const b = parseObservation(core.value);
    assert.ok(!isObservationError(a) && !isObservationError(b));
    const strip = (o: typeof a): unknown => ({ ...o, powershell: null, collectedAt: null });
    assert.deepEqual(strip(a), strip(b));
  });

  test('Hyper-V refuses a caller neither elevated nor in Hyper-V Administrators; a member may look', async () => {
    const h = new SimWindowsHost();
    h.switches = [{ name: 'lab', ours: true, kind: 'Internal' }];
    h.session = { account: 'dev', elevated: false };
    h.push();
    const w = await h.backend().observeWindows();
    assert.equal(w.switches, null);
    assert.match(
      w.notes.map((n) => `${n.section}: ${n.message}`).join('\n'),
      /switches: You do not have the required permission/,
    );
    h.state.accounts.dev!.hypervAdmin = true;
    h.push();
    const m = await h.backend().observeWindows();
    assert.deepEqual(
      m.switches?.map((s) => s.name),
      ['lab'],
    );
  });

  test('Windows Home has no Hyper-V module: its sections say so', async () => {
    const h = new SimWindowsHost({ hyperV: false });
    h.push();
    const w = await h.backend().observeWindows();
    assert.equal(w.switches, null);
    assert.match(JSON.stringify(w.notes), /Hyper-V\\\\Get-VMSwitch is not available on this system/);
  });

  test('a SYSTEM task is invisible to an unelevated session', async () => {
    const h = new SimWindowsHost();
    h.bootTask = { execute: 'C:\\Program Files\\switchyard\\switchyard.exe', arguments: 'serve' };
    h.push();
    assert.equal((await h.backend().observeWindows()).bootTask?.length, 1);
    h.session = { account: 'dev', elevated: false };
    assert.deepEqual((await h.backend().observeWindows()).bootTask, []);
  });

  test('ConstrainedLanguage mode: the script says so before any .NET call fails', async () => {
    const h = new SimWindowsHost();
    h.state.languageMode = 'ConstrainedLanguage';
    const r = await run(h, observationScript());
    assert.equal(r.ok, false);
    assert.equal(r.ok ? '' : r.failure.errorId, 'ConstrainedLanguage');
    assert.match(r.ok ? '' : r.failure.message, /ConstrainedLanguage mode on this machine/);
    assert.equal(r.run.code, 5);
  });

  test('elevation: a prompt accepted runs the child elevated; declined is ElevationCancelled', async () => {
    const h = new SimWindowsHost();
    h.addAdapter('vEthernet (lab)');
    h.session = { account: 'dev', elevated: false };
    const op = wrapScript(
      `${renderOpsPs([{ op: 'setForwarding', iface: 'vEthernet (lab)', on: true }])}\nOut-Marked 'JSON' 1`,
    );
    h.push();
    const options = {
      runner: runner(h),
      location: { ok: true as const, path: EXE, via: 'windows' as const },
      interactivity: { stdinIsTTY: true, stdoutIsTTY: true, env: {} },
    };
    const ok = await runElevated(op, options);
    h.pull();
    assert.equal(ok.ok, true, ok.ok ? '' : ok.failure.message);
    assert.equal(h.adapters[0]?.forwarding, true);
    assert.match(ok.run.stdout, /<<<SWITCHYARD-STEP 0/);
    h.adapters[0].forwarding = false;
    h.state.uac.answer = 'decline';
    h.push();
    const no = await runElevated(op, options);
    h.pull();
    assert.equal(no.ok ? '' : no.failure.errorId, 'ElevationCancelled');
    assert.equal(h.adapters[0]?.forwarding, false);
  });

  test('pwsh 7.4.0 loses Start-Process -PassThru -Wait exit codes with redirection: a failed elevated script still fails', async () => {
    const h = new SimWindowsHost();
    h.session = { account: 'dev', elevated: false };
    h.state.startProcessExitCodeLost = true;
    h.push();
    const options = {
      runner: runner(h),
      location: { ok: true as const, path: EXE, via: 'windows' as const },
      interactivity: { stdinIsTTY: true, stdoutIsTTY: true, env: {} },
    };
    const failing = await runElevated(wrapScript(`Write-Output 'half done'\nexit 3`), options);
    assert.equal(failing.ok, false);
    assert.equal(failing.run.code, 3, failing.run.stdout);
    const fine = await runElevated(wrapScript(`Out-Marked 'JSON' 1`), options);
    assert.equal(fine.ok, true, fine.ok ? '' : fine.failure.message);
    assert.equal(fine.run.code, 0);
    // The bug as simulated: the documented -Wait form would have said 0.
    const r = await runScriptText(
      h.dir,
      h.session,
      h.state.accounts.dev!.profile,
      `$p = Start-Process -FilePath 'powershell.exe' -ArgumentList @('-EncodedCommand', '${encodeCommand('exit 3')}') -PassThru -Wait -RedirectStandardOutput (Join-Path ([IO.Path]::GetTempPath()) 'sy-740.out')\n"[$($p.ExitCode)]"`,
    );
    assert.equal(r.stdout.trim(), '[]');
  });

  test("over the shoulder: an elevated run with an administrator's credentials gets that administrator's profile and HKCU", async () => {
    const h = new SimWindowsHost();
    h.session = { account: 'std', elevated: false };
    h.push();
    const inner = wrapScript(
      `Set-ItemProperty -Path 'HKCU:\\Software\\x' -Name v -Value 1 -ErrorAction SilentlyContinue\nNew-Item -Path 'HKCU:\\Software\\x' -Force | Out-Null\nSet-ItemProperty -Path 'HKCU:\\Software\\x' -Name v -Value 1\nOut-Marked 'JSON' ([ordered]@{ profile = $env:USERPROFILE; elevated = $true })`,
    );
    const r = await runElevated(inner, {
      runner: runner(h),
      location: { ok: true, path: EXE, via: 'windows' },
      interactivity: { stdinIsTTY: true, stdoutIsTTY: true, env: {} },
    });
    assert.equal(r.ok, true, r.ok ? '' : r.failure.message);
    assert.equal(
      (r.ok ? (r.value as { profile: string }) : { profile: '' }).profile,
      h.state.accounts.it!.profile,
    );
    const s = h.read();
    assert.equal(String(s.registry.HKCU.it?.['software\\x']?.v), '1');
    assert.equal(s.registry.HKCU.std?.['software\\x'], undefined);
  });

  test('the command line: CreateProcess takes at most 32,767 characters', async () => {
    const h = new SimWindowsHost();
    h.push();
    const long = `# ${'x'.repeat(17_000)}\nOut-Marked 'JSON' 1`;
    const args = [...POWERSHELL_FLAGS, '-EncodedCommand', encodeCommand(long)];
    await assert.rejects(runner(h)(EXE, args), /ENAMETOOLONG/);
    // Inside PowerShell too: Start-Process of a child whose command line is too long.
    const r = await runScriptText(
      h.dir,
      h.session,
      h.state.accounts.dev!.profile,
      `try { Start-Process -FilePath 'powershell.exe' -ArgumentList @('-EncodedCommand', ('A' * 40000)) -Wait } catch { $_.Exception.InnerException.NativeErrorCode }`,
    );
    assert.equal(r.stdout.trim(), '206');
  });

  test('the WSL unit: netsh as an unelevated WSL user is refused and says so; elevated it enables forwarding', async () => {
    const h = new SimWindowsHost();
    h.addAdapter('vEthernet (WSL)');
    h.session = { account: 'dev', elevated: false };
    h.push();
    const r = await runScriptText(h.dir, h.session, h.state.accounts.dev!.profile, wslForwardingScript());
    // Refused: one line with netsh's words and the fix, and the exit status the unit does not restart on.
    assert.equal(r.code, NETSH_REFUSED_EXIT);
    assert.match(wslForwardingUnit('/mnt/c/ps.exe'), new RegExp(`^RestartPreventExitStatus=${r.code}$`, 'm'));
    const said = r.stdout.split('\n').filter((l) => /netsh refused/.test(l));
    assert.equal(said.length, 1, r.stdout);
    assert.match(said[0]!, /requires elevation.*switchyard install.*Not retried\./);
    h.session = { account: 'dev', elevated: true };
    const e = await runScriptText(h.dir, h.session, h.state.accounts.dev!.profile, wslForwardingScript());
    h.pull();
    assert.equal(e.code, 0, e.stdout + e.stderr);
    assert.equal(h.adapters[0]?.forwarding, true);
  });

  test('the elevated wrapper takes a script of any length (none of it travels on a command line)', () => {
    assert.doesNotThrow(() => elevatedScript(`# ${'x'.repeat(100_000)}`));
  });
});

describe(
  "the daemon's targeted keeper script in pwsh (what test/fakes/sim-windows-net.ts counts)",
  PWSH,
  () => {
    test('turns forwarding on for the switch and WSL adapters, and reports it; unelevated it reports the failure', async () => {
      const h = new SimWindowsHost();
      h.addAdapter('vEthernet (lab)', [{ address: ipv4('10.20.0.1'), prefix: 24, dynamic: false }], false);
      h.addAdapter('vEthernet (WSL (Hyper-V firewall))', [], false);
      h.addAdapter('Wi-Fi', [], false);
      const script = keeperScript({ forward: ['vEthernet (lab)'], wsl: true, uplink: true });
      h.session = { account: 'dev', elevated: false };
      const denied = await run(h, script);
      assert.ok(denied.ok, denied.ok ? '' : denied.failure.message);
      const d = parseKeeperResult(denied.ok ? denied.value : null);
      assert.ok(typeof d !== 'string', typeof d === 'string' ? d : '');
      assert.deepEqual(d.enabled, []);
      assert.deepEqual(d.failed.map((f) => f.alias).sort(), [
        'vEthernet (WSL (Hyper-V firewall))',
        'vEthernet (lab)',
      ]);
      assert.match(d.failed[0]?.message ?? '', /Access is denied/);
      h.session = { account: 'SYSTEM', elevated: true };
      const ok = await run(h, script);
      const r = parseKeeperResult(ok.ok ? ok.value : null);
      assert.ok(typeof r !== 'string', typeof r === 'string' ? r : '');
      assert.deepEqual(r.enabled.sort(), ['vEthernet (WSL (Hyper-V firewall))', 'vEthernet (lab)']);
      assert.deepEqual(
        h.adapters.map((a) => `${a.name} ${a.forwarding}`),
        ['vEthernet (lab) true', 'vEthernet (WSL (Hyper-V firewall)) true', 'Wi-Fi false'],
      );
    });
  },
);
