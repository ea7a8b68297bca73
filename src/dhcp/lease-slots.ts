/**
 * The lease records of one scope, stored by column: a record is a slot number, and its fields live in
 * typed arrays (MAC as a 48-bit number, address, state, the two times); client-ids and hostnames, which
 * most records of a big table lack, in two sparse Maps.
 *
 * Why not one object per record: as objects (the object, its two times boxed as heap numbers, the MAC
 * string, its entries in two Maps) the table is most of the daemon's heap under a flood. Here a record is
 * 31 bytes outside the heap, plus the two indexes (key-index.ts, address-index.ts); the figures are in
 * docs/benchmarks.md#the-lease-table-in-typed-arrays.
 *
 * A slot is referenced from the by-MAC index, the by-address index or both (`IN_MAC`, `IN_IP`); it is
 * reused once neither refers to it. Lease objects are made on demand (`lease`) for callers outside the
 * table: they are copies, and never change afterwards.
 */
import type { Ipv4 } from '../net/ipv4.js';
import { macFromNumber, macToNumber, type Mac } from '../net/mac.js';
import type { Slot, SlotIndex } from './key-index.js';
import type { Lease, LeaseSnapshot, LeaseState } from './lease.js';

export type { Slot };

const STATES: readonly LeaseState[] = ['offered', 'bound', 'released', 'expired', 'declined'];
const CODES: Readonly<Record<LeaseState, number>> = {
  offered: 0,
  bound: 1,
  released: 2,
  expired: 3,
  declined: 4,
};
const OFFERED = CODES.offered;
const BOUND = CODES.bound;
const DECLINED = CODES.declined;

/** A slot's references: from the by-MAC index and from the by-address index. */
export const IN_MAC = 1;
export const IN_IP = 2;

const FIRST_CAPACITY = 64;
const HEX = '0123456789abcdef';

/**
 * Whether the client-id (hex) is hardware type 1 followed by the MAC's digits (RFC 2132 §9.14), the form
 * Windows and perfdhcp send. Such a client-id is not kept, only a bit that says so, and is rebuilt when
 * read.
 */
function isHardwareClientId(cid: string, macKey: number): boolean {
  if (cid.length !== 14 || cid.charCodeAt(0) !== 48 || cid.charCodeAt(1) !== 49) return false;
  let n = macKey;
  for (let j = 13; j >= 2; j--) {
    const d = n % 16;
    n = (n - d) / 16;
    if (cid.charCodeAt(j) !== HEX.charCodeAt(d)) return false;
  }
  return true;
}

export class LeaseSlots {
  private macs: Float64Array;
  private ips: Uint32Array;
  private states: Uint8Array;
  private refs: Uint8Array;
  /** 1: the client-id is hardware type 1 + the MAC (not in `clientIds`). */
  private hwClientId: Uint8Array;
  private expires: Float64Array;
  private updated: Float64Array;
  private readonly clientIds = new Map<Slot, string>();
  private readonly hostnames = new Map<Slot, string>();
  private readonly freed: Slot[] = [];
  /** Slots handed out so far, free ones included. */
  private high = 0;

  /**
   * `capacity`: the records expected (more are made room for). Sized up front, the columns are never
   * copied to grow, which under a flood briefly held both copies; and pages of a large zeroed array that
   * are never written are never made resident.
   */
  constructor(capacity = FIRST_CAPACITY) {
    const n = Math.max(1, capacity);
    this.macs = new Float64Array(n);
    this.ips = new Uint32Array(n);
    this.states = new Uint8Array(n);
    this.refs = new Uint8Array(n);
    this.hwClientId = new Uint8Array(n);
    this.expires = new Float64Array(n);
    this.updated = new Float64Array(n);
  }

  /** A new record, not yet referenced by either index; `macKey` is macToNumber(f.mac), if known. */
  add(f: Lease, macKey = macToNumber(f.mac)): Slot {
    let s = this.freed.pop();
    if (s === undefined) {
      s = this.high++;
      if (s === this.ips.length) this.grow();
    }
    this.macs[s] = macKey;
    this.ips[s] = f.ip;
    this.states[s] = CODES[f.state];
    this.refs[s] = 0;
    this.hwClientId[s] = 0;
    this.expires[s] = f.expiresAt;
    this.updated[s] = f.updatedAt;
    this.setClientId(s, f.clientId);
    if (f.hostname !== undefined) this.hostnames.set(s, f.hostname);
    return s;
  }

  /**
   * Changes a record in place (the client's own record at the same address: OFFER → ACK, a renewal); a
   * client-id or hostname left undefined stays as it was.
   */
  update(
    s: Slot,
    state: LeaseState,
    expiresAt: number,
    updatedAt: number,
    clientId: string | undefined,
    hostname: string | undefined,
  ): void {
    this.states[s] = CODES[state];
    this.expires[s] = expiresAt;
    this.updated[s] = updatedAt;
    if (clientId !== undefined) this.setClientId(s, clientId);
    if (hostname !== undefined) this.hostnames.set(s, hostname);
  }

  private setClientId(s: Slot, cid: string | undefined): void {
    if (cid !== undefined && isHardwareClientId(cid, this.macs[s]!)) {
      this.hwClientId[s] = 1;
      this.clientIds.delete(s);
    } else {
      this.hwClientId[s] = 0;
      if (cid === undefined) this.clientIds.delete(s);
      else this.clientIds.set(s, cid);
    }
  }

