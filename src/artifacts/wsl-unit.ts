/**
 * The seed's in-WSL way of keeping forwarding on (`switchyard wsl unit` / `switchyard wsl install`): a
 * systemd oneshot unit inside the WSL distribution that, at every WSL start, turns IPv4 forwarding on for
 * the Windows-side WSL adapter ("vEthernet (WSL)" or, with the Hyper-V firewall, "vEthernet (WSL (Hyper-V
 * firewall))") through powershell.exe. The Windows daemon's forwarding keeper does the same job from the
 * Windows side; this unit is for people who run no daemon on Windows.
 *
 * Interop quirks it is built around (docs/windows.md#calling-windows-from-wsl):
 * - powershell.exe by ABSOLUTE path (appendWindowsPath may be off), under the drvfs mount root from
 *   /etc/wsl.conf `[automount] root` (default /mnt/): `powershellPath` decides.
 * - systemd-binfmt can register/wipe the WSLInterop binfmt entry late (microsoft/WSL#8843, #10389): the unit
 *   is ordered After=systemd-binfmt.service, and a start that fails (exec of a Windows binary without the
 *   binfmt entry fails with ENOEXEC, status 203/EXEC) is retried: Restart=on-failure every 5 s, at most 8
 *   starts in 2 minutes (StartLimit*), then the unit stays failed and `systemctl status` shows why.
 * - The token: Windows processes started from WSL get the token of whoever started WSL, normally the
 *   non-elevated user, and interop cannot elevate (microsoft/WSL#1237, by design). Set-NetIPInterface
 *   -Forwarding needs an administrator, so the unit does NOT use it: it runs
 *   `netsh interface ipv4 set interface <index> forwarding=enabled`, which the seed reports to work as a
 *   normal user (seed: "which can be used as a normal (non admin) user. And that works."; a blog post,
 *   while Microsoft documents ACCESS_DENIED for non-administrators). If netsh refuses, the unit fails once
 *   with netsh's words and the fix (the Windows daemon, `switchyard install`), and is not restarted.
 * - The script travels as -EncodedCommand (base64 UTF-16LE), so nothing in it needs unit-file quoting; the
 *   decoded script is written as comments above ExecStart for the reader.
 *
 * It cannot work when systemd is not PID 1 in the distribution (`[boot] systemd=true` in /etc/wsl.conf) or
 * when interop is disabled (`[interop] enabled=false`); `wslUnitProblems` says which.
 */
import { InternalError } from '../errors.js';
import { encodeCommand, POWERSHELL_FLAGS } from '../host/windows/command-line.js';
import { wslConfValue, powershellPath, wslState, type HostProbe } from '../host/windows/location.js';
import { psArray } from '../ps-quote.js';
import { systemdCommandLine } from './systemd-unit.js';

export const WSL_UNIT_NAME = 'switchyard-wsl-forwarding.service';
export const WSL_UNIT_PATH = `/etc/systemd/system/${WSL_UNIT_NAME}`;

/** The two names WSL gives its Windows-side adapter. */
export const WSL_ADAPTER_ALIASES: readonly string[] = [
  'vEthernet (WSL)',
  'vEthernet (WSL (Hyper-V firewall))',
];

/**
 * netsh refused: the token WSL gives Linux cannot change the adapter (Microsoft documents ACCESS_DENIED for
 * non-administrators: learn.microsoft.com windows/win32/api/netioapi/nf-netioapi-setipinterfaceentry). That
 * does not pass with a retry, so the unit says it once and systemd does not restart it
 * (RestartPreventExitStatus=, freedesktop.org systemd.service(5)).
 */
export const NETSH_REFUSED_EXIT = 3;
const NETSH_REFUSED_ADVICE =
  "- the Windows token this WSL session runs with may not change it. Run ''switchyard install'' on Windows (its boot task keeps forwarding on), or start WSL from an elevated terminal. Not retried.";

/**
 * The PowerShell the unit runs: for each WSL adapter that exists, forwarding on via netsh (by interface
 * index, so no alias quoting reaches netsh). Exit 0 when at least one adapter has forwarding on; 2 when no
 * WSL adapter exists (yet), which makes systemd retry; NETSH_REFUSED_EXIT when netsh refuses, which does not.
 */
