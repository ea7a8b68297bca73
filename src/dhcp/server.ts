/**
 * One scope's packet loop: datagram → decode → policy chain → (journal) → encode → send. The transport
 * knows nothing of policy and the chain nothing of sockets. Nothing a packet contains can stop the daemon:
 * every step is guarded, and a bad packet is logged (at debug) and dropped.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { formatIpv4 } from '../net/ipv4.js';
import { destinationOf, type Ports } from './destination.js';
import { handle } from './handlers/chain.js';
import type { Exchange, PolicyContext } from './handlers/exchange.js';
import type { ConflictProbe } from './probe/conflict-probe.js';
import { messageTypeName, type DhcpMessage } from './message.js';
import { replyMaxSize } from './options.js';
import type { LeaseStore, StoredLease } from './lease-store.js';
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
  private readonly debug: boolean;

  constructor(deps: DhcpServerDeps) {
    this.d = deps;
    this.debug = deps.log.isLevelEnabled('debug');
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
        ex.reply ? 'answered' : 'ignored',
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
    if (ex.event) {
      const { kind, ...rest } = ex.event;
      if (kind === 'exhausted') this.warnExhausted(rest);
      else if (kind === 'nak') log.info({ switch: ctx.scope.switchName, ...rest }, 'nak');
      else if (kind !== 'offer' && kind !== 'inform')
        log.info({ switch: ctx.scope.switchName, ...rest }, kind);
    }
    const reply = ex.reply;
    if (ex.commit.length === 0) {
      if (reply) this.send(req, reply);
      else this.stats.dropped++;
      return;
    }
    const records: StoredLease[] = ex.commit.map((l) => ({ ...l, switchName: ctx.scope.switchName }));
    this.inflight++;
    this.d.store.append(records, (err) => {
      this.inflight--;
      if (err) {
        // Not durable, so not promised: the client will retry, and the error is loud.
        log.error({ err: err.message, mac: ex.mac }, 'lease journal write failed; reply withheld');
        return;
      }
      if (reply) this.send(req, reply);
    });
  }

  private send(req: DhcpMessage, reply: DhcpMessage): void {
    const bytes = encode(reply, { maxSize: replyMaxSize(req.options) });
    const to = destinationOf(req, reply, this.d.ports);
    this.stats.replied++;
    this.d.transport.send(bytes, to.port, to.address).catch((e: unknown) => {
      this.stats.errors++;
      this.d.log.warn({ to: to.address, yiaddr: formatIpv4(reply.yiaddr), err: String(e) }, 'send failed');
    });
  }
}
