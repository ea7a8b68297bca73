/**
 * The reconciler pipeline shared by `plan`, `apply`, `install`, `doctor` and the daemon's boot-time re-pin:
 * config → observe (read-only) → address plan (pinned ranges kept) → desired state → plan. Pure steps in
 * between; effects only through the Host.
 */
import type { Config } from '../config/schema.js';
import { switchInterface } from '../config/switch-interface.js';
import { EnvironmentError } from '../errors.js';
import type { Host } from '../host/host.js';
import { planAddresses, type AddressPlan } from '../model/address-plan.js';
import type { Plan } from '../model/change.js';
import { desiredHost, type DesiredHost } from '../model/desired.js';
import type { ObservedHost } from '../model/observed.js';
import { readPinned } from '../model/pinned.js';
import { resources, type Diff } from '../model/resources/index.js';
import { makePlan } from './plan.js';

export interface PlanResult {
  observed: ObservedHost;
  addresses: AddressPlan;
  desired: DesiredHost;
  plan: Plan;
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
    ...config.switches.map((s) => switchInterface(s, observed.platform)),
    ...(observed.wslInterface ? [observed.wslInterface] : []),
  ]);
  const routes = observed.routes.filter((r) => !managed.has(r.iface)).map((r) => r.dest);
  const addresses = planAddresses({ config, routes, pinned: pinnedRead });
  if (addresses.errors.length > 0)
    throw new EnvironmentError(`cannot choose the address ranges:\n  ${addresses.errors.join('\n  ')}`);
  const desired = shape(desiredHost(config, addresses, observed.platform));
  return { observed, addresses, desired, plan: makePlan(desired, observed, kinds) };
}
