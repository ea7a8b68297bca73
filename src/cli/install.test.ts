import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { EnvironmentError } from '../errors.js';
import { installCommand, installedScriptPath, uninstallCommand, type InstallEnv } from './install.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-install-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});
const config = join(dir, 'switchyard.yaml');
writeFileSync(config, 'switches:\n  - name: lab\n');

function env(platform: NodeJS.Platform, writes: Map<string, string>, mkdirs: string[] = []): InstallEnv {
  return {
    platform,
    nodePath: platform === 'win32' ? 'C:\\node\\node.exe' : '/usr/bin/node',
    scriptPath: platform === 'win32' ? 'C:\\sy\\bin\\switchyard.js' : '/opt/sy/bin/switchyard.js',
    unitDir: '/etc/systemd/system',
    writeFile: (p, t) => writes.set(p, t),
    mkdir: (p) => mkdirs.push(p),
  };
}

describe('installCommand', () => {
  test('Linux: writes the unit and says how to enable it', async () => {
    const writes = new Map<string, string>();
    const out = await installCommand({ config, stateDir: '/var/lib/switchyard' }, env('linux', writes));
    const unit = writes.get('/etc/systemd/system/switchyard.service');
    assert.ok(unit);
    assert.ok(unit.includes(`"--config" "${config}"`));
    assert.match(out, /systemctl enable --now switchyard/);
  });

  test('Linux: a state dir outside /var/lib is created first; --print writes nothing', async () => {
    const writes = new Map<string, string>();
    const mkdirs: string[] = [];
    await installCommand({ config, stateDir: '/srv/sy' }, env('linux', writes, mkdirs));
    assert.deepEqual(mkdirs, ['/srv/sy']);
    const none = new Map<string, string>();
    const printed = await installCommand({ config, print: true }, env('linux', none));
    assert.equal(none.size, 0);
    assert.match(printed, /^\[Service\]$/m);
  });

  test('Linux: permission denied becomes a clear EnvironmentError', async () => {
    const e = env('linux', new Map());
    e.writeFile = () => {
      throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
    };
    await assert.rejects(installCommand({ config, stateDir: '/var/lib/switchyard' }, e), EnvironmentError);
  });

  test('Windows: prints the task script', async () => {
    const out = await installCommand(
      { config, stateDir: 'C:\\ProgramData\\switchyard' },
      env('win32', new Map()),
    );
    assert.match(out, /Register-ScheduledTask/);
    assert.match(uninstallCommand('win32'), /Unregister-ScheduledTask/);
    assert.match(uninstallCommand('linux'), /systemctl disable --now switchyard/);
  });

  test('the installed script path is bin/switchyard.js', () => {
    assert.match(installedScriptPath(), /[/\\]bin[/\\]switchyard\.js$/);
  });
});
