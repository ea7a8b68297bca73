/**
 * Issue 18, run in pwsh against the simulated Windows: what a Windows admin hits in the first hour.
 * (1) a plan larger than one command line; (3) per-user state written by the user's own process.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { installCommand, type InstallEnv } from '../../src/cli/install.js';
import { parseConfig } from '../../src/config/load.js';
import { planAddresses } from '../../src/model/address-plan.js';
import { desiredHost, nothingOurs } from '../../src/model/desired.js';
import { noOriginals } from '../../src/model/originals.js';
import { ipv4 } from '../../src/net/ipv4.js';
import { applyPlan } from '../../src/reconcile/apply.js';
import { makePlan } from '../../src/reconcile/plan.js';
import { SimWindowsHost } from './host.js';
import { pwshMissing, runScriptText } from './runner.js';
import { planOutcome } from '../../src/cli/plan-apply.js';
import { runChecks } from '../../src/model/checks/index.js';

const PWSH = { skip: pwshMissing() };

/** Six switches with reservations: one plan of this made a 36,841-character elevated command line. */
function sixSwitches(): string {
  const lines = ['switches:'];
  for (let i = 0; i < 6; i++) {
    lines.push(
      `  - name: lab${i}`,
      `    subnet: 10.${40 + i}.0.0/24`,
      '    dhcp:',
      '      reservations:',
      ...[1, 2, 3].map(
        (r) =>
          `        - { name: vm${i}x${r}, mac: "00:15:5d:0${i}:00:0${r}", ip: 10.${40 + i}.0.${10 + r} }`,
      ),
      '    dns:',
      `      domain: lab${i}.internal`,
    );
  }
  lines.push('wsl:', '  subnet: 10.60.0.0/20');
  return `${lines.join('\n')}\n`;
}

/** A 4 KB hand-written .wslconfig (comments kept by the edit, so the text travels whole). */
const WSLCONFIG = [
  '# WSL settings, by hand',
  '[wsl2]',
  'memory=8GB',
  ...Array.from(
    { length: 90 },
    (_, i) => `# note ${i}: ${'keep this comment, it explains things '.slice(0, 36)}`,
  ),
  '',
].join('\r\n');

function laptop(): SimWindowsHost {
  const h = new SimWindowsHost();
  const wsl = 'vEthernet (WSL (Hyper-V firewall))';
  h.addAdapter(wsl, [{ address: ipv4('172.27.16.1'), prefix: 20, dynamic: false }]);
  h.hyperVFirewall = { defaultInboundAction: 'block' };
  h.adapterDelay = 0;
  h.wslconfig = WSLCONFIG;
  return h;
}

async function converge(h: SimWindowsHost, text: string, atLeast = 20): Promise<void> {
  const config = parseConfig(text, 'six.yaml');
  const desired = desiredHost(config, planAddresses({ config, routes: [], pinned: undefined }), 'windows');
  const plan = makePlan(desired, await h.observe());
  assert.ok(plan.changes.length >= atLeast, `${plan.changes.length} changes`);
  const r = await applyPlan(plan, h);
  assert.equal(r.failed, undefined, r.failed?.error);
  assert.deepEqual(makePlan(desired, await h.observe()).changes, []);
}

describe('issue 18 (1): no plan is bounded by the 32,767-character command line', PWSH, () => {
  test('six switches with reservations and a 4 KB .wslconfig: apply elevated runs without a wrapper', async () => {
    assert.ok(WSLCONFIG.length >= 4000);
    const h = laptop();
    await converge(h, sixSwitches());
    assert.equal(h.switches.filter((s) => s.ours).length, 6);
    assert.match(h.wslconfig ?? '', /networkingMode=nat/);
    assert.ok(
      !h.calls().some((c) => c.startsWith('Start-Process')),
      'no elevated child when elevated already',
    );
  });

  test('the same from an unelevated terminal: one UAC prompt, the script read from a file checked by hash', async () => {
    const h = laptop();
    // In Hyper-V Administrators, so that an unelevated session can see the switches (issue 18.2).
    h.state.accounts.dev!.hypervAdmin = true;
    h.session = { account: 'dev', elevated: false };
    await converge(h, sixSwitches());
    const starts = h.calls().filter((c) => c.startsWith('Start-Process'));
    assert.equal(starts.filter((c) => c.includes('-Verb RunAs')).length, 1, starts.join('\n'));
    assert.equal(h.switches.filter((s) => s.ours).length, 6);
  });

  test('install with two switches (36,841 characters in one elevated command line before)', async () => {
    // Elevated: unelevated, the SYSTEM task it registers is invisible to the re-plan (issue 18.4).
    const h = laptop();
    const dir = mkdtempSync(join(tmpdir(), 'sy-install-'));
    const cfg = join(dir, 'switchyard.yaml');
    writeFileSync(
      cfg,
      'switches:\n  - name: a\n    subnet: 10.70.0.0/24\n  - name: b\n    subnet: 10.71.0.0/24\nwsl:\n  subnet: 10.72.0.0/20\n',
    );
    const out: string[] = [];
    const env: InstallEnv = {
      platform: 'win32',
      program: { execPath: 'C:\\Program Files\\switchyard\\switchyard.exe', scriptPath: undefined },
      unitDir: '',
      writeFile: () => undefined,
      mkdir: () => undefined,
      host: () => h,
      out: { write: (t) => out.push(t), interactive: false },
    };
    assert.equal(await installCommand({ config: cfg, stateDir: dir, yes: true }, env), 0, out.join(''));
    assert.ok(h.bootTask);
    assert.equal(h.switches.filter((s) => s.ours).length, 2);
  });
});

