/**
 * The address planner: resolves every `auto` range (the WSL NAT range, each switch subnet, host address
 * and DHCP pool) to concrete values that overlap none of the host's routes, the `avoid` list or each
 * other, and says why each was chosen. Pure and deterministic: the same inputs give the same plan.
 *
 * Precedence, per range:
 * 1. `config` — a range written in the config is used as written; a route overlapping it is a warning
 *    (the user chose it), two written ranges overlapping each other an error (as rules.ts says at load).
 * 2. `pinned` — a range chosen on an earlier run is kept, even when a route overlaps it now: that is what
 *    pinning is for (a VPN that came up later must not move it). It is dropped, with a warning, only when
 *    the config now forbids it (in `avoid`, or overlapping a range written in the config).
 * 3. `chosen` — otherwise the first free candidate in SEARCH_ORDER (WSL first, then switches in config
 *    order). A switch with reservations gets the block that holds them or an error, never a block that
 *    leaves them outside.
 */
import type { PoolRange } from '../config/pool-range.js';
import type { Config, SwitchConfig } from '../config/schema.js';
import { defaultPool } from '../dhcp/scope.js';
import {
  asIpv4,
  broadcastOf,
  cidr,
  formatCidr,
  formatIpv4,
  maskOf,
  overlaps,
  parseCidr,
  parseIpv4,
  type Cidr,
  type Ipv4,
} from '../net/ipv4.js';
import {
  firstFreeBlock,
  firstUsable,
  overlapping,
  smallestCovering,
  usableIn,
  within,
  type Obstacle,
} from '../net/ranges.js';
import type { PinnedRanges } from './pinned.js';

/**
 * WSL's own NAT network is a /20 in 172.16.0.0/12 (host vNIC samples 172.22.16.1/20, 172.29.192.0/20,
 * 172.24.176.0/20 in public ipconfig, route and HNS dumps: docs/windows.md#address-ranges).
 */
export const WSL_PREFIX = 20;
/** A /24 per switch, as in switchyard.example.yaml (10.0.251.0/24). */
export const SWITCH_PREFIX = 24;

/**
 * Where `auto` ranges are searched, in this order, each in address order. 192.168.0.0/16 comes first:
 * WSL's own pick lands in 172.16.0.0/12 and that is the range the VPN reports break (microsoft/WSL#4277;
 * docs/windows.md#address-ranges); corporate networks commonly use 10.0.0.0/8 (the example config
 * puts 10.10.0.0/16 in `avoid`). The order is a judgement, not a measurement:
 * every candidate is still checked against the routes seen now. Ascending first-fit also packs switches
 * next to each other, so one NetNat prefix can cover them (one WinNAT per host: docs/windows.md#nat).
 */
export const SEARCH_ORDER: readonly Cidr[] = [
  cidr('192.168.0.0/16'),
  cidr('172.16.0.0/12'),
  cidr('10.0.0.0/8'),
];

/**
 * Never chosen for `auto`: 192.168.0.x and 192.168.1.x, home LANs a laptop meets on other networks, where
 * a pinned range would clash later (real Wi-Fi LANs in public route dumps: 192.168.1.0/24, a default
 * gateway 192.168.0.1; docs/windows.md#address-ranges).
 */
export const HOME_ROUTER_RANGES: readonly Cidr[] = [cidr('192.168.0.0/23')];

/**
 * Routes shorter than this (the default route — a full-tunnel AnyConnect adds one, docs/windows.md#address-ranges
 * —, OpenVPN's 0.0.0.0/1 + 128.0.0.0/1) cover every candidate, and the switch's own more specific
 * on-link route wins over them, so they do not count as clashes.
 */
export const MIN_ROUTE_PREFIX = 8;

/** An `auto` switch whose reservations span more than a /16 is not guessed at. */
const MIN_RESERVATION_BLOCK = 16;

export interface Rejection {
  candidate: Cidr;
  reason: string;
}

export interface Choice {
  subnet: Cidr;
  source: 'config' | 'pinned' | 'chosen';
  why: string;
  rejected: Rejection[];
}

export type WslChoice = Choice & { gateway: Ipv4 };
export type SwitchChoice = Choice & { name: string; host: Ipv4; pool: PoolRange };

