/**
 * The daemon host on Windows (host/daemon-port.ts): interfaces from Node's own adapter list (no process
 * started), and everything else in PowerShell, run as the process the daemon is (runPowerShell: the boot
 * task's SYSTEM), never through the UAC wrapper — the targeted check (keeper-script.ts: NetTCPIP only)
 * and the full observation. The daemon runs them only when the adapter list changes and as a safety net
 * (daemon/windows-watch.ts): each PowerShell start costs 0.6–1 s of CPU.
 */
import { networkInterfaces } from 'node:os';
import type { AdapterChecks, AdapterCheckOptions, DaemonHost, Identify } from '../daemon-port.js';
import { toObservedHost } from './host.js';
import { inspectWindowsInterface } from './interfaces.js';
import { keeperScript, parseKeeperResult } from './keeper-script.js';
import { isObservationError, parseObservation } from './observation-parse.js';
import { WSL_ADAPTER_NAME } from './observation-query.js';
import { observationScript } from './observation-script.js';
import type { PsOutcome } from './outcome.js';
import { runPowerShell, type RunOptions } from './spawn-runner.js';
import { windowsUplink } from './uplink.js';

/** The adapter's IPv6 scope id (its interface index), else just "present". */
export const windowsIdentify: Identify = (ifname) => {
  const entries = networkInterfaces()[ifname];
  if (!entries) return Promise.resolve(undefined);
  const v6 = entries.find((e) => e.family === 'IPv6' && e.scopeid !== undefined && e.scopeid !== 0);
  return Promise.resolve(v6?.scopeid !== undefined ? String(v6.scopeid) : 'present');
};

export interface WindowsDaemonHostDeps {
  /** How PowerShell is found and run (default: the real one). */
  powershell?: RunOptions;
}

export function windowsDaemonHost(deps: WindowsDaemonHostDeps = {}): DaemonHost {
  const run = (script: string): Promise<PsOutcome> => runPowerShell(script, deps.powershell);
  return {
    platform: 'win32',
    inspect: (name) => inspectWindowsInterface(name),
    switchesComeUpLate: true,
    identify: windowsIdentify,
    adapterChecks: (o) => adapterChecks(o, run),
  };
}

/** `run`, with a thrown error (PowerShell not found, could not start) as a failed outcome's message. */
async function attempt(
  run: (script: string) => Promise<PsOutcome>,
  script: string,
): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
  try {
    const outcome = await run(script);
    return outcome.ok ? outcome : { ok: false, message: outcome.failure.message };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

function adapterChecks(o: AdapterCheckOptions, run: (script: string) => Promise<PsOutcome>): AdapterChecks {
  const forward = new Set(o.forward.map((a) => a.toLowerCase()));
  const script = keeperScript({ forward: o.forward, wsl: o.wsl, uplink: o.uplink });
  return {
    kept: (alias) => forward.has(alias.toLowerCase()) || (o.wsl && WSL_ADAPTER_NAME.test(alias)),
    async repair() {
      const outcome = await attempt(run, script);
      if (!outcome.ok) return outcome.message;
      const parsed = parseKeeperResult(outcome.value);
      if (typeof parsed === 'string') return parsed;
      return {
        enabled: parsed.enabled,
        failed: parsed.failed,
        elevated: parsed.observed.elevated,
        ...(o.uplink ? { uplink: windowsUplink(parsed.observed) } : {}),
      };
    },
    async observe() {
      const outcome = await attempt(run, observationScript());
      const parsed = outcome.ok ? parseObservation(outcome.value) : { error: outcome.message };
      if (isObservationError(parsed)) return parsed.error;
      return {
        host: toObservedHost(parsed),
        interfaces: parsed.interfaces ?? [],
        ...(o.uplink ? { uplink: windowsUplink(parsed) } : {}),
      };
    },
  };
}
