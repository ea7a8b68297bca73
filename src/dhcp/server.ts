/**
 * One scope's packet loop: datagram → decode → policy chain → (journal) → encode → send. The transport
 * knows nothing of policy and the chain nothing of sockets. Nothing a packet contains can stop the daemon:
 * every step is guarded, and a bad packet is logged (at debug) and dropped.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { formatIpv4 } from '../net/ipv4.js';
import { destinationOf, type Ports } from './destination.js';
import { handle } from './handlers/chain.js';
import type { Exchange, LeaseEvent, PolicyContext } from './handlers/exchange.js';
import type { ConflictProbe } from './probe/conflict-probe.js';
import { messageTypeName, type DhcpMessage } from './message.js';
import { replyMaxSize } from './options.js';
import type { LeaseStore } from './lease-store.js';
import type { DatagramTransport, Peer } from './transport/transport.js';
import { decode, encode } from './wire.js';

const EXHAUSTED_LOG_MS = 10_000;

/** A fresh OFFER whose address turns out to be taken is retried with another address at most this often. */
const MAX_PROBES = 3;

export interface DhcpServerDeps {
  ctx: PolicyContext;
  /** Conflict probe for fresh offers (dhcp.conflictProbe); absent = off. */
  probe?: ConflictProbe;
  store: LeaseStore;
  transport: DatagramTransport;
  clock: Clock;
  log: Logger;
  ports: Ports;
}

/**
 * Bound on requests whose lease records wait for the journal's fsync. Past it, new packets are dropped
 * before any work (clients retry): a slow disk or a flood cannot grow memory without limit.
 */
export const MAX_INFLIGHT = 4096;

/**
 * Pacing of the replies a group commit releases (a token bucket): up to RELEASE_BURST leave at once, then
 * RELEASE_PER_MS per millisecond. A disk that stalls for tens of ms while clients keep asking releases
 * hundreds of ACKs in one batch; sent back to back they can overflow the receive buffer of a relay that
 * serves many clients from one socket, and each one lost is a client that must retry. The rate must stay
 * well above the most ACKs the server answers per ms (about three times it), so steady traffic never
 * waits and only the tail of a burst does, by a few ms; a rate near it becomes the ceiling itself
 * (docs/benchmarks.md#reply-pacing-after-a-group-commit).
 */
const RELEASE_BURST = 64;
const RELEASE_PER_MS = 48;

export interface ServerStats {
  received: number;
  /** dropped unread because MAX_INFLIGHT requests were already waiting for the disk */
  shed: number;
  replied: number;
  dropped: number;
  malformed: number;
  errors: number;
}

export class DhcpServer {
  readonly stats: ServerStats = { received: 0, shed: 0, replied: 0, dropped: 0, malformed: 0, errors: 0 };
  private inflight = 0;
  private exhaustedLoggedAt = -Infinity;
  private exhaustedSuppressed = 0;
  private readonly d: DhcpServerDeps;
  /** Replies waiting for a release token, oldest first (request, reply pairs). */
  private readonly releasing: [DhcpMessage, DhcpMessage][] = [];
  private tokens = RELEASE_BURST;
  private tokensAt = performance.now();
  private releaseTimer: NodeJS.Timeout | undefined;
  private readonly debug: boolean;
  private readonly info: boolean;

  constructor(deps: DhcpServerDeps) {
    this.d = deps;
    this.debug = deps.log.isLevelEnabled('debug');
    this.info = deps.log.isLevelEnabled('info');
  }

  get ctx(): PolicyContext {
    return this.d.ctx;
  }

  start(): void {
    this.d.transport.onMessage((data, from) => {
      this.onPacket(data, from);
    });
  }

  onPacket(data: Uint8Array, from: Peer): void {
    this.stats.received++;
    if (this.inflight >= MAX_INFLIGHT) {
      this.stats.shed++;
      return;
    }
    try {
      this.process(data, from);
    } catch (e) {
      this.stats.errors++;
      this.d.log.error(
        { from: from.address, err: String(e), stack: (e as Error).stack },
        'internal error on a packet; dropped',
      );
    }
  }

  private process(data: Uint8Array, from: Peer): void {
    const { log } = this.d;
    const decoded = decode(data);
    if (!decoded.ok) {
      this.stats.malformed++;
      if (this.debug)
        log.debug(
          { from: from.address, bytes: data.length, why: decoded.error.reason },
          'malformed packet dropped',
        );
      return;
    }
    this.run(decoded.msg, from, 0);
  }

