import type { Ipv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';

/**
 * offered  — held for the client between OFFER and REQUEST (memory only, never persisted)
 * bound    — ACKed; the client owns the address until expiresAt
 * released — the client gave it back (RELEASE); remembered so it can get the same address again
 * expired  — its time ran out; remembered for the same reason
 * declined — a client reported the address in use (DECLINE); quarantined until expiresAt
 */
export type LeaseState = 'offered' | 'bound' | 'released' | 'expired' | 'declined';

export interface Lease {
  mac: Mac;
  ip: Ipv4;
  state: LeaseState;
  /** ms since the epoch */
  expiresAt: number;
  /** option 61 as hex; not the key by default (cloned images share it; client-key.ts) */
  clientId: string | undefined;
  hostname: string | undefined;
  /** ms since the epoch of the last change */
  updatedAt: number;
}

/**
 * Records as they were at one moment, read one Lease at a time (`records()` may be iterated more than
 * once): what the lease table hands the journal's compaction, which writes it over many event-loop turns.
 */
export interface LeaseSnapshot {
  readonly count: number;
  records(): Iterable<Lease>;
}
