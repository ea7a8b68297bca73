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
 * Backends: Linux reads and writes /proc/sys/net/ipv4/conf/<if>/forwarding directly (two small reads a
 * second); systemd-resolved's per-link settings use the same loop (dns-link-keeper.ts). Windows does not
 * poll: windows-watch.ts repairs forwarding when the adapter list changes, since each look there starts
 * a PowerShell.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';

/** Forwarding of one interface: true/false, or undefined when the interface does not exist (now). */
export type ForwardingState = boolean | undefined;

export interface KeeperBackend {
  /** Human name, for logs. */
  readonly description: string;
  /** The forwarding state of every interface the keeper looks after, by name. */
  read(): Promise<Map<string, ForwardingState>>;
  /** Turns IPv4 forwarding on for `iface`. */
  enable(iface: string): Promise<void>;
  /** The log line after a repair, when it is not forwarding that was repaired (dns-link-keeper.ts). */
  repaired?: (iface: string) => string;
}

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

/** File access for the Linux backend (injectable for tests). */
export interface ProcFs {
  read(path: string): Promise<string>;
  write(path: string, text: string): Promise<void>;
}

/**
 * Synchronous on purpose: a /proc/sys file is made by the kernel on read, never waits for a disk, and the
 * promise API would take four thread-pool round trips per read (open, fstat, read, close) — at two reads a
 * second, most of an idle daemon's system calls (docs/benchmarks.md#the-idle-daemon).
 */
export const procFs: ProcFs = {
  // a throw inside the executor rejects the promise (ENOENT: the interface is absent)
  read: (p) =>
    new Promise((resolve) => {
      resolve(readFileSync(p, 'utf8'));
    }),
  write: (p, t) =>
    new Promise((resolve) => {
      writeFileSync(p, t);
      resolve();
    }),
};

/**
 * Linux: /proc/sys/net/ipv4/conf/<if>/forwarding in the daemon's own network namespace. A missing file
 * (ENOENT) means the interface does not exist right now.
 */
export function linuxKeeperBackend(interfaces: readonly string[], fs: ProcFs = procFs): KeeperBackend {
  for (const i of interfaces) {
    if (i.includes('/') || i === '.' || i === '..') throw new Error(`bad interface name "${i}"`);
  }
  const path = (i: string): string => `/proc/sys/net/ipv4/conf/${i}/forwarding`;
  return {
    description: 'linux /proc',
    async read() {
      const out = new Map<string, ForwardingState>();
      for (const i of new Set(interfaces)) {
        try {
          out.set(i, (await fs.read(path(i))).trim() !== '0');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') out.set(i, undefined);
          else throw e;
        }
      }
      return out;
    },
    enable: (i) => fs.write(path(i), '1\n'),
  };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
