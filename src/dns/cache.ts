/**
 * The forwarder's answer cache: TTL-respecting (an entry lives for the smallest TTL in its answer; a negative
 * answer for the SOA's negative TTL, RFC 2308 §5), bounded in entries and in bytes, least recently used out
 * first. Pure: the caller passes the time. Answers are served with their TTLs aged by the time spent here.
 */
import { RrType, type Answer, type Question } from './message.js';
import { agedCopyOfRecords } from './ttl.js';

/** The longest we keep anything, whatever the upstream said (seconds). */
export const MAX_CACHE_TTL = 3600;

export type CachedAnswer = Answer;

interface Entry {
  answer: CachedAnswer;
  storedAt: number;
  expiresAt: number;
  bytes: number;
}

export interface CacheLimits {
  maxEntries: number;
  maxBytes: number;
}

export const DEFAULT_CACHE_LIMITS: CacheLimits = { maxEntries: 10_000, maxBytes: 16 * 1024 * 1024 };

export function cacheKey(q: Question): string {
  return `${q.name.toLowerCase()}|${q.type}|${q.class}`;
}

export class AnswerCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private readonly limits: CacheLimits;

  constructor(limits: CacheLimits = DEFAULT_CACHE_LIMITS) {
    this.limits = limits;
  }

  get size(): number {
    return this.entries.size;
  }

  get byteSize(): number {
    return this.bytes;
  }

  /** The cached answer with TTLs aged to `now` (ms), or undefined when absent or expired. */
  get(q: Question, now: number): CachedAnswer | undefined {
    const key = cacheKey(q);
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (now >= e.expiresAt) {
      this.remove(key, e);
      return undefined;
    }
    this.entries.delete(key); // re-insert: Map order is least recently used first
    this.entries.set(key, e);
    const elapsed = Math.floor((now - e.storedAt) / 1000);
    return {
      rcode: e.answer.rcode,
      answers: agedCopyOfRecords(e.answer.answers, elapsed),
      authority: agedCopyOfRecords(e.answer.authority, elapsed),
      additional: agedCopyOfRecords(e.answer.additional, elapsed),
    };
  }

  /** Stores what an upstream answered, if it may be cached; returns the seconds it will live (0 = not stored). */
  put(q: Question, answer: CachedAnswer, now: number): number {
    const ttl = cacheTtl(answer);
    if (ttl <= 0) return 0;
    const key = cacheKey(q);
    const old = this.entries.get(key);
    if (old) this.remove(key, old);
    const bytes = estimateBytes(answer) + key.length;
    if (bytes > this.limits.maxBytes / 16) return 0; // one huge answer must not flush everything else
    const e: Entry = { answer, storedAt: now, expiresAt: now + ttl * 1000, bytes };
    this.entries.set(key, e);
    this.bytes += bytes;
    this.evict(now);
    return ttl;
  }

  private evict(now: number): void {
    if (this.entries.size <= this.limits.maxEntries && this.bytes <= this.limits.maxBytes) return;
    // Expired entries first, then the least recently used.
    for (const [k, e] of this.entries) if (now >= e.expiresAt) this.remove(k, e);
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.bytes <= this.limits.maxBytes) break;
      this.remove(k, e);
    }
  }

  private remove(key: string, e: Entry): void {
    this.entries.delete(key);
    this.bytes -= e.bytes;
  }
}

/**
 * How long an answer may be cached, in seconds: rcode NOERROR with answers → the smallest TTL among the
 * answer records; NXDOMAIN or NODATA → min(SOA TTL, SOA minimum) when the authority section has the SOA, else
 * not cached (RFC 2308 §5); anything else (SERVFAIL, REFUSED, ...) → not cached. Capped at MAX_CACHE_TTL.
 */
export function cacheTtl(a: CachedAnswer): number {
  const NOERROR = 0;
  const NXDOMAIN = 3;
  let ttl: number;
  if (a.rcode === NOERROR && a.answers.length > 0) {
    ttl = Math.min(...a.answers.map((r) => r.ttl));
  } else if (a.rcode === NOERROR || a.rcode === NXDOMAIN) {
    const soa = a.authority.find((r) => r.type === RrType.SOA);
    if (soa === undefined || soa.data.kind !== 'soa') return 0;
    ttl = Math.min(soa.ttl, soa.data.minimum);
  } else return 0;
  return Math.max(0, Math.min(ttl, MAX_CACHE_TTL));
}

function estimateBytes(a: CachedAnswer): number {
  let n = 64;
  for (const r of [...a.answers, ...a.authority, ...a.additional]) {
    n += 48 + r.name.length;
    const d = r.data;
    if (d.kind === 'raw') n += d.bytes.length;
    else if (d.kind === 'name') n += d.name.length;
    else if (d.kind === 'mx') n += d.exchange.length;
    else if (d.kind === 'soa') n += d.mname.length + d.rname.length + 20;
    else n += 4;
  }
  return n;
}
