/** doctor --report without PowerShell: redaction, section timing, the report's shape and exit codes. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { EnvironmentError } from '../errors.js';
import { decodeCommand } from '../host/windows/command-line.js';
import { JSON_END, JSON_START } from '../host/windows/markers.js';
import { observationScript } from '../host/windows/observation-script.js';
import { PS_PRELUDE } from '../host/windows/prelude.js';
import type { Runner } from '../host/windows/spawn-runner.js';
import {
  buildDoctorReport,
  doctorReportCommand,
  makeRedactor,
  sectionTimes,
  timedObservationScript,
  type ReportDeps,
} from './doctor-report.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-report-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('report redaction', () => {
  test('hostile and realistic names: whole names only, any case, regex characters taken literally', () => {
    const r = makeRedactor(
      { user: ['a.b+c(1)', '$(whoami)', 'Ann', 'Zoë'], host: ['LAPTOP-7QX'], profile: 'C:\\Users\\a.b+c(1)' },
      new Set(),
    );
    const out = r({
      path: 'C:\\Users\\a.b+c(1)\\.wslconfig',
      regex: 'aXb+c(1) stays; A.B+C(1) goes',
      sub: '$(whoami) and $(WHOAMI)',
      word: 'Annotation, Planned, ann\\x, ANN',
      unicode: 'ZOË.vhdx',
      host: 'LAPTOP-7QX.corp.example, laptop-7qx',
      nested: [{ k: 'Ann' }],
    });
    assert.deepEqual(out, {
      path: '%USERPROFILE%\\.wslconfig',
      regex: 'aXb+c(1) stays; <user> goes',
      sub: '<user> and <user>',
      word: 'Annotation, Planned, <user>\\x, <user>',
      unicode: '<user>.vhdx',
      host: '<host>.corp.example, <host>',
      nested: [{ k: '<user>' }],
    });
    assert.deepEqual([...r.stats.names].sort(), ['computer name', 'profile path', 'user name']);
  });

  test('MACs in any notation become documentation MACs, one per MAC; kept MACs, GUIDs and dates stay', () => {
    const r = makeRedactor({ user: [], host: [], profile: '' }, new Set(['00:15:5d:00:00:14']));
    const out = r([
      '00-15-5D-AA-BB-CC',
      '00:15:5d:aa:bb:cc',
      '00155DAABBCC',
      '00-15-5D-00-00-14',
      '00-15-5D-11-22-33',
      '{00000000-0000-4000-8000-000000000001}',
      '/Date(1574202819000)/',
    ]);
    assert.deepEqual(out, [
      '00-00-5E-00-53-01',
      '00:00:5e:00:53:01',
      '00005E005301',
      '00-15-5D-00-00-14',
      '00-00-5E-00-53-02',
      '{00000000-0000-4000-8000-000000000001}',
      '/Date(1574202819000)/',
    ]);
    assert.equal(r.stats.macs.size, 2);
  });
});

describe('section timing', () => {
  test('a time line before every Get-Section of the observation script, and at the result', () => {
    const plain = observationScript();
    const t = timedObservationScript(plain);
    const calls = plain.match(/^\s*Get-Section '/gm)!.length;
    assert.ok(calls >= 13);
    assert.equal(t.sections, calls);
    assert.ok(t.script.startsWith(`${PS_PRELUDE}try {\n`));
    assert.equal(t.script.match(/Set-SectionTime '[A-Za-z]+'\n\s*Get-Section '/g)!.length, calls);
    // Everything the plain script does is still there, in the same order.
    assert.equal(t.script.replace(/^.*(Set-SectionTime|\$syWatch|\$syOutMarked).*\n/gm, ''), plain);
    assert.deepEqual(timedObservationScript('Write-Output 1'), { script: 'Write-Output 1', sections: 0 });
  });

  test('times per section from the lines; null without the closing line', () => {
    const lines = [
      'SWITCHYARD-SECTION-TIME start 0',
      'x',
      'SWITCHYARD-SECTION-TIME switches 4',
      'SWITCHYARD-SECTION-TIME end 10',
    ];
    assert.deepEqual(sectionTimes(lines.join('\r\n')), { start: 4, switches: 6 });
    assert.equal(sectionTimes(lines.slice(0, 3).join('\n')), null);
  });
});

const INFO = {
  currentBuild: '26100',
  ubr: '2605',
  displayVersion: '24H2',
  productName: 'Windows 10 Enterprise',
  editionId: 'Enterprise',
  osVersion: '10.0.26100.0',
  uiCulture: 'de-DE',
  culture: 'de-CH',
  psVersion: '5.1.26100.2161',
  psEdition: 'Desktop',
  languageMode: 'FullLanguage',
  elevated: false,
  hypervAdmin: false,
  administratorsMember: true,
  userInteractive: true,
  userName: 'jdoe',
  userDomain: 'CORP',
  identity: 'CORP\\jdoe',
  computerName: 'LT-JDOE-01',
  machineName: 'LT-JDOE-01',
  userProfile: 'C:\\Users\\jdoe.CORP',
};

const OBSERVATION = {
  schema: 1,
  psVersion: '5.1.26100.2161',
  psEdition: 'Desktop',
  elevated: false,
  hypervAdmin: false,
  switches: null,
  adapters: [{ Name: 'vEthernet (WSL)', InterfaceIndex: 40, Status: 'Up', MacAddress: '00-15-5D-9A-01-02' }],
  addresses: [],
  interfaces: [],
  nats: [],
  routes: [],
  firewallRules: [],
  hypervFirewall: [],
  nrptRules: [],
  nrptPolicy: [{ groupPolicy: true }],
  vmAdapters: null,
  bootTask: null,
  wsl: [{ wslconfigPath: 'C:\\Users\\jdoe.CORP\\.wslconfig', wslconfig: null }],
  notes: [
    {
      section: 'switches',
      message:
        "You do not have the required permission to complete this task. Contact the administrator of the authorization policy for the computer 'LT-JDOE-01'.",
      errorId: 'Microsoft.HyperV.PowerShell.Commands.GetVMSwitch',
    },
  ],
};

function marked(value: unknown): string {
  return `${JSON_START}\r\n${JSON.stringify(value)}\r\n${JSON_END}\r\n`;
}

/** powershell.exe as the report sees it: the info script, the timed and the plain observation. */
function fakeRunner(observationFails = false): { runner: Runner; scripts: string[] } {
  const scripts: string[] = [];
  const runner: Runner = (_file, args) => {
    const script = decodeCommand(args[args.length - 1]!);
    scripts.push(script);
    if (script.includes('whoami.exe')) return Promise.resolve({ code: 0, stdout: marked(INFO), stderr: '' });
    if (observationFails)
      return Promise.resolve({ code: 1, stdout: '', stderr: 'Access is denied for LT-JDOE-01\\jdoe' });
    const times = script.includes('Set-SectionTime')
      ? 'SWITCHYARD-SECTION-TIME start 0\r\nSWITCHYARD-SECTION-TIME switches 3\r\nSWITCHYARD-SECTION-TIME end 900\r\n'
      : '';
    return Promise.resolve({ code: 0, stdout: times + marked(OBSERVATION), stderr: '' });
  };
  return { runner, scripts };
}

