/**
 * One DNS query in, at most one response out: the policy of switchyard's DNS server, with the socket, the
 * clock and the upstream injected (server.ts is the shell).
 *
 * In order: undecodable → FORMERR when the ID could be read, else dropped; a response (QR=1) → dropped;
 * a source outside the allowed networks → REFUSED (not an open resolver; refusals themselves are budgeted so
 * we cannot be used to reflect traffic); a client over its rate → dropped (UDP) or REFUSED (TCP); opcode other
 * than QUERY → NOTIMP (opcode copied); an EDNS version other than 0 → BADVERS; a TSIG record → NOTAUTH/BADKEY
 * (tsig.ts: we hold no keys); not exactly one question, or a zone transfer → FORMERR / REFUSED; then our own names
 * (zone.ts), then the cache, then the upstream with a deadline → SERVFAIL when it passes. Identical questions
 * waiting on the upstream share one upstream query; the number waiting is bounded overall and per client.
 */
import type { Clock } from '../clock.js';
import { RateLimiter } from '../dhcp/rate-limiter.js';
import type { Logger } from '../log.js';
import { contains, formatIpv4, type Cidr, type Ipv4 } from '../net/ipv4.js';
import { AnswerCache, cacheKey, type CacheLimits } from './cache.js';
import {
  Opcode,
  Rcode,
  RrType,
  type Answer,
  type DnsMessage,
  type Question,
  type ResourceRecord,
} from './message.js';
import type { NameBook } from './names.js';
import { UpstreamError, type Upstream } from './upstream/upstream.js';
import { tsigCheck } from './tsig.js';
import { decodeMessage, ednsOf, encodeMessage, optRecord } from './wire.js';
import { answerLocally } from './zone.js';

/** The EDNS size we offer clients, and the most we send over UDP (RFC 6891 §6.2.5, DNS Flag Day 2020). */
export const MAX_UDP = 1232;
const CLASSIC_UDP = 512;

export interface ResolverLimits {
  /** Upstream deadline per question, ms: after it the client gets SERVFAIL. */
  upstreamDeadlineMs: number;
  /** Distinct questions waiting on the upstream at once (all clients). */
  maxPending: number;
  /** Queries one client may have waiting on the upstream. */
  maxPendingPerClient: number;
  /** Queries per client per window. */
  queriesPerWindow: number;
  windowMs: number;
  /** REFUSED answers per second, all sources together; more are dropped silently. */
  refusalsPerSecond: number;
  cache: CacheLimits;
}

export const DEFAULT_LIMITS: ResolverLimits = {
  upstreamDeadlineMs: 2500,
  maxPending: 512,
  maxPendingPerClient: 64,
  queriesPerWindow: 500,
  windowMs: 1000,
  refusalsPerSecond: 50,
  cache: { maxEntries: 10_000, maxBytes: 16 * 1024 * 1024 },
};

export interface ResolverDeps {
  /** The current names and a serial that moves when they do. */
  names: () => { book: NameBook; serial: number };
  upstream: Upstream;
  clock: Clock;
  log: Logger;
  /** Who may ask: the switch subnets, the WSL range, loopback. */
  allowed: () => readonly Cidr[];
  limits?: Partial<ResolverLimits>;
}

export interface DnsStats {
  queries: number;
  local: number;
  cached: number;
  forwarded: number;
  servfail: number;
  refused: number;
  dropped: number;
  malformed: number;
}

export type Via = 'udp' | 'tcp';

export class Resolver {
  private readonly deps: ResolverDeps;
  private readonly limits: ResolverLimits;
  private readonly cache: AnswerCache;
  private readonly rate: RateLimiter;
  private readonly pending = new Map<string, Promise<Answer>>();
  private readonly perClient = new Map<Ipv4, number>();
  private refusalWindow = { start: 0, count: 0 };
  readonly stats: DnsStats = {
    queries: 0,
    local: 0,
    cached: 0,
    forwarded: 0,
    servfail: 0,
    refused: 0,
    dropped: 0,
    malformed: 0,
  };

