/**
 * `switchyard doctor --report` in pwsh against the simulated Windows: the report's shape, that it reads
 * and never changes the host, and that names and foreign MACs are gone from the file while the raw
 * observation still parses.
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { describe, test } from 'node:test';
import { isObservationError, parseObservation } from '../../src/host/windows/observation-parse.js';
import { reportLaptop, simReport } from './report-sample.js';
import { pwshMissing } from './runner.js';

const PWSH = { skip: pwshMissing() };

const SECTIONS = [
  'switches',
  'adapters',
  'addresses',
  'interfaces',
  'nats',
  'routes',
  'firewallRules',
  'firewallProfiles',
  'hypervFirewall',
  'hypervFirewallLocal',
  'nrptRules',
  'nrptPolicy',
  'vmAdapters',
  'bootTask',
  'wsl',
];

describe('doctor --report in pwsh against the simulated Windows', PWSH, () => {
  test('the report: version, build, PowerShell, language mode, token, raw observation, section times', async () => {
    const h = reportLaptop();
    try {
      const r = await simReport(h, ['switchyard']);
      assert.equal(r.reportSchema, 1);
      assert.match(r.source, /^simulated/);
      assert.equal(r.switchyard.version, '0.0.0-sim');
      assert.equal(r.windows.build, '22631.4602');
      assert.equal(r.windows.displayVersion, '23H2');
      assert.deepEqual(r.powershell, {
        edition: 'Desktop',
        version: '5.1.22621.4391',
        languageMode: 'FullLanguage',
      });
      assert.equal(r.identity.elevated, false);
      assert.equal(r.identity.hypervAdmin, true);
      assert.deepEqual(r.errors, []);
      const parsed = parseObservation(r.observation.raw);
      assert.ok(!isObservationError(parsed), JSON.stringify(parsed));
      assert.deepEqual(
        parsed.switches?.map((s) => s.name),
        ['switchyard', 'Default Switch'],
      );
      assert.deepEqual(Object.keys(r.timing.sectionsMs ?? {}), ['start', ...SECTIONS]);
      for (const ms of Object.values(r.timing.sectionsMs ?? {})) assert.ok(Number.isInteger(ms) && ms >= 0);
      assert.ok((r.timing.firstRunMs ?? -1) > 0 && (r.timing.secondRunMs ?? -1) > 0);
      // Read-only: no cmdlet that changes anything was called.
      assert.deepEqual(
        h.calls().filter((c) => /^(New|Set|Remove|Add|Register|Enable|Disable|Start|Stop)-/.test(c)),
        [],
      );
    } finally {
      h.dispose();
    }
  });

  for (const user of ["O'Brien.$(whoami) [x]+", 'Zoë Müller-Łukasz', 'dev']) {
    test(`names are redacted: user ${JSON.stringify(user)}, the profile path, the computer name`, async () => {
      const h = reportLaptop(user);
      try {
        h.wslconfig = `[wsl2]\r\nkernel=C:\\\\Users\\\\${user}\\\\bzImage\r\nswap=${user.toUpperCase()}.vhdx\r\n`;
        h.vms.push({ name: `${user} build`, switchName: 'switchyard' });
        const r = await simReport(h, ['switchyard']);
        const text = JSON.stringify(r);
        const profile = h.state.accounts[user]!.profile;
        assert.ok(!text.toLowerCase().includes(user.toLowerCase()), text);
        assert.ok(!text.includes(profile), 'the profile path');
        assert.ok(
          !new RegExp(`(?<![\\w-])${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'i').test(
            text,
          ),
          'the machine name',
        );
        const wsl = parseObservation(r.observation.raw);
        assert.ok(!isObservationError(wsl));
        assert.equal(wsl.wsl?.wslconfigPath, '%USERPROFILE%/.wslconfig');
        assert.match(wsl.wsl?.wslconfig ?? '', /kernel=C:\\\\Users\\\\<user>\\\\bzImage/);
        assert.ok(wsl.vmAdapters?.some((v) => v.vmName === '<user> build'));
        assert.ok(r.redaction.names.includes('user name'));
      } finally {
        h.dispose();
      }
    });
  }

  test("MACs: switchyard's vNIC keeps its MAC; the others get distinct documentation MACs (RFC 7042)", async () => {
    const h = reportLaptop();
    try {
      const r = await simReport(h, []);
      const obs = parseObservation(r.observation.raw);
      assert.ok(!isObservationError(obs));
      const mac = (name: string): string | null | undefined =>
        obs.adapters?.find((a) => a.name === name)?.mac;
      const real = h.read().adapters;
      assert.equal(
        mac('vEthernet (switchyard)'),
        real
          .find((a) => a.Name === 'vEthernet (switchyard)')!
          .MacAddress.toLowerCase()
          .replace(/-/g, ':'),
      );
      const others = [mac('vEthernet (Default Switch)'), mac('vEthernet (WSL (Hyper-V firewall))')];
      for (const m of others) assert.match(m ?? '', /^00:00:5e:00:53:[0-9a-f]{2}$/);
      assert.notEqual(others[0], others[1]);
      assert.equal(r.redaction.macs, 2);
      for (const a of real.filter((x) => x.Name !== 'vEthernet (switchyard)'))
        assert.ok(!JSON.stringify(r).includes(a.MacAddress), a.MacAddress);
    } finally {
      h.dispose();
    }
  });

  test('not in Hyper-V Administrators: the Hyper-V sections are null and their notes are in the report', async () => {
    const h = reportLaptop();
    h.state.accounts.dev!.hypervAdmin = false;
    try {
      const r = await simReport(h, []);
      assert.equal(r.identity.hypervAdmin, false);
      const obs = parseObservation(r.observation.raw);
      assert.ok(!isObservationError(obs));
      assert.equal(obs.switches, null);
      const sections = (r.observation.notes ?? []).map((n) => n.section);
      assert.ok(
        sections.includes('switches') && sections.includes('vmAdapters'),
        JSON.stringify(r.observation.notes),
      );
      assert.match(r.observation.notes![0]!.message, /permission/);
    } finally {
      h.dispose();
    }
  });

  test('ConstrainedLanguage: no observation, and the report says which mode and why (every error kept)', async () => {
    const h = reportLaptop();
    h.state.languageMode = 'ConstrainedLanguage';
    try {
      const r = await simReport(h, []);
      assert.equal(r.observation.raw, null);
      assert.equal(r.powershell.languageMode, 'ConstrainedLanguage');
      assert.deepEqual(
        r.errors.map((e) => [e.step, e.errorId]),
        [
          ['observation', 'ConstrainedLanguage'],
          ['system info', 'ConstrainedLanguage'],
          ['observation (timed)', 'ConstrainedLanguage'],
        ],
      );
    } finally {
      h.dispose();
    }
  });
});
