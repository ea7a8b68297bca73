/**
 * A switch's DHCP settings with every `auto` resolved to concrete values: what the policy chain serves.
 * Pure: the caller supplies the address it found on the interface (or that the planner pinned).
 */
import type { ConfiguredOption } from '../config/dhcp-options.js';
import type { PoolRange } from '../config/pool-range.js';
import type { SwitchConfig } from '../config/schema.js';
import { switchInterface } from '../config/switch-interface.js';
import {
  broadcastOf,
  formatCidr,
  formatIpv4,
  maskOf,
  asIpv4,
  contains,
  type Cidr,
  type Ipv4,
} from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';

export interface Reservation {
  readonly name: string;
  readonly mac: Mac;
  readonly ip: Ipv4;
  /** dhcp.options of this reservation: they replace the switch's for the same code. */
  readonly options?: readonly ConfiguredOption[];
}

export interface StaticRoute {
  readonly dest: Cidr;
  readonly router: Ipv4;
}

/**
 * A value: nothing changes a Scope in place (the fields are readonly). A running daemon applies a change as
 * a new Scope given to the switch's cell (scope-cell.ts). Every duration is in milliseconds, the clock's
 * unit, and says so in its name; the config's seconds are converted here, and the wire's in scope-bytes.ts.
 */
export interface Scope {
  readonly switchName: string;
  readonly interfaceName: string;
  readonly subnet: Cidr;
  readonly host: Ipv4;
  readonly netmask: Ipv4;
  readonly broadcast: Ipv4;
  readonly pool: Readonly<PoolRange>;
  readonly leaseMs: number;
  readonly offerHoldMs: number;
  readonly declineProbationMs: number;
  readonly authoritative: boolean;
  readonly maxLeases: number;
  readonly conflictProbe: boolean;
  readonly rateLimit: { readonly packets: number; readonly perMs: number };
  readonly router: Ipv4 | undefined;
  readonly dnsServers: readonly Ipv4[];
  readonly domain: string;
  /** Option 26 as sent now; with `mtuAuto` the daemon's MTU watch (src/daemon/mtu-watch.ts) sets a new one. */
  readonly mtu: number | undefined;
  /** `mtu: auto` in the config. */
  readonly mtuAuto?: true;
  readonly staticRoutes: readonly StaticRoute[];
  readonly relayAgents: readonly Cidr[];
  readonly reservations: readonly Reservation[];
  /** dhcp.options, sent when asked for (option 55). */
  readonly options: readonly ConfiguredOption[];
  /** dhcp.nextServer → siaddr; dhcp.bootFile → file (RFC 2131 §2). */
  readonly nextServer: Ipv4 | undefined;
  readonly bootFile: string | undefined;
  /** dhcp.matchClientId: clients are identified by option 61 when they send it (client-key.ts). */
  readonly matchClientId: boolean;
}

/** The address actually found on the switch's interface (prefix included). */
export interface InterfaceAddress {
  address: Ipv4;
  prefix: number;
}

/**
 * Default pool: the upper half of the subnet (minus the broadcast address), leaving the lower half for the
 * host address and reservations, which `switchyard reserve` picks outside the pool. If the host address sits
 * in the upper half, the pool is the larger side of it.
 */
export function defaultPool(subnet: Cidr, host: Ipv4): PoolRange {
  const size = 2 ** (32 - subnet.prefix);
  const first = subnet.network + 1;
  const last = broadcastOf(subnet) - 1;
  let start = subnet.network + Math.max(1, size / 2);
  let end = last;
  if (host >= start && host <= end) {
    if (host - start >= end - host) end = host - 1;
    else start = host + 1;
  }
  if (start > end) {
    // Tiny subnets (/30): the usable addresses on the larger side of the host.
    [start, end] = host - first >= last - host ? [first, host - 1] : [host + 1, last];
  }
  return { start: asIpv4(start), end: asIpv4(end) };
}

export type ScopeResult = { ok: true; scope: Scope } | { ok: false; reason: string };

export function resolveScope(
  sw: SwitchConfig,
  found: InterfaceAddress | undefined,
  platform: NodeJS.Platform,
): ScopeResult {
  const interfaceName = switchInterface(sw, platform);
  let subnet: Cidr;
  if (sw.subnet !== 'auto') subnet = sw.subnet;
  else if (found) subnet = { network: asIpv4(found.address & maskOf(found.prefix)), prefix: found.prefix };
  else {
    return {
      ok: false,
      reason: `switch "${sw.name}": ${interfaceName} has no static address (the subnet is auto: the range pinned in the state directory goes on it with \`switchyard apply\`; run it first)`,
    };
  }
  let host: Ipv4;
  if (sw.host !== 'auto') host = sw.host;
  else if (found && contains(subnet, found.address)) host = found.address;
  else host = asIpv4(subnet.network + 1);
  const d = sw.dhcp;
  const pool = d.pool === 'auto' ? defaultPool(subnet, host) : d.pool;
  if (d.pool === 'auto' && pool.start > pool.end) {
    return { ok: false, reason: `switch "${sw.name}": ${formatCidr(subnet)} is too small for a DHCP pool` };
  }
  return {
    ok: true,
    scope: {
      switchName: sw.name,
      interfaceName,
      subnet,
      host,
      netmask: asIpv4(maskOf(subnet.prefix)),
      broadcast: broadcastOf(subnet),
      pool,
      leaseMs: d.leaseTime * 1000,
      offerHoldMs: d.offerHold * 1000,
      declineProbationMs: d.declineProbation * 1000,
      authoritative: d.authoritative,
      maxLeases: d.maxLeases,
      conflictProbe: d.conflictProbe,
      rateLimit: { packets: d.rateLimit.packets, perMs: d.rateLimit.per * 1000 },
      router: d.router === false ? undefined : d.router === 'auto' ? host : d.router,
      // auto = our own DNS server on the host address; with DNS off there is nothing to point at.
      dnsServers: d.dnsServers === 'auto' ? (sw.dns.enabled ? [host] : []) : [...d.dnsServers],
      domain: sw.dns.domain,
      mtu: d.mtu === 'auto' ? undefined : d.mtu,
      ...(d.mtu === 'auto' ? { mtuAuto: true as const } : {}),
      staticRoutes: d.staticRoutes.map((r) => ({ dest: r.to, router: r.via })),
      relayAgents: [...d.relayAgents],
      reservations: d.reservations.map((r) => ({
        name: r.name,
        mac: r.mac,
        ip: r.ip,
        ...(r.options && r.options.length > 0 ? { options: configuredOptions(r.options) } : {}),
      })),
      options: configuredOptions(d.options),
      nextServer: d.nextServer,
      bootFile: d.bootFile,
      matchClientId: d.matchClientId,
    },
  };
}

/** The options' bytes, as the config loader encoded them. */
function configuredOptions(list: readonly ConfiguredOption[]): ConfiguredOption[] {
  return list.map(({ code, data }) => ({ code, data }));
}

export function describeScope(s: Scope): string {
  return `${s.interfaceName} ${formatCidr(s.subnet)} host ${formatIpv4(s.host)} pool ${formatIpv4(s.pool.start)}-${formatIpv4(s.pool.end)}`;
}
