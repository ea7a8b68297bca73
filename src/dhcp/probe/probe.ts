/**
 * The address-conflict probe (docs/dhcp.md#conflict-probe): before the server OFFERs a fresh dynamic
 * address it may ask "does anybody on the switch already use this address?" — a VM with a hand-set static
 * address, a box that kept its address across a wiped lease file. A port, so the DHCP policy stays pure and
 * tests swap in a fake:
 *
 * - `ConflictProbe`: `inUse(ip)` resolves true when something answered for ip; `close()` releases it.
 * - `cachedProbe(inner, …)`: what the server should hold. Caches answers per address for `ttlMs` (default
 *   30 s, dnsmasq's PING_CACHE_TIME), runs one probe per address at a time (concurrent callers share it),
 *   and bounds every probe by `timeoutMs` (≤ 1 s): a probe that fails or takes too long counts as "not in
 *   use" and is reported through `onFailure` for the caller to log — a broken probe never blocks DHCP.
 *   Why ≤ 1 s: ISC dhcpd's 1 s ping delay is already "a problem for some clients" (vyos T3841).
 * - `noProbe`: always "not in use" (the probe turned off).
 * - `createProbe(platform, opts)`: the platform's probe (Linux: ARP on the switch interface, arp-linux.ts).
 *
 * Who uses it: the server awaits `inUse(ip)` before an OFFER of an address nobody held; when it is in use
 * the server quarantines the address and picks another. Addresses the client already holds, reservations
 * and renewals are not probed (kea's ping-check likewise probes only new or changed owners).
 *
 * Windows (not implemented; createProbe throws EnvironmentError there):
 * - The Windows way is iphlpapi's `SendARP(DestIP, SrcIP, pMacAddr, PhyAddrLen)`: it sends an ARP request
 *   for DestIP (SrcIP, optional, picks the interface; 0 lets the routing table pick) and returns
 *   NO_ERROR with the MAC when somebody answered, ERROR_BAD_NET_NAME when nobody did (Vista and later).
 *   No raw sockets or Npcap needed, and no administrator rights for this call.
 * - Tftpd64's DHCP server (src/_services/bootpd.c) does exactly that: SendARP for an address on the same
 *   subnet, ICMP ping otherwise ("nov 2013: ping has been suppressed, trust ARP alone"), and it verifies a
 *   DECLINE with SendARP too. On a Hyper-V internal switch every address in the scope is on-link, so SendARP
 *   alone covers it; pass the switch's host address as SrcIP so the request leaves by the vEthernet adapter.
 * - Caveats to handle when implementing it: SendARP blocks the calling thread (run it off the event loop:
 *   an N-API addon with napi_create_async_work linked against iphlpapi.lib, or koffi's async FFI calls — the
 *   FFI route is a GUESS, untested); its wait is not configurable (its length is not documented — to be
 *   measured), so the ≤ 1 s bound comes from cachedProbe's timeout, the late answer only refreshing the cache;
 *   it answers from the ARP table when the address already has an entry there (documented), so a stale entry
 *   of a departed VM reads as "in use" — delete the entry first (DeleteIpNetEntry2) or use
 *   ResolveIpNetEntry2 on the adapter's interface index (whether that one always sends a fresh request is a
 *   GUESS). Each blocked call holds a libuv threadpool thread, which the lease journal also needs: cap
 *   concurrent calls.
 */
import type { Clock } from '../../clock.js';
import { EnvironmentError } from '../../errors.js';
import type { Ipv4 } from '../../net/ipv4.js';
import { openArpProbe, type ArpProbeOptions } from './arp-linux.js';
import type { ConflictProbe } from './conflict-probe.js';

/** dnsmasq's PING_CACHE_TIME (src/config.h): a probe's answer is reused for 30 s. */
export const DEFAULT_PROBE_TTL_MS = 30_000;
/** The hard bound on one probe, and its default. */
export const MAX_PROBE_TIMEOUT_MS = 1000;

/** Why a probe counted as "not in use" without an answer. */
export type ProbeFailure = { kind: 'timeout'; afterMs: number } | { kind: 'error'; error: unknown };

export interface CachedProbeOptions {
  /** Time for the cache (the timeout itself uses real timers). */
  clock: Clock;
  /** How long an answer is reused, ms; default 30 000; 0 = no cache (concurrent calls still share one probe). */
  ttlMs?: number;
  /** Longest wait for the inner probe, ms: 1..1000, default 1000. */
  timeoutMs?: number;
  /** Called when a probe errors or times out (the result is then "not in use"); for the caller to log. */
  onFailure?: (ip: Ipv4, failure: ProbeFailure) => void;
}

