/**
 * Windows: forwarding through the DNS Client service, so NRPT rules (how VPN clients do split DNS), the hosts
 * file and the VPN's interface servers all apply (docs/windows.md#nrpt-and-dns: NRPT is applied only to callers
 * of the Windows DNS API; nslookup-style direct queries bypass it).
 *
 * Which API for which record types, and the limits (also in the README):
 * - A and AAAA: getaddrinfo (Node's dns.lookup), which on Windows goes through the DNS Client and NRPT.
 *   getaddrinfo returns no TTL and no CNAME chain: answers carry the target's addresses under the asked
 *   name with a fixed TTL (OS_TTL). A name with no A but with AAAA is told apart from a missing name with a
 *   second lookup, so AAAA-only names get NODATA, not NXDOMAIN.
 * - Every other type (MX, TXT, SRV, PTR, ...): `fallback`, the DNS servers Windows lists for its adapters
 *   (dns.getServers(), from the registry, via c-ares) — these queries do NOT follow NRPT. The complete answer
 *   would be DnsQueryRaw (Windows 11 22H2+), which needs a native binding we have not built.
 * - getaddrinfo runs on libuv's thread pool (4 threads, shared with file I/O such as the lease journal's
 *   fsync), and cannot be cancelled; at most MAX_PARALLEL lookups run at once so a hanging VPN resolver can
 *   never starve lease writes. A lookup still running at the caller's deadline yields SERVFAIL.
 */
import type { LookupAddress } from 'node:dns';
import { parseIpv4 } from '../../net/ipv4.js';
import { Rcode, RrClass, RrType, type Answer, type Question, type ResourceRecord } from '../message.js';
import { UpstreamError, type Upstream } from './upstream.js';

export const OS_TTL = 30;
const MAX_PARALLEL = 2;

/** dns.promises.lookup's shape, injectable for tests. */
export type LookupAll = (name: string, family: 4 | 6) => Promise<LookupAddress[]>;

export function osResolverUpstream(lookup: LookupAll, fallback: Upstream): Upstream {
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async (signal: AbortSignal): Promise<() => void> => {
    while (running >= MAX_PARALLEL) {
      if (signal.aborted) throw new UpstreamError('deadline passed waiting for a resolver thread');
      await new Promise<void>((r) => {
        waiting.push(r);
        signal.addEventListener(
          'abort',
          () => {
            r();
          },
          { once: true },
        );
      });
    }
    running++;
    return () => {
      running--;
      waiting.shift()?.();
    };
  };
  const find = async (name: string, family: 4 | 6, signal: AbortSignal): Promise<LookupAddress[]> => {
    const release = await slot(signal);
    try {
      return await lookup(name, family);
    } catch (e) {
      if (isNotFound(e)) return [];
      throw new UpstreamError(`getaddrinfo(${name}): ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      release();
    }
  };
  return {
    description: `the Windows DNS Client (getaddrinfo, NRPT applies) for A/AAAA; ${fallback.description} for other types`,
    close: () => {
      fallback.close();
    },
    resolve: async (q: Question, signal: AbortSignal): Promise<Answer> => {
      if (q.class !== RrClass.IN || (q.type !== RrType.A && q.type !== RrType.AAAA)) {
        return fallback.resolve(q, signal);
      }
      const family = q.type === RrType.A ? 4 : 6;
      const found = await withDeadline(find(q.name, family, signal), signal);
      const records = found.filter((a) => a.family === family).map((a) => toRecord(q, a.address));
      if (records.length > 0)
        return { rcode: Rcode.NOERROR, answers: records, authority: [], additional: [] };
      const other = await withDeadline(find(q.name, family === 4 ? 6 : 4, signal), signal);
      return {
        rcode: other.length > 0 ? Rcode.NOERROR : Rcode.NXDOMAIN,
        answers: [],
        authority: [],
        additional: [],
      };
    },
  };
}

function toRecord(q: Question, address: string): ResourceRecord {
  if (q.type === RrType.A) {
    const ip = parseIpv4(address);
    if (ip === undefined) throw new UpstreamError(`getaddrinfo gave a bad IPv4 address ${address}`);
    return { name: q.name, type: RrType.A, class: RrClass.IN, ttl: OS_TTL, data: { kind: 'a', address: ip } };
  }
  return {
    name: q.name,
    type: RrType.AAAA,
    class: RrClass.IN,
    ttl: OS_TTL,
    data: { kind: 'raw', bytes: ipv6Bytes(address) },
  };
}

/** IPv6 text as Node prints it ("fe80::1", "::ffff:10.0.0.1", "fe80::1%eth0") → its 16 bytes. */
export function ipv6Bytes(text: string): Uint8Array {
  let s = text.split('%')[0]!;
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const ip = parseIpv4(v4[2]!);
    if (ip === undefined) throw new UpstreamError(`bad IPv6 address ${text}`);
    s = `${v4[1]!}${(ip >>> 16).toString(16)}:${(ip & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) throw new UpstreamError(`bad IPv6 address ${text}`);
  const groupsOf = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((h) => (/^[0-9a-f]{1,4}$/i.test(h) ? parseInt(h, 16) : NaN));
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...new Array<number>(Math.max(fill, 0)).fill(0), ...tail];
  if (groups.length !== 8 || fill < 0 || (halves.length === 2 && fill === 0) || groups.some(Number.isNaN)) {
    throw new UpstreamError(`bad IPv6 address ${text}`);
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

function isNotFound(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
  return code === 'ENOTFOUND' || code === 'ENODATA';
}

function withDeadline<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new UpstreamError('deadline passed'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(new UpstreamError('deadline passed (the OS resolver is still working)'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
