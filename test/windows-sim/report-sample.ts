/**
 * `switchyard doctor --report` against the simulated Windows: the laptop the sample in
 * test/fixtures/windows/recorded/ was made from, and the function that makes a report of a SimWindowsHost.
 * Regenerate the sample (after a change to the report's shape) with
 * `node dist/test/windows-sim/report-sample.js test/fixtures/windows/recorded/simulated-win11-hyperv-admin.json`.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync, writeFileSync } from 'node:fs';
import { buildDoctorReport, type DoctorReport } from '../../src/cli/doctor-report.js';
import { ipv4 } from '../../src/net/ipv4.js';
import { SimWindowsHost } from './host.js';
import { makeSimRunner, pwshVersion } from './runner.js';

const POWERSHELL_EXE = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
const CURRENT_VERSION = 'software\\microsoft\\windows nt\\currentversion';

export function simulatedSource(): string {
  return `simulated: switchyard doctor --report run in pwsh ${pwshVersion() ?? '?'} against the PowerShell simulation of Windows (test/windows-sim), not a real Windows machine`;
}

/**
 * A Windows 11 23H2 Pro laptop: the user `account` (an administrator, not elevated, in Hyper-V
 * Administrators), switchyard's switch with its vNIC and a VM on it, the Default Switch, WSL, and a
 * .wslconfig that names the profile folder.
 */
export function reportLaptop(account = 'dev'): SimWindowsHost {
  const h = new SimWindowsHost();
  if (h.state.accounts[account] === undefined) {
    const profile = join(h.dir, 'Users', account);
    mkdirSync(profile, { recursive: true });
    h.state.accounts[account] = { admin: true, hypervAdmin: false, profile };
  }
  h.state.accounts[account].hypervAdmin = true;
  h.session = { account, elevated: false };
  h.state.registry.HKLM[CURRENT_VERSION] = {
    CurrentBuild: '22631',
    UBR: 4602,
    DisplayVersion: '23H2',
    ProductName: 'Windows 10 Pro',
    EditionID: 'Professional',
  };
  h.switches = [
    { name: 'switchyard', ours: true, kind: 'Internal' },
    { name: 'Default Switch', ours: false, kind: 'Internal' },
  ];
  h.addAdapter('vEthernet (switchyard)', [{ address: ipv4('10.20.0.1'), prefix: 24, dynamic: false }], true);
  h.addAdapter('vEthernet (Default Switch)', [{ address: ipv4('172.29.96.1'), prefix: 20, dynamic: false }]);
  h.addAdapter('vEthernet (WSL (Hyper-V firewall))', [
    { address: ipv4('172.27.16.1'), prefix: 20, dynamic: false },
  ]);
  h.addAdapter('Wi-Fi', [{ address: ipv4('192.168.1.23'), prefix: 24, dynamic: true }]);
  h.routes = [{ dest: { network: ipv4('10.0.0.0'), prefix: 8 }, iface: 'Wi-Fi' }];
  h.hyperVFirewall = { defaultInboundAction: 'block' };
  h.lxss = { natNetwork: '172.27.16.0/20', natGateway: '172.27.16.1' };
  h.vms = [{ name: 'build-01', switchName: 'switchyard' }];
  h.adapterDelay = 0;
  return h;
}

/** The report of `h`, as `doctor --report` makes it, with the simulated source. */
export function simReport(h: SimWindowsHost, switchNames: readonly string[] = []): Promise<DoctorReport> {
  h.push();
  return buildDoctorReport({
    version: '0.0.0-sim',
    source: simulatedSource(),
    switchNames,
    runner: makeSimRunner({
      dir: h.dir,
      session: () => h.session,
      profileOf: (a) => h.state.accounts[a]?.profile ?? h.dir,
    }),
    location: { ok: true, path: POWERSHELL_EXE, via: 'windows' },
  }).finally(() => {
    h.pull();
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (out === undefined) throw new Error('usage: report-sample.js FILE');
  const h = reportLaptop();
  h.wslconfig = '[wsl2]\r\nmemory=8GB\r\n';
  const report = await simReport(h, ['switchyard']);
  writeFileSync(
    out,
    JSON.stringify({ ...report, createdAt: '2026-12-06T00:00:00.000Z', timing: report.timing }, null, 2) +
      '\n',
  );
  h.dispose();
}
