/**
 * The lease store port: the daemon's only way to make leases durable. `append` calls back only once the
 * records are on stable storage (fsync), so a reply sent from the callback never promises a lease that a
 * crash could lose. Implementations: the journal file (journal.ts) and memory (tests).
 *
 * `append` takes the switch's name beside the records rather than a copy of each record with the name
 * added: that copy, made per ACK and held until the fsync, was the largest item of the
 * daemon's old-generation garbage under load (docs/benchmarks.md#allocations-on-the-reply-path). The records
 * belong to the caller, so a store copies (or encodes) what it keeps during the call.
 */
import type { Lease } from './lease.js';

export interface StoredLease extends Lease {
  switchName: string;
}

export interface LoadResult {
  /** The newest record of every (switch, MAC), in journal order. */
  leases: StoredLease[];
  /** Damage found and skipped, one line each ("leases.jsonl:17: ..."). */
  problems: string[];
}

export interface LeaseStore {
  load(): Promise<LoadResult>;
  append(switchName: string, records: readonly Lease[], done: (err: Error | null) => void): void;
  close(): Promise<void>;
}

export class MemoryLeaseStore implements LeaseStore {
  readonly records: StoredLease[] = [];
  load(): Promise<LoadResult> {
    const last = new Map<string, StoredLease>();
    for (const r of this.records) {
      last.delete(`${r.switchName}\u0000${r.mac}`);
      last.set(`${r.switchName}\u0000${r.mac}`, r);
    }
    return Promise.resolve({ leases: [...last.values()], problems: [] });
  }
  append(switchName: string, records: readonly Lease[], done: (err: Error | null) => void): void {
    this.records.push(...records.map((r) => ({ ...r, switchName })));
    queueMicrotask(() => {
      done(null);
    });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}
