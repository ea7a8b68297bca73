/**
 * Issue 18 point 4, the boot task: NORMAL priority, "unknown" (never "absent") to a non-elevated look, and
 * `install --print --target windows` on any OS. Run in real pwsh against the simulated Windows.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SimWindowsHost } from '../../test/windows-sim/host.js';
import { pwshMissing, runScriptText } from '../../test/windows-sim/runner.js';
import { UsageError } from '../errors.js';
import { nothingOurs } from '../model/desired.js';
import { noOriginals } from '../model/originals.js';
import { makePlan } from '../reconcile/plan.js';
import { installCommand, uninstallCommand, WINDOWS_PROGRAM, type InstallEnv } from './install.js';

const PWSH = { skip: pwshMissing() };
const dir = mkdtempSync(join(tmpdir(), 'sy-boot-task-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function env(platform: NodeJS.Platform, h?: SimWindowsHost): InstallEnv & { text: () => string } {
  const out: string[] = [];
  return {
    platform,
    program: { execPath: 'C:\\Program Files\\switchyard\\switchyard.exe', scriptPath: undefined },
    unitDir: '/etc/systemd/system',
    writeFile: () => undefined,
    mkdir: () => undefined,
    host: () => {
      if (!h) throw new Error('no host in this test');
      return h;
    },
    out: { write: (t) => out.push(t), interactive: false },
    text: () => out.join(''),
  };
}

async function install(h: SimWindowsHost): Promise<string> {
  const stateDir = mkdtempSync(join(dir, 'state-'));
  const cfg = join(stateDir, 'switchyard.yaml');
  writeFileSync(cfg, 'switches:\n  - name: lab\n    subnet: 10.0.251.0/24\n');
  const e = env('win32', h);
  assert.equal(await installCommand({ config: cfg, stateDir, yes: true }, e), 0, e.text());
  return stateDir;
}

interface StoredTask {
  TaskPath: string;
  TaskName: string;
  Settings: { Priority: number };
}

describe('the boot task on the simulated Windows', PWSH, () => {
  test('install registers it at NORMAL priority (5), not the default 7 (below normal)', async () => {
    const h = new SimWindowsHost();
    h.adapterDelay = 0;
    await install(h);
    const s = JSON.parse(readFileSync(join(h.dir, 'state.json'), 'utf8')) as { tasks: StoredTask[] };
    const ours = s.tasks.find((t) => t.TaskPath === '\\switchyard\\' && t.TaskName === 'switchyard');
    assert.equal(ours?.Settings.Priority, 5);
  });

  test('a non-elevated observation that sees no task: uninstall plans a blocked change, not nothing', async () => {
    const h = new SimWindowsHost();
    h.adapterDelay = 0;
    const stateDir = await install(h);
    assert.ok(h.bootTask);
    h.session = { account: 'dev', elevated: false };
    const seen = await h.observe();
    assert.equal(seen.elevated, false);
    assert.equal(seen.bootTask, undefined, 'the simulation hides a SYSTEM task from a non-elevated session');
    const task = makePlan(nothingOurs(noOriginals()), seen).changes.filter((c) => c.resource === 'boot-task');
    assert.deepEqual(
      task.map((c) => c.action),
      ['!'],
    );
    assert.match(task[0]!.detail, /run elevated \(Run as administrator\) to see\/remove the boot task/);
    // uninstall says why the task may stay; it never claims there is nothing to remove.
    const e = env('win32', h);
    await uninstallCommand({ stateDir, yes: true }, e).catch(() => 1);
    assert.match(e.text(), /boot-task \\switchyard\\switchyard: unknown: .*run elevated/);
    assert.ok(h.bootTask, 'the task is still there: nothing claimed it was removed');
    // Elevated, the same uninstall sees it and removes it.
    h.session = { account: 'dev', elevated: true };
    const elevated = makePlan(nothingOurs(noOriginals()), await h.observe()).changes;
    assert.deepEqual(
      elevated.filter((c) => c.resource === 'boot-task').map((c) => c.action),
      ['-'],
    );
  });

  test('install copies node.exe + the package and the config into admin-only folders; the task runs those', async () => {
    const h = new SimWindowsHost();
    h.adapterDelay = 0;
    const stateDir = mkdtempSync(join(dir, 'state-'));
    const cfg = join(stateDir, 'switchyard.yaml');
    writeFileSync(cfg, 'switches:\n  - name: lab\n    subnet: 10.0.251.0/24\n');
    const program = {
      execPath: 'C:\\Users\\dev\\node\\node.exe',
      scriptPath: 'C:\\Users\\dev\\AppData\\Roaming\\npm\\node_modules\\switchyard\\bin\\switchyard.js',
    };
    const onC = (p: string): string => join(h.dir, 'C', ...p.slice(3).split('\\'));
    for (const p of [program.execPath, program.scriptPath]) {
      mkdirSync(dirname(onC(p)), { recursive: true });
      writeFileSync(onC(p), `stand-in for ${p}\n`);
    }
    const e = { ...env('win32', h), program };
    assert.equal(await installCommand({ config: cfg, stateDir, yes: true }, e), 0, e.text());
    assert.equal(h.bootTask?.execute, 'C:\\Program Files\\switchyard\\node.exe');
    assert.ok(
      h.bootTask.arguments.includes('"C:\\Program Files\\switchyard\\package\\bin\\switchyard.js"'),
      h.bootTask.arguments,
    );
    assert.ok(
      h.bootTask.arguments.includes('"--config" "C:\\ProgramData\\switchyard\\switchyard.yaml"'),
      h.bootTask.arguments,
    );
    assert.ok(!h.bootTask.arguments.includes('Users'), 'nothing the task runs or reads is in a user profile');
    for (const p of [
      'C:\\Program Files\\switchyard\\node.exe',
      'C:\\Program Files\\switchyard\\package\\bin\\switchyard.js',
      'C:\\ProgramData\\switchyard\\switchyard.yaml',
    ])
      assert.ok(existsSync(onC(p)), `${p} copied`);
    assert.match(readFileSync(onC('C:\\ProgramData\\switchyard\\switchyard.yaml'), 'utf8'), /name: lab/);
    // The ACL is set before anything is copied: owner Administrators, no inheritance, SYSTEM/Admins full, Users read.
    const calls = h.calls();
    for (const dir of ['C:\\Program Files\\switchyard', 'C:\\ProgramData\\switchyard']) {
      assert.ok(calls.includes(`icacls.exe ${dir} /setowner *S-1-5-32-544 /T /C /Q`), calls.join('\n'));
      assert.ok(
        calls.includes(
          `icacls.exe ${dir} /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F *S-1-5-32-545:(OI)(CI)RX /T /C /Q`,
        ),
        calls.join('\n'),
      );
    }
  });

  test('install refuses, with the reason, when what the task would run cannot be copied; no task', async () => {
    const h = new SimWindowsHost();
    h.adapterDelay = 0;
    const stateDir = mkdtempSync(join(dir, 'state-'));
    const cfg = join(stateDir, 'switchyard.yaml');
    writeFileSync(cfg, 'switches:\n  - name: lab\n    subnet: 10.0.251.0/24\n');
    const e = {
      ...env('win32', h),
      program: { execPath: 'C:\\nowhere\\switchyard.exe', scriptPath: undefined },
    };
    const code = await installCommand({ config: cfg, stateDir, yes: true }, e).catch((err: unknown) => {
      e.out.write(String(err));
      return 1;
    });
    assert.notEqual(code, 0);
    assert.match(e.text(), /cannot copy C:\\nowhere\\switchyard\.exe for the boot task: it does not exist/);
    assert.equal(h.bootTask, undefined);
  });

  test('install --print --target windows on Linux prints the task script for the admin-only folders', async () => {
    const cfg = join(dir, 'print.yaml');
    writeFileSync(cfg, 'switches:\n  - name: lab\n');
    const e = env('linux');
    assert.equal(await installCommand({ config: cfg, print: true, target: 'windows' }, e), 0);
    const text = e.text();
    assert.match(text, /Register-ScheduledTask/);
    assert.match(text, /-Priority 5/);
    assert.ok(text.includes(`-Execute '${WINDOWS_PROGRAM}'`), text);
    assert.ok(text.includes('"C:\\ProgramData\\switchyard\\switchyard.yaml"'), text);
    assert.doesNotMatch(text, /\/usr\/|\/tmp\//, 'no path of the printing machine');
    // The printed script registers the task in pwsh against the simulated Windows.
    const h = new SimWindowsHost();
    h.push();
    const r = await runScriptText(h.dir, h.session, h.state.accounts.dev!.profile, text);
    assert.equal(r.code, 0, r.stderr);
    h.pull();
    assert.equal(h.bootTask?.execute, WINDOWS_PROGRAM);
  });

  test('--target without --print is refused (install runs on the host itself)', async () => {
    const cfg = join(dir, 'print2.yaml');
    writeFileSync(cfg, 'switches:\n  - name: lab\n');
    await assert.rejects(installCommand({ config: cfg, target: 'windows' }, env('linux')), UsageError);
  });
});
