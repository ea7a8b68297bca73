/**
 * What `serve` checks before it touches anything (the journal, sockets): another daemon on the same state
 * directory, and switches that do not exist yet. Each refusal names the cause and the command that fixes it.
 */
import type { Config } from '../config/schema.js';
import { EnvironmentError } from '../errors.js';
import type { InterfaceInfo } from '../host/linux/interfaces.js';
import { callDaemon } from './control/client.js';
import { controlPath } from './control/path.js';

/** Refuses when a daemon already answers on this state directory's control channel. */
export async function refuseSecondDaemon(stateDir: string, platform: NodeJS.Platform): Promise<void> {
  const r = await callDaemon(controlPath(stateDir, platform), 'status', {}, { timeoutMs: 2000 });
  if (!r.running) return;
  const pid =
    r.ok && typeof r.result === 'object' && r.result !== null && 'pid' in r.result
      ? String(r.result.pid)
      : 'unknown';
  throw new EnvironmentError(
    `switchyard serve is already running (pid ${pid}) with state dir ${stateDir}: stop it first, or give this one another --state-dir`,
  );
}

/**
 * Every DHCP switch's interface must exist: after a reboot nothing of a switch is left (bridge, address,
 * NAT) until `apply` re-creates it from the pinned ranges — the systemd unit's ExecStartPre does that.
 */
export async function requireSwitches(
  config: Config,
  interfaceOf: (sw: Config['switches'][number]) => string,
  inspect: (name: string) => Promise<InterfaceInfo>,
  applyCommand: string,
): Promise<void> {
  const missing: string[] = [];
  for (const sw of config.switches.filter((s) => s.dhcp.enabled)) {
    const ifname = interfaceOf(sw);
    if (!(await inspect(ifname)).exists) missing.push(`switch "${sw.name}" (interface ${ifname})`);
  }
  if (missing.length === 0) return;
  throw new EnvironmentError(
    `${missing.join(', ')} does not exist on this host (not built yet, or gone since a reboot): run ${applyCommand} first`,
  );
}