export interface AddressPlan {
  wsl?: WslChoice;
  /** In config order; a switch whose range could not be resolved is left out and has an error. */
  switches: SwitchChoice[];
  warnings: string[];
  errors: string[];
  /** What the state directory should hold once this plan is applied (only when `errors` is empty): every `auto` range as resolved. */
  pinned: PinnedRanges;
}

export interface AddressPlanInput {
  config: Config;
  /**
   * The host's IPv4 routes (VPN routes included), without those on the adapters switchyard manages
   * (vEthernet (WSL…) and the switches): a range must not be seen to clash with itself.
   */
  routes: readonly Cidr[];
  pinned: PinnedRanges | undefined;
}

type Blocker = { kind: 'route' } | { kind: 'avoid' } | { kind: 'home' } | { kind: 'used'; by: string };

interface Resolved {
  subnet: Cidr;
  source: Choice['source'];
  why: string;
  rejected: Rejection[];
}

interface Target {
  label: string;
  prefix: number;
  configured: Cidr | 'auto';
  pin: string | undefined;
  /** Reserved addresses the subnet must hold. */
  needs: Ipv4[];
  resolved?: Resolved;
}

function rejectionReason(candidate: Cidr, o: Obstacle<Blocker>): string {
  const r = formatCidr(o.cidr);
  switch (o.tag.kind) {
    case 'route':
      return `overlaps route ${r} (VPN or LAN)`;
    case 'avoid':
      return within(candidate, o.cidr) ? `in avoid ${r}` : `overlaps avoid ${r}`;
    case 'home':
      return `in ${r}, where home routers put their LANs`;
    case 'used':
      return `used by ${o.tag.by} (${r})`;
  }
}

function blockerName(o: Obstacle<Blocker>): string {
  const r = formatCidr(o.cidr);
  return o.tag.kind === 'used'
    ? `${o.tag.by} (${r})`
    : `${o.tag.kind === 'home' ? 'home-router LANs' : o.tag.kind} ${r}`;
}

function listOf(items: readonly string[], max = 3): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

function routesPhrase(routes: readonly Cidr[]): string {
  return `route${routes.length > 1 ? 's' : ''} ${listOf(routes.map(formatCidr))}`;
}

function reservedIps(s: SwitchConfig): Ipv4[] {
  return s.dhcp.reservations.map((r) => r.ip);
}

function pinnedSwitch(
  p: PinnedRanges | undefined,
  name: string,
): { subnet: string; host: string } | undefined {
  return p && Object.hasOwn(p.switches, name) ? p.switches[name] : undefined;
}