function deps(runner: Runner): ReportDeps {
  let t = 0;
  return {
    version: '1.2.3',
    runner,
    location: { ok: true, path: 'powershell.exe', via: 'windows' },
    now: () => new Date('2026-12-06T12:00:00Z'),
    clock: () => (t += 250),
  };
}

describe('the report', () => {
  test('shape: version, build, PowerShell, token, raw observation with its notes, times; names redacted', async () => {
    const { runner, scripts } = fakeRunner();
    const r = await buildDoctorReport(deps(runner));
    assert.equal(scripts.length, 3);
    assert.ok(!scripts.some((s) => /Start-Process|RunAs/.test(s)), 'never elevates');
    assert.equal(r.source, 'switchyard doctor --report, on Windows');
    assert.deepEqual(r.switchyard, { version: '1.2.3' });
    assert.equal(r.createdAt, '2026-12-06T12:00:00.000Z');
    assert.deepEqual(r.windows, {
      build: '26100.2605',
      displayVersion: '24H2',
      productName: 'Windows 10 Enterprise',
      editionId: 'Enterprise',
      osVersion: '10.0.26100.0',
      uiCulture: 'de-DE',
      culture: 'de-CH',
    });
    assert.deepEqual(r.powershell, {
      edition: 'Desktop',
      version: '5.1.26100.2161',
      languageMode: 'FullLanguage',
    });
    assert.deepEqual(r.identity, {
      elevated: false,
      hypervAdmin: false,
      administratorsMember: true,
      userInteractive: true,
    });
    assert.deepEqual(r.timing, {
      firstRunMs: 250,
      secondRunMs: 250,
      sectionsMs: { start: 3, switches: 897 },
      sectionsNote: null,
    });
    assert.equal(r.observation.parseError, null);
    assert.equal(r.observation.notes?.[0]?.section, 'switches');
    assert.match(r.observation.notes?.[0]?.message ?? '', /for the computer '<host>'/);
    const text = JSON.stringify(r);
    for (const secret of ['jdoe', 'LT-JDOE-01', 'CORP\\\\', '00-15-5D-9A-01-02'])
      assert.ok(!text.includes(secret), secret);
    assert.match(text, /%USERPROFILE%\\\\.wslconfig/);
    assert.deepEqual(r.redaction, { names: ['computer name', 'profile path'], macs: 1 });
  });

  test('exit 0 and the file; a failed observation: exit 1, the file still written with the error', async () => {
    const ok = join(dir, 'ok.json');
    const a = await doctorReportCommand(ok, deps(fakeRunner().runner));
    assert.equal(a.exitCode, 0);
    assert.match(a.output, /^wrote .*ok\.json/);
    assert.equal((JSON.parse(readFileSync(ok, 'utf8')) as { reportSchema: number }).reportSchema, 1);

    const bad = join(dir, 'bad.json');
    const b = await doctorReportCommand(bad, deps(fakeRunner(true).runner));
    assert.equal(b.exitCode, 1);
    assert.match(b.output, /the observation failed: Access is denied/);
    const doc = JSON.parse(readFileSync(bad, 'utf8')) as {
      observation: { raw: unknown };
      errors: { step: string; message: string }[];
    };
    assert.equal(doc.observation.raw, null);
    assert.deepEqual(
      doc.errors.map((e) => e.step),
      ['observation', 'observation (timed)'],
    );
    assert.equal(doc.errors[0]!.message, 'Access is denied for <host>\\<user>');
  });

  test('a file that cannot be written is an environment error', async () => {
    await assert.rejects(
      doctorReportCommand(join(dir, 'no', 'such', 'dir', 'r.json'), deps(fakeRunner().runner)),
      (e: unknown) => e instanceof EnvironmentError && /cannot write the report/.test(e.message),
    );
  });
});
