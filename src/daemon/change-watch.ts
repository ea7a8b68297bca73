/**
 * Noticing host changes in-process, so the daemon runs nothing while nothing changes. `os.networkInterfaces()`
 * is one getifaddrs (Linux) / GetAdaptersAddresses (Windows) call inside Node; a fingerprint of the adapters
 * that matter (name, MAC, addresses, and the IPv6 scope id, which is the interface index — so a re-created
 * adapter shows a new one even with the same name and addresses) is compared every few seconds. Only a
 * change runs the expensive check; a full check still runs every `fullMs` as a safety net for what leaves
 * no trace in the adapter list (forwarding turned off by hand, a route or MTU changed on the same adapter).
 * On Windows the list is keyed by the adapter's FriendlyName (= InterfaceAlias), and an adapter with no
 * unicast address is left out (libuv src/win/util.c, uv_interface_addresses).
 */
import { networkInterfaces } from 'node:os';
import type { Clock } from '../clock.js';

export interface TimerHandle {
  unref(): unknown;
}

/** Timers as an injected dependency (tests drive a fake clock: test/fakes/fake-timers.ts). */
export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The globals, looked up at each call. */
export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => {
    clearTimeout(h as Parameters<typeof clearTimeout>[0]);
  },
};

export type InterfaceTable = ReturnType<typeof networkInterfaces>;

/** One line per adapter whose name `matters`: name, MAC, sorted addresses (IPv6 with its scope id). */
export function adapterFingerprint(table: InterfaceTable, matters: (name: string) => boolean): string {
  const lines: string[] = [];
  for (const [name, entries] of Object.entries(table)) {
    if (entries === undefined || !matters(name)) continue;
    const addresses = entries
      .map((e) => (e.family === 'IPv6' ? `${e.address}%${e.scopeid ?? ''}` : (e.cidr ?? e.address)))
      .sort();
    lines.push(`${name}\t${entries[0]?.mac ?? ''}\t${addresses.join(' ')}`);
  }
  return lines.sort().join('\n');
}

export interface ChangeWatchOptions {
  /** What matters now, cheaply (in-process). */
  fingerprint: () => string;
  /** Runs at the first poll and after every change of the fingerprint. Must not reject. */
  onChange: () => Promise<void>;
  /** The safety net: runs every `fullMs` (counted from the start), whatever changed. Must not reject. */
  onFull: () => Promise<void>;
  pollMs: number;
  fullMs: number;
  clock: Clock;
  timers?: Timers;
  /** The caller has just checked: the adapters as they are now are the baseline, not a change. */
  checkedNow?: boolean;
}

export interface ChangeWatch {
  stop: () => Promise<void>;
}

/**
 * Polls `fingerprint` every `pollMs`, the first time `pollMs` after the start (the daemon serves first),
 * never two checks at once.
 */
export function startChangeWatch(o: ChangeWatchOptions): ChangeWatch {
  const timers = o.timers ?? systemTimers;
  let last: string | undefined;
  if (o.checkedNow === true) {
    try {
      last = o.fingerprint();
    } catch {
      last = undefined;
    }
  }
  let lastFull = o.clock.now();
  let stopped = false;
  let timer: TimerHandle | undefined;
  let running: Promise<void> = Promise.resolve();
  const step = async (): Promise<void> => {
    let now: string | undefined;
    try {
      now = o.fingerprint();
    } catch {
      now = undefined; // could not list the adapters this time: the safety net still runs
    }
    if (now !== undefined && now !== last) {
      last = now;
      await o.onChange();
    } else if (o.clock.now() - lastFull >= o.fullMs) {
      lastFull = o.clock.now();
      await o.onFull();
    }
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = timers.setTimeout(() => {
      running = step()
        .catch(() => undefined)
        .finally(schedule);
    }, o.pollMs);
    timer.unref();
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      await running;
    },
  };
}
