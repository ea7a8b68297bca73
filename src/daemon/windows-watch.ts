/**
 * The daemon's host work on Windows: forwarding kept on for the switch and WSL adapters, `mtu: auto`
 * followed, WSL range drift reported — at almost no cost while nothing changes. Each PowerShell start
 * costs up to a second of CPU and one event-log entry, so:
 * - the adapter list is compared in-process every 2 s (change-watch.ts); a change runs the targeted
 *   check (the daemon host's adapterChecks: host/windows/keeper-script.ts, NetTCPIP only), which repairs
 *   forwarding in the same run;
 * - the full observation runs every 15 minutes as a safety net (forwarding turned off with no adapter
 *   change, a route or MTU changed on the same adapter, WSL's range drifting) — a repair it calls for
 *   runs the targeted script once more;
 * - one PowerShell process per check, not a long-lived one: with a handful of checks an hour, a resident
 *   PowerShell would save little CPU and keep a large process and a stdin protocol alive for months
 *   (docs/benchmarks.md#the-idle-daemon).
 * Every script runs as the process the daemon is (runPowerShell: the boot task's SYSTEM), never through
 * the UAC wrapper; a repair that fails (a daemon that is not elevated) is reported once per adapter and
 * message and tried again at the next change or safety net, not every few seconds.
 */
import { networkInterfaces } from 'node:os';
import type { Clock } from '../clock.js';
import type { AdapterChecks } from '../host/daemon-port.js';
import type { Logger } from '../log.js';
import type { ObservedHost } from '../model/observed.js';
import { adapterFingerprint, startChangeWatch, type InterfaceTable, type Timers } from './change-watch.js';
import type { MtuWatch } from './mtu-watch.js';

/** How often the adapter list is compared: a re-created WSL adapter is repaired within this plus one run. */
export const WINDOWS_POLL_MS = 2000;
/** The safety net's period. */
export const WINDOWS_FULL_MS = 15 * 60_000;

export interface WindowsWatchOptions {
  /** The checks the watch runs (the daemon host's adapterChecks, for the adapters kept and `mtu: auto`). */
  checks: AdapterChecks;
  /** Whether any adapter's forwarding is kept on. */
  keeping: boolean;
  /** The `mtu: auto` scopes' watch, when there are any. */
  mtu?: MtuWatch;
  /** Hears every full observation (wsl-drift.ts). */
  onObserved?: (o: ObservedHost) => void;
  log: Logger;
  clock: Clock;
  timers?: Timers;
  networkInterfaces?: () => InterfaceTable;
  pollMs?: number;
  fullMs?: number;
}

export interface WindowsWatch {
  stop: () => Promise<void>;
}

const NOT_ELEVATED_FIX =
  'the daemon does not ask for elevation: run it as the boot task (`switchyard install`) or from an elevated terminal';

export function startWindowsWatch(o: WindowsWatchOptions): WindowsWatch {
  const list = o.networkInterfaces ?? networkInterfaces;
  const kept = (alias: string): boolean => o.checks.kept(alias);
  const keeping = o.keeping;

  /** The last problem reported, per adapter (or '' for the check itself): each is logged once. */
  const reported = new Map<string, string>();
  const report = (key: string, message: string, fields: Record<string, unknown>): void => {
    if (reported.get(key) === message) return;
    reported.set(key, message);
    o.log.warn({ ...fields, err: message }, 'host watch: check failed; tried again at the next change');
  };

  const targeted = async (): Promise<void> => {
    const parsed = await o.checks.repair();
    if (typeof parsed === 'string') {
      report('', parsed, { check: 'forwarding and uplink (NetTCPIP)' });
      return;
    }
    reported.delete('');
    for (const alias of parsed.enabled) {
      reported.delete(alias.toLowerCase());
      o.log.info({ interface: alias }, `forwarding re-enabled on ${alias} (the adapter was recreated?)`);
    }
    for (const f of parsed.failed) {
      report(f.alias.toLowerCase(), f.message, {
        interface: f.alias,
        errorId: f.errorId,
        ...(parsed.elevated ? {} : { fix: NOT_ELEVATED_FIX }),
      });
    }
    if (o.mtu && parsed.uplink) o.mtu.update(parsed.uplink);
  };

  const full = async (): Promise<void> => {
    const parsed = await o.checks.observe();
    if (typeof parsed === 'string') {
      report('\0full', parsed, { check: 'full observation' });
      return;
    }
    reported.delete('\0full');
    o.onObserved?.(parsed.host);
    if (o.mtu && parsed.uplink) o.mtu.update(parsed.uplink);
    // A repair that failed already (not elevated) is tried again at the next adapter change, not here.
    const off = parsed.interfaces.filter((i) => kept(i.alias) && !i.forwarding);
    if (off.some((i) => !reported.has(i.alias.toLowerCase()))) await targeted();
  };

  const changes = startChangeWatch({
    // With mtu: auto every adapter matters (a VPN's comes and goes); else only the kept ones.
    fingerprint: () => adapterFingerprint(list(), o.mtu ? () => true : kept),
    onChange: () => (keeping || o.mtu ? targeted() : Promise.resolve()),
    onFull: full,
    pollMs: o.pollMs ?? WINDOWS_POLL_MS,
    fullMs: o.fullMs ?? WINDOWS_FULL_MS,
    clock: o.clock,
    ...(o.timers ? { timers: o.timers } : {}),
  });
  return { stop: changes.stop };
}
