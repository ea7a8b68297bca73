/** TTL arithmetic on records (RFC 1035 §3.2.1; RFC 2181 §8). */
import { RrType, type ResourceRecord } from './message.js';

/** Copies of the records with every TTL lowered by `elapsed` seconds, never below 0; OPT records untouched. */
export function agedCopyOfRecords(records: readonly ResourceRecord[], elapsed: number): ResourceRecord[] {
  return records.map((r) =>
    r.type === RrType.OPT || elapsed <= 0 ? r : { ...r, ttl: Math.max(0, r.ttl - elapsed) },
  );
}
