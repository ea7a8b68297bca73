/**
 * What `serve` checks before it touches anything (the journal, sockets): another daemon on the same state
 * directory, and switches that do not exist yet. Each refusal names the cause and the command that fixes it.
 */
import type { Config } from '../config/schema.js';
import { EnvironmentError } from '../errors.js';
import type { Logger } from '../log.js';
import type { InterfaceInfo } from '../host/interface-info.js';
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

/** How long `serve` waits for the switches' interfaces before it refuses (requireSwitches). */
export interface SwitchWait {
  /** 0 = look once. */
  boundMs: number;
  /** Between looks (default 1 s). */
  pollMs?: number;
  /** How often "still waiting" is logged (default 10 s). */
  logEveryMs?: number;
  log: Logger;
}

/** Windows' default: the boot task can fire before Hyper-V has brought the switch's vNIC up. */
export const WINDOWS_SWITCH_WAIT_MS = 120_000;

/**
 * Every DHCP switch's interface must exist: after a reboot nothing of a switch is left (bridge, address,
 * NAT) until `apply` re-creates it from the pinned ranges — the systemd unit's ExecStartPre does that.
 * On Windows the switch survives a reboot, but the boot task can start before its vEthernet adapter is up
 * (or before its address is listed): with `wait` the check repeats, bounded, logging while it waits, so the
 * daemon is not left down until the task's 5-minute repetition.
 */
export async function requireSwitches(
  config: Config,
  interfaceOf: (sw: Config['switches'][number]) => string,
  inspect: (name: string) => Promise<InterfaceInfo>,
  applyCommand: string,
  wait?: SwitchWait,
): Promise<void> {
  const start = Date.now();
  let lastLog = -Infinity;
  for (;;) {
    const missing: string[] = [];
    for (const sw of config.switches.filter((s) => s.dhcp.enabled)) {
      const ifname = interfaceOf(sw);
      const info = await inspect(ifname);
      // While waiting, an adapter without any address yet is not up yet either (Windows lists it late).
      if (!info.exists || (wait !== undefined && wait.boundMs > 0 && info.addresses.length === 0))
        missing.push(`switch "${sw.name}" (interface ${ifname})`);
    }
    const waited = Date.now() - start;
    if (missing.length === 0) {
      if (waited > 0 && lastLog > -Infinity)
        wait?.log.info({ waitedS: Math.round(waited / 1000) }, 'switch interfaces are up: starting');
      return;
    }
    if (wait === undefined || waited >= wait.boundMs) {
      const after = wait !== undefined && wait.boundMs > 0 ? ` (waited ${Math.round(waited / 1000)} s)` : '';
      throw new EnvironmentError(
        `${missing.join(', ')} does not exist on this host${after} (not built yet, or gone since a reboot): run ${applyCommand} first`,
      );
    }
    if (waited - lastLog >= (wait.logEveryMs ?? 10_000)) {
      lastLog = waited;
      wait.log.warn(
        { missing, waitedS: Math.round(waited / 1000), boundS: Math.round(wait.boundMs / 1000) },
        'switch interface not up yet (at boot Windows brings the vNIC up after the task starts): waiting',
      );
    }
    const pause = Math.min(wait.pollMs ?? 1000, wait.boundMs - waited);
    await new Promise((r) => setTimeout(r, pause));
  }
}