export function planAddresses(input: AddressPlanInput): AddressPlan {
  const { config, pinned } = input;
  const warnings: string[] = [];
  const errors: string[] = [];
  const routes = input.routes.filter((r) => r.prefix >= MIN_ROUTE_PREFIX);
  const avoid = config.avoid;
  const used: Obstacle<Blocker>[] = [];
  const claim = (t: Target, r: Resolved): void => {
    t.resolved = r;
    used.push({ cidr: r.subnet, tag: { kind: 'used', by: t.label } });
  };

  const targets: Target[] = [];
  const wslTarget: Target | undefined = config.wsl && {
    label: 'WSL',
    prefix: WSL_PREFIX,
    configured: config.wsl.subnet,
    pin: pinned?.wsl?.subnet,
    needs: [],
  };
  if (wslTarget) targets.push(wslTarget);
  const switchTargets = config.switches.map((s): Target => ({
    label: `switch "${s.name}"`,
    prefix: SWITCH_PREFIX,
    configured: s.subnet,
    pin: pinnedSwitch(pinned, s.name)?.subnet,
    needs: reservedIps(s),
  }));
  targets.push(...switchTargets);

  // 1. Ranges written in the config.
  for (const t of targets) {
    const subnet = t.configured;
    if (subnet === 'auto') continue;
    const clash = used.find((u) => overlaps(u.cidr, subnet));
    if (clash) {
      errors.push(
        `${t.label}: subnet ${formatCidr(subnet)} overlaps ${blockerName(clash)}; both are set in the config`,
      );
    }
    const hit = overlapping(subnet, routes);
    if (hit.length > 0) {
      warnings.push(
        `${t.label}: subnet ${formatCidr(subnet)} from the config overlaps ${routesPhrase(hit)}; kept as written (doctor will flag the clash)`,
      );
    }
    claim(t, { subnet, source: 'config', why: 'written in the config', rejected: [] });
  }

  // 2. Ranges pinned on an earlier run.
  const forbidden = (c: Cidr): string | undefined => {
    if (c.prefix > 30) return 'is smaller than /30';
    const a = avoid.find((x) => overlaps(x, c));
    if (a) return `is now in avoid ${formatCidr(a)}`;
    const u = used.find((x) => overlaps(x.cidr, c));
    return u ? `now overlaps ${blockerName(u)}` : undefined;
  };
  for (const t of targets) {
    if (t.configured !== 'auto' || t.pin === undefined) continue;
    const r = parseCidr(t.pin);
    const drop = !r.ok ? `is not usable: ${r.reason}` : forbidden(r.cidr);
    if (drop !== undefined || !r.ok) {
      warnings.push(`${t.label}: pinned subnet ${t.pin} ${drop ?? ''}; choosing a new range`);
      continue;
    }
    const hit = overlapping(r.cidr, routes);
    if (hit.length > 0) {
      warnings.push(
        `${t.label}: pinned subnet ${formatCidr(r.cidr)} now overlaps ${routesPhrase(hit)}; kept so it does not move (doctor will flag the clash)`,
      );
    }
    claim(t, {
      subnet: r.cidr,
      source: 'pinned',
      why: 'pinned in the state directory when first chosen; kept so a later VPN cannot move it',
      rejected: [],
    });
  }

  // 3. The rest of `auto`: first free candidate.
  for (const t of targets) {
    if (t.resolved || t.configured !== 'auto') continue;
    const obstacles: Obstacle<Blocker>[] = [
      ...routes.map((c) => ({ cidr: c, tag: { kind: 'route' } as const })),
      ...avoid.map((c) => ({ cidr: c, tag: { kind: 'avoid' } as const })),
      ...used,
    ];
    const r = t.needs.length > 0 ? chooseAround(t, obstacles) : chooseFree(t, obstacles);
    if ('error' in r) errors.push(r.error);
    else claim(t, r);
  }

  const out: AddressPlan = { switches: [], warnings, errors, pinned: { version: 1, switches: {} } };

  if (config.wsl && wslTarget?.resolved) {
    const res = wslTarget.resolved;
    let gateway: Ipv4 | undefined;
    if (config.wsl.gateway !== 'auto') gateway = config.wsl.gateway;
    else if (res.source === 'pinned')
      gateway = keptAddress('WSL', 'gateway', pinned?.wsl?.gateway, res.subnet, []);
    gateway ??= firstUsable(res.subnet);
    if (!usableIn(res.subnet, gateway)) {
      errors.push(`WSL: gateway ${formatIpv4(gateway)} is not a usable address of ${formatCidr(res.subnet)}`);
    } else {
      out.wsl = { ...res, gateway };
      if (res.source !== 'config') {
        out.pinned.wsl = { subnet: formatCidr(res.subnet), gateway: formatIpv4(gateway) };
      }
    }
  }

  config.switches.forEach((s, i) => {
    const res = switchTargets[i]!.resolved;
    if (!res) return;
    const label = switchTargets[i]!.label;
    const reserved = switchTargets[i]!.needs;
    const problems: string[] = [];
    for (const r of s.dhcp.reservations) {
      if (!usableIn(res.subnet, r.ip)) {
        problems.push(
          `${label}: reservation ${r.name} (${formatIpv4(r.ip)}) is outside the subnet ${formatCidr(res.subnet)}`,
        );
      }
    }
    let host: Ipv4 | undefined;
    if (s.host !== 'auto') host = s.host;
    else if (res.source === 'pinned') {
      host = keptAddress(label, 'host', pinnedSwitch(pinned, s.name)?.host, res.subnet, reserved);
    }
    host ??= firstFree(res.subnet, reserved);
    if (host === undefined) problems.push(`${label}: no free host address in ${formatCidr(res.subnet)}`);
    else if (!usableIn(res.subnet, host)) {
      problems.push(
        `${label}: host ${formatIpv4(host)} is not a usable address of ${formatCidr(res.subnet)}`,
      );
    }
    let pool: PoolRange | undefined;
    if (s.dhcp.pool !== 'auto') pool = s.dhcp.pool;
    else if (host !== undefined) {
      pool = defaultPool(res.subnet, host);
      if (s.dhcp.enabled && (pool.start > pool.end || (host >= pool.start && host <= pool.end))) {
        problems.push(
          `${label}: ${formatCidr(res.subnet)} is too small for a DHCP pool beside the host address`,
        );
      }
    }
    if (problems.length > 0 || host === undefined || pool === undefined) {
      errors.push(...problems);
      return;
    }
    out.switches.push({ ...res, name: s.name, host, pool });
    if (res.source !== 'config') {
      out.pinned.switches[s.name] = { subnet: formatCidr(res.subnet), host: formatIpv4(host) };
    }
  });

  return out;

  /** A pinned host/gateway if it is still usable in its subnet; else undefined, with a warning. */
  function keptAddress(
    label: string,
    what: string,
    text: string | undefined,
    subnet: Cidr,
    reserved: readonly Ipv4[],
  ): Ipv4 | undefined {
    if (text === undefined) return undefined;
    const ip = parseIpv4(text);
    if (ip !== undefined && usableIn(subnet, ip) && !reserved.includes(ip)) return ip;
    warnings.push(
      `${label}: pinned ${what} ${text} is not a free usable address of ${formatCidr(subnet)}; using the first one`,
    );
    return undefined;
  }
}

