/**
 * `mtu: auto`: the MTU the switch's clients should use is the smallest MTU on the way out of the host. A VPN
 * lowers it (its tunnel link has a smaller MTU), and a VM that keeps 1500 behind NAT then stalls on large
 * TLS records (docs/windows.md#mtu: WSL itself syncs its guest MTU to the minimum connected interface MTU,
 * microsoft/WSL#4698; Hyper-V VMs get no such help).
 *
 * Uplink MTU = the minimum MTU over the links that carry a route leaving the host, where a route leaves the
 * host when it is a default route, goes via a gateway, sits on a point-to-point link (tun, WireGuard, PPP),
 * or reaches a destination outside the link's own connected subnets (a split-tunnel VPN's `10.0.0.0/8 dev
 * vpn0`). Never counted: loopback, the switch interfaces and the WSL interface (given as `exclude`), links
 * that are down, and multicast, broadcast and loopback destinations. Pure: the host layer reads.
 */
import { contains, type Cidr, type Ipv4 } from './ipv4.js';

export interface UplinkLink {
  name: string;
  mtu: number;
  /** Up and usable (Linux: UP and not DOWN/LOWERLAYERDOWN; Windows: ConnectionState Connected). */
  up: boolean;
  loopback: boolean;
  /** Linux POINTOPOINT flag or no link layer (tun, WireGuard, PPP); false where unknown (Windows). */
  pointToPoint: boolean;
  /** The link's own IPv4 subnets (address & prefix). */
  subnets: Cidr[];
}

export interface UplinkRoute {
  dest: Cidr;
  iface: string;
  /** Next hop is a gateway (not on-link). */
  viaGateway: boolean;
}

export type UplinkMtu =
  { mtu: number; /** The links at that MTU. */ via: string[] } | { mtu: undefined; why: string };

const MULTICAST: Cidr = { network: 0xe0000000 as Ipv4, prefix: 4 };
const LOOPBACK: Cidr = { network: 0x7f000000 as Ipv4, prefix: 8 };
const LIMITED_BROADCAST = 0xffffffff;

function within(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && contains(outer, inner.network);
}

function leaves(route: UplinkRoute, link: UplinkLink): boolean {
  if (within(MULTICAST, route.dest) || within(LOOPBACK, route.dest)) return false;
  if (route.dest.prefix === 32 && route.dest.network === LIMITED_BROADCAST) return false;
  if (route.dest.prefix === 0 || route.viaGateway || link.pointToPoint) return true;
  return !link.subnets.some((s) => within(s, route.dest));
}

export function uplinkMtu(
  links: readonly UplinkLink[],
  routes: readonly UplinkRoute[],
  exclude: readonly string[],
): UplinkMtu {
  const skip = new Set(exclude.map((n) => n.toLowerCase()));
  const carrying = new Map<string, UplinkLink>();
  for (const r of routes) {
    const link = links.find((l) => l.name === r.iface);
    if (!link || !link.up || link.loopback || skip.has(link.name.toLowerCase())) continue;
    // RFC 2132 §5.1: option 26 is 16 bits, at least 68 (Windows reports loopback's NlMtu as 4294967295).
    if (!Number.isInteger(link.mtu) || link.mtu < 68 || link.mtu > 65535) continue;
    if (leaves(r, link)) carrying.set(link.name, link);
  }
  if (carrying.size === 0) {
    const defaults = routes.filter((r) => r.dest.prefix === 0).map((r) => r.iface);
    return {
      mtu: undefined,
      why:
        defaults.length === 0
          ? 'no route leaves the host (no default route, no gateway route, no tunnel)'
          : `the only routes out are on links that do not count (${[...new Set(defaults)].join(', ')}: down, loopback, a switch or WSL)`,
    };
  }
  const min = Math.min(...[...carrying.values()].map((l) => l.mtu));
  return { mtu: min, via: [...carrying.values()].filter((l) => l.mtu === min).map((l) => l.name) };
}

/** One line for a log: "1300 (vpn0)". */
export function describeUplinkMtu(u: UplinkMtu): string {
  return u.mtu === undefined ? `none: ${u.why}` : `${u.mtu} (${u.via.join(', ')})`;
}
