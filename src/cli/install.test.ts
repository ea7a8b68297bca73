import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SimWindowsHost } from '../../test/windows-sim/host.js';
import { pwshMissing } from '../../test/windows-sim/runner.js';

/** Runs in real pwsh against the simulated Windows (skipped, with how to get pwsh, when it is missing). */
const PWSH = { skip: pwshMissing() };
import { EnvironmentError } from '../errors.js';
import { cidr, ipv4 } from '../net/ipv4.js';
import { nothingOurs } from '../model/desired.js';
import { noOriginals, ORIGINALS_FILE } from '../model/originals.js';
import { makePlan } from '../reconcile/plan.js';
import {
  currentProgram,
  installCommand,
  installedScriptPath,
  runningAsSea,
  uninstallCommand,
  type InstallEnv,
  type Program,
} from './install.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-install-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});
const config = join(dir, 'switchyard.yaml');
writeFileSync(config, 'switches:\n  - name: lab\n');

const NODE: Program = { execPath: 'C:\\node\\node.exe', scriptPath: 'C:\\sy\\bin\\switchyard.js' };
const SEA: Program = { execPath: 'C:\\Program Files\\switchyard\\switchyard.exe', scriptPath: undefined };

interface Captured extends InstallEnv {
  text: () => string;
  writes: Map<string, string>;
  mkdirs: string[];
}

function env(platform: NodeJS.Platform, host?: SimWindowsHost, program?: Program): Captured {
  const out: string[] = [];
  const writes = new Map<string, string>();
  const mkdirs: string[] = [];
  return {
    platform,
    program:
      program ??
      (platform === 'win32' ? NODE : { execPath: '/usr/bin/node', scriptPath: '/opt/sy/bin/switchyard.js' }),
    unitDir: '/etc/systemd/system',
    writeFile: (p, t) => writes.set(p, t),
    mkdir: (p) => mkdirs.push(p),
    host: () => {
      if (!host) throw new Error('no host in this test');
      return host;
    },
    out: { write: (t) => out.push(t), interactive: false },
    text: () => out.join(''),
    writes,
    mkdirs,
  };
}

