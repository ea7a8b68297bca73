/** Which Host the CLI converges (hostFor), and the planner's reasons as text (renderRanges). */
import type { Config } from '../config/schema.js';
import { EnvironmentError } from '../errors.js';
import type { Host } from '../host/host.js';
import { LinuxHost } from '../host/linux/host.js';
import { WindowsHost } from '../host/windows/host.js';
import { systemProbe, wslState, type HostProbe } from '../host/windows/location.js';
import type { AddressPlan } from '../model/address-plan.js';
import { formatCidr } from '../net/ipv4.js';
import { shWord } from '../sh-quote.js';

/**
 * Windows, and WSL (which converges its Windows host through powershell.exe), get the Windows backend;
 * other Linux hosts the Linux backend.
 */
export function hostFor(config: Config, probe: HostProbe = systemProbe()): Host {
  if (probe.platform === 'win32' || (probe.platform === 'linux' && wslState(probe).wsl))
    return new WindowsHost();
  if (probe.platform === 'linux') {
    return new LinuxHost(config.wsl?.interface !== undefined ? { wslInterface: config.wsl.interface } : {});
  }
  throw new EnvironmentError(`plan/apply support Windows (and WSL) and Linux hosts, not ${probe.platform}`);
}

/**
 * Observing a Linux host reads our nftables table, which needs CAP_NET_ADMIN (src/host/linux/observe.ts):
 * without root, say how to run it instead of passing nft's "Operation not permitted" on.
 */
export function requireRoot(
  host: Host,
  argv: readonly string[],
  uid: number | undefined = process.getuid?.(),
): void {
  if (host instanceof LinuxHost && uid !== undefined && uid !== 0)
    throw new EnvironmentError(`needs root: sudo switchyard ${argv.map(shWord).join(' ')}`);
}

/** Why each range is what it is (the planner's reasons), for `plan`'s output. */
export function renderRanges(a: AddressPlan): string {
  const lines: string[] = ['Address ranges:'];
  if (a.wsl) lines.push(`  wsl: ${formatCidr(a.wsl.subnet)} — ${a.wsl.why}`);
  for (const s of a.switches) {
    lines.push(`  switch ${s.name}: ${formatCidr(s.subnet)} — ${s.why}`);
    for (const r of s.rejected.slice(0, 5))
      lines.push(`    rejected ${formatCidr(r.candidate)}: ${r.reason}`);
  }
  for (const w of a.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n') + '\n';
}
