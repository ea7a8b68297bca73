/**
 * The forwarding keeper: while `serve` runs with `forwarding: true`, IPv4 forwarding stays on for every
 * switch interface and the WSL interface. WSL recreates its host adapter on every WSL start (and Windows
 * after a reboot), and a fresh adapter comes up with forwarding off — which silently cuts WSL off from the
 * VMs until someone runs `apply` again.
 *
 * How: a bounded poll (one tick every `intervalMs`, never two at once). Each tick reads every interface's
 * forwarding; an interface that is absent is skipped quietly until it appears; one that is off is turned
 * on, with one info line saying so. Errors are logged (at most once a minute per interface and message)
 * and retried on the next tick; the keeper never throws into the daemon.
 *
 * Backends (the daemon host's, host/daemon-port.ts): Linux reads and writes /proc/sys/net/ipv4/conf/<if>/
 * forwarding directly (host/linux/forwarding.ts: two small reads a second); systemd-resolved's per-link
 * settings use the same loop (host/linux/dns-link-keeper.ts). Windows does not
 * poll: windows-watch.ts repairs forwarding when the adapter list changes, since each look there starts
 * a PowerShell.
 */
import type { Clock } from '../clock.js';
import type { ForwardingState, KeeperBackend } from '../host/daemon-port.js';
import type { Logger } from '../log.js';

export type { ForwardingState, KeeperBackend } from '../host/daemon-port.js';

export interface KeeperOptions {
  backend: KeeperBackend;
  log: Logger;
  clock: Clock;
  /** Poll interval in ms (default 1000). */
  intervalMs?: number;
}

export interface ForwardingKeeper {
  /** One check-and-repair pass (the timer runs these; tests call it directly). Never rejects. */
  tick: () => Promise<void>;
  stop: () => Promise<void>;
}

const ERROR_REPEAT_MS = 60_000;

/** Builds a keeper without starting its timer (tests drive `tick()`); see startForwardingKeeper. */
export function createForwardingKeeper(opts: KeeperOptions): ForwardingKeeper {
  const { backend, log, clock } = opts;
  /** Last error logged, per key, and when: the same failure is repeated at most once a minute. */
  const errors = new Map<string, { message: string; at: number }>();
  const logError = (key: string, iface: string | undefined, message: string): void => {
    const now = clock.now();
    const prev = errors.get(key);
    if (prev && prev.message === message && now - prev.at < ERROR_REPEAT_MS) return;
    errors.set(key, { message, at: now });
    log.warn(
      { ...(iface !== undefined ? { interface: iface } : {}), err: message, backend: backend.description },
      'forwarding keeper: check failed; retrying',
    );
  };
  const tick = async (): Promise<void> => {
    let states: Map<string, ForwardingState>;
    try {
      states = await backend.read();
      errors.delete('\0read');
    } catch (e) {
      logError('\0read', undefined, messageOf(e));
      return;
    }
    for (const [iface, on] of states) {
      if (on !== false) continue; // on, or absent for now: nothing to do
      try {
        await backend.enable(iface);
        errors.delete(iface);
        log.info(
          { interface: iface },
          backend.repaired?.(iface) ?? `forwarding re-enabled on ${iface} (the adapter was recreated?)`,
        );
      } catch (e) {
        logError(iface, iface, messageOf(e));
      }
    }
  };
  return { tick, stop: () => Promise.resolve() };
}

/** Creates a keeper and runs `tick()` every `intervalMs` (first tick at once) until `stop()`. */
export function startForwardingKeeper(opts: KeeperOptions): ForwardingKeeper {
  const keeper = createForwardingKeeper(opts);
  const intervalMs = opts.intervalMs ?? 1000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const loop = (): void => {
    running = keeper.tick().finally(() => {
      if (stopped) return;
      timer = setTimeout(loop, intervalMs);
      timer.unref();
    });
  };
  loop();
  return {
    tick: keeper.tick,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
