/**
 * `mtu: auto`: the daemon resolves the uplink MTU (src/net/uplink-mtu.ts), then re-reads it when the adapter
 * list changes and every 5 minutes as a safety net (Linux: startMtuWatch, two `ip -j` runs per read; Windows:
 * windows-watch.ts, from its targeted script), so a VPN that comes up later lowers option 26 from the next
 * ACK, and raises it again when the VPN goes. Every change is logged once; when no
 * uplink is found, option 26 is left out and the reason logged once. A failed read keeps the last value.
 *
 * A change is a new scope set on the switch's cell (src/dhcp/scope-cell.ts), which encodes option 26 once;
 * the next reply carries it.
 */
import { networkInterfaces } from 'node:os';
import type { Clock } from '../clock.js';
import type { ScopeCell } from '../dhcp/scope-cell.js';
import type { Logger } from '../log.js';
import { adapterFingerprint, startChangeWatch, type InterfaceTable, type Timers } from './change-watch.js';
import { describeUplinkMtu, uplinkMtu, type UplinkLink, type UplinkRoute } from '../net/uplink-mtu.js';

/** The safety net: a full re-read this often even when no adapter changed. */
export const MTU_CHECK_MS = 5 * 60_000;

/** How often the adapter list is compared (in-process, os.networkInterfaces()). */
export const CHANGE_POLL_MS = 5000;

/** What a change-driven watch runs on: the clock, timers and adapter list (injectable for tests). */
export interface ChangeWatchDeps {
  clock: Clock;
  timers?: Timers;
  networkInterfaces?: () => InterfaceTable;
  pollMs?: number;
}

export type UplinkReader = () => Promise<{ links: UplinkLink[]; routes: UplinkRoute[] }>;

export interface MtuWatchOptions {
  cells: readonly ScopeCell[];
  read: UplinkReader;
  /** Interfaces that never count as uplinks: the switches' and WSL's. */
  exclude: readonly string[];
  log: Logger;
  intervalMs?: number;
}

export interface MtuWatch {
  /** One read-and-update pass. Never rejects. */
  check: () => Promise<void>;
  /** The update half of `check`, for links and routes read some other way (windows-watch.ts). */
  update: (uplink: { links: UplinkLink[]; routes: UplinkRoute[] }) => void;
  stop: () => Promise<void>;
}

export function createMtuWatch(opts: MtuWatchOptions): MtuWatch {
  const auto = opts.cells.filter((c) => c.scope.mtuAuto === true);
  let last: string | undefined;
  let lastError: string | undefined;
  const update = ({ links, routes }: { links: UplinkLink[]; routes: UplinkRoute[] }): void => {
    if (auto.length === 0) return;
    const found = uplinkMtu(links, routes, opts.exclude);
    lastError = undefined;
    for (const c of auto) if (c.scope.mtu !== found.mtu) c.set({ ...c.scope, mtu: found.mtu });
    const now = describeUplinkMtu(found);
    if (now === last) return;
    last = now;
    const switches = auto.map((c) => c.scope.switchName);
    if (found.mtu === undefined) {
      opts.log.warn({ switches, why: found.why }, 'mtu auto: no uplink found; option 26 not sent');
    } else {
      opts.log.info(
        { switches, mtu: found.mtu, via: found.via },
        `mtu auto: option 26 = ${found.mtu} (uplink ${found.via.join(', ')})`,
      );
    }
  };
  const check = async (): Promise<void> => {
    if (auto.length === 0) return;
    let read;
    try {
      read = await opts.read();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (msg !== lastError)
        opts.log.warn({ err: msg }, 'mtu auto: could not read the uplink; option 26 unchanged');
      lastError = msg;
      return;
    }
    update(read);
  };
  return { check, update, stop: () => Promise.resolve() };
}

/**
 * Resolves once (awaited, so the first reply already carries it: on Linux two `ip -j` runs), then re-reads
 * when the adapter list changes (change-watch.ts, every `pollMs`) and every `intervalMs` whatever changed
 * (a VPN re-connected on the same tun address with another MTU shows no change in the adapter list).
 */
export async function startMtuWatch(opts: MtuWatchOptions & ChangeWatchDeps): Promise<MtuWatch> {
  const watch = createMtuWatch(opts);
  if (!opts.cells.some((c) => c.scope.mtuAuto === true)) return watch;
  await watch.check();
  const list = opts.networkInterfaces ?? networkInterfaces;
  const changes = startChangeWatch({
    fingerprint: () => adapterFingerprint(list(), () => true),
    onChange: watch.check,
    onFull: watch.check,
    pollMs: opts.pollMs ?? CHANGE_POLL_MS,
    fullMs: opts.intervalMs ?? MTU_CHECK_MS,
    clock: opts.clock,
    checkedNow: true,
    ...(opts.timers ? { timers: opts.timers } : {}),
  });
  return { ...watch, stop: changes.stop };
}
