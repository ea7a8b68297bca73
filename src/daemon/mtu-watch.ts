/**
 * `mtu: auto`: the daemon resolves the uplink MTU (src/net/uplink-mtu.ts) before it serves, then re-checks
 * every 30 s (two `ip -j` calls on Linux; one observation on Windows), so a VPN that comes up later lowers
 * option 26 from the next ACK, and raises it again when the VPN goes. Every change is logged once; when no
 * uplink is found, option 26 is left out and the reason logged once. A failed read keeps the last value.
 *
 * The scopes are the live objects the policy chain reads (reply-options.ts reads `scope.mtu` per reply).
 */
import type { Scope } from '../dhcp/scope.js';
import type { Logger } from '../log.js';
import { describeUplinkMtu, uplinkMtu, type UplinkLink, type UplinkRoute } from '../net/uplink-mtu.js';

export const MTU_CHECK_MS = 30_000;

export type UplinkReader = () => Promise<{ links: UplinkLink[]; routes: UplinkRoute[] }>;

export interface MtuWatchOptions {
  scopes: readonly Scope[];
  read: UplinkReader;
  /** Interfaces that never count as uplinks: the switches' and WSL's. */
  exclude: readonly string[];
  log: Logger;
  intervalMs?: number;
}

export interface MtuWatch {
  /** One read-and-update pass. Never rejects. */
  check: () => Promise<void>;
  stop: () => Promise<void>;
}

export function createMtuWatch(opts: MtuWatchOptions): MtuWatch {
  const auto = opts.scopes.filter((s) => s.mtuAuto === true);
  let last: string | undefined;
  let lastError: string | undefined;
  const check = async (): Promise<void> => {
    if (auto.length === 0) return;
    let found;
    try {
      const { links, routes } = await opts.read();
      found = uplinkMtu(links, routes, opts.exclude);
      lastError = undefined;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (msg !== lastError)
        opts.log.warn({ err: msg }, 'mtu auto: could not read the uplink; option 26 unchanged');
      lastError = msg;
      return;
    }
    for (const s of auto) s.mtu = found.mtu;
    const now = describeUplinkMtu(found);
    if (now === last) return;
    last = now;
    const switches = auto.map((s) => s.switchName);
    if (found.mtu === undefined) {
      opts.log.warn({ switches, why: found.why }, 'mtu auto: no uplink found; option 26 not sent');
    } else {
      opts.log.info(
        { switches, mtu: found.mtu, via: found.via },
        `mtu auto: option 26 = ${found.mtu} (uplink ${found.via.join(', ')})`,
      );
    }
  };
  return { check, stop: () => Promise.resolve() };
}

/** Resolves once (awaited, so the first reply already carries it), then re-checks every `intervalMs`. */
export async function startMtuWatch(opts: MtuWatchOptions): Promise<MtuWatch> {
  const watch = createMtuWatch(opts);
  if (!opts.scopes.some((s) => s.mtuAuto === true)) return watch;
  await watch.check();
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= watch.check().finally(() => (running = undefined)); // never two at once
  }, opts.intervalMs ?? MTU_CHECK_MS);
  timer.unref();
  return {
    check: watch.check,
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