describe('issue 18 (3): per-user state goes into the user’s own profile', PWSH, () => {
  test("a standard user elevating with IT's credentials: .wslconfig in the user's profile, HKLM by the elevated run", async () => {
    const h = laptop();
    h.wslconfig = undefined;
    h.state.accounts.std!.hypervAdmin = true;
    h.session = { account: 'std', elevated: false };
    h.state.uac = { answer: 'accept', account: 'it' };
    await converge(
      h,
      'switches:\n  - name: lab\n    subnet: 10.80.0.0/24\nwsl:\n  subnet: 10.81.0.0/20\n',
      5,
    );
    const own = join(h.state.accounts.std!.profile, '.wslconfig');
    const admins = join(h.state.accounts.it!.profile, '.wslconfig');
    assert.ok(existsSync(own), "the user's own .wslconfig");
    assert.match(readFileSync(own, 'utf8'), /networkingMode=nat/);
    assert.ok(!existsSync(admins), "nothing in the administrator's profile");
    assert.equal(h.lxss.natNetwork, '10.81.0.0/20');
  });
});

describe('issue 18 (2): "could not look" is not "none"', PWSH, () => {
  const CONFIG = 'switches:\n  - name: lab\n    subnet: 10.90.0.0/24\n';
  const plan = async (h: SimWindowsHost, text = CONFIG): Promise<string[]> => {
    const config = parseConfig(text, 'look.yaml');
    const desired = desiredHost(config, planAddresses({ config, routes: [], pinned: undefined }), 'windows');
    return makePlan(desired, await h.observe()).changes.map((c) => `${c.action} ${c.resource}: ${c.detail}`);
  };

  test('an administrator in an unelevated terminal: the switch is `!` with why and what to do, never `+`', async () => {
    const h = laptop();
    h.switches = [{ name: 'lab', ours: true, kind: 'Internal' }];
    h.session = { account: 'dev', elevated: false };
    const changes = await plan(h);
    assert.ok(!changes.some((c) => c.startsWith('+ switch')), changes.join('\n'));
    const blocked = changes.filter((c) => c.startsWith('! switch'));
    assert.equal(blocked.length, 1, changes.join('\n'));
    assert.match(
      blocked[0]!,
      /refused to show it .*: run switchyard from an elevated terminal, or join the Hyper-V Administrators group and log on again/,
    );
    // apply carries out nothing while something is blocked.
    const config = parseConfig(CONFIG, 'look.yaml');
    const desired = desiredHost(config, planAddresses({ config, routes: [], pinned: undefined }), 'windows');
    const r = await applyPlan(makePlan(desired, await h.observe()), h);
    assert.deepEqual(r.applied, []);
  });

  test('uninstall cannot see the switch: it says so, instead of "nothing to remove"', async () => {
    const h = laptop();
    h.switches = [{ name: 'lab', ours: true, kind: 'Internal' }];
    h.session = { account: 'dev', elevated: false };
    // What uninstall plans against: nothing of switchyard's wanted.
    const changes = makePlan(nothingOurs(noOriginals()), await h.observe()).changes.map(
      (c) => `${c.action} ${c.resource}: ${c.detail}`,
    );
    assert.match(
      changes.join('\n'),
      /^! switch: could not look: Hyper-V \(Get-VMSwitch\) refused to show it/m,
    );
    assert.ok(
      h.switches.some((s) => s.name === 'lab'),
      'still there',
    );
  });

  test('Windows Home (no Hyper-V): `!` that says Hyper-V is not installed', async () => {
    const h = new SimWindowsHost({ hyperV: false });
    h.hyperVFirewall = { defaultInboundAction: 'block' };
    const changes = await plan(h);
    assert.match(
      changes.join('\n'),
      /^! switch: .*Hyper-V \(Get-VMSwitch\) is not installed here \(Windows Home has no Hyper-V/m,
    );
  });

  test('a member of Hyper-V Administrators sees the switch: no `!`', async () => {
    const h = laptop();
    h.switches = [{ name: 'lab', ours: true, kind: 'Internal' }];
    h.state.accounts.dev!.hypervAdmin = true;
    h.session = { account: 'dev', elevated: false };
    assert.ok(!(await plan(h)).some((c) => c.startsWith('!')));
  });
});

describe('issue 18 (8): a UTF-16 or BOM-prefixed .wslconfig keeps its encoding', PWSH, () => {
  test('uninstall puts the original text back in the same encoding', async () => {
    const h = laptop();
    h.wslconfig = '# mine\r\n[wsl2]\r\nmemory=4GB\r\n';
    h.wslconfigEncoding = 'utf16le';
    await converge(
      h,
      'switches:\n  - name: lab\n    subnet: 10.95.0.0/24\nwsl:\n  subnet: 10.96.0.0/20\n',
      5,
    );
    assert.match(h.wslconfig ?? '', /networkingMode=nat/);
    const restore = makePlan(
      nothingOurs({ version: 1, wslconfig: '# mine\r\n[wsl2]\r\nmemory=4GB\r\n' }),
      await h.observe(),
    );
    const r = await applyPlan(restore, h);
    assert.equal(r.failed, undefined, r.failed?.error);
    assert.equal(h.wslconfig, '# mine\r\n[wsl2]\r\nmemory=4GB\r\n');
    assert.equal(h.wslconfigEncoding, 'utf16le');
  });

  for (const encoding of ['utf16le', 'utf8bom', 'utf16be'] as const) {
    test(`${encoding}: networkingMode=nat is added, the file stays ${encoding}, its other lines as they were`, async () => {
      const h = laptop();
      h.wslconfig = '# mine\r\n[wsl2]\r\nmemory=4GB\r\n';
      h.wslconfigEncoding = encoding;
      await converge(
        h,
        'switches:\n  - name: lab\n    subnet: 10.95.0.0/24\nwsl:\n  subnet: 10.96.0.0/20\n',
        5,
      );
      assert.equal(h.wslconfigEncoding, encoding);
      assert.equal(h.wslconfig, '# mine\r\n[wsl2]\r\nmemory=4GB\r\nnetworkingMode=nat\r\n');
    });
  }
});

describe('issue 18 (8): the firewall rules are scoped to the switch interface', PWSH, () => {
  const CONFIG = 'switches:\n  - name: lab\n    subnet: 10.97.0.0/24\n    dns:\n      domain: lab.internal\n';

  test('each rule applies on vEthernet (lab) only, read back through Get-NetFirewallInterfaceFilter', async () => {
    const h = laptop();
    await converge(h, CONFIG, 3);
    const ours = h.read().firewallRules.filter((r) => r.Group === 'switchyard');
    assert.deepEqual(
      ours.map((r) => `${r.DisplayName}: ${r.InterfaceAlias.join(',')}`),
      [
        'switchyard DHCP lab: vEthernet (lab)',
        'switchyard DNS lab: vEthernet (lab)',
        'switchyard DNS-TCP lab: vEthernet (lab)',
      ],
    );
    assert.ok(
      h.calls().some((c) => c.startsWith('Get-NetFirewallInterfaceFilter')),
      h.calls().join('\n'),
    );
  });

  test('rules from before (every interface) are rescoped, and said so', async () => {
    const h = laptop();
    await converge(h, CONFIG, 3);
    const s = h.read();
    for (const r of s.firewallRules) {
      r.InterfaceAlias = ['Any'];
      r.InterfaceIndex = [];
    }
    writeFileSync(join(h.dir, 'state.json'), JSON.stringify(s));
    h.pull();
    const config = parseConfig(CONFIG, 'fw.yaml');
    const desired = desiredHost(config, planAddresses({ config, routes: [], pinned: undefined }), 'windows');
    const changes = makePlan(desired, await h.observe()).changes;
    assert.deepEqual(
      changes.map((c) => `${c.action} ${c.resource}: ${c.detail}`),
      [
        '~ firewall: rules ~switchyard DHCP lab (on vEthernet (lab), was every interface), ~switchyard DNS lab (on vEthernet (lab), was every interface), ~switchyard DNS-TCP lab (on vEthernet (lab), was every interface)',
      ],
    );
    await applyPlan(makePlan(desired, await h.observe()), h);
    assert.deepEqual(makePlan(desired, await h.observe()).changes, []);
  });

  test('the switch re-created under the rules (a new vNIC): the plan sees it and apply scopes them again', async () => {
    const h = laptop();
    await converge(h, CONFIG, 3);
    h.push();
    const r = await runScriptText(
      h.dir,
      h.session,
      h.state.accounts[h.session.account]!.profile,
      "Remove-VMSwitch -Name 'lab' -Force\nNew-VMSwitch -Name 'lab' -SwitchType Internal -Notes 'switchyard' | Out-Null\n",
    );
    assert.equal(r.code, 0, r.stdout);
    h.pull();
    const config = parseConfig(CONFIG, 'fw.yaml');
    const desired = desiredHost(config, planAddresses({ config, routes: [], pinned: undefined }), 'windows');
    const firewall = makePlan(desired, await h.observe()).changes.find((c) => c.resource === 'firewall');
    assert.match(
      firewall?.detail ?? '',
      /~switchyard DHCP lab \(on vEthernet \(lab\), was an interface that no longer exists\)/,
    );
    await converge(h, CONFIG, 1);
  });
});

describe('issue 18 (6): corporate firewall policy is reported, not fought', PWSH, () => {
  const CONFIG = 'switches:\n  - name: lab\n    subnet: 10.98.0.0/24\nwsl:\n  subnet: 10.99.0.0/20\n';

  async function planText(h: SimWindowsHost): Promise<{ output: string; changes: number }> {
    const stateDir = mkdtempSync(join(tmpdir(), 'sy-policy-'));
    return planOutcome(parseConfig(CONFIG, 'policy.yaml'), stateDir, h, false);
  }

  async function checks(
    h: SimWindowsHost,
  ): Promise<Map<string, { ok: boolean; detail: string; fix?: string }>> {
    const config = parseConfig(CONFIG, 'policy.yaml');
    const observed = await h.observe();
    const addresses = planAddresses({ config, routes: [], pinned: undefined });
    const all = runChecks({ config, observed, addresses, pinned: undefined, daemon: { running: false } });
    return new Map(all.map((c) => [c.id, c]));
  }

  test('Group Policy "apply local firewall rules: No": plan and doctor say the rules are not in force', async () => {
    const h = laptop();
    await converge(h, CONFIG, 5);
    assert.equal((await checks(h)).get('firewall')?.ok, true);
    h.state.firewallPolicy.allowLocalPolicyMerge = false;
    const plan = await planText(h);
    assert.equal(plan.changes, 0, plan.output);
    assert.match(
      plan.output,
      /note: firewall: Group Policy does not apply local firewall rules on the Domain, Private, Public profile\(s\) \(AllowLocalPolicyMerge = 0\), so switchyard's rules exist but are not in force/,
    );
    assert.match(plan.output, /inbound UDP 67 from 10\.98\.0\.0\/24 and 0\.0\.0\.0\/32 on vEthernet \(lab\)/);
    const json = JSON.parse(
      (await planOutcome(parseConfig(CONFIG, 'policy.yaml'), mkdtempSync(join(tmpdir(), 'sy-')), h, true))
        .output,
    ) as { notes?: string[] };
    assert.match(json.notes?.join('\n') ?? '', /^firewall: Group Policy does not apply local firewall rules/);
    const fw = (await checks(h)).get('firewall');
    assert.equal(fw?.ok, false);
    assert.match(fw?.detail ?? '', /3 rules present but not in force|1 rules present but not in force/);
    assert.match(fw?.fix ?? '', /AllowLocalPolicyMerge = 1/);
  });

  test('Hyper-V firewall inbound set by MDM: "set by policy", and no endless `~`', async () => {
    const h = laptop();
    await converge(h, CONFIG, 5);
    const setting = h.state.hypervVmSettings[0]!;
    assert.equal(setting.DefaultInboundAction, 'Allow');
    setting.policy = { DefaultInboundAction: 'Block' };
    const plan = await planText(h);
    assert.equal(plan.changes, 0, plan.output);
    assert.match(
      plan.output,
      /note: hyperv-firewall WSL: set by policy — .*DefaultInboundAction is block as enforced/,
    );
    const hv = (await checks(h)).get('wsl:hyperv-firewall');
    assert.equal(hv?.ok, false);
    assert.match(hv?.detail ?? '', /set by policy/);
    // Without the local Allow written yet, the first apply still writes it (policy or not).
    h.hyperVFirewall = { defaultInboundAction: 'block' };
    const first = await planText(h);
    assert.match(first.output, /~ hyperv-firewall/);
  });
});