  /** Marks the record expired (its time ran out while bound). */
  markExpired(s: Slot): void {
    this.states[s] = CODES.expired;
  }

  /**
   * Points `key` in `index` at `s`: the index's entries and the slots' references change together, `from`
   * (IN_MAC or IN_IP) saying which index this is. The slot the key pointed at before loses that reference.
   */
  link<K extends number>(index: SlotIndex<K>, key: K, s: Slot, from: number): void {
    const old = index.get(key);
    if (old === s) return;
    index.set(key, s);
    this.refs[s]! |= from;
    if (old !== undefined) this.unref(old, from);
  }

  /** Removes `key` from `index`; its slot loses the reference `from`. */
  unlink<K extends number>(index: SlotIndex<K>, key: K, from: number): void {
    const old = index.get(key);
    if (old === undefined) return;
    index.delete(key);
    this.unref(old, from);
  }

  /** Drops one index's reference; the slot is free for reuse once neither index refers to it. */
  private unref(s: Slot, from: number): void {
    const left = this.refs[s]! & ~from;
    this.refs[s] = left;
    if (left === 0) {
      this.clientIds.delete(s);
      this.hostnames.delete(s);
      this.freed.push(s);
    }
  }

  /** Whether `s` is referenced by any index in `from` (IN_MAC, IN_IP or both). */
  isReferencedBy(s: Slot, from: number): boolean {
    return (this.refs[s]! & from) !== 0;
  }

  /**
   * Calls fn for every record referenced by an index in `from`, in slot order; a record dropped meanwhile
   * is skipped (no record may be added meanwhile).
   */
  forEach(from: number, fn: (s: Slot) => void): void {
    for (let s = 0; s < this.high; s++) if ((this.refs[s]! & from) !== 0) fn(s);
  }

  /** The MAC as a number (macToNumber): what the by-MAC index is keyed by. */
  macKey(s: Slot): number {
    return this.macs[s]!;
  }

  mac(s: Slot): Mac {
    return macFromNumber(this.macs[s]!);
  }

  ip(s: Slot): Ipv4 {
    return this.ips[s]! as Ipv4;
  }

  state(s: Slot): LeaseState {
    return STATES[this.states[s]!]!;
  }

  clientId(s: Slot): string | undefined {
    if (this.hwClientId[s] === 0) return this.clientIds.get(s);
    return `01${this.macs[s]!.toString(16).padStart(12, '0')}`;
  }

  hostname(s: Slot): string | undefined {
    return this.hostnames.get(s);
  }

  expiresAt(s: Slot): number {
    return this.expires[s]!;
  }

  isOffered(s: Slot): boolean {
    return this.states[s] === OFFERED;
  }

  isBound(s: Slot): boolean {
    return this.states[s] === BOUND;
  }

  isDeclined(s: Slot): boolean {
    return this.states[s] === DECLINED;
  }

  /** Offered, bound or declined, and not yet run out: the record occupies its address. */
  isActive(s: Slot, now: number): boolean {
    const st = this.states[s]!;
    return (st === BOUND || st === OFFERED || st === DECLINED) && this.expires[s]! > now;
  }

  /** The record as a Lease object (a copy); `mac` is its MAC's text, if the caller has it at hand. */
  lease(s: Slot, mac: Mac = this.mac(s)): Lease {
    return {
      mac,
      ip: this.ips[s]! as Ipv4,
      state: STATES[this.states[s]!]!,
      expiresAt: this.expires[s]!,
      clientId: this.clientId(s),
      hostname: this.hostnames.get(s),
      updatedAt: this.updated[s]!,
    };
  }

  /**
   * A copy of the given records, taken now, read as Lease objects one at a time later: a compaction writes
   * it over many event-loop turns while the table goes on changing, and meanwhile holds 31 bytes per
   * record instead of a Lease object each.
   */
  snapshot(order: Int32Array): LeaseSnapshot {
    const n = order.length;
    const copy = new LeaseSlots(n);
    for (let i = 0; i < n; i++) {
      const s = order[i]!;
      copy.macs[i] = this.macs[s]!;
      copy.ips[i] = this.ips[s]!;
      copy.states[i] = this.states[s]!;
      copy.hwClientId[i] = this.hwClientId[s]!;
      copy.expires[i] = this.expires[s]!;
      copy.updated[i] = this.updated[s]!;
      const cid = this.clientIds.get(s);
      if (cid !== undefined) copy.clientIds.set(i, cid);
      const name = this.hostnames.get(s);
      if (name !== undefined) copy.hostnames.set(i, name);
    }
    copy.high = n;
    return {
      count: n,
      *records(): Generator<Lease> {
        for (let i = 0; i < n; i++) yield copy.lease(i);
      },
    };
  }

  private grow(): void {
    const cap = this.ips.length * 2;
    this.macs = grown(this.macs, new Float64Array(cap));
    this.ips = grown(this.ips, new Uint32Array(cap));
    this.states = grown(this.states, new Uint8Array(cap));
    this.refs = grown(this.refs, new Uint8Array(cap));
    this.hwClientId = grown(this.hwClientId, new Uint8Array(cap));
    this.expires = grown(this.expires, new Float64Array(cap));
    this.updated = grown(this.updated, new Float64Array(cap));
  }
}

function grown<T extends Float64Array | Uint32Array | Uint8Array>(old: T, bigger: T): T {
  bigger.set(old);
  return bigger;
}
