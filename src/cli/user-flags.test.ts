import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixedClock } from '../clock.js';
import { wslDriftReporter } from '../daemon/wsl-drift.js';
import { memoryLogger } from '../log.js';
import { emptyHost, type ObservedHost } from '../model/observed.js';
import { reserveCommand } from './reserve.js';
import { spawnSync } from 'node:child_process';
import { pwshParse } from '../../test/support/pwsh.js';
import { pwshMissing } from '../../test/windows-sim/runner.js';
import { userCommand, withUserFlags } from './user-flags.js';

const F = { config: '/srv/lab/my config.yaml', stateDir: '/srv/lab/state' };

test('userCommand: the verb with the user own --config and --state-dir, quoted where needed', () => {
  assert.equal(
    userCommand('apply', F),
    "switchyard apply --config '/srv/lab/my config.yaml' --state-dir /srv/lab/state",
  );
  assert.equal(userCommand('apply', {}), 'switchyard apply');
});

test('withUserFlags: every suggested switchyard command pastes as is; others and flagged ones untouched', () => {
  assert.equal(
    withUserFlags('switchyard apply (by hand: sysctl -w x=1); then `switchyard serve`', F),
    "switchyard apply --config '/srv/lab/my config.yaml' --state-dir /srv/lab/state (by hand: sysctl -w x=1); then `switchyard serve --config '/srv/lab/my config.yaml' --state-dir /srv/lab/state`",
  );
  assert.equal(withUserFlags('switchyard uninstall', F), 'switchyard uninstall --state-dir /srv/lab/state');
  assert.equal(withUserFlags('switchyard apply --config a.yaml', F), 'switchyard apply --config a.yaml');
  assert.equal(withUserFlags('Remove-NetNat -Name switchyard-lab', F), 'Remove-NetNat -Name switchyard-lab');
});

test('reserve with no daemon running: the next step is serve with the same --config and --state-dir', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-flags-'));
  try {
    const config = join(dir, 'lab.yaml');
    writeFileSync(config, 'switches:\n  - name: lab\n    subnet: 10.5.0.0/24\n');
    const stateDir = join(dir, 'state');
    const text = await reserveCommand('web2', { config, stateDir, ip: '10.5.0.20' }, fixedClock(0));
    assert.ok(
      text.includes(
        `it takes effect when \`switchyard serve --config ${config} --state-dir ${stateDir}\` starts`,
      ),
      text,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the daemon's WSL drift fix carries the user's flags (serve passes them as nextStep)", () => {
  const log = memoryLogger('warn');
  const report = wslDriftReporter('10.21.0.0/20', log, (t) => withUserFlags(t, F));
  report({ ...emptyHost('windows'), wsl: { natNetwork: '172.29.64.0/20' } as ObservedHost['wsl'] });
  assert.match(
    String(log.lines[0]?.obj.fix),
    /^run `switchyard apply --config '\/srv\/lab\/my config\.yaml' --state-dir \/srv\/lab\/state` \(re-pins it\)/,
  );
});

test(
  'flags with every quote character, $(…) and ; paste intact: PowerShell on Windows, sh elsewhere',
  { skip: pwshMissing() },
  () => {
    const hostile = {
      config: "C:\\Users\\o'brien‘s ’lab‚ ‛x $(Remove-Item C:\\); exit 9 #\\a,b@c.yaml",
      stateDir: "/srv/it's $(id); `x` \\ y",
    };
    const want = ['apply', '--config', hostile.config, '--state-dir', hostile.stateDir];
    const [win] = pwshParse([withUserFlags('fix: switchyard apply', hostile, 'win32').slice('fix: '.length)]);
    assert.deepEqual(win, { errors: 0, statements: 1, comments: [], words: ['switchyard', ...want] });
    const posix = userCommand('apply', hostile, 'linux').slice('switchyard '.length);
    const sh = spawnSync('sh', ['-c', `set -- ${posix}; printf '%s\\0' "$@"`], { encoding: 'utf8' });
    assert.equal(sh.status, 0, sh.stderr);
    assert.deepEqual(sh.stdout.split('\0').slice(0, -1), want);
  },
);
