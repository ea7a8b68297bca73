/**
 * The live lease table of one scope: who holds which address, offers in flight, reservations and
 * quarantined addresses. Pure bookkeeping: time comes in as an argument, nothing is persisted here
 * (the server journals what `bind`, `release` and `decline` return before the reply leaves).
 *
 * Identity is the MAC address: reservations are by MAC, and clients are keyed by MAC even when they send a
 * client identifier, because cloned Vagrant images send identical client-ids from different MACs
 * (systemd #9609, chef/bento #1421; docs/dhcp.md#who-a-client-is-option-61). The key comes from
 * client-key.ts, which makes a
 * MAC-shaped key from the client-id for an all-zero chaddr and under dhcp.matchClientId.
 *
 * Its users speak leases: they find a record `byMac` or `byIp`, change it through the lease's own steps
 * (offer, bind, release, decline, quarantine, restore, expire) and get Lease values back, which are copies.
 * The records themselves are typed-array slots (lease-slots.ts) that nothing outside this file sees.
 */
import { contains, type Ipv4 } from '../net/ipv4.js';
import { macToNumber, type Mac } from '../net/mac.js';
import { AddressIndex } from './address-index.js';
import { AddressPool } from './address-pool.js';
import type { Lease, LeaseSnapshot, LeaseState } from './lease.js';
import { IN_IP, IN_MAC, LeaseSlots, type Slot } from './lease-slots.js';
import { KeyIndex } from './key-index.js';
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
  private scope: Scope;
  readonly pool: AddressPool;
  /** The records (lease-slots.ts), found by MAC (as a number, macToNumber) and by address. */
  private readonly slots: LeaseSlots;
  private readonly macIndex: KeyIndex;
  private readonly ipIndex: AddressIndex;
  private reservations: readonly Reservation[] = [];
  private reservedByMac = new Map<Mac, Reservation>();
  private reservedByIp = new Map<Ipv4, Reservation>();
  private lastSweep = 0;
  /** Reserved addresses inside the pool, and quarantined (declined) ones: both occupy pool bits but are not dynamic leases. */
  private reservedInPool = 0;
  private quarantined = 0;
  private changes = 0;
  /** keyOf's last answer: one exchange asks about the same MAC (the same string) several times. */
  private lastMac: Mac | undefined;
  private lastKey = 0;

  constructor(scope: Scope) {
    this.scope = scope;
    this.pool = new AddressPool(scope.pool.start, scope.pool.end);
    this.ipIndex = new AddressIndex(scope.subnet);
    // Sized for the dynamic leases the scope allows at once (its pool or dhcp.maxLeases, whichever is less).
    const expected = Math.min(this.pool.size, scope.maxLeases) + scope.reservations.length;
    this.slots = new LeaseSlots(expected);
    this.macIndex = new KeyIndex(expected);
    this.setReservations(scope.reservations);
  }

  /**
   * The scope served from now on (scope-cell.ts's `set`): its times and lease cap apply to what happens next,
   * and its reservations replace these if they are another list. The table is built on the subnet and the
   * pool, so those cannot change here.
   */
  setScope(next: Scope): void {
    const was = this.scope;
    if (
      next.subnet.network !== was.subnet.network ||
      next.subnet.prefix !== was.subnet.prefix ||
      next.pool.start !== was.pool.start ||
      next.pool.end !== was.pool.end
    )
      throw new RangeError(`switch "${next.switchName}": a lease table keeps its subnet and pool`);
    this.scope = next;
    if (next.reservations !== was.reservations) this.setReservations(next.reservations);
  }

  /** Replaces the reservations (start-up or a live change). Leases that now conflict stay until their holder's next request, which is NAKed. */
  setReservations(list: readonly Reservation[]): void {
    this.changes++;
    this.reservations = list;
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

  /** The reservations as set last (for the DNS names). */
  reserved(): readonly Reservation[] {
    return this.reservations;
  }

  reservationOf(mac: Mac): Reservation | undefined {
    return this.reservedByMac.get(mac);
  }

  reservationAt(ip: Ipv4): Reservation | undefined {
    return this.reservedByIp.get(ip);
  }

  /** The client's own record (by its key, client-key.ts), whatever its state. */
  byMac(mac: Mac): Lease | undefined {
    const s = this.macIndex.get(this.keyOf(mac));
    return s === undefined ? undefined : this.slots.lease(s, mac);
  }

  /** The MAC as the by-MAC index's key (macToNumber), worked out once for a run of calls about one MAC. */
  private keyOf(mac: Mac): number {
    if (mac !== this.lastMac) {
      this.lastKey = macToNumber(mac);
      this.lastMac = mac;
    }
    return this.lastKey;
  }

  /** The lease that currently occupies ip (offered, bound or declined and not yet run out). */
  byIp(ip: Ipv4, now: number): Lease | undefined {
    const s = this.holderSlot(ip, now);
    return s === undefined ? undefined : this.slots.lease(s);
  }

  private holderSlot(ip: Ipv4, now: number): Slot | undefined {
    const s = this.ipIndex.get(ip);
    return s !== undefined && this.slots.isActive(s, now) ? s : undefined;
  }

  private isHeld(ip: Ipv4, now: number): boolean {
    return this.holderSlot(ip, now) !== undefined;
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
    const holder = this.holderSlot(ip, now);
    if (holder !== undefined && this.slots.isDeclined(holder)) return { why: 'declined' };
    if (holder !== undefined && this.slots.macKey(holder) !== this.keyOf(mac))
      return { why: 'in-use', by: this.slots.mac(holder) };
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
    const key = this.keyOf(mac);
    const own = this.reservedByMac.get(mac);
    if (own && this.check(mac, own.ip, now) === undefined) return { ip: own.ip, fresh: false };
    const prev = this.macIndex.get(key);
    const sl = this.slots;
    const holds = prev !== undefined && sl.isActive(prev, now) && !sl.isDeclined(prev);
    if (
      !own &&
      prev !== undefined &&
      !sl.isDeclined(prev) &&
      this.check(mac, sl.ip(prev), now) === undefined
    ) {
      if (holds || this.roomForOne(now)) return { ip: sl.ip(prev), fresh: false };
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
  ): void {
    const key = this.keyOf(mac);
    const prev = this.macIndex.get(key);
    const sl = this.slots;
    if (prev !== undefined && sl.isBound(prev) && sl.ip(prev) === ip && sl.isActive(prev, now)) return; // already bound: keep it
    this.put(mac, ip, 'offered', now + this.scope.offerHoldMs, now, info);
  }

  /** An OFFER was refused in favour of another server (REQUEST with a foreign server id). */
  withdrawOffer(mac: Mac): void {
    const s = this.macIndex.get(this.keyOf(mac));
    if (s !== undefined && this.slots.isOffered(s)) this.drop(s);
  }

  bind(
    mac: Mac,
    ip: Ipv4,
    now: number,
    info: { clientId?: string | undefined; hostname?: string | undefined },
  ): Lease {
    const s = this.put(mac, ip, 'bound', now + this.scope.leaseMs, now, info);
    return this.slots.lease(s, mac);
  }

  release(mac: Mac, ip: Ipv4, now: number): Lease | undefined {
    const key = this.keyOf(mac);
    const s = this.macIndex.get(key);
    const sl = this.slots;
    if (s === undefined || sl.ip(s) !== ip || !(sl.isBound(s) || sl.isOffered(s))) return undefined;
    // put keeps the record's client-id and hostname (the client's own record).
    return sl.lease(this.put(mac, ip, 'released', now, now, {}), mac);
  }

  decline(mac: Mac, ip: Ipv4, now: number): Lease | undefined {
    const key = this.keyOf(mac);
    const s = this.macIndex.get(key);
    if (s === undefined || this.slots.ip(s) !== ip) return undefined;
    const l = this.slots.lease(s, mac);
    this.slots.unlink(this.macIndex, key, IN_MAC);
    // The quarantine record is keyed by the address, under the declining MAC (kept for the log).
    const q = this.put(mac, ip, 'declined', now + this.scope.declineProbationMs, now, l, false);
    return this.slots.lease(q, mac);
  }

  /** Someone on the switch already uses `ip` (the conflict probe said so): keep it out of offers for the probation time. */
  quarantine(ip: Ipv4, now: number): void {
    const offered = this.ipIndex.get(ip);
    if (offered !== undefined && this.slots.isOffered(offered)) this.drop(offered);
    this.put(PROBE_MAC, ip, 'declined', now + this.scope.declineProbationMs, now, {}, false);
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
      const other = this.ipIndex.get(l.ip);
      const key = this.keyOf(l.mac);
      if (other !== undefined && this.slots.macKey(other) !== key) {
        // Someone else holds the address now: remember this client's history without the address.
        this.slots.link(this.macIndex, key, this.slots.add({ ...l, state }, key), IN_MAC);
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
    const sl = this.slots;
    this.ipIndex.forEach((s, ip) => {
      if (sl.isActive(s, now)) return;
      if (sl.isBound(s)) {
        sl.markExpired(s);
        this.changes++;
        expired.push(sl.lease(s));
      }
      if (sl.isOffered(s) || sl.isDeclined(s)) this.drop(s);
      else if (!this.reservedByIp.has(ip)) this.pool.free(ip);
    });
    sl.forEach(IN_MAC, (s) => {
      if (!sl.isActive(s, now) && now - sl.expiresAt(s) > REMEMBER_MS) this.drop(s);
    });
    return expired;
  }

  /** Bumped by every change to a lease or the reservations: readers (the DNS names) rebuild when it moves. */
  get generation(): number {
    return this.changes;
  }

  /** Every record, as copies (for the lease table, the DNS names and tests), in snapshot() order. */
  all(): Lease[] {
    const out: Lease[] = [];
    for (const s of this.ordered(true)) out.push(this.slots.lease(s));
    return out;
  }

  /** The records worth persisting (all but offers), copied now for a compaction to write at its pace. */
  snapshot(): LeaseSnapshot {
    return this.slots.snapshot(Int32Array.from(this.ordered(false)));
  }

  /**
   * Each record's slot once (offers only if asked): first the quarantines, which are known by address
   * only, then the clients' own records. A journal keeps the last record per MAC, and a client that
   * declined an address and has a record of its own again must keep that one across a reload.
   */
  private ordered(offers: boolean): Slot[] {
    const sl = this.slots;
    const out: Slot[] = [];
    sl.forEach(IN_IP, (s) => {
      if (!sl.isReferencedBy(s, IN_MAC) && (offers || !sl.isOffered(s))) out.push(s);
    });
    sl.forEach(IN_MAC, (s) => {
      if (offers || !sl.isOffered(s)) out.push(s);
    });
    return out;
  }

  /** Makes `mac`'s record at `ip` say `state`; returns its slot. */
  private put(
    mac: Mac,
    ip: Ipv4,
    state: LeaseState,
    expiresAt: number,
    now: number,
    info: { clientId?: string | undefined; hostname?: string | undefined },
    keyed = true,
  ): Slot {
    this.changes++;
    const sl = this.slots;
    const key = this.keyOf(mac);
    const prev = this.macIndex.get(key);
    const prevIp = prev === undefined ? undefined : sl.ip(prev);
    if (prev !== undefined && prevIp !== ip && this.ipIndex.get(prevIp!) === prev) {
      sl.unlink(this.ipIndex, prevIp!, IN_IP);
      if (!this.reservedByIp.has(prevIp!)) this.pool.free(prevIp!);
    }
    const displaced = this.ipIndex.get(ip);
    if (displaced !== undefined) {
      const dk = sl.macKey(displaced);
      // The address's previous (inactive) holder keeps its record for history, but no longer owns the address.
      if (
        dk !== key &&
        this.macIndex.get(dk) === displaced &&
        (sl.isOffered(displaced) || sl.isDeclined(displaced))
      )
        sl.unlink(this.macIndex, dk, IN_MAC);
      if (sl.isDeclined(displaced) && this.pool.has(ip)) this.quarantined--;
    }
    if (state === 'declined' && this.pool.has(ip)) this.quarantined++;
    let s: Slot;
    if (keyed && prev !== undefined && prevIp === ip && displaced === prev) {
      // The client's own record at the same address (OFFER → ACK, a renewal): changed in place.
      sl.update(prev, state, expiresAt, now, info.clientId, info.hostname);
      s = prev;
    } else {
      const fields = {
        mac,
        ip,
        state,
        expiresAt,
        clientId: info.clientId ?? (prev === undefined ? undefined : sl.clientId(prev)),
        hostname: info.hostname ?? (prev === undefined ? undefined : sl.hostname(prev)),
        updatedAt: now,
      };
      s = sl.add(fields, key);
      if (keyed) sl.link(this.macIndex, key, s, IN_MAC);
      sl.link(this.ipIndex, ip, s, IN_IP);
    }
    if (state === 'released' || state === 'expired') {
      if (!this.reservedByIp.has(ip)) this.pool.free(ip);
    } else this.pool.take(ip);
    return s;
  }

  private drop(s: Slot): void {
    this.changes++;
    const sl = this.slots;
    const key = sl.macKey(s);
    const ip = sl.ip(s);
    const declined = sl.isDeclined(s);
    if (this.macIndex.get(key) === s) sl.unlink(this.macIndex, key, IN_MAC);
    if (this.ipIndex.get(ip) === s) {
      if (declined && this.pool.has(ip)) this.quarantined--;
      sl.unlink(this.ipIndex, ip, IN_IP);
      if (!this.reservedByIp.has(ip)) this.pool.free(ip);
    }
  }
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
