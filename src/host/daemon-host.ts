/**
 * The daemon host for a platform (host/daemon-port.ts), chosen once, at the composition root
 * (cli/serve.ts; the CLI's scope lookups in cli/switch-scope.ts; tests that start the daemon).
 * Windows gets the PowerShell backend; every other platform the Linux one, as `serve` always did.
 */
import type { DaemonHost } from './daemon-port.js';
import { linuxDaemonHost, type LinuxDaemonHostDeps } from './linux/daemon-host.js';
import { windowsDaemonHost, type WindowsDaemonHostDeps } from './windows/daemon-host.js';

export type DaemonHostDeps = LinuxDaemonHostDeps & WindowsDaemonHostDeps;

export function daemonHostFor(platform: NodeJS.Platform, deps: DaemonHostDeps = {}): DaemonHost {
  return platform === 'win32'
    ? windowsDaemonHost(deps.powershell ? { powershell: deps.powershell } : {})
    : linuxDaemonHost(deps.run ? { run: deps.run } : {}, platform);
}
