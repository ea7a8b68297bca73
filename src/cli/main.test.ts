/** The CLI contract: exit codes and error messages, through the real binary. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
  return runWith({}, ...args);
}

function runWith(
  opts: { cwd?: string; uid?: number; gid?: number; env?: NodeJS.ProcessEnv },
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 20_000, ...opts }, (err, stdout, stderr) => {
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
  test('--version, -v, -V and `version` print the package version, exit 0', async () => {
    for (const args of [['--version'], ['-v'], ['-V'], ['version']]) {
      const r = await run(...args);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
    }
  });

  test('a usage error is one line and where to read more, not the whole help', async () => {
    const r = await run('plan', '--no-such-flag');
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      "switchyard: error: unknown option '--no-such-flag'\nsee `switchyard plan --help`\n",
    );
    const w = await run('wsl', 'unit', '--bogus');
    assert.match(w.stderr, /see `switchyard wsl unit --help`\n$/);
    assert.equal(w.stderr.split('\n').length, 3);
  });

  test("serve's test-only ports are accepted but not shown in --help", async () => {
    const r = await run('serve', '--help');
    assert.equal(r.code, 0);
    assert.doesNotMatch(r.stdout, /--dhcp-port|--dhcp-client-port|--dns-port/);
    assert.match(r.stdout, /--log-file/);
  });

  test('--no-color is accepted before or after the verb', async () => {
    assert.equal((await run('--no-color', 'version')).code, 0);
    assert.equal((await run('version', '--no-color')).code, 0);
  });

  test('under --json an error is one JSON object on stderr, stdout empty', async () => {
    const cfg = file('json-bad.yaml', 'switches:\n  - name: lab\n    dhcp:\n      leasetime: 1h\n');
    const r = await run('plan', '--json', '--config', cfg);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    const e = JSON.parse(r.stderr) as {
      error: { kind: string; issues: { line: number; key: string; message: string }[] };
    };
    assert.equal(e.error.kind, 'config');
    assert.deepEqual(
      e.error.issues.map((i) => [i.line, i.key]),
      [[4, 'switches[0].dhcp.leasetime']],
    );
    const u = await run('leases', '--json', '--bogus');
    assert.equal(u.code, 2);
    assert.equal((JSON.parse(u.stderr) as { error: { kind: string } }).error.kind, 'usage');
  });

  test('--detailed-exitcode: an error is 1, whatever its kind', async () => {
    const cfg = file('detailed-bad.yaml', 'switchs: []\n');
    const r = await run('plan', '--detailed-exitcode', '--config', cfg);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /switchs: unknown key: did you mean "switches"\?/);
  });

  test('no switchyard.yaml here, or --config naming a folder: what to do', async () => {
    const empty = join(dir, 'empty-cwd');
    mkdirSync(empty);
    const r = await runWith({ cwd: empty }, 'plan');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /switchyard\.yaml: no such file: write one .*or name yours with --config FILE/);
    const d = await run('status', '--config', empty);
    assert.equal(d.code, 2);
    assert.match(d.stderr, /is a folder, not a config file/);
  });

  test('plan and status without root on Linux: "needs root: sudo switchyard …"', async (t) => {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) {
      t.skip('needs root to run the CLI as another user');
      return;
    }
    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(dir, 0o755);
    chmodSync(open, 0o755);
    const cfg = join(open, 'root.yaml');
    writeFileSync(cfg, 'switches:\n  - name: sy-root0\n    subnet: 10.9.0.0/24\n', { mode: 0o644 });
    for (const verb of ['plan', 'status']) {
      const r = await runWith({ uid: 65534, gid: 65534, cwd: open }, verb, '--config', cfg);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr, `switchyard: needs root: sudo switchyard ${verb} --config ${cfg}\n`);
    }
  });

  test('serve --log-file says once on stderr where the log goes', async () => {
    const cfg = file('logfile.yaml', 'switches:\n  - name: sy-no-such-if1\n    subnet: 10.9.1.0/24\n');
    const log = join(dir, 'logs', 'serve.log');
    const r = await run('serve', '--config', cfg, '--state-dir', join(dir, 'state-log'), '--log-file', log);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split(`switchyard: logging to ${log}\n`).length, 2, r.stderr);
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

  test('serve with a badly typed dhcp.options value: exit 2, file:line:key, nothing started', async () => {
    const cfg = file(
      'bad-option.yaml',
      'switches:\n  - name: lab\n    dhcp:\n      options:\n        - { option: ntp-servers, value: ntp.example }\n',
    );
    const state = join(dir, 'state-bad-option');
    const r = await run('serve', '--config', cfg, '--state-dir', state);
    assert.equal(r.code, 2);
    assert.match(
      r.stderr,
      /bad-option\.yaml:5:34: switches\[0\]\.dhcp\.options\[0\]\.value: option 42 \(ntp-servers\): expected a list of IPv4 addresses/,
    );
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

  test('every verb that reads --config: a bad one is exit 2 with file:line:key, nothing printed on stdout', async () => {
    const cfg = file('bad-verbs.yaml', 'switches:\n  - name: lab\n    dhcp:\n      leasetime: 1h\n');
    const state = join(dir, 'state-bad-verbs');
    for (const args of [
      ['plan'],
      ['apply', '--yes'],
      ['status'],
      ['doctor'],
      ['leases'],
      ['reserve', 'web'],
      ['unreserve', 'web'],
      ['vagrant', 'web'],
    ]) {
      const r = await run(...args, '--config', cfg, '--state-dir', state);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /bad-verbs\.yaml:4:7: switches\[0\]\.dhcp\.leasetime: unknown key/,
        args.join(' '),
      );
      assert.equal(r.stdout, '', args.join(' '));
    }
    const script = await run('script', '--target', 'windows', '--config', cfg);
    assert.equal(script.code, 2, script.stderr);
    assert.match(script.stderr, /bad-verbs\.yaml:4:7: switches\[0\]\.dhcp\.leasetime: unknown key/);
    assert.equal(existsSync(state), false, 'no state directory was created');
  });

  test('leases with no journal: an empty table; --json an empty array', async () => {
    const state = join(dir, 'empty-state');
    const text = (await run('leases', '--state-dir', state)).stdout;
    assert.match(
      text,
      /^no leases \(no daemon answers on .*; the journal .*leases\.jsonl does not exist; another state directory\? --state-dir DIR\)\n$/,
    );
    assert.deepEqual(JSON.parse((await run('leases', '--state-dir', state, '--json')).stdout), []);
  });
});
