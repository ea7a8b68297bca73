/**
 * Lays out the simulated Windows for pwsh, once per test process, in a temporary folder:
 *   SimWindows.psm1   state, identity, errors (ps/SimCore.ps1), every cmdlet's behaviour (ps/<Module>.ps1)
 *                     and the core cmdlets it overrides (Test-Path, Start-Process, …, generated param blocks)
 *   boot.ps1, run.ps1 how a simulated PowerShell starts
 *   modules/<M>/<M>/<M>.psm1   one folder per Windows module, generated from signatures.json, so that
 *                     `Get-Command -Module Hyper-V` and `Hyper-V\Get-VMSwitch` work and a host without a
 *                     module (Windows Home: no Hyper-V) simply lacks its folder on PSModulePath.
 * Variants: `NetSecurity@win10` is NetSecurity without the Hyper-V firewall cmdlets, which exist from
 * Windows 11 22H2 (build 22621) on (learn.microsoft.com/windows/security/operating-system-security/
 * network-security/windows-firewall/hyper-v-firewall).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cmdletFunction, moduleText, type SignatureCatalogue } from './param-block.js';

/** The sources, in the checkout (tests run from dist/, the .ps1 and .json files stay in test/). */
export const SIM_SOURCE_DIR = fileURLToPath(new URL('../../../test/windows-sim/', import.meta.url));

export const WINDOWS_MODULES = [
  'Hyper-V',
  'NetAdapter',
  'NetTCPIP',
  'NetNat',
  'NetSecurity',
  'DnsClient',
  'ScheduledTasks',
] as const;

const HYPERV_FIREWALL_CMDLETS = ['Get-NetFirewallHyperVVMSetting', 'Set-NetFirewallHyperVVMSetting'];
const IMPL_FILES = [
  'SimCore.ps1',
  'Hyper-V.ps1',
  'NetTCPIP.ps1',
  'NetNat.ps1',
  'NetSecurity.ps1',
  'DnsClient.ps1',
  'ScheduledTasks.ps1',
  'Management.ps1',
];

export function loadCatalogue(): SignatureCatalogue {
  return JSON.parse(readFileSync(join(SIM_SOURCE_DIR, 'signatures.json'), 'utf8')) as SignatureCatalogue;
}

let root: string | undefined;

/** The folder with the laid-out simulation (made on first use, reused by the whole test process). */
export function simRoot(): string {
  if (root !== undefined) return root;
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-winsim-'));
  const catalogue = loadCatalogue();
  const common = new Set(Object.keys(catalogue.commonParameters));
  const ps = join(SIM_SOURCE_DIR, 'ps');
  const overrides = Object.entries(catalogue.cmdlets)
    .filter(
      ([name, sig]) => sig.module === 'Microsoft.PowerShell.Management' && catalogue.simulated.includes(name),
    )
    .map(([name, sig]) => cmdletFunction(name, sig, common));
  const core = [
    ...IMPL_FILES.map((f) => `# ---- ${f}\n${readFileSync(join(ps, f), 'utf8')}`),
    '# ---- core cmdlets overridden (generated from signatures.json)',
    ...overrides,
    'Export-ModuleMember -Function * -Alias *',
  ].join('\n');
  writeFileSync(join(dir, 'SimWindows.psm1'), core);
  for (const f of ['boot.ps1', 'run.ps1', 'server.ps1']) copyFileSync(join(ps, f), join(dir, f));
  const write = (folder: string, module: string, text: string): void => {
    const at = join(dir, 'modules', folder, module);
    mkdirSync(at, { recursive: true });
    writeFileSync(join(at, `${module}.psm1`), text);
  };
  for (const m of WINDOWS_MODULES) write(m, m, moduleText(catalogue, m));
  const win10 = {
    ...catalogue,
    cmdlets: Object.fromEntries(
      Object.entries(catalogue.cmdlets).filter(([name]) => !HYPERV_FIREWALL_CMDLETS.includes(name)),
    ),
  };
  write('NetSecurity@win10', 'NetSecurity', moduleText(win10, 'NetSecurity'));
  root = dir;
  process.on('exit', () => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