/** The first usable address of the subnet that is not reserved. */
function firstFree(subnet: Cidr, reserved: readonly Ipv4[]): Ipv4 | undefined {
  const last = subnet.prefix >= 31 ? broadcastOf(subnet) : broadcastOf(subnet) - 1;
  for (let n = firstUsable(subnet) as number; n <= last; n++) {
    if (!reserved.includes(n as Ipv4)) return asIpv4(n);
  }
  return undefined;
}

function chooseFree(t: Target, base: readonly Obstacle<Blocker>[]): Resolved | { error: string } {
  const obstacles = [
    ...base,
    ...HOME_ROUTER_RANGES.map((c) => ({ cidr: c, tag: { kind: 'home' } as const })),
  ];
  const rejected: Rejection[] = [];
  const blockers: string[] = [];
  for (const space of SEARCH_ORDER) {
    const s = firstFreeBlock(space, t.prefix, obstacles);
    for (const r of s.rejected) {
      rejected.push({ candidate: r.candidate, reason: rejectionReason(r.candidate, r.by) });
      const name = blockerName(r.by);
      if (!blockers.includes(name)) blockers.push(name);
    }
    if (s.found) {
      return {
        subnet: s.found,
        source: 'chosen',
        why: `first free /${t.prefix} in ${formatCidr(space)} (search order: ${SEARCH_ORDER.map(formatCidr).join(', ')})`,
        rejected,
      };
    }
  }
  return {
    error: `${t.label}: no free /${t.prefix} in ${SEARCH_ORDER.map(formatCidr).join(', ')} (blocked by ${listOf(blockers, 6)}); write a subnet in the config or shorten avoid`,
  };
}

/** The block of the target's size (or larger) that holds all its reservations; it is that or nothing. */
function chooseAround(t: Target, obstacles: readonly Obstacle<Blocker>[]): Resolved | { error: string } {
  const cover = smallestCovering(t.needs)!;
  const ips = listOf(t.needs.map(formatIpv4));
  if (cover.prefix < MIN_RESERVATION_BLOCK) {
    return {
      error: `${t.label}: its reservations (${ips}) are spread over ${formatCidr(cover)}; write the subnet in the config`,
    };
  }
  const prefix = Math.min(t.prefix, cover.prefix);
  const block: Cidr = { network: asIpv4(cover.network & maskOf(prefix)), prefix };
  const s = firstFreeBlock(block, prefix, obstacles);
  const rejected = s.rejected.map((r) => ({
    candidate: r.candidate,
    reason: rejectionReason(r.candidate, r.by),
  }));
  if (s.found) {
    return {
      subnet: s.found,
      source: 'chosen',
      why: `the /${prefix} that holds its reservations (${ips})`,
      rejected,
    };
  }
  return {
    error: `${t.label}: its reservations (${ips}) need ${formatCidr(block)}, which is ruled out (${rejected[0]?.reason ?? 'not free'}); write the subnet in the config or move the reservations`,
  };
}
