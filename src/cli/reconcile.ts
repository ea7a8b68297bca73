/**
 * The reconciler pipeline shared by `plan` and `apply`: config → observe (read-only) → address plan (pinned
 * ranges kept) → desired state → plan. Pure steps in between; effects only through the Host.
 */
import type { Config } from '../config/schema.js';
import { EnvironmentError } from '../errors.js';
import type { Host } from '../host/host.js';
import { LinuxHost } from '../host/linux/host.js';
import { WindowsHost } from '../host/windows/host.js';
import { systemProbe, wslState, type HostProbe } from '../host/windows/powershell.js';
import { planAddresses, type AddressPlan } from '../model/address-plan.js';
import { desiredHost, switchInterface, type DesiredHost } from '../model/desired.js';
import type { ObservedHost } from '../model/observed.js';
import { readPinned } from '../model/pinned.js';
import { resources, type Diff } from '../model/resources/index.js';
import { makePlan } from '../reconcile/plan.js';
import type { Plan } from '../model/change.js';
import { formatCidr } from '../net/ipv4.js';

export interface PlanResult {
  observed: ObservedHost;
  addresses: AddressPlan;
  desired: DesiredHost;
  plan: Plan;
}

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
 * `shape` adjusts the desired state before the diff (install adds the boot task); `kinds` limits the
 * resource kinds planned (the boot-time WSL re-pin plans only the WSL range).
 */
export async function computePlan(
  config: Config,
  stateDir: string,
  host: Host,
  shape: (d: DesiredHost) => DesiredHost = (d) => d,
  kinds: readonly Diff[] = resources,
): Promise<PlanResult> {
  const observed = await host.observe();
  const pinnedRead = await readPinned(stateDir);
  if (pinnedRead && 'error' in pinnedRead)
    throw new EnvironmentError(`${stateDir}/pinned.json: ${pinnedRead.error}`);
  // Routes on the adapters we manage are not obstacles: a range must not be seen to clash with itself.
  const managed = new Set([
    ...config.switches.map((s) => switchInterface(s.name, s.interface, observed.platform)),
    ...(observed.wslInterface ? [observed.wslInterface] : []),
  ]);
  const routes = observed.routes.filter((r) => !managed.has(r.iface)).map((r) => r.dest);
  const addresses = planAddresses({ config, routes, pinned: pinnedRead });
  if (addresses.errors.length > 0)
    throw new EnvironmentError(`cannot choose the address ranges:\n  ${addresses.errors.join('\n  ')}`);
  const desired = shape(desiredHost(config, addresses, observed.platform));
  return { observed, addresses, desired, plan: makePlan(desired, observed, kinds) };
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
