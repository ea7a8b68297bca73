/**
 * The names switchyard is authoritative for: `<name>.<domain>` for every reservation and for every bound lease
 * whose client sent a hostname (option 12), with the matching PTR records. Pure: built from the switches'
 * reservations and leases at a moment; the resolver rebuilds it when a lease database's generation moves.
 *
 * Decisions (the "predictable clash" rules, also in the README):
 * - A reservation's name always wins: the config is the source of truth. Two reservations with one name in
 *   one domain (two switches sharing a domain): the first in config order.
 * - A client with a reservation is known by the reservation's name, whatever hostname it sends.
 * - Among leases, a name stays with the client that has it while that lease is bound (first come, first
 *   served). A later client asking for a taken name is published as `<name>-<last three MAC bytes>`, e.g.
 *   `web-5d0a0b` — so a cloned VM image never steals the original's name and both stay reachable. With no
 *   previous owner (daemon start), the older lease (by last update) wins.
 * - Only bound, unexpired leases have names; a released or expired lease's name is gone at the next rebuild.
 */
import type { Lease } from '../dhcp/lease.js';
import type { Reservation } from '../dhcp/scope.js';
import { contains, type Cidr, type Ipv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';

/** TTLs in seconds. Short, because a lease's name can move; a reservation changes only by config. */
export const RESERVATION_TTL = 60;
export const LEASE_TTL = 30;

export interface NameSource {
  domain: string;
  subnet: Cidr;
  reservations: readonly Reservation[];
  leases: readonly Lease[];
}

export interface NameRecord {
  /** The full name, lower case, no trailing dot. */
  fqdn: string;
  ip: Ipv4;
  ttl: number;
  /** Who holds it: the reservation's or the lease's MAC. */
  mac: Mac;
}

export interface NameBook {
  /** By lower-case fqdn. */
  readonly byName: ReadonlyMap<string, NameRecord>;
  /** By address: the name a PTR query gets. */
  readonly byIp: ReadonlyMap<Ipv4, NameRecord>;
  /** The domains (lower case) answered authoritatively, longest first. */
  readonly domains: readonly string[];
  /** The subnets whose reverse names are answered authoritatively. */
  readonly subnets: readonly Cidr[];
}

/**
 * A client's hostname as a DNS label (RFC 1123 §2.1): the first label of what it sent, lower case, anything
 * but letters, digits and '-' turned into '-', runs of '-' collapsed, no '-' at either end, at most 63 octets.
 * Undefined when nothing usable is left.
 */
export function sanitizeHostname(raw: string): string | undefined {
  const label = (raw.split('.')[0] ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return label === '' ? undefined : label;
}

/** `web` for 00:15:5d:0a:0b:0c → `web-0a0b0c`, trimmed so the label stays within 63 octets. */
export function clashName(label: string, mac: Mac): string {
  const tail = mac.split(':').slice(3).join('');
  return `${label.slice(0, 63 - tail.length - 1).replace(/-+$/, '')}-${tail}`;
}

export function buildNames(sources: readonly NameSource[], now: number, previous?: NameBook): NameBook {
  const byName = new Map<string, NameRecord>();
  const byIp = new Map<Ipv4, NameRecord>();
  const add = (r: NameRecord): void => {
    byName.set(r.fqdn, r);
    if (!byIp.has(r.ip)) byIp.set(r.ip, r);
  };

  // 1. Reservations, in config order.
  for (const s of sources) {
    const domain = s.domain.toLowerCase();
    for (const r of s.reservations) {
      const fqdn = `${r.name.toLowerCase()}.${domain}`;
      if (!byName.has(fqdn)) add({ fqdn, ip: r.ip, ttl: RESERVATION_TTL, mac: r.mac });
    }
  }

  // 2. Leases with a hostname, from clients without a reservation.
  interface Claim {
    label: string;
    domain: string;
    lease: Lease;
  }
  const claims: Claim[] = [];
  for (const s of sources) {
    const reservedMacs = new Set(s.reservations.map((r) => r.mac));
    for (const l of s.leases) {
      if (l.state !== 'bound' || l.expiresAt <= now || l.hostname === undefined) continue;
      if (reservedMacs.has(l.mac) || !contains(s.subnet, l.ip)) continue;
      const label = sanitizeHostname(l.hostname);
      if (label !== undefined) claims.push({ label, domain: s.domain.toLowerCase(), lease: l });
    }
  }
  // Previous owners first (sticky), then the older lease, then the lower address: a total order.
  const held = (c: Claim): boolean => previous?.byName.get(`${c.label}.${c.domain}`)?.mac === c.lease.mac;
  claims.sort(
    (a, b) =>
      Number(held(b)) - Number(held(a)) || a.lease.updatedAt - b.lease.updatedAt || a.lease.ip - b.lease.ip,
  );
  const losers: Claim[] = [];
  for (const c of claims) {
    const fqdn = `${c.label}.${c.domain}`;
    if (byName.has(fqdn)) losers.push(c);
    else add({ fqdn, ip: c.lease.ip, ttl: LEASE_TTL, mac: c.lease.mac });
  }
  for (const c of losers) {
    const fqdn = `${clashName(c.label, c.lease.mac)}.${c.domain}`;
    if (!byName.has(fqdn)) add({ fqdn, ip: c.lease.ip, ttl: LEASE_TTL, mac: c.lease.mac });
  }

  const domains = [...new Set(sources.map((s) => s.domain.toLowerCase()))].sort(
    (a, b) => b.length - a.length,
  );
  return { byName, byIp, domains, subnets: sources.map((s) => s.subnet) };
}
