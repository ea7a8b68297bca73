/** The boot-time WSL re-pin on the simulated Windows host. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SimWindowsHost } from '../../test/windows-sim/host.js';
import { pwshMissing } from '../../test/windows-sim/runner.js';

/** Runs in real pwsh against the simulated Windows (skipped, with how to get pwsh, when it is missing). */
const PWSH = { skip: pwshMissing() };
import { parseConfig } from '../config/load.js';
import { memoryLogger } from '../log.js';
import { ORIGINALS_FILE } from '../model/originals.js';
import { repinWslRange } from './boot-pin.js';
import { wslDriftReporter } from './wsl-drift.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-bootpin-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const CONFIG = parseConfig('switches:\n  - name: lab\nwsl:\n  subnet: 10.21.0.0/20\n', 'c.yaml');

function host(): SimWindowsHost {
  const h = new SimWindowsHost();
  h.lxss = { natNetwork: '10.21.0.0/20', natGateway: '10.21.0.1' };
  h.userNatIp = '172.31.0.7';
  return h;
}

describe('repinWslRange (serve at boot, before WSL starts)', PWSH, () => {
  test('WSL fell back to another range: drift reported with the fix, the pin re-asserted, the old value saved', async () => {
    const h = host();
    h.wslFallsBack('172.31.0.0/20', '172.31.0.1');
    const stateDir = mkdtempSync(join(dir, 's-'));
    const log = memoryLogger('info');
    assert.deepEqual(await repinWslRange(CONFIG, stateDir, h, log), {
      outcome: 'repinned',
      pinned: '10.21.0.0/20',
    });
    assert.deepEqual(h.lxss, { natNetwork: '10.21.0.0/20', natGateway: '10.21.0.1' });
    const warn = log.lines.find((l) => l.level === 'warn');
    assert.match(warn?.msg ?? '', /WSL range drifted/);
    assert.equal(warn?.obj.observed, '172.31.0.0/20');
    assert.equal(warn?.obj.pinned, '10.21.0.0/20');
    assert.match(String(warn?.obj.fix), /wsl --shutdown/);
    assert.equal(h.userNatIp, '172.31.0.7', "SYSTEM's HKCU is not the user's: NatIpAddress is left alone");
    assert.deepEqual(h.log, ['setWslNat'], 'only the HKLM range, nothing else');
    const saved = JSON.parse(readFileSync(join(stateDir, ORIGINALS_FILE), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(saved.wslRange, { natNetwork: '172.31.0.0/20', natGateway: '172.31.0.1' });
  });

  test('as pinned: nothing written, no warning', async () => {
    const h = host();
    const log = memoryLogger('info');
    assert.equal((await repinWslRange(CONFIG, mkdtempSync(join(dir, 's-')), h, log)).outcome, 'as-pinned');
    assert.deepEqual(h.log, []);
    assert.equal(log.lines.filter((l) => l.level === 'warn').length, 0);
  });

  test('never set (WSL never started): pinned without a drift warning', async () => {
    const h = host();
    h.lxss = {};
    const log = memoryLogger('info');
    assert.equal((await repinWslRange(CONFIG, mkdtempSync(join(dir, 's-')), h, log)).outcome, 'repinned');
    assert.equal(log.lines.filter((l) => l.level === 'warn').length, 0);
  });

  test('no wsl: in the config → nothing; a failing host → logged, serving goes on', async () => {
    const h = host();
    const noWsl = parseConfig('switches:\n  - name: lab\n', 'c.yaml');
    assert.equal((await repinWslRange(noWsl, dir, h, memoryLogger())).outcome, 'no-wsl');
    h.wslFallsBack('172.31.0.0/20', '172.31.0.1');
    h.execute = () => Promise.resolve({ done: 0, error: new Error('Access is denied') });
    const log = memoryLogger();
    assert.equal((await repinWslRange(CONFIG, mkdtempSync(join(dir, 's-')), h, log)).outcome, 'failed');
    assert.match(JSON.stringify(log.lines.at(-1)), /Access is denied/);
  });
});

describe('WSL drift while serving (observations of the simulated host)', PWSH, () => {
  test('reported once per new range, with the fix; back to pinned is said once', async () => {
    const h = host();
    const log = memoryLogger('info');
    const report = wslDriftReporter('10.21.0.0/20', log);
    const backend = {
      read: async () => {
        report(await h.observe());
      },
    };
    await backend.read();
    assert.equal(log.lines.length, 0);
    h.wslFallsBack('172.31.0.0/20', '172.31.0.1');
    await backend.read();
    await backend.read();
    const warns = log.lines.filter((l) => l.level === 'warn');
    assert.equal(warns.length, 1);
    assert.match(warns[0]!.msg, /WSL range drifted/);
    assert.equal(warns[0]!.obj.observed, '172.31.0.0/20');
    assert.match(String(warns[0]!.obj.fix), /switchyard apply.*wsl --shutdown/);
    h.lxss = { natNetwork: '10.21.0.0/20', natGateway: '10.21.0.1' };
    await backend.read();
    await backend.read();
    assert.deepEqual(
      log.lines.map((l) => l.msg),
      [warns[0]!.msg, 'WSL range is back as pinned'],
    );
  });
});
