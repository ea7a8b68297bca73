/**
 * `switchyard doctor --report FILE` through the real binary: the flag's wiring and exit codes. PowerShell is
 * a stand-in named by SWITCHYARD_POWERSHELL (a shell script that prints what the Windows scripts print),
 * so this runs on any Linux; the report itself runs in pwsh in test/windows-sim/doctor-report.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { JSON_END, JSON_START } from '../host/windows/markers.js';

const BIN = fileURLToPath(new URL('../../../bin/switchyard.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sy-report-cli-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const SAMPLE = fileURLToPath(
  new URL('../../../test/fixtures/windows/recorded/simulated-win11-hyperv-admin.json', import.meta.url),
);

function marked(value: unknown): string {
  return `${JSON_START}\n${JSON.stringify(value)}\n${JSON_END}\n`;
}

/** A powershell.exe stand-in: decodes -EncodedCommand (UTF-16LE base64) and answers by which script it is. */
function fakePowerShell(): string {
  const raw = (JSON.parse(readFileSync(SAMPLE, 'utf8')) as { observation: { raw: unknown } }).observation.raw;
  writeFileSync(join(dir, 'obs.out'), marked(raw));
  writeFileSync(
    join(dir, 'info.out'),
    marked({
      currentBuild: '22631',
      ubr: '4602',
      psVersion: '5.1.22621.4391',
      psEdition: 'Desktop',
      languageMode: 'FullLanguage',
      elevated: false,
      hypervAdmin: true,
      userName: 'jdoe',
      userProfile: 'C:\\Users\\jdoe',
    }),
  );
  const ps = join(dir, 'powershell.sh');
  writeFileSync(
    ps,
    `#!/bin/sh
for a; do last=$a; done
if [ "$FAKE_PS_FAIL" = 1 ]; then echo 'Access is denied.' >&2; exit 1; fi
case "$(printf %s "$last" | base64 -d | tr -d '\\000')" in
  *whoami.exe*) cat '${join(dir, 'info.out')}' ;;
  *) cat '${join(dir, 'obs.out')}' ;;
esac
`,
  );
  chmodSync(ps, 0o755);
  return ps;
}

function run(
  env: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { timeout: 20_000, cwd: dir, env: { PATH: process.env.PATH, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

describe('switchyard doctor --report', () => {
  const ps = fakePowerShell();

  test('writes the report and exits 0; needs no config', async () => {
    const file = join(dir, 'report.json');
    const r = await run({ SWITCHYARD_POWERSHELL: ps }, 'doctor', '--report', file);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^wrote .*report\.json/);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
      windows: { build: string };
      switchyard: { version: string };
    };
    assert.equal(doc.windows.build, '22631.4602');
    assert.match(doc.switchyard.version, /^\d+\.\d+\.\d+/);
  });

  test('the observation fails: exit 1, and the file says why', async () => {
    const file = join(dir, 'failed.json');
    const r = await run({ SWITCHYARD_POWERSHELL: ps, FAKE_PS_FAIL: '1' }, 'doctor', '--report', file);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /the observation failed: Access is denied/);
    assert.ok(existsSync(file));
  });

  test('no Windows to reach (Linux, not WSL): exit 1, nothing written', async (t) => {
    if (/microsoft|wsl/i.test(readFileSync('/proc/sys/kernel/osrelease', 'utf8'))) {
      t.skip('inside WSL');
      return;
    }
    const file = join(dir, 'none.json');
    const r = await run({}, 'doctor', '--report', file);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no Windows host to reach/);
    assert.ok(!existsSync(file));
  });

  test('a config named with -c that cannot be read: exit 2; --report without a file: exit 2', async () => {
    const a = await run(
      { SWITCHYARD_POWERSHELL: ps },
      'doctor',
      '-c',
      join(dir, 'missing.yaml'),
      '--report',
      join(dir, 'x.json'),
    );
    assert.equal(a.code, 2);
    assert.match(a.stderr, /missing\.yaml/);
    assert.ok(!existsSync(join(dir, 'x.json')));
    const b = await run({ SWITCHYARD_POWERSHELL: ps }, 'doctor', '--report');
    assert.equal(b.code, 2);
    assert.match(b.stderr, /argument missing/);
  });
});
