/** The CLI contract: exit codes and error messages, through the real binary. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/switchyard.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sy-cli-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('switchyard CLI', () => {
  test('--version prints the package version, exit 0', async () => {
    const r = await run('--version');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  test('an unknown verb or flag is a usage error: exit 2', async () => {
    for (const args of [
      ['frobnicate'],
      ['serve', '--no-such-flag'],
      ['serve', '--dhcp-port', '70000'],
      ['serve', '--log-level', 'loud'],
    ]) {
      const r = await run(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /error:/);
    }
  });

  test('serve with a bad config: exit 2, the file:line:key problem, nothing started', async () => {
    const cfg = file('bad.yaml', 'switches:\n  - name: lab\n    dhcp:\n      leasetime: 1h\n');
    const state = join(dir, 'state-bad');
    const r = await run('serve', '--config', cfg, '--state-dir', state);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.yaml:4:7: switches\[0\]\.dhcp\.leasetime: unknown key/);
    assert.throws(
      () => {
        rmSync(state);
      },
      /ENOENT/,
      'no state directory was created',
    );
  });

  test('serve with a missing config file: exit 2', async () => {
    const r = await run('serve', '--config', join(dir, 'nope.yaml'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nope\.yaml: no such file/);
  });

  test('serve with the switch missing: exit 1, says to run apply first with the same --config and --state-dir', async () => {
    const cfg = file('missing-if.yaml', 'switches:\n  - name: sy-no-such-if0\n    subnet: 10.9.0.0/24\n');
    const state = join(dir, 'state-missing');
    const r = await run('serve', '--config', cfg, '--state-dir', state);
    assert.equal(r.code, 1);
    assert.ok(
      r.stderr.includes(
        `switch "sy-no-such-if0" (interface sy-no-such-if0) does not exist on this host (not built yet, or gone since a reboot): run \`switchyard apply --config ${cfg} --state-dir ${state}\` first`,
      ),
      r.stderr,
    );
    assert.equal(existsSync(state) ? readdirSync(state).length : 0, 0); // refused before the journal
  });

  test('apply with a switch name Linux cannot use: exit 2, file:line:key, nothing written (no stack trace)', async () => {
    const cfg = file('long-name.yaml', 'switches:\n  - name: a-switch-name-too-long\n');
    const state = join(dir, 'state-long-name');
    const r = await run('apply', '--yes', '--config', cfg, '--state-dir', state);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /long-name\.yaml:2:5: switches\[0\]\.name: "a-switch-name-too-long" is 22 bytes long/,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(existsSync(state), false);
  });

  test('leases with no journal: an empty table; --json an empty array', async () => {
    const state = join(dir, 'empty-state');
    assert.equal((await run('leases', '--state-dir', state)).stdout, 'no leases\n');
    assert.deepEqual(JSON.parse((await run('leases', '--state-dir', state, '--json')).stdout), []);
  });
});