/** Always "not in use": the probe turned off. */
export const noProbe: ConflictProbe = {
  inUse: () => Promise.resolve(false),
  close: () => Promise.resolve(),
};

/** Past this many cache entries, expired ones are swept (bounded by the pool size anyway). */
const SWEEP_AT = 4096;

interface CacheEntry {
  inUse: boolean;
  at: number;
}

interface Pending {
  settle(inUse: boolean): void;
}

/**
 * Wraps a probe with a per-address cache, coalescing and a timeout (see the module comment).
 *
 * - A timeout resolves false and caches false (so a hanging probe costs at most one timeout per address per
 *   ttl); if the inner probe answers true later, that replaces the cached false.
 * - An error (a rejection or a synchronous throw) resolves false and is not cached: the next call tries again.
 * - After close(), inUse resolves false without probing.
 */
export function cachedProbe(inner: ConflictProbe, opts: CachedProbeOptions): ConflictProbe {
  const { clock } = opts;
  const ttlMs = opts.ttlMs ?? DEFAULT_PROBE_TTL_MS;
  const timeoutMs = opts.timeoutMs ?? MAX_PROBE_TIMEOUT_MS;
  if (!Number.isFinite(ttlMs) || ttlMs < 0) throw new RangeError(`probe ttlMs must be ≥ 0, got ${ttlMs}`);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_PROBE_TIMEOUT_MS) {
    throw new RangeError(`probe timeoutMs must be in 1..${MAX_PROBE_TIMEOUT_MS}, got ${timeoutMs}`);
  }
  const cache = new Map<Ipv4, CacheEntry>();
  const inflight = new Map<Ipv4, Promise<boolean>>();
  const pending = new Set<Pending>();
  let closed = false;

  const report = (ip: Ipv4, failure: ProbeFailure): void => {
    try {
      opts.onFailure?.(ip, failure);
    } catch {
      // a failing logger must not turn into a failing probe
    }
  };

  const remember = (ip: Ipv4, inUse: boolean): void => {
    if (closed || ttlMs === 0) return;
    const now = clock.now();
    cache.set(ip, { inUse, at: now });
    if (cache.size > SWEEP_AT) {
      for (const [k, e] of cache) if (now - e.at >= ttlMs) cache.delete(k);
    }
  };

  const cached = (ip: Ipv4): boolean | undefined => {
    const e = cache.get(ip);
    if (!e) return undefined;
    if (clock.now() - e.at < ttlMs) return e.inUse;
    cache.delete(ip);
    return undefined;
  };

  const probeOnce = (ip: Ipv4): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      let settled = false;
      const entry: Pending = {
        settle: (v) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          pending.delete(entry);
          resolve(v);
        },
      };
      const timer = setTimeout(() => {
        if (settled) return;
        remember(ip, false);
        report(ip, { kind: 'timeout', afterMs: timeoutMs });
        entry.settle(false);
      }, timeoutMs);
      pending.add(entry);
      let started: Promise<boolean>;
      try {
        started = inner.inUse(ip);
      } catch (error) {
        started = Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      started.then(
        (inUse) => {
          if (!settled) {
            remember(ip, inUse);
            entry.settle(inUse);
          } else if (inUse) {
            remember(ip, true); // answered after the deadline: still worth knowing
          }
        },
        (error: unknown) => {
          if (settled) return;
          report(ip, { kind: 'error', error });
          entry.settle(false);
        },
      );
    });

  return {
    inUse(ip: Ipv4): Promise<boolean> {
      if (closed) return Promise.resolve(false);
      const hit = cached(ip);
      if (hit !== undefined) return Promise.resolve(hit);
      const running = inflight.get(ip);
      if (running) return running;
      const p = probeOnce(ip).finally(() => {
        if (inflight.get(ip) === p) inflight.delete(ip);
      });
      inflight.set(ip, p);
      return p;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const p of [...pending]) p.settle(false);
      cache.clear();
      await inner.close();
    },
  };
}

/** What createProbe needs: the switch interface and how to ask on it. */
export type ProbeOptions = ArpProbeOptions;

/**
 * The platform's raw probe (wrap it in cachedProbe). Linux: ARP on `opts.interfaceName` (arp-linux.ts).
 * Throws EnvironmentError where there is none (Windows: see the module comment) or when it cannot open.
 */
export function createProbe(platform: NodeJS.Platform, opts: ProbeOptions): ConflictProbe {
  switch (platform) {
    case 'linux':
      return openArpProbe(opts);
    case 'win32':
      throw new EnvironmentError(
        `the address-conflict probe is not available on Windows yet (it would use iphlpapi SendARP on ` +
          `${opts.interfaceName}); turn the conflict probe off for this switch`,
      );
    default:
      throw new EnvironmentError(`the address-conflict probe is not available on ${platform}`);
  }
}
