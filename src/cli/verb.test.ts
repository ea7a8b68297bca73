import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { defaultStateDir } from '../daemon/state-dir.js';
import { ConfigError } from '../errors.js';
import { loadContext, loadOptionalContext, result } from './verb.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-verb-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('the verbs share one way to read --config and --state-dir', () => {
  test("--state-dir beats the config's stateDir, which beats the default; the flags stay as typed", async () => {
    const cfg = file('with-state.yaml', 'stateDir: /srv/sy\nswitches:\n  - name: lab\n');
    const fromConfig = await loadContext({ config: cfg });
    assert.equal(fromConfig.stateDir, '/srv/sy');
    assert.equal(fromConfig.config.switches[0]!.name, 'lab');
    assert.deepEqual(fromConfig.flags, { config: cfg, stateDir: undefined });
    const fromFlag = await loadContext({ config: cfg, stateDir: '/tmp/elsewhere' });
    assert.equal(fromFlag.stateDir, '/tmp/elsewhere');
    assert.deepEqual(fromFlag.flags, { config: cfg, stateDir: '/tmp/elsewhere' });
    const plain = await loadContext({ config: file('plain.yaml', 'switches:\n  - name: lab\n') });
    assert.equal(plain.stateDir, defaultStateDir());
  });

  test('a bad config is a ConfigError naming file:line:key (exit 2 in main.ts)', async () => {
    const cfg = file('bad.yaml', 'switches:\n  - name: lab\n    dhcp:\n      leasetime: 1h\n');
    await assert.rejects(loadContext({ config: cfg }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.match(e.message, /bad\.yaml:4:7: switches\[0\]\.dhcp\.leasetime: unknown key/);
      return true;
    });
  });

  test('read for another platform: a Windows script from a config made anywhere', async () => {
    // A switch name that cannot be a Linux interface name is a config error on Linux only.
    const cfg = file('win.yaml', 'switches:\n  - name: "switch with spaces"\n');
    const c = await loadContext({ config: cfg }, 'win32');
    assert.equal(c.config.switches[0]!.name, 'switch with spaces');
    await assert.rejects(loadContext({ config: cfg }, 'linux'), /win\.yaml:2:5: switches\[0\]\.name: /);
  });

  test('an optional --config: without one, only the state directory', async () => {
    assert.deepEqual(await loadOptionalContext({ stateDir: '/tmp/s' }), {
      config: undefined,
      stateDir: '/tmp/s',
      flags: { stateDir: '/tmp/s' },
    });
    const cfg = file('opt.yaml', 'stateDir: /srv/opt\nswitches:\n  - name: lab\n');
    assert.equal((await loadOptionalContext({ config: cfg })).stateDir, '/srv/opt');
  });

  test('a verb gives back its output and exit code', () => {
    assert.deepEqual(result('text\n'), { output: 'text\n', exitCode: 0 });
    assert.deepEqual(result('', 3), { output: '', exitCode: 3 });
  });
});