describe('install on Linux', () => {
  test('writes the unit and says how to enable it', async () => {
    const e = env('linux');
    assert.equal(await installCommand({ config, stateDir: '/var/lib/switchyard' }, e), 0);
    const unit = e.writes.get('/etc/systemd/system/switchyard.service');
    assert.ok(unit);
    assert.ok(unit.includes(`"--config" "${config}"`));
    assert.match(e.text(), /systemctl enable --now switchyard/);
  });

  test('a state dir outside /var/lib is created first; --print writes nothing', async () => {
    const e = env('linux');
    await installCommand({ config, stateDir: '/srv/sy' }, e);
    assert.deepEqual(e.mkdirs, ['/srv/sy']);
    const p = env('linux');
    await installCommand({ config, print: true }, p);
    assert.equal(p.writes.size, 0);
    assert.match(p.text(), /^\[Service\]$/m);
    assert.match(p.text(), /^# Printed by switchyard install --print/m);
    assert.match(
      e.writes.get('/etc/systemd/system/switchyard.service')!,
      /^# Written by switchyard install/m,
    );
  });

  test('single executable: ExecStart runs the executable alone', async () => {
    const p = env('linux', undefined, { execPath: '/opt/switchyard', scriptPath: undefined });
    await installCommand({ config, print: true }, p);
    assert.match(p.text(), /^ExecStart=\/opt\/switchyard "serve" /m);
  });

  test('permission denied becomes a clear EnvironmentError', async () => {
    const e = env('linux');
    e.writeFile = () => {
      throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
    };
    await assert.rejects(installCommand({ config, stateDir: '/var/lib/switchyard' }, e), EnvironmentError);
  });

  test('uninstall says plainly that it only says how to remove the unit, and what apply created stays', async () => {
    const e = env('linux');
    assert.equal(await uninstallCommand({ stateDir: '/var/lib/switchyard' }, e), 0);
    assert.match(
      e.text(),
      /^switchyard uninstall on Linux only tells you how to remove the boot unit; it changes nothing itself\./,
    );
    assert.match(e.text(), /systemctl disable --now switchyard/);
    assert.match(
      e.text(),
      /what apply created stays: the switch bridges .* nftables\ntable inet switchyard, .* net\.ipv4\.ip_forward \(on\)/s,
    );
    assert.match(e.text(), /nft delete table inet switchyard/);
  });
});

describe('install on Windows: --print', () => {
  test('node + script, with --log-file in the state directory', async () => {
    const e = env('win32');
    await installCommand({ config, stateDir: 'C:\\ProgramData\\switchyard', print: true }, e);
    assert.match(e.text(), /Register-ScheduledTask/);
    assert.match(e.text(), /-Execute 'C:\\node\\node\.exe'/);
    assert.match(
      e.text(),
      /-Argument '"--max-semi-space-size=2" "--heap-growing-percent=30" "--v8-pool-size=1" "C:\\sy\\bin\\switchyard\.js" "serve" .*"--log-file" "C:\\ProgramData\\switchyard\\switchyard\.log"'/,
    );
  });

  test('single executable: the task runs switchyard.exe alone, no script argument', async () => {
    const e = env('win32', undefined, SEA);
    await installCommand({ config, stateDir: 'C:\\ProgramData\\switchyard', print: true }, e);
    assert.match(
      e.text(),
      /-Execute 'C:\\Program Files\\switchyard\\switchyard\.exe' -Argument '"serve" "--config"/,
    );
    assert.doesNotMatch(e.text(), /switchyard\.js/);
  });
});

describe('the program this process would register', () => {
  test('node + bin/switchyard.js normally; process.execPath alone in a single executable', () => {
    assert.match(installedScriptPath(), /[/\\]bin[/\\]switchyard\.js$/);
    assert.deepEqual(currentProgram(false), {
      execPath: process.execPath,
      scriptPath: installedScriptPath(),
    });
    assert.deepEqual(currentProgram(true), { execPath: process.execPath, scriptPath: undefined });
  });

  test('this test process is not a single executable', () => {
    assert.equal(runningAsSea(), false);
  });
});

// ---------------------------------------------------------------------------------------------------
// install → uninstall on the simulated Windows host

const WIN_CONFIG = (nat: boolean): string =>
  'switches:\n  - name: lab\n    subnet: 10.0.251.0/24\n' +
  (nat ? '' : '    nat: false\n') +
  'wsl:\n  subnet: 10.21.0.0/20\n';

/**
 * Everything the sim host holds that switchyard could change, in the model's terms (its op log, timing
 * knobs, its folder, run counters and the raw state with its id counters left out: Windows' GUIDs and
 * interface indexes are not state either).
 */
function state(h: SimWindowsHost): unknown {
  const skip = new Set(['log', 'adapterDelay', 'state', 'stats', 'dir', 'session']);
  const fields = Object.entries(h).filter(([k]) => !skip.has(k));
  return structuredClone(Object.fromEntries(fields));
}

function windowsHost(o: { foreignNat: boolean; registry: boolean }): SimWindowsHost {
  const h = new SimWindowsHost();
  h.adapterDelay = 0;
  h.addAdapter('Ethernet', [{ address: ipv4('192.168.1.20'), prefix: 24, dynamic: true }], false);
  h.routes = [{ dest: cidr('192.168.1.0/24'), iface: 'Ethernet' }];
  // A foreign switch with a VM on it, a foreign firewall rule, a foreign Scheduled Task.
  h.switches.push({ name: 'Default Switch', ours: false, kind: 'Internal' });
  h.addAdapter('vEthernet (Default Switch)', [{ address: ipv4('172.20.0.1'), prefix: 20, dynamic: false }]);
  h.vms.push({ name: 'dockerhost', switchName: 'Default Switch' });
  h.foreignFirewall.push({ name: 'Corp SSH', protocol: 'tcp', port: 22, from: [cidr('10.0.0.0/8')] });
  h.foreignTasks.push('\\Microsoft\\Windows\\Defrag\\ScheduledDefrag');
  if (o.foreignNat) h.nats.push({ name: 'DockerNAT', prefix: cidr('172.20.0.0/20'), ours: false });
  // WSL: its adapter (forwarding off, as WSL creates it), the Hyper-V firewall at its default.
  h.wslAdapter = 'vEthernet (WSL)';
  h.addAdapter('vEthernet (WSL)', [{ address: ipv4('172.29.192.1'), prefix: 20, dynamic: false }]);
  h.hyperVFirewall = { defaultInboundAction: 'block' };
  if (o.registry) {
    h.lxss = { natNetwork: '172.29.192.0/20', natGateway: '172.29.192.1' };
    h.userNatIp = '172.29.200.5';
    h.wslconfig = '[wsl2]\r\nmemory=4GB\r\nnetworkingMode=mirrored\r\n';
  }
  return h;
}

/** The program's files on the simulated host's C: drive, where install copies them from. */
function placeProgram(h: SimWindowsHost, program: Program): void {
  for (const p of [program.execPath, ...(program.scriptPath !== undefined ? [program.scriptPath] : [])]) {
    const local = join(h.dir, 'C', ...p.slice(3).split('\\'));
    mkdirSync(dirname(local), { recursive: true });
    writeFileSync(local, `stand-in for ${p}\n`);
  }
}

async function installOn(
  h: SimWindowsHost,
  nat: boolean,
  program: Program = NODE,
): Promise<{ stateDir: string; out: string }> {
  const stateDir = mkdtempSync(join(dir, 'state-'));
  const cfg = join(stateDir, 'switchyard.yaml');
  writeFileSync(cfg, WIN_CONFIG(nat));
  placeProgram(h, program);
  const e = env('win32', h, program);
  const code = await installCommand({ config: cfg, stateDir, yes: true }, e);
  assert.equal(code, 0, e.text());
  return { stateDir, out: e.text() };
}

describe('install → uninstall on the simulated Windows host', PWSH, () => {
  for (const o of [
    { name: 'with switchyard NAT, WSL registry values present', foreignNat: false, registry: true },
    {
      name: 'a foreign NetNat (nat: false), no WSL registry values at all',
      foreignNat: true,
      registry: false,
    },
  ]) {
    test(`round trip leaves the host exactly as before: ${o.name}`, async () => {
      const h = windowsHost(o);
      const before = state(h);
      const { stateDir, out } = await installOn(h, !o.foreignNat);
      // install showed its plan, the boot task among it, and applied it.
      assert.match(out, /\+ boot-task \\switchyard\\switchyard/);
      assert.match(out, /the host matches the config/);
      assert.ok(h.bootTask);
      assert.match(h.bootTask.arguments, /"serve" "--config" .* "--log-file" ".*switchyard\.log"$/);
      assert.equal(h.switches.filter((s) => s.ours).length, 1);
      assert.equal(
        h.nats.some((n) => n.ours),
        !o.foreignNat,
      );
      assert.equal(h.lxss.natNetwork, '10.21.0.0/20');
      assert.ok(existsSync(join(stateDir, ORIGINALS_FILE)), 'replaced values saved before apply');
      if (o.registry) {
        const saved = JSON.parse(readFileSync(join(stateDir, ORIGINALS_FILE), 'utf8')) as Record<
          string,
          unknown
        >;
        assert.deepEqual(saved.wslRange, { natNetwork: '172.29.192.0/20', natGateway: '172.29.192.1' });
      }
      assert.notDeepEqual(state(h), before);

      const e = env('win32', h);
      const code = await uninstallCommand({ stateDir, yes: true }, e);
      assert.equal(code, 0, e.text());
      assert.match(e.text(), /\[1\/\d+\] - boot-task/, 'the daemon is stopped first');
      assert.deepEqual(state(h), before);
      assert.ok(!existsSync(join(stateDir, ORIGINALS_FILE)));
      assert.deepEqual(makePlan(nothingOurs(noOriginals()), await h.observe()).changes, []);
    });
  }

  test('a second install (apply again) does not overwrite the saved originals', async () => {
    const h = windowsHost({ foreignNat: false, registry: true });
    const before = state(h);
    const { stateDir } = await installOn(h, true);
    h.wslFallsBack('172.31.0.0/20', '172.31.0.1'); // WSL moved: the next install re-pins
    const cfg = join(stateDir, 'switchyard.yaml');
    assert.equal(await installCommand({ config: cfg, stateDir, yes: true }, env('win32', h)), 0);
    assert.equal(h.lxss.natNetwork, '10.21.0.0/20');
    assert.equal(await uninstallCommand({ stateDir, yes: true }, env('win32', h)), 0);
    assert.deepEqual(state(h), before, 'restored to the values before the FIRST overwrite');
  });

  test('single executable: the registered task runs switchyard.exe alone', async () => {
    const h = windowsHost({ foreignNat: false, registry: false });
    await installOn(h, true, SEA);
    assert.equal(h.bootTask?.execute, SEA.execPath);
    assert.match(h.bootTask.arguments, /^"serve" /);
  });

  test('our switch with a VM attached stays, with a note; everything else is removed', async () => {
    const h = windowsHost({ foreignNat: false, registry: true });
    const { stateDir } = await installOn(h, true);
    h.vms.push({ name: 'web1', switchName: 'lab' });
    const e = env('win32', h);
    assert.equal(await uninstallCommand({ stateDir, yes: true }, e), 0, e.text());
    assert.match(
      e.text(),
      /note: switch lab: switch "lab" is switchyard's but stays: VM\(s\) web1 are connected/,
    );
    assert.deepEqual(
      h.switches.map((s) => s.name),
      ['Default Switch', 'lab'],
    );
    assert.equal(h.bootTask, undefined);
    assert.deepEqual(h.nats, []);
    assert.deepEqual(h.firewall, []);
    assert.equal(h.lxss.natNetwork, '172.29.192.0/20');
    assert.ok(!h.log.includes('deleteSwitch'), 'Remove-VMSwitch never attempted');
  });

  test('uninstall without --yes and no terminal refuses, changing nothing', async () => {
    const h = windowsHost({ foreignNat: false, registry: true });
    const { stateDir } = await installOn(h, true);
    const mid = state(h);
    await assert.rejects(uninstallCommand({ stateDir }, env('win32', h)), /uninstall needs --yes/);
    assert.deepEqual(state(h), mid);
  });

  test('nothing installed: uninstall has nothing to do', async () => {
    const h = windowsHost({ foreignNat: true, registry: true });
    const e = env('win32', h);
    assert.equal(await uninstallCommand({ stateDir: mkdtempSync(join(dir, 'empty-')) }, e), 0);
    assert.match(e.text(), /Nothing of switchyard's to remove/);
  });
});