  constructor(deps: ResolverDeps) {
    this.deps = deps;
    this.limits = { ...DEFAULT_LIMITS, ...deps.limits };
    this.cache = new AnswerCache(this.limits.cache);
    this.rate = new RateLimiter(this.limits.queriesPerWindow, this.limits.windowMs, 4096);
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  /** The response bytes for one query, or undefined when nothing is to be sent. Never throws. */
  async handle(bytes: Uint8Array, from: Ipv4, via: Via): Promise<Uint8Array | undefined> {
    this.stats.queries++;
    const now = this.deps.clock.now();
    const d = decodeMessage(bytes);
    if (!d.ok) {
      this.stats.malformed++;
      this.deps.log.debug(
        { from: formatIpv4(from), reason: d.reason, offset: d.offset },
        'DNS: malformed query',
      );
      if (d.id === undefined || !this.allowedSource(from)) return undefined;
      return this.reply(
        { id: d.id, opcode: Opcode.QUERY, rd: false, cd: false, question: d.question, edns: false, via },
        { rcode: Rcode.FORMERR, answers: [], authority: [], additional: [] },
        false,
      );
    }
    const query = d.message;
    if (query.flags.qr) {
      this.stats.dropped++;
      return undefined;
    }
    const edns = ednsOf(query);
    const ctx: ReplyContext = {
      id: query.id,
      opcode: query.flags.opcode,
      rd: query.flags.rd,
      cd: query.flags.cd,
      question: query.questions[0],
      edns: edns !== undefined,
      udpSize: edns?.udpSize,
      via,
    };
    if (!this.allowedSource(from)) {
      if (!this.refusalBudget(now)) {
        this.stats.dropped++;
        return undefined;
      }
      this.stats.refused++;
      this.deps.log.debug(
        { from: formatIpv4(from) },
        'DNS: refused a query from outside the switch networks',
      );
      return this.reply(ctx, empty(Rcode.REFUSED), false);
    }
    if (!this.rate.allow(from, now)) {
      this.stats.dropped++;
      if (via === 'udp') return undefined;
      return this.reply(ctx, empty(Rcode.REFUSED), false);
    }
    // RFC 6891 §6.1.3: "If a responder does not implement the VERSION level of the request, then it MUST
    // respond with RCODE=BADVERS." We implement version 0, and our OPT says so.
    if (edns !== undefined && edns.version !== 0) return this.reply(ctx, empty(Rcode.BADVERS), false);
    const tsig = tsigCheck(query);
    if (tsig !== undefined) {
      this.deps.log.info(
        { from: formatIpv4(from), key: tsig.key, why: tsig.why },
        'DNS: TSIG-signed query; no TSIG keys are configured',
      );
      if (tsig.record === undefined) return this.reply(ctx, empty(Rcode.FORMERR), false);
      return this.reply({ ...ctx, tsig: tsig.record }, empty(Rcode.NOTAUTH), false);
    }
    // RFC 1035 §4.1.1: NOTIMP, "The name server does not support the requested kind of query"; the OPCODE
    // is "set by the originator of a query and copied into the response".
    if (query.flags.opcode !== Opcode.QUERY) return this.reply(ctx, empty(Rcode.NOTIMP), false);
    const q = query.questions[0];
    if (query.questions.length !== 1 || q === undefined) return this.reply(ctx, empty(Rcode.FORMERR), false);
    if (q.type === RrType.AXFR || q.type === RrType.IXFR) return this.reply(ctx, empty(Rcode.REFUSED), false);

    const { book, serial } = this.deps.names();
    const local = answerLocally(q, book, serial);
    if (local !== undefined) {
      this.stats.local++;
      return this.reply(ctx, { ...local, additional: [] }, true);
    }
    const cached = this.cache.get(q, now);
    if (cached !== undefined) {
      this.stats.cached++;
      return this.reply(ctx, cached, false);
    }
    const answer = await this.forward(q, from);
    return this.reply(ctx, answer, false);
  }

  private async forward(q: Question, from: Ipv4): Promise<Answer> {
    const key = cacheKey(q);
    const waiting = this.perClient.get(from) ?? 0;
    const shared = this.pending.get(key);
    if (
      waiting >= this.limits.maxPendingPerClient ||
      (!shared && this.pending.size >= this.limits.maxPending)
    ) {
      this.stats.servfail++;
      return empty(Rcode.SERVFAIL);
    }
    this.perClient.set(from, waiting + 1);
    try {
      let p = shared;
      if (p === undefined) {
        p = this.askUpstream(q);
        this.pending.set(key, p);
        void p.finally(() => this.pending.delete(key));
      }
      return await p;
    } finally {
      const n = (this.perClient.get(from) ?? 1) - 1;
      if (n <= 0) this.perClient.delete(from);
      else this.perClient.set(from, n);
    }
  }

  /** Never rejects: a failure or the deadline becomes SERVFAIL. */
  private async askUpstream(q: Question): Promise<Answer> {
    this.stats.forwarded++;
    // A timer of our own, not AbortSignal.timeout(): that one is unref'd and cannot be cleared.
    const deadline = new AbortController();
    const timer = setTimeout(() => {
      deadline.abort();
    }, this.limits.upstreamDeadlineMs);
    try {
      const a = await this.deps.upstream.resolve(q, deadline.signal);
      this.cache.put(q, a, this.deps.clock.now());
      return a;
    } catch (e) {
      this.stats.servfail++;
      const why = e instanceof UpstreamError || e instanceof Error ? e.message : String(e);
      this.deps.log.info({ name: q.name, type: q.type, why }, 'DNS: upstream failed; answering SERVFAIL');
      return empty(Rcode.SERVFAIL);
    } finally {
      clearTimeout(timer);
    }
  }

  private allowedSource(ip: Ipv4): boolean {
    return this.deps.allowed().some((c) => contains(c, ip));
  }

  private refusalBudget(now: number): boolean {
    const w = this.refusalWindow;
    if (now - w.start >= 1000) {
      w.start = now;
      w.count = 0;
    }
    return ++w.count <= this.limits.refusalsPerSecond;
  }

  private reply(ctx: ReplyContext, a: Answer, authoritative: boolean): Uint8Array {
    const m: DnsMessage = {
      id: ctx.id,
      flags: {
        qr: true,
        opcode: ctx.opcode,
        aa: authoritative,
        tc: false,
        rd: ctx.rd,
        ra: true,
        ad: false,
        cd: ctx.cd,
        rcode: a.rcode,
      },
      questions: ctx.question ? [ctx.question] : [],
      answers: a.answers,
      authority: a.authority,
      // The OPT carries the upper 8 bits of an extended RCODE (BADVERS); a TSIG record goes last (RFC 8945 §5.1).
      additional: [
        ...a.additional,
        ...(ctx.edns ? [optRecord(MAX_UDP, { extendedRcode: a.rcode >>> 4 })] : []),
        ...(ctx.tsig ? [ctx.tsig] : []),
      ],
    };
    const maxSize =
      ctx.via === 'tcp'
        ? 65535
        : ctx.udpSize !== undefined
          ? Math.min(Math.max(ctx.udpSize, CLASSIC_UDP), MAX_UDP)
          : CLASSIC_UDP;
    return encodeMessage(m, { maxSize });
  }
}

interface ReplyContext {
  id: number;
  opcode: number;
  rd: boolean;
  cd: boolean;
  question: Question | undefined;
  edns: boolean;
  udpSize?: number | undefined;
  via: Via;
  /** The TSIG record to end the response with (an unsigned error, tsig.ts). */
  tsig?: ResourceRecord;
}

function empty(rcode: number): Answer {
  return { rcode, answers: [], authority: [], additional: [] };
}