export function wslForwardingScript(aliases: readonly string[] = WSL_ADAPTER_ALIASES): string {
  return [
    "$ErrorActionPreference = 'Stop'",
    '$done = 0',
    `foreach ($alias in ${psArray([...aliases])}) {`,
    '  $if = Get-NetIPInterface -InterfaceAlias $alias -AddressFamily IPv4 -ErrorAction SilentlyContinue',
    '  if ($null -eq $if) { continue }',
    "  if ([string]$if.Forwarding -ne 'Enabled') {",
    // stdout only: in Windows PowerShell 5.1, 2>&1 under ErrorActionPreference Stop turns a native
    // command's stderr into a terminating error; stderr reaches the journal on its own.
    "    $said = (& netsh.exe interface ipv4 set interface ([string]$if.ifIndex) forwarding=enabled) -join ' '",
    `    if ($LASTEXITCODE -ne 0) { Write-Output ('switchyard: netsh refused to turn IPv4 forwarding on for ' + $alias + ': ' + $said.Trim() + ' ${NETSH_REFUSED_ADVICE}'); exit ${NETSH_REFUSED_EXIT} }`,
    "    Write-Output ('forwarding enabled on ' + $alias)",
    "  } else { Write-Output ('forwarding already on for ' + $alias) }",
    '  $done += 1',
    '}',
    "if ($done -eq 0) { Write-Output 'no vEthernet (WSL) adapter found'; exit 2 }",
    'exit 0',
    '',
  ].join('\n');
}

/**
 * The unit text, with powershell.exe at `powershell` (absolute, inside WSL). `printed`: the header says the
 * text was printed by `switchyard wsl unit`, not written by `wsl install`, which is where it comes from then.
 */
export function wslForwardingUnit(powershell: string, version?: string, printed = false): string {
  if (!powershell.startsWith('/')) {
    throw new InternalError(`powershell.exe must be an absolute path inside WSL: ${powershell}`);
  }
  const script = wslForwardingScript();
  const exec = systemdCommandLine(powershell, [
    ...POWERSHELL_FLAGS,
    '-EncodedCommand',
    encodeCommand(script),
  ]);
  return [
    `# ${printed ? 'Printed by switchyard wsl unit' : 'Written by switchyard wsl install'}${version !== undefined ? ` ${version.replace(/[^\w.+-]/g, '')}` : ''}.`,
    '# Turns IPv4 forwarding on for the Windows-side WSL adapter at every WSL start.',
    '# Runs with the token of the user who started WSL (interop cannot elevate), hence netsh, which works',
    '# non-elevated, rather than Set-NetIPInterface, which needs an administrator.',
    '# Remove with: systemctl disable --now ' + WSL_UNIT_NAME + ' && rm ' + WSL_UNIT_PATH,
    '[Unit]',
    'Description=switchyard: IPv4 forwarding on the Windows vEthernet (WSL) adapter',
    // The WSLInterop binfmt entry must be in place before a Windows binary can be exec'd.
    'After=systemd-binfmt.service local-fs.target',
    'StartLimitIntervalSec=120',
    'StartLimitBurst=8',
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    '# ExecStart runs this PowerShell (as -EncodedCommand):',
    ...script
      .trimEnd()
      .split('\n')
      .map((l) => `#   ${l}`),
    `ExecStart=${exec}`,
    'Restart=on-failure',
    '# netsh refused (no rights): said once in the journal, not retried.',
    `RestartPreventExitStatus=${NETSH_REFUSED_EXIT}`,
    'RestartSec=5s',
    'TimeoutStartSec=60s',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/**
 * Why the unit cannot work in this distribution (empty when it can): not WSL, systemd not PID 1, interop
 * disabled, or no powershell.exe to be found.
 */
export function wslUnitProblems(probe: HostProbe): string[] {
  const problems: string[] = [];
  const state = wslState(probe);
  if (!state.wsl) {
    problems.push('this is not a WSL distribution: the unit is for Linux running inside WSL 2');
    return problems;
  }
  const pid1 = probe.readFile('/proc/1/comm')?.trim();
  if (pid1 !== 'systemd') {
    problems.push(
      `systemd is not PID 1 in this distribution (PID 1 is ${pid1 ?? 'unknown'}), so no unit ever starts: ` +
        'add "[boot]\\nsystemd=true" to /etc/wsl.conf and run wsl.exe --shutdown',
    );
  }
  if (state.interop === 'disabled' || interopDisabledInConf(probe.readFile('/etc/wsl.conf'))) {
    problems.push(
      'Windows interop is disabled, so powershell.exe cannot run from Linux: set "[interop]\\nenabled=true" ' +
        'in /etc/wsl.conf and run wsl.exe --shutdown',
    );
  }
  const ps = powershellPath(probe);
  if (!ps.ok && problems.length === 0) problems.push(ps.reason);
  return problems;
}

/** `[interop] enabled=false` in /etc/wsl.conf. */
export function interopDisabledInConf(wslConf: string | undefined): boolean {
  return /^(false|0|no)$/i.test(wslConfValue(wslConf, 'interop', 'enabled') ?? '');
}
