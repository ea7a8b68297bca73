import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EnvironmentError } from '../errors.js';
import type { HostProbe } from '../host/windows/powershell.js';
import { wslInstallCommand, wslPowershell, wslUnitCommand } from './wsl.js';

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

  test('unit outside WSL still prints, with the problem', () => {
    const r = wslUnitCommand(probe({}));
    assert.match(r.output, /Type=oneshot/);
    assert.equal(r.problems.length, 1);
  });

  test('install: writes as root inside WSL', () => {
    const writes = new Map<string, string>();
    const out = wslInstallCommand({ probe: probe(OK), uid: 0, writeFile: (p, t) => writes.set(p, t) });
    assert.ok(writes.get('/etc/systemd/system/switchyard-wsl-forwarding.service')?.includes('Type=oneshot'));
    assert.match(out, /systemctl enable --now switchyard-wsl-forwarding.service/);
  });

  test('install refuses: not root; no systemd; interop off', () => {
    const w = (): void => assert.fail('must not write');
    assert.throws(() => wslInstallCommand({ probe: probe(OK), uid: 1000, writeFile: w }), /needs root/);
    assert.throws(
      () => wslInstallCommand({ probe: probe({ ...OK, '/proc/1/comm': 'init' }), uid: 0, writeFile: w }),
      (e: unknown) => e instanceof EnvironmentError && /systemd is not PID 1/.test(e.message),
    );
    assert.throws(
      () =>
        wslInstallCommand({
          probe: probe({ ...OK, '/etc/wsl.conf': '[interop]\nenabled=false\n' }),
          uid: 0,
          writeFile: w,
        }),
      /interop is disabled/,
    );
  });
});
