/**
 * Forwarding to DNS servers by address: UDP first, TCP when the answer comes back truncated (RFC 7766 §5).
 * Each query leaves from a fresh socket (an OS-chosen source port) with a random ID, and only an answer
 * matching both ID and question is taken (RFC 5452 §9.1). Servers are tried in order; one that fails, times
 * out or answers SERVFAIL/REFUSED makes way for the next, until the caller's deadline aborts.
 */
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { formatIpv4, type Ipv4 } from '../../net/ipv4.js';
import { NO_FLAGS, Rcode, RrType, type Answer, type DnsMessage, type Question } from '../message.js';
import { sameName } from '../name.js';
import { decodeMessage, encodeMessage, optRecord } from '../wire.js';
import { UpstreamError, type Upstream } from './upstream.js';

/** What we advertise upstream (RFC 6891 §6.2.5; 1232 is the DNS Flag Day 2020 size, no IP fragmentation). */
const EDNS_SIZE = 1232;

export interface ServersUpstreamOptions {
  /** The current servers, asked per query (e.g. resolv.conf, reread when it changes). */
  servers: () => readonly Ipv4[];
  port?: number;
  /** One try at one server, ms (default 1000). */
  attemptTimeoutMs?: number;
  /** Addresses never forwarded to: our own listeners (a resolv.conf naming us would loop). */
  exclude?: readonly Ipv4[];
  description: string;
}

export function serversUpstream(opts: ServersUpstreamOptions): Upstream {
  const port = opts.port ?? 53;
  const attemptMs = opts.attemptTimeoutMs ?? 1000;
  const exclude = new Set(opts.exclude ?? []);
  return {
    description: opts.description,
    close: () => undefined,
    resolve: async (q, signal) => {
      const servers = opts.servers().filter((s) => !exclude.has(s));
      if (servers.length === 0)
        throw new UpstreamError('no upstream DNS server (only our own address is listed)');
      let last = 'no answer';
      // Two rounds over the list: a single lost datagram should not cost a SERVFAIL.
      for (let round = 0; round < 2; round++) {
        for (const server of servers) {
          if (signal.aborted) throw new UpstreamError(`deadline passed (${last})`);
          try {
            const a = await askOne(q, server, port, attemptMs, signal);
            if (a.rcode === Rcode.SERVFAIL || a.rcode === Rcode.REFUSED) {
              last = `${formatIpv4(server)} answered rcode ${a.rcode}`;
              continue;
            }
            return a;
          } catch (e) {
            last = `${formatIpv4(server)}: ${e instanceof Error ? e.message : String(e)}`;
          }
        }
      }
      throw new UpstreamError(last);
    },
  };
}

async function askOne(
  q: Question,
  server: Ipv4,
  port: number,
  attemptMs: number,
  signal: AbortSignal,
): Promise<Answer> {
  const id = randomInt(0, 0x10000);
  const query: DnsMessage = {
    id,
    flags: { ...NO_FLAGS, rd: true },
    questions: [q],
    answers: [],
    authority: [],
    additional: [optRecord(EDNS_SIZE)],
  };
  const bytes = encodeMessage(query);
  const udp = await exchangeUdp(bytes, server, port, attemptMs, signal, (m) => matches(m, id, q));
  if (!udp.flags.tc) return toAnswer(udp);
  const tcp = await exchangeTcp(bytes, server, port, attemptMs * 2, signal, (m) => matches(m, id, q));
  return toAnswer(tcp);
}

function matches(m: DnsMessage, id: number, q: Question): boolean {
  const mq = m.questions[0];
  return (
    m.flags.qr &&
    m.id === id &&
    m.questions.length === 1 &&
    mq !== undefined &&
    mq.type === q.type &&
    mq.class === q.class &&
    sameName(mq.name, q.name)
  );
}

function toAnswer(m: DnsMessage): Answer {
  return {
    rcode: m.flags.rcode,
    answers: m.answers,
    authority: m.authority,
    additional: m.additional.filter((r) => r.type !== RrType.OPT),
  };
}

type Finish = (err: Error | undefined, m?: DnsMessage) => void;

/**
 * One question's exchange, settled once: by an accepted answer, an error, its own timeout or the caller's
 * deadline, whichever is first; `open` starts the socket and returns how to close it.
 */
function exchange(
  timeoutMs: number,
  signal: AbortSignal,
  timeoutText: string,
  open: (finish: Finish) => () => void,
): Promise<DnsMessage> {
  return new Promise((resolve, reject) => {
    let done = false;
    let close = (): void => undefined;
    const onAbort = (): void => {
      finish(new UpstreamError('deadline passed'));
    };
    const timer = setTimeout(() => {
      finish(new UpstreamError(`${timeoutText} in ${timeoutMs} ms`));
    }, timeoutMs);
    const finish: Finish = (err, m) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      close();
      if (err) reject(err);
      else resolve(m!);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    close = open(finish);
    if (done) close();
  });
}

function exchangeUdp(
  bytes: Uint8Array,
  server: Ipv4,
  port: number,
  timeoutMs: number,
  signal: AbortSignal,
  accept: (m: DnsMessage) => boolean,
): Promise<DnsMessage> {
  return exchange(timeoutMs, signal, 'no answer', (finish) => {
    const sock = createSocket('udp4');
    sock.on('error', (e) => {
      finish(e);
    });
    sock.on('message', (msg, rinfo) => {
      if (rinfo.address !== formatIpv4(server) || rinfo.port !== port) return; // not from whom we asked
      const d = decodeMessage(msg);
      if (d.ok && accept(d.message)) finish(undefined, d.message);
    });
    sock.send(bytes, port, formatIpv4(server), (e) => {
      if (e) finish(e);
    });
    return () => {
      sock.close();
    };
  });
}

function exchangeTcp(
  bytes: Uint8Array,
  server: Ipv4,
  port: number,
  timeoutMs: number,
  signal: AbortSignal,
  accept: (m: DnsMessage) => boolean,
): Promise<DnsMessage> {
  return exchange(timeoutMs, signal, 'no TCP answer', (finish) => {
    const sock = connect({ host: formatIpv4(server), port });
    let buf: Buffer = Buffer.alloc(0);
    sock.on('error', (e) => {
      finish(e);
    });
    sock.on('close', () => {
      finish(new UpstreamError('TCP connection closed before an answer'));
    });
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(bytes.length);
      sock.write(Buffer.concat([len, bytes]));
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const n = buf.readUInt16BE(0);
        if (buf.length < 2 + n) return;
        const d = decodeMessage(buf.subarray(2, 2 + n));
        buf = buf.subarray(2 + n);
        if (d.ok && accept(d.message)) {
          finish(undefined, d.message);
          return;
        }
      }
    });
    return () => {
      sock.destroy();
    };
  });
}
