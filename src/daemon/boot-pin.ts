/**
 * The boot-time WSL re-pin. WSL rewrites HKLM Lxss NatNetwork/NatGatewayIpAddress with the range it fell back
 * to when its pinned range clashed at start (docs/windows.md#wsl-range), and it reads them when it next
 * creates its network. The boot task starts `switchyard serve` at startup as SYSTEM, before any user logs on
 * and so before WSL can start: serve calls this first, so the pinned range is back in place for WSL's first
 * start, and a fallback is reported (warn) with the fix. Only the HKLM values: HKCU NatIpAddress belongs to
 * the user's hive, which SYSTEM's HKCU is not. What it overwrites is recorded for uninstall (originals.ts).
 */
import type { Config } from '../config/schema.js';
import type { Host } from '../host/host.js';
import { readOnly } from '../host/host.js';
import type { Logger } from '../log.js';
import { recordOriginals } from '../model/originals.js';
import { diffWsl } from '../model/resources/wsl.js';
import { formatCidr } from '../net/ipv4.js';
import { applyPlan } from '../reconcile/apply.js';
import { computePlan } from '../reconcile/compute.js';

export interface RepinResult {
  outcome: 'no-wsl' | 'as-pinned' | 'repinned' | 'failed';
  /** The pinned range (CIDR), when it could be worked out: the keeper reports drift from it. */
  pinned?: string;
}

export async function repinWslRange(
  config: Config,
  stateDir: string,
  host: Host,
  log: Logger,
): Promise<RepinResult> {
  if (config.wsl === undefined) return { outcome: 'no-wsl' };
  let pinned: string | undefined;
  try {
    const r = await computePlan(config, stateDir, readOnly(host), (d) => d, [diffWsl]);
    pinned = r.desired.wsl ? formatCidr(r.desired.wsl.subnet) : undefined;
    const result = (outcome: RepinResult['outcome']): RepinResult => ({
      outcome,
      ...(pinned !== undefined ? { pinned } : {}),
    });
    const changes = r.plan.changes.filter((c) => c.key === 'HKLM Lxss');
    if (changes.length === 0) {
      log.info({ range: pinned }, 'WSL range is as pinned');
      return result('as-pinned');
    }
    const seen = r.observed.wsl?.natNetwork;
    if (seen !== undefined) {
      log.warn(
        {
          observed: seen,
          pinned,
          fix: 're-pinned now; if WSL is already running, run `wsl --shutdown` so it recreates its network in the pinned range',
        },
        'WSL range drifted: WSL fell back to another range (its range clashed with a route when it started)',
      );
    }
    const plan = { changes };
    await recordOriginals(stateDir, plan, r.observed);
    const report = await applyPlan(plan, host);
    if (report.failed) {
      log.error({ err: report.failed.error }, 'could not re-pin the WSL range');
      return result('failed');
    }
    log.info({ range: pinned }, 'WSL range pinned');
    return result('repinned');
  } catch (e) {
    // Serving DHCP matters more than the pin: report and go on.
    log.error({ err: e instanceof Error ? e.message : String(e) }, 'could not re-pin the WSL range');
    return { outcome: 'failed', ...(pinned !== undefined ? { pinned } : {}) };
  }
}
