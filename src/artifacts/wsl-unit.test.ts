import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCommand } from '../host/windows/command-line.js';
import { type HostProbe } from '../host/windows/location.js';
import { commandNames, parsePowerShell } from '../../test/support/ps-parse.js';
import {
  interopDisabledInConf,
  wslForwardingScript,
  wslForwardingUnit,
  wslUnitProblems,
} from './wsl-unit.js';

const PS = '/mnt/c/Windows/System32/WindowsPowerShell/v1.0/powershell.exe';

function probe(files: Record<string, string>, env: Record<string, string> = {}): HostProbe {
  return { platform: 'linux', env, readFile: (p) => files[p] };
}

const WSL_OK = {
  '/proc/sys/fs/binfmt_misc/WSLInterop': 'enabled\ninterpreter /init\n',
  '/proc/1/comm': 'systemd\n',
};

describe('WSL forwarding unit', () => {
  test('the script parses and runs only our commands', async () => {
    const script = wslForwardingScript();
    assert.deepEqual((await parsePowerShell(script)).errors, []);
    assert.deepEqual([...new Set(await commandNames(script))].sort(), [
      'Get-NetIPInterface',
      'Write-Output',
      'netsh.exe',
    ]);
  });

  test('hostile adapter names stay data', async () => {
    const script = wslForwardingScript(["x'; Remove-Item C:\\ -Recurse #", 'y\u2019; Stop-Computer']);
    assert.deepEqual((await parsePowerShell(script)).errors, []);
    const names = new Set(await commandNames(script));
    assert.ok(!names.has('Remove-Item') && !names.has('Stop-Computer'));
  });

  test('oneshot, absolute powershell.exe, after systemd-binfmt, bounded retry, netsh not Set-NetIPInterface', () => {
    const unit = wslForwardingUnit(PS);
    assert.match(unit, /^Type=oneshot$/m);
    assert.match(unit, /^After=systemd-binfmt.service/m);
    assert.match(unit, /^Restart=on-failure$/m);
    assert.match(unit, /^StartLimitBurst=8$/m);
    const exec = /^ExecStart=(\S+) .*"-EncodedCommand" "([A-Za-z0-9+/=]+)"$/m.exec(unit);
    assert.ok(exec);
    assert.equal(exec[1], PS);
    assert.equal(decodeCommand(exec[2]!), wslForwardingScript());
    assert.doesNotMatch(wslForwardingScript(), /Set-NetIPInterface/);
    assert.throws(() => wslForwardingUnit('powershell.exe'));
  });
});

describe('wslUnitProblems', () => {
  test('none on WSL with systemd and interop', () => {
    assert.deepEqual(wslUnitProblems(probe(WSL_OK)), []);
  });

  test('not WSL', () => {
    assert.match(wslUnitProblems(probe({ '/proc/1/comm': 'systemd' }))[0] ?? '', /not a WSL distribution/);
  });

  test('systemd not PID 1', () => {
    const p = wslUnitProblems(probe({ ...WSL_OK, '/proc/1/comm': 'init\n' }));
    assert.equal(p.length, 1);
    assert.match(p[0]!, /systemd is not PID 1.*\[boot\]/s);
  });

  test('interop disabled (binfmt entry or wsl.conf)', () => {
    const a = wslUnitProblems(probe({ ...WSL_OK, '/proc/sys/fs/binfmt_misc/WSLInterop': 'disabled\n' }));
    assert.match(a.join('\n'), /interop is disabled/);
    const b = wslUnitProblems(probe({ ...WSL_OK, '/etc/wsl.conf': '[interop]\nenabled = false\n' }));
    assert.match(b.join('\n'), /interop is disabled/);
    assert.equal(interopDisabledInConf('[interop]\nenabled=true\n'), false);
  });
});
