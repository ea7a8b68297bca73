import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAutomountRoot, powershellPath, wslState, type HostProbe } from './location.js';
import { WIN_PS } from '../../../test/support/ps-runner.js';

function probe(over: Partial<HostProbe> & { files?: Record<string, string> } = {}): HostProbe {
  const files = over.files ?? {};
  return {
    platform: over.platform ?? 'linux',
    env: over.env ?? {},
    readFile: over.readFile ?? ((path) => files[path]),
  };
}

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
