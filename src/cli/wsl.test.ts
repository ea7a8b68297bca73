import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EnvironmentError } from '../errors.js';
import type { HostProbe } from '../host/windows/location.js';
import { wslInstallCommand, wslPowershell, wslUnitCommand, type CommandRunner } from './wsl.js';

function probe(files: Record<string, string>): HostProbe {
  return { platform: 'linux', env: {}, readFile: (p) => files[p] };
}
const OK = { '/proc/sys/fs/binfmt_misc/WSLInterop': 'enabled\n', '/proc/1/comm': 'systemd\n' };

describe('switchyard wsl', () => {
  test('unit: powershell.exe under the automount root', () => {
    const r = wslUnitCommand(probe({ ...OK, '/etc/wsl.conf': '[automount]\nroot=/win\n' }));
    assert.match(
      r.output,
      /^ExecStart=\/win\/c\/Windows\/System32\/WindowsPowerShell\/v1.0\/powershell.exe /m,
    );
    assert.deepEqual(r.problems, []);
    assert.equal(wslPowershell(probe({})), '/mnt/c/Windows/System32/WindowsPowerShell/v1.0/powershell.exe');
  });

  test('the header says "printed by" when printed, "written by" when installed', () => {
    const printed = wslUnitCommand(probe(OK)).output;
    assert.match(printed, /^# Printed by switchyard wsl unit\.$/m);
    assert.doesNotMatch(printed, /Written by/);
    const writes = new Map<string, string>();
    wslInstallCommand({
      probe: probe(OK),
      uid: 0,
      writeFile: (p, t) => writes.set(p, t),
      run: () => ({ status: 0, stderr: '' }),
    });
    assert.match([...writes.values()][0]!, /^# Written by switchyard wsl install\.$/m);
  });

  test('unit outside WSL still prints, with the problem', () => {
    const r = wslUnitCommand(probe({}));
    assert.match(r.output, /Type=oneshot/);
    assert.equal(r.problems.length, 1);
  });

  const UNIT = 'switchyard-wsl-forwarding.service';
  const fakeRunner = (fail?: string): { calls: string[]; run: CommandRunner } => {
    const calls: string[] = [];
    return {
      calls,
      run: (argv) => {
        calls.push(argv.join(' '));
        return argv.join(' ') === fail ? { status: 1, stderr: 'Access denied\n' } : { status: 0, stderr: '' };
      },
    };
  };

  test('install: writes as root inside WSL, then daemon-reload, enable, start (no-block)', () => {
    const writes = new Map<string, string>();
    const r = fakeRunner();
    const out = wslInstallCommand({
      probe: probe(OK),
      uid: 0,
      writeFile: (p, t) => writes.set(p, t),
      run: r.run,
    });
    assert.ok(writes.get(`/etc/systemd/system/${UNIT}`)?.includes('Type=oneshot'));
    assert.deepEqual(r.calls, [
      'systemctl daemon-reload',
      `systemctl enable ${UNIT}`,
      `systemctl start --no-block ${UNIT}`,
    ]);
    assert.match(out, /wrote and enabled/);
  });

  test('install: a failing systemctl is reported with its command and stderr', () => {
    const r = fakeRunner(`systemctl enable ${UNIT}`);
    assert.throws(
      () => wslInstallCommand({ probe: probe(OK), uid: 0, writeFile: () => undefined, run: r.run }),
      (e: unknown) =>
        e instanceof EnvironmentError &&
        e.message.includes(`\`systemctl enable ${UNIT}\` failed (exit 1): Access denied`),
    );
    assert.equal(r.calls.length, 2, 'stops at the failure');
  });

  test('install without systemd as PID 1: writes the unit, runs nothing, prints the exact steps', () => {
    const writes = new Map<string, string>();
    const r = fakeRunner();
    const out = wslInstallCommand({
      probe: probe({ ...OK, '/proc/1/comm': 'init' }),
      uid: 0,
      writeFile: (p, t) => writes.set(p, t),
      run: r.run,
    });
    assert.equal(writes.size, 1);
    assert.deepEqual(r.calls, []);
    assert.match(out, /systemd is not PID 1 .*\[boot\]\\nsystemd=true.*wsl\.exe --shutdown/);
    assert.match(out, new RegExp(`sudo systemctl enable --now ${UNIT}`));
  });

  test('install refuses: not root; interop off', () => {
    const w = (): void => assert.fail('must not write');
    const run = fakeRunner().run;
    assert.throws(() => wslInstallCommand({ probe: probe(OK), uid: 1000, writeFile: w, run }), /needs root/);
    assert.throws(
      () =>
        wslInstallCommand({
          probe: probe({ ...OK, '/etc/wsl.conf': '[interop]\nenabled=false\n' }),
          uid: 0,
          writeFile: w,
          run,
        }),
      /interop is disabled/,
    );
  });
});
