/**
 * The lease records of one scope, stored by column: a record is a slot number, and its fields live in
 * typed arrays (address, state, the two times) and three plain arrays (MAC, client-id, hostname).
 *
 * Why not one object per record: as objects, a record cost about 300 bytes of V8 heap at 50,000 leases
 * (the object, its two times boxed as heap numbers, its entries in two Maps; `node --expose-gc
 * dist/bench/hotpath.js`), and the daemon's peak memory under a flood is mostly that table. Here a record
 * is 21 bytes of typed arrays, three array slots and the MAC text, which the by-MAC Map shares as its key.
 *
 * A slot is referenced from the by-MAC index, the by-address index or both (`IN_MAC`, `IN_IP`); it is
 * reused once neither refers to it. Lease objects are made on demand (`lease`), for callers outside the
 * table: they are copies, and never change afterwards.
 */
import type { Ipv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';
import type { Lease, LeaseState } from './lease.js';

export type Slot = number;

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

/**
 * Kept instead of a client-id that is hardware type 1 followed by the MAC (RFC 2132 §9.14), the form
 * Windows and perfdhcp send, and rebuilt when read: 32 bytes less per such client.
 */
const HW_CLIENT_ID = '=mac';

/** Whether `cid` (hex) is "01" + the MAC's digits. */
function isHwClientId(cid: string, mac: Mac): boolean {
  if (cid.length !== 14 || cid.charCodeAt(0) !== 48 || cid.charCodeAt(1) !== 49) return false;
  for (let i = 0, j = 2; j < 14; i += 3, j += 2)
    if (cid.charCodeAt(j) !== mac.charCodeAt(i) || cid.charCodeAt(j + 1) !== mac.charCodeAt(i + 1))
      return false;
  return true;
}

function packClientId(cid: string | undefined, mac: Mac): string | undefined {
  return cid !== undefined && isHwClientId(cid, mac) ? HW_CLIENT_ID : cid;
}

export interface RecordFields {
  mac: Mac;
  ip: Ipv4;
  state: LeaseState;
  expiresAt: number;
  updatedAt: number;
  clientId: string | undefined;
  hostname: string | undefined;
}

export class LeaseSlots {
  private ips = new Uint32Array(FIRST_CAPACITY);
  private states = new Uint8Array(FIRST_CAPACITY);
  private refs = new Uint8Array(FIRST_CAPACITY);
  private expires = new Float64Array(FIRST_CAPACITY);
  private updated = new Float64Array(FIRST_CAPACITY);
  private readonly macs: (Mac | undefined)[] = [];
  private readonly clientIds: (string | undefined)[] = [];
  private readonly hostnames: (string | undefined)[] = [];
  private readonly freed: Slot[] = [];
  /** Slots handed out so far (free ones included): every slot below it has its array entries. */
  private high = 0;

  /** A new record, not yet referenced by either index. */
  add(f: RecordFields): Slot {
    let s = this.freed.pop();
    if (s === undefined) {
      s = this.high++;
      if (s === this.ips.length) this.grow();
      this.macs.push(f.mac);
      this.clientIds.push(packClientId(f.clientId, f.mac));
      this.hostnames.push(f.hostname);
    } else {
      this.macs[s] = f.mac;
      this.clientIds[s] = packClientId(f.clientId, f.mac);
      this.hostnames[s] = f.hostname;
    }
    this.ips[s] = f.ip;
    this.states[s] = CODES[f.state];
    this.refs[s] = 0;
    this.expires[s] = f.expiresAt;
    this.updated[s] = f.updatedAt;
    return s;
  }

  /** Changes a record in place (the client's own record at the same address: OFFER → ACK, a renewal). */
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
    if (clientId !== undefined) this.clientIds[s] = packClientId(clientId, this.macs[s]!);
    if (hostname !== undefined) this.hostnames[s] = hostname;
  }

  /** Marks the record expired (its time ran out while bound). */
  markExpired(s: Slot): void {
    this.states[s] = CODES.expired;
  }

  ref(s: Slot, from: number): void {
    this.refs[s]! |= from;
  }

  /** Drops one index's reference; the slot is free for reuse once neither index refers to it. */
  unref(s: Slot, from: number): void {
    const left = this.refs[s]! & ~from;
    this.refs[s] = left;
    if (left === 0) {
      this.macs[s] = undefined;
      this.clientIds[s] = undefined;
      this.hostnames[s] = undefined;
      this.freed.push(s);
    }
  }

  isReferencedBy(s: Slot, from: number): boolean {
    return (this.refs[s]! & from) !== 0;
  }

  mac(s: Slot): Mac {
    return this.macs[s]!;
  }

  ip(s: Slot): Ipv4 {
    return this.ips[s]! as Ipv4;
  }

  state(s: Slot): LeaseState {
    return STATES[this.states[s]!]!;
  }

  clientId(s: Slot): string | undefined {
    const c = this.clientIds[s];
    return c === HW_CLIENT_ID ? `01${this.macs[s]!.replaceAll(':', '')}` : c;
  }

  hostname(s: Slot): string | undefined {
    return this.hostnames[s];
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

  /** The record as a Lease object (a copy). */
  lease(s: Slot): Lease {
    return {
      mac: this.macs[s]!,
      ip: this.ips[s]! as Ipv4,
      state: STATES[this.states[s]!]!,
      expiresAt: this.expires[s]!,
      clientId: this.clientId(s),
      hostname: this.hostnames[s],
      updatedAt: this.updated[s]!,
    };
  }

  /**
   * A copy of the given records' fields, taken now, read as Lease objects one at a time later: a
   * compaction writes it over many event-loop turns while the table goes on changing, and holds 21 bytes
   * and three references per record meanwhile instead of a Lease object each.
   */
  snapshot(order: Int32Array): LeaseSnapshot {
    const n = order.length;
    const copy = new LeaseSlots();
    copy.ips = new Uint32Array(n);
    copy.states = new Uint8Array(n);
    copy.refs = new Uint8Array(n);
    copy.expires = new Float64Array(n);
    copy.updated = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = order[i]!;
      copy.ips[i] = this.ips[s]!;
      copy.states[i] = this.states[s]!;
      copy.expires[i] = this.expires[s]!;
      copy.updated[i] = this.updated[s]!;
      copy.macs.push(this.macs[s]);
      copy.clientIds.push(this.clientIds[s]); // packed or not, as here: the copy has the same MAC
      copy.hostnames.push(this.hostnames[s]);
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
    const ips = new Uint32Array(cap);
    ips.set(this.ips);
    this.ips = ips;
    const states = new Uint8Array(cap);
    states.set(this.states);
    this.states = states;
    const refs = new Uint8Array(cap);
    refs.set(this.refs);
    this.refs = refs;
    const expires = new Float64Array(cap);
    expires.set(this.expires);
    this.expires = expires;
    const updated = new Float64Array(cap);
    updated.set(this.updated);
    this.updated = updated;
  }
}

/** Records copied at one moment; `records()` may be iterated once or more. */
export interface LeaseSnapshot {
  readonly count: number;
  records(): Iterable<Lease>;
}