  /** Runs the chain; a fresh OFFER may first be probed (dhcp.conflictProbe), and re-run if its address is taken. */
  private run(req: DhcpMessage, from: Peer, attempt: number): void {
    const { ctx, log, probe } = this.d;
    const ex = handle(req, this.d.clock.now(), ctx);
    if (this.debug) {
      log.debug(
        {
          type: messageTypeName[ex.type] ?? ex.type,
          mac: ex.mac,
          xid: req.xid,
          from: from.address,
          why: ex.reason,
        },
        // RELEASE and DECLINE are never answered, but when they change a lease they were not ignored.
        ex.reply ? 'answered' : ex.commit.length > 0 ? 'acted on (no reply is sent)' : 'ignored',
      );
    }
    const ip = ex.probe;
    if (ip === undefined || !probe || attempt >= MAX_PROBES) {
      this.finish(req, ex);
      return;
    }
    this.inflight++;
    void probe.inUse(ip).then((inUse) => {
      this.inflight--;
      try {
        if (!inUse) {
          this.finish(req, ex);
          return;
        }
        ctx.db.quarantine(ip, this.d.clock.now());
        log.warn(
          { switch: ctx.scope.switchName, ip: formatIpv4(ip), mac: ex.mac },
          'address answered the conflict probe: quarantined, offering another',
        );
        this.run(req, from, attempt + 1);
      } catch (e) {
        this.stats.errors++;
        log.error({ err: String(e) }, 'internal error after a conflict probe; dropped');
      }
    });
  }

  /**
   * "No address offered" is logged at most once per EXHAUSTED_LOG_MS with a count of what was suppressed:
   * under a flood of random MACs a line per refused DISCOVER would fill the disk instead.
   */
  private warnExhausted(detail: Record<string, unknown>): void {
    const now = this.d.clock.now();
    if (now - this.exhaustedLoggedAt < EXHAUSTED_LOG_MS) {
      this.exhaustedSuppressed++;
      return;
    }
    this.d.log.warn(
      { switch: this.d.ctx.scope.switchName, ...detail, suppressedSinceLast: this.exhaustedSuppressed },
      'no address offered',
    );
    this.exhaustedLoggedAt = now;
    this.exhaustedSuppressed = 0;
  }

  /** Logs the lease event, journals what must be durable, then sends the reply. */
  private finish(req: DhcpMessage, ex: Exchange): void {
    const { ctx, log } = this.d;
    const event = ex.event;
    if (event) {
      const { kind } = event;
      if (kind === 'exhausted') this.warnExhausted(eventFields(event));
      // The info line's object is built only when info is on: at the usual warn level an ACK logs nothing
      // and allocates nothing for it.
      else if (kind !== 'offer' && kind !== 'inform' && this.info)
        log.info({ switch: ctx.scope.switchName, ...eventFields(event) }, kind);
    }
    const reply = ex.reply;
    if (ex.commit.length === 0) {
      if (reply) this.send(req, reply);
      else this.stats.dropped++;
      return;
    }
    this.inflight++;
    this.d.store.append(ctx.scope.switchName, ex.commit, (err) => {
      this.inflight--;
      if (err) {
        // Not durable, so not promised: the client will retry, and the error is loud.
        log.error({ err: err.message, mac: ex.mac }, 'lease journal write failed; reply withheld');
        return;
      }
      if (reply) this.release(req, reply);
    });
  }

  /** Sends a journalled reply now if the bucket has a token, else queues it behind the others (in order). */
  private release(req: DhcpMessage, reply: DhcpMessage): void {
    if (this.releasing.length === 0 && this.takeToken()) {
      this.send(req, reply);
      return;
    }
    this.releasing.push([req, reply]);
    this.drainSoon();
  }

  /** One timer at a time: the next millisecond's tokens go to the oldest waiting replies. */
  private drainSoon(): void {
    this.releaseTimer ??= setTimeout(() => {
      this.releaseTimer = undefined;
      this.drain();
    }, 1);
  }

  private drain(): void {
    let n = 0;
    while (n < this.releasing.length && this.takeToken()) {
      const [req, reply] = this.releasing[n++]!;
      this.send(req, reply);
    }
    this.releasing.splice(0, n);
    if (this.releasing.length > 0) this.drainSoon();
  }

  private takeToken(): boolean {
    const now = performance.now();
    this.tokens = Math.min(RELEASE_BURST, this.tokens + (now - this.tokensAt) * RELEASE_PER_MS);
    this.tokensAt = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }

  private send(req: DhcpMessage, reply: DhcpMessage): void {
    const bytes = encode(reply, { maxSize: replyMaxSize(req.options) });
    const to = destinationOf(req, reply, this.d.ports);
    this.stats.replied++;
    this.d.transport.send(bytes, to.port, to.address, (err) => {
      if (!err) return;
      this.stats.errors++;
      this.d.log.warn({ to: to.address, yiaddr: formatIpv4(reply.yiaddr), err: String(err) }, 'send failed');
    });
  }
}

/** The event without its kind, for the log line (mac, ip, detail as present). */
function eventFields(e: LeaseEvent): Record<string, unknown> {
  const o: Record<string, unknown> = { mac: e.mac };
  if ('ip' in e) o.ip = e.ip;
  if ('detail' in e) o.detail = e.detail;
  return o;
}
