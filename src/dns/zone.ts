/**
 * Authoritative answers from the name book: `<name>.<domain>` (A), the switch subnets' reverse names (PTR),
 * and single-label names. Pure. Undefined means "not ours": the resolver forwards it.
 *
 * - A name under a served domain that has no record is NXDOMAIN, never forwarded (the domain is ours).
 * - A name with a record but another type (AAAA, MX, ...) is NODATA: NOERROR, no answer, the SOA in the
 *   authority section so resolvers cache the absence (RFC 2308 §2.2) — a VM asking AAAA first gets its
 *   answer at once instead of waiting on a forwarder.
 * - Single-label names are never forwarded (they would leak to the VPN's resolvers; dnsmasq's
 *   `domain-needed` does the same): answered if a VM has that name in a served domain, else NXDOMAIN.
 */
import { contains, formatIpv4, type Cidr, type Ipv4 } from '../net/ipv4.js';
import { Rcode, RrClass, RrType, type Question, type ResourceRecord } from './message.js';
import type { NameBook, NameRecord } from './names.js';
import { isSubdomain, parseReverseName, sameName } from './name.js';

/** Negative-caching TTL (RFC 2308 §5: the SOA's minimum, and its own TTL), seconds. */
export const NEGATIVE_TTL = 10;

export interface LocalAnswer {
  rcode: number;
  answers: ResourceRecord[];
  authority: ResourceRecord[];
}

export function answerLocally(q: Question, book: NameBook, serial: number): LocalAnswer | undefined {
  if (q.class !== RrClass.IN && q.class !== RrClass.ANY) return undefined;
  const name = q.name.toLowerCase();

  const domain = book.domains.find((d) => under(name, d));
  if (domain !== undefined) return forwardZone(q, name, domain, book, serial);

  const ip = name.endsWith('.in-addr.arpa') ? parseReverseName(name) : undefined;
  if (ip !== undefined) {
    const subnet = book.subnets.find((s) => contains(s, ip));
    if (subnet !== undefined) return reverseZone(q, ip, subnet, book, serial);
    return undefined;
  }

  if (name !== '' && !name.includes('.')) {
    const hit = book.domains.map((d) => book.byName.get(`${name}.${d}`)).find((r) => r !== undefined);
    if (hit === undefined) return { rcode: Rcode.NXDOMAIN, answers: [], authority: [] };
    return wants(q.type, RrType.A)
      ? { rcode: Rcode.NOERROR, answers: [aRecord(q.name, hit)], authority: [] }
      : { rcode: Rcode.NOERROR, answers: [], authority: [] };
  }
  return undefined;
}

function forwardZone(q: Question, name: string, domain: string, book: NameBook, serial: number): LocalAnswer {
  const soa = soaRecord(domain, serial);
  if (sameName(name, domain)) {
    return wants(q.type, RrType.SOA)
      ? { rcode: Rcode.NOERROR, answers: [soa], authority: [] }
      : { rcode: Rcode.NOERROR, answers: [], authority: [soa] };
  }
  const hit = book.byName.get(name);
  if (hit === undefined) return { rcode: Rcode.NXDOMAIN, answers: [], authority: [soa] };
  return wants(q.type, RrType.A)
    ? { rcode: Rcode.NOERROR, answers: [aRecord(q.name, hit)], authority: [] }
    : { rcode: Rcode.NOERROR, answers: [], authority: [soa] };
}

function reverseZone(q: Question, ip: Ipv4, subnet: Cidr, book: NameBook, serial: number): LocalAnswer {
  const soa = soaRecord(reverseZoneName(subnet), serial);
  const hit = book.byIp.get(ip);
  if (hit === undefined) return { rcode: Rcode.NXDOMAIN, answers: [], authority: [soa] };
  if (!wants(q.type, RrType.PTR)) return { rcode: Rcode.NOERROR, answers: [], authority: [soa] };
  return {
    rcode: Rcode.NOERROR,
    answers: [
      {
        name: q.name,
        type: RrType.PTR,
        class: RrClass.IN,
        ttl: hit.ttl,
        data: { kind: 'name', name: hit.fqdn },
      },
    ],
    authority: [],
  };
}

/** The reverse zone on the octet boundary at or above the subnet: 10.0.251.0/24 → 251.0.10.in-addr.arpa. */
export function reverseZoneName(subnet: Cidr): string {
  const octets = formatIpv4(subnet.network)
    .split('.')
    .slice(0, Math.floor(subnet.prefix / 8));
  return [...octets.reverse(), 'in-addr', 'arpa'].join('.');
}

/**
 * `name` is `zone` or below it; both lower case. Without escapes a suffix test is exact (it runs for every
 * query, forwarded ones too); an escaped name (\\. inside a label) goes through the label-wise comparison.
 */
function under(name: string, zone: string): boolean {
  if (name.includes('\\') || zone.includes('\\')) return isSubdomain(name, zone);
  return name === zone || name.endsWith(`.${zone}`);
}

function wants(asked: number, type: number): boolean {
  return asked === type || asked === RrType.ANY;
}

function aRecord(owner: string, r: NameRecord): ResourceRecord {
  return { name: owner, type: RrType.A, class: RrClass.IN, ttl: r.ttl, data: { kind: 'a', address: r.ip } };
}

export function soaRecord(zone: string, serial: number): ResourceRecord {
  return {
    name: zone,
    type: RrType.SOA,
    class: RrClass.IN,
    ttl: NEGATIVE_TTL,
    data: {
      kind: 'soa',
      mname: zone,
      rname: `hostmaster.${zone}`,
      serial: serial >>> 0,
      refresh: 3600,
      retry: 600,
      expire: 86400,
      minimum: NEGATIVE_TTL,
    },
  };
}
