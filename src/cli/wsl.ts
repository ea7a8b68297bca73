/**
 * `switchyard wsl unit` prints and `switchyard wsl install` installs the in-WSL systemd unit that turns
 * forwarding on for the Windows WSL adapter at every WSL start (artifacts/wsl-unit.ts has the why).
 */
import { posix } from 'node:path';
import { EnvironmentError } from '../errors.js';
import { parseAutomountRoot, powershellPath, type HostProbe } from '../host/windows/powershell.js';
import { WSL_UNIT_NAME, WSL_UNIT_PATH, wslForwardingUnit, wslUnitProblems } from '../artifacts/wsl-unit.js';

/** powershell.exe inside WSL: powershellPath when it gives an absolute Linux path, else <automount root>c/…. */
export function wslPowershell(probe: HostProbe): string {
  const found = powershellPath(probe);
  if (found.ok && posix.isAbsolute(found.path)) return found.path;
  return `${parseAutomountRoot(probe.readFile('/etc/wsl.conf'))}c/Windows/System32/WindowsPowerShell/v1.0/powershell.exe`;
}

export interface WslUnitResult {
  /** The unit text (stdout). */
  output: string;
  /** Why it would not work in this distribution (stderr); empty when it would. */
  problems: string[];
}

export function wslUnitCommand(probe: HostProbe, version?: string): WslUnitResult {
  return { output: wslForwardingUnit(wslPowershell(probe), version), problems: wslUnitProblems(probe) };
}

export interface WslInstallEnv {
  probe: HostProbe;
  /** process.getuid(); undefined on platforms without uids. */
  uid: number | undefined;
  writeFile: (path: string, text: string) => void;
  version?: string;
}

/** Writes the unit to /etc/systemd/system when run as root inside a WSL distribution with systemd and interop. */
export function wslInstallCommand(env: WslInstallEnv): string {
  const problems = wslUnitProblems(env.probe);
  if (problems.length > 0) {
    throw new EnvironmentError(
      `the WSL forwarding unit cannot work here:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'alternative: run the switchyard daemon on Windows (switchyard install there); its keeper does the same',
    );
  }
  if (env.uid !== 0) {
    throw new EnvironmentError(`writing ${WSL_UNIT_PATH} needs root: run sudo switchyard wsl install`);
  }
  env.writeFile(WSL_UNIT_PATH, wslForwardingUnit(wslPowershell(env.probe), env.version));
  return (
    `wrote ${WSL_UNIT_PATH}\n` +
    'enable it (now and at every WSL start) with:\n' +
    `  systemctl daemon-reload && systemctl enable --now ${WSL_UNIT_NAME}\n` +
    `check it with: systemctl status ${WSL_UNIT_NAME}\n`
  );
}
