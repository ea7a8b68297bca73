/**
 * The one contract of the policy chain (after coredhcp's handler.go): a handler looks at the exchange,
 * may fill in the reply, and says whether the chain goes on. When the chain ends with no reply, the
 * request is dropped; `reason` says why, for the debug log.
 */
import type { Ipv4 } from '../../net/ipv4.js';
import type { Mac } from '../../net/mac.js';
import type { Lease } from '../lease.js';
import type { LeaseDb } from '../lease-db.js';
import type { DhcpMessage } from '../message.js';
import type { RateLimiter } from '../rate-limiter.js';
import type { Scope } from '../scope.js';
import type { ScopeBytes } from '../scope-bytes.js';
import { ScopeCell } from '../scope-cell.js';

/** One line at info level: what happened to a lease. */
export interface LeaseEvent {
  kind: 'offer' | 'ack' | 'nak' | 'release' | 'decline' | 'inform' | 'exhausted';
  mac: Mac;
  ip?: string;
  detail?: string;
}

export interface Exchange {
  readonly req: DhcpMessage;
  /** option 53 */
  readonly type: number;
  /** The client as the lease table knows it: its MAC, or a key made from its client-id (client-key.ts). */
  readonly mac: Mac;
  readonly now: number;
  /** The reply being built; undefined = nothing to send (so far). */
  reply: DhcpMessage | undefined;
  /** Lease records to make durable before the reply leaves (ACK) or at all (RELEASE/DECLINE). */
  commit: Lease[];
  reason: string;
  event: LeaseEvent | undefined;
  /** Set on an OFFER of an address the client never held: the server may probe it before sending. */
  probe: Ipv4 | undefined;
}

/** What the handlers read: a switch's cell (scope-cell.ts) as it is at this request. */
export interface PolicyContext {
  readonly scope: Scope;
  /** The scope's option values, encoded when the scope was set. */
  readonly bytes: ScopeBytes;
  readonly db: LeaseDb;
  readonly limiter: RateLimiter;
}

export type Verdict = 'next' | 'stop';
export type Handler = (ex: Exchange, ctx: PolicyContext) => Verdict;

/** The policy context of a scope: a cell with its settings, its lease table and its rate limiter. */
export function policyContext(scope: Scope, db: LeaseDb): ScopeCell {
  return new ScopeCell(scope, db);
}
