/**
 * One switch's scope as it is served now (after coredhcp's setup: the settings are worked out once, and the
 * handlers only read them). A change — the uplink MTU that `mtu: auto` follows (daemon/mtu-watch.ts), the
 * reservations of a live reload (daemon/reload.ts) — is a new Scope value given to `set`, which encodes the
 * option bytes once and hands the new scope to the lease table; the policy chain reads `scope` and `bytes`
 * as they are at each request.
 */
import { LeaseDb } from './lease-db.js';
import { RateLimiter } from './rate-limiter.js';
import type { Scope } from './scope.js';
import { scopeBytes, type ScopeBytes } from './scope-bytes.js';

export class ScopeCell {
  private current: Scope;
  private encoded: ScopeBytes;
  private throttle: RateLimiter;
  readonly db: LeaseDb;

  constructor(scope: Scope, db: LeaseDb = new LeaseDb(scope)) {
    this.current = frozen(scope);
    this.encoded = scopeBytes(scope);
    this.db = db;
    this.throttle = limiterOf(scope);
  }

  get scope(): Scope {
    return this.current;
  }

  /** dhcp.rateLimit's per-client budget. */
  get limiter(): RateLimiter {
    return this.throttle;
  }

  /** The option values of `scope`, encoded when it was set (scope-bytes.ts). */
  get bytes(): ScopeBytes {
    return this.encoded;
  }

  /**
   * Serves `next` from the next request on. It must be the same switch on the same subnet and pool (the
   * lease table is built on them; reload.ts names such a change as one that needs a restart).
   */
  set(next: Scope): void {
    if (next === this.current) return;
    const encoded = scopeBytes(frozen(next));
    this.db.setScope(next);
    const r = this.current.rateLimit;
    if (next.rateLimit.packets !== r.packets || next.rateLimit.perMs !== r.perMs)
      this.throttle = limiterOf(next);
    this.current = next;
    this.encoded = encoded;
  }
}

function limiterOf(scope: Scope): RateLimiter {
  return new RateLimiter(scope.rateLimit.packets, scope.rateLimit.perMs);
}

/**
 * The scope and what it holds, frozen: besides the readonly types, a change made in place (a cast, plain
 * JavaScript) throws instead of reaching the lease table and the option bytes behind the cell's back.
 * Option values (Uint8Array) cannot be frozen; nothing writes to them (the encoder copies them).
 */
function frozen(s: Scope): Scope {
  for (const part of [s.subnet, s.pool, s.rateLimit, s.dnsServers, s.staticRoutes, s.relayAgents, s.options])
    Object.freeze(part);
  for (const r of s.staticRoutes) Object.freeze(Object.freeze(r).dest);
  for (const o of s.options) Object.freeze(o);
  for (const r of s.reservations) {
    for (const o of r.options ?? []) Object.freeze(o);
    if (r.options) Object.freeze(r.options);
    Object.freeze(r);
  }
  Object.freeze(s.reservations);
  return Object.freeze(s);
}
