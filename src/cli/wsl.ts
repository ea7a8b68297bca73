/**
 * `switchyard wsl unit` prints and `switchyard wsl install` installs the in-WSL systemd unit that turns
 * forwarding on for the Windows WSL adapter at every WSL start (artifacts/wsl-unit.ts has the why).
 */
import { posix } from 'node:path';
import { EnvironmentError } from '../errors.js';
import { parseAutomountRoot, powershellPath, type HostProbe } from '../host/windows/location.js';
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
  return {
    output: wslForwardingUnit(wslPowershell(probe), version, true),
    problems: wslUnitProblems(probe),
  };
}

/** Runs a command (argv, no shell); status and stderr come back. */
export type CommandRunner = (argv: readonly string[]) => { status: number; stderr: string };

export interface WslInstallEnv {
  probe: HostProbe;
  /** process.getuid(); undefined on platforms without uids. */
  uid: number | undefined;
  writeFile: (path: string, text: string) => void;
  /** systemctl, when systemd is PID 1. */
  run: CommandRunner;
  version?: string;
}

const NOT_PID1 = /^systemd is not PID 1/;

/**
 * Writes the unit to /etc/systemd/system (root, inside a WSL distribution with interop) and enables it:
 * `systemctl daemon-reload`, `systemctl enable`, then `systemctl start --no-block` (a oneshot that finds no
 * WSL adapter yet fails and retries; enable must not be reported as failed for that). When systemd is not
 * PID 1 nothing can be enabled now: the unit is written and the exact steps are printed instead.
 */
export function wslInstallCommand(env: WslInstallEnv): string {
  const all = wslUnitProblems(env.probe);
  const problems = all.filter((p) => !NOT_PID1.test(p));
  if (problems.length > 0) {
    throw new EnvironmentError(
      `the WSL forwarding unit cannot work here:\n${all.map((p) => `  - ${p}`).join('\n')}\n` +
        'alternative: run the switchyard daemon on Windows (switchyard install there); its keeper does the same',
    );
  }
  if (env.uid !== 0) {
    throw new EnvironmentError(`writing ${WSL_UNIT_PATH} needs root: run sudo switchyard wsl install`);
  }
  env.writeFile(WSL_UNIT_PATH, wslForwardingUnit(wslPowershell(env.probe), env.version));
  const notPid1 = all.find((p) => NOT_PID1.test(p));
  if (notPid1 !== undefined) {
    return (
      `wrote ${WSL_UNIT_PATH}, but it cannot be enabled now: ${notPid1}\n` +
      'then, inside WSL, enable it with:\n' +
      `  sudo systemctl enable --now ${WSL_UNIT_NAME}\n`
    );
  }
  for (const argv of [
    ['systemctl', 'daemon-reload'],
    ['systemctl', 'enable', WSL_UNIT_NAME],
    ['systemctl', 'start', '--no-block', WSL_UNIT_NAME],
  ]) {
    const r = env.run(argv);
    if (r.status !== 0) {
      throw new EnvironmentError(
        `wrote ${WSL_UNIT_PATH}, but \`${argv.join(' ')}\` failed (exit ${r.status}): ${r.stderr.trim()}`,
      );
    }
  }
  return (
    `wrote and enabled ${WSL_UNIT_PATH} (it runs at every WSL start; started now)\n` +
    `check it with: systemctl status ${WSL_UNIT_NAME}\n`
  );
}
