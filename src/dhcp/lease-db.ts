/**
 * The live lease table of one scope: who holds which address, offers in flight, reservations and
 * quarantined addresses. Pure bookkeeping: time comes in as an argument, nothing is persisted here
 * (the server journals what `bind`, `release` and `decline` return before the reply leaves).
 *
 * Identity is the MAC address: reservations are by MAC, and clients are keyed by MAC even when they send a
 * client identifier, because cloned Vagrant images send identical client-ids from different MACs
 * (systemd #9609, chef/bento #1421 — research §2.2).
 */
import { contains, type Ipv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';
import { AddressPool } from './address-pool.js';
import type { Lease, LeaseState } from './lease.js';
import type { Reservation, Scope } from './scope.js';

/** Expired and released records are remembered this long so a returning client gets its address back. */
const REMEMBER_MS = 24 * 3600 * 1000;

export type Unavailable =
  | { why: 'outside-subnet' }
  | { why: 'not-assignable' } // network, broadcast or the host's own address
  | { why: 'outside-pool' }
  | { why: 'reserved'; for: Mac }
  | { why: 'in-use'; by: Mac }
  | { why: 'declined' }
  | { why: 'has-reservation'; reserved: Ipv4 };

/** `fresh`: an address the client has not held before — the one kind worth a conflict probe. */
export type Choice = { ip: Ipv4; fresh: boolean } | { refused: 'pool-exhausted' | 'lease-cap' };

/** The pseudo-MAC under which addresses found in use by the conflict probe are quarantined. */
export const PROBE_MAC = '00:00:00:00:00:00' as Mac;

export class LeaseDb {
  private readonly scope: Scope;
  readonly pool: AddressPool;
  private readonly byMac = new Map<Mac, Lease>();
  private readonly byIp = new Map<Ipv4, Lease>();
  private reservedByMac = new Map<Mac, Reservation>();
  private reservedByIp = new Map<Ipv4, Reservation>();
  private lastSweep = 0;
  /** Reserved addresses inside the pool, and quarantined (declined) ones: both occupy pool bits but are not dynamic leases. */
  private reservedInPool = 0;
  private quarantined = 0;
  private changes = 0;

  constructor(scope: Scope) {
    this.scope = scope;
    this.pool = new AddressPool(scope.pool.start, scope.pool.end);
    this.setReservations(scope.reservations);
  }

  /** Replaces the reservations (start-up or a live change). Leases that now conflict stay until their holder's next request, which is NAKed. */
  setReservations(list: readonly Reservation[]): void {
    this.changes++;
    for (const r of this.reservedByIp.values()) if (!this.isHeld(r.ip, 0)) this.pool.free(r.ip);
    this.reservedByMac = new Map(list.map((r) => [r.mac, r]));
    this.reservedByIp = new Map(list.map((r) => [r.ip, r]));
    for (const r of list) this.pool.take(r.ip);
    this.reservedInPool = list.filter((r) => this.pool.has(r.ip)).length;
  }

  /** Dynamic leases that hold a pool address now (offered or bound, reservations and quarantines excluded). */
  dynamicActive(): number {
    return this.pool.size - this.pool.freeCount - this.reservedInPool - this.quarantined;
  }

  reservationOf(mac: Mac): Reservation | undefined {
    return this.reservedByMac.get(mac);
  }

  reservationAt(ip: Ipv4): Reservation | undefined {
    return this.reservedByIp.get(ip);
  }

  leaseOf(mac: Mac): Lease | undefined {
    return this.byMac.get(mac);
  }

  /** The lease that currently occupies ip (offered, bound or declined and not yet run out). */
  holderOf(ip: Ipv4, now: number): Lease | undefined {
    const l = this.byIp.get(ip);
    return l && isActive(l, now) ? l : undefined;
  }

  private isHeld(ip: Ipv4, now: number): boolean {
    return this.holderOf(ip, now) !== undefined;
  }

  /** Why `mac` may not have `ip` now, or undefined if it may (dynamic addresses must be in the pool). */
  check(mac: Mac, ip: Ipv4, now: number): Unavailable | undefined {
    const s = this.scope;
    if (!contains(s.subnet, ip)) return { why: 'outside-subnet' };
    if (ip === s.host || ip === s.subnet.network || ip === s.broadcast) return { why: 'not-assignable' };
    const own = this.reservedByMac.get(mac);
    if (own && own.ip !== ip) return { why: 'has-reservation', reserved: own.ip };
    const res = this.reservedByIp.get(ip);
    if (res && res.mac !== mac) return { why: 'reserved', for: res.mac };
    const holder = this.holderOf(ip, now);
    if (holder && holder.state === 'declined') return { why: 'declined' };
    if (holder && holder.mac !== mac) return { why: 'in-use', by: holder.mac };
    if (!res && !this.pool.has(ip)) return { why: 'outside-pool' };
    return undefined;
  }

  /**
   * The address to offer `mac`, in order of preference: its reservation; the address it holds or was
   * offered; the address it asks for (option 50); the address it had before; the next free one — unless
   * the pool is exhausted or the dynamic lease cap (dhcp.maxLeases) is reached. An active lease is never
   * taken from its holder to make room.
   */
  choose(mac: Mac, requested: Ipv4 | undefined, now: number): Choice {
    const own = this.reservedByMac.get(mac);
    if (own && this.check(mac, own.ip, now) === undefined) return { ip: own.ip, fresh: false };
    const prev = this.byMac.get(mac);
    const holds = prev !== undefined && isActive(prev, now) && prev.state !== 'declined';
    if (!own && prev && prev.state !== 'declined' && this.check(mac, prev.ip, now) === undefined) {
      if (holds || this.roomForOne(now)) return { ip: prev.ip, fresh: false };
    }
    if (!holds && !this.roomForOne(now)) return { refused: 'lease-cap' };
    if (!own && requested !== undefined && this.check(mac, requested, now) === undefined) {
      return { ip: requested, fresh: true };
    }
    const ip = this.nextFree(now);
    return ip === undefined ? { refused: 'pool-exhausted' } : { ip, fresh: true };
  }

  /** Whether one more dynamic lease fits under the cap (sweeping what ran out first, if needed). */
  private roomForOne(now: number): boolean {
    if (this.dynamicActive() < this.scope.maxLeases) return true;
    this.sweepIfDue(now);
    return this.dynamicActive() < this.scope.maxLeases;
  }

  private nextFree(now: number): Ipv4 | undefined {
    let ip = this.pool.nextFree();
    if (ip === undefined && this.sweepIfDue(now)) ip = this.pool.nextFree();
    return ip;
  }

  /** Reclaims what ran out since the last sweep, at most once a second so a flood costs little. */
  private sweepIfDue(now: number): boolean {
    if (now - this.lastSweep < 1000) return false;
    this.expire(now);
    return true;
  }

  offer(
    mac: Mac,
    ip: Ipv4,
    now: number,
    info: { clientId?: string | undefined; hostname?: string | undefined },
  ): Lease {
    const prev = this.byMac.get(mac);
    if (prev && prev.state === 'bound' && prev.ip === ip && isActive(prev, now)) return prev; // already bound: keep it
    return this.put(mac, ip, 'offered', now + this.scope.offerHoldMs, now, info);
  }

  /** An OFFER was refused in favour of another server (REQUEST with a foreign server id). */
  withdrawOffer(mac: Mac): void {
    const l = this.byMac.get(mac);
    if (l && l.state === 'offered') this.drop(l);
  }

  bind(
    mac: Mac,
    ip: Ipv4,
    now: number,
    info: { clientId?: string | undefined; hostname?: string | undefined },
  ): Lease {
    return this.put(mac, ip, 'bound', now + this.scope.leaseTime * 1000, now, info);
  }

  release(mac: Mac, ip: Ipv4, now: number): Lease | undefined {
    const l = this.byMac.get(mac);
    if (!l || l.ip !== ip || (l.state !== 'bound' && l.state !== 'offered')) return undefined;
    return this.put(mac, ip, 'released', now, now, l);
  }

  decline(mac: Mac, ip: Ipv4, now: number): Lease | undefined {
    const l = this.byMac.get(mac);
    if (!l || l.ip !== ip) return undefined;
    this.byMac.delete(mac);
    // The quarantine record is keyed by the address, under the declining MAC (kept for the log).
    return this.put(mac, ip, 'declined', now + this.scope.declineProbationMs, now, l, false);
  }

  /** Someone on the switch already uses `ip` (the conflict probe said so): keep it out of offers for the probation time. */
  quarantine(ip: Ipv4, now: number): Lease {
    const offered = this.byIp.get(ip);
    if (offered && offered.state === 'offered') this.drop(offered);
    return this.put(PROBE_MAC, ip, 'declined', now + this.scope.declineProbationMs, now, {}, false);
  }

  /** Restores a persisted record at start-up; returns why it was not restored, if it was not. */
  restore(l: Lease, now: number): string | undefined {
    if (l.state === 'offered') return 'offers are not kept across restarts';
    if (l.state === 'declined') {
      if (l.expiresAt <= now) return 'quarantine over';
      if (!this.pool.has(l.ip)) return 'address no longer in the pool';
      this.put(l.mac, l.ip, 'declined', l.expiresAt, l.updatedAt, l, false);
      return undefined;
    }
    const state: LeaseState = l.state === 'bound' && l.expiresAt <= now ? 'expired' : l.state;
    if (state !== 'bound' && now - l.expiresAt > REMEMBER_MS) return 'expired long ago';
    if (state === 'bound') {
      const why = this.check(l.mac, l.ip, now);
      if (why) return describe(why);
    } else {
      const other = this.byIp.get(l.ip);
      if (other && other.mac !== l.mac) {
        // Someone else holds the address now: remember this client's history without the address.
        this.byMac.set(l.mac, { ...l, state });
        return undefined;
      }
    }
    this.put(l.mac, l.ip, state, l.expiresAt, l.updatedAt, l);
    return undefined;
  }

  /** Frees what ran out: offers past their hold, leases past expiry, quarantines over. Returns leases that expired. */
  expire(now: number): Lease[] {
    this.lastSweep = now;
    const expired: Lease[] = [];
    for (const l of this.byIp.values()) {
      if (isActive(l, now)) continue;
      if (l.state === 'bound') {
        l.state = 'expired';
        this.changes++;
        expired.push(l);
      }
      if (l.state === 'offered' || l.state === 'declined') this.drop(l);
      else if (!this.reservedByIp.has(l.ip)) this.pool.free(l.ip);
    }
    for (const l of this.byMac.values())
      if (!isActive(l, now) && now - l.expiresAt > REMEMBER_MS) this.drop(l);
    return expired;
  }

  /** Bumped by every change to a lease or the reservations: readers (the DNS names) rebuild when it moves. */
  get generation(): number {
    return this.changes;
  }

  /** Every record (for the lease table, the journal's compaction and tests). */
  all(): Lease[] {
    const out = new Set<Lease>(this.byMac.values());
    for (const l of this.byIp.values()) out.add(l);
    return [...out];
  }

  private put(
    mac: Mac,
    ip: Ipv4,
    state: LeaseState,
    expiresAt: number,
    now: number,
    info: { clientId?: string | undefined; hostname?: string | undefined },
    byMac = true,
  ): Lease {
    this.changes++;
    const prev = this.byMac.get(mac);
    // The same text as the map's key, which a Map keeps from the first set: one string per client, not
    // one per record (each packet decodes its own).
    if (prev) mac = prev.mac;
    if (prev && prev.ip !== ip && this.byIp.get(prev.ip) === prev) {
      this.byIp.delete(prev.ip);
      if (!this.reservedByIp.has(prev.ip)) this.pool.free(prev.ip);
    }
    const displaced = this.byIp.get(ip);
    if (displaced && displaced.mac !== mac && this.byMac.get(displaced.mac) === displaced) {
      // The address's previous (inactive) holder keeps its record for history, but no longer owns the address.
      if (displaced.state === 'offered' || displaced.state === 'declined') this.byMac.delete(displaced.mac);
    }
    const replaced = this.byIp.get(ip);
    if (replaced?.state === 'declined' && this.pool.has(ip)) this.quarantined--;
    if (state === 'declined' && this.pool.has(ip)) this.quarantined++;
    let lease: Lease;
    if (byMac && prev && prev.ip === ip && this.byIp.get(ip) === prev) {
      // The client's own record at the same address (OFFER → ACK, a renewal): changed in place. A new
      // object per change became old-generation garbage at once (V8 allocates this site's objects in old
      // space, as most live long): half of the lease table's garbage under load.
      prev.state = state;
      prev.expiresAt = expiresAt;
      prev.clientId = info.clientId ?? prev.clientId;
      prev.hostname = info.hostname ?? prev.hostname;
      prev.updatedAt = now;
      lease = prev;
    } else {
      lease = {
        mac,
        ip,
        state,
        expiresAt,
        clientId: info.clientId ?? prev?.clientId,
        hostname: info.hostname ?? prev?.hostname,
        updatedAt: now,
      };
      if (byMac) this.byMac.set(mac, lease);
      this.byIp.set(ip, lease);
    }
    if (state === 'released' || state === 'expired') {
      if (!this.reservedByIp.has(ip)) this.pool.free(ip);
    } else this.pool.take(ip);
    return lease;
  }

  private drop(l: Lease): void {
    this.changes++;
    if (this.byMac.get(l.mac) === l) this.byMac.delete(l.mac);
    if (this.byIp.get(l.ip) === l) {
      if (l.state === 'declined' && this.pool.has(l.ip)) this.quarantined--;
      this.byIp.delete(l.ip);
      if (!this.reservedByIp.has(l.ip)) this.pool.free(l.ip);
    }
  }
}

function isActive(l: Lease, now: number): boolean {
  return (l.state === 'bound' || l.state === 'offered' || l.state === 'declined') && l.expiresAt > now;
}

export function describe(u: Unavailable): string {
  switch (u.why) {
    case 'outside-subnet':
      return 'address is not on this switch’s subnet';
    case 'not-assignable':
      return 'address is the network, broadcast or host address';
    case 'outside-pool':
      return 'address is outside the dynamic pool';
    case 'reserved':
      return `address is reserved for ${u.for}`;
    case 'in-use':
      return `address is in use by ${u.by}`;
    case 'declined':
      return 'address is quarantined after a DECLINE';
    case 'has-reservation':
      return 'client has a reservation for another address';
  }
}
