/**
 * Cross-field checks on a schema-valid config, one small named function each. They return problems as
 * data (a key path and a message); load.ts turns the path into a file line.
 */
import {
  broadcastOf,
  contains,
  formatCidr,
  formatIpv4,
  ipv4,
  overlaps,
  parseCidr,
  type Cidr,
  type Ipv4,
} from '../net/ipv4.js';
import { mac as toMac } from '../net/mac.js';
import { SCHEMA_VERSION, type Config, type SwitchConfig } from './schema.js';
import { parsePoolRange } from './pool-range.js';

export interface RuleProblem {
  path: (string | number)[];
  message: string;
}

type Rule = (config: Config) => RuleProblem[];

const versionKnown: Rule = (c) =>
  c.version > SCHEMA_VERSION
    ? [
        {
          path: ['version'],
          message: `this file is written for config schema version ${c.version}, but this switchyard understands up to version ${SCHEMA_VERSION}: upgrade switchyard`,
        },
      ]
    : [];

const uniqueSwitchNames: Rule = (c) => {
  const seen = new Set<string>();
  const out: RuleProblem[] = [];
  c.switches.forEach((s, i) => {
    const k = s.name.toLowerCase();
    if (seen.has(k))
      out.push({ path: ['switches', i, 'name'], message: `switch "${s.name}" is declared twice` });
    seen.add(k);
  });
  return out;
};

function subnetOf(s: SwitchConfig): Cidr | undefined {
  if (s.subnet === 'auto') return undefined;
  const r = parseCidr(s.subnet);
  return r.ok ? r.cidr : undefined;
}

/** Host, pool and reservations must sit inside a concrete subnet, away from its network and broadcast addresses. */
function usableIn(subnet: Cidr, ip: Ipv4): string | undefined {
  if (!contains(subnet, ip)) return `${formatIpv4(ip)} is outside the subnet ${formatCidr(subnet)}`;
  if (subnet.prefix < 31 && ip === subnet.network)
    return `${formatIpv4(ip)} is the network address of ${formatCidr(subnet)}`;
  if (subnet.prefix < 31 && ip === broadcastOf(subnet)) {
    return `${formatIpv4(ip)} is the broadcast address of ${formatCidr(subnet)}`;
  }
  return undefined;
}

const hostInSubnet: Rule = (c) =>
  c.switches.flatMap((s, i) => {
    const subnet = subnetOf(s);
    if (!subnet) {
      return s.host !== 'auto'
        ? [
            {
              path: ['switches', i, 'host'],
              message: 'a fixed host address needs a fixed subnet (subnet: auto is set)',
            },
          ]
        : [];
    }
    if (subnet.prefix > 30)
      return [{ path: ['switches', i, 'subnet'], message: 'a switch subnet must be /30 or larger' }];
    if (s.host === 'auto') return [];
    const why = usableIn(subnet, ipv4(s.host));
    return why ? [{ path: ['switches', i, 'host'], message: why }] : [];
  });

const poolInSubnet: Rule = (c) =>
  c.switches.flatMap((s, i) => {
    const subnet = subnetOf(s);
    const path = ['switches', i, 'dhcp', 'pool'];
    if (s.dhcp.pool === 'auto') return [];
    if (!subnet) return [{ path, message: 'a fixed pool needs a fixed subnet (subnet: auto is set)' }];
    const pool = parsePoolRange(s.dhcp.pool)!;
    if (pool.start > pool.end) return [{ path, message: 'the pool starts after it ends' }];
    const out: RuleProblem[] = [];
    for (const ip of [pool.start, pool.end]) {
      const why = usableIn(subnet, ip);
      if (why) out.push({ path, message: why });
    }
    if (s.host !== 'auto') {
      const host = ipv4(s.host);
      if (host >= pool.start && host <= pool.end) {
        out.push({ path, message: `the pool includes the host address ${s.host}` });
      }
    }
    return out;
  });

const reservationsValid: Rule = (c) =>
  c.switches.flatMap((s, i) => {
    const subnet = subnetOf(s);
    const out: RuleProblem[] = [];
    const names = new Map<string, number>();
    const macs = new Map<string, number>();
    const ips = new Map<string, number>();
    s.dhcp.reservations.forEach((r, j) => {
      const base = ['switches', i, 'dhcp', 'reservations', j];
      const dup = (m: Map<string, number>, k: string, key: string, what: string): void => {
        const prev = m.get(k);
        if (prev !== undefined)
          out.push({ path: [...base, key], message: `${what} also used by reservations[${prev}]` });
        else m.set(k, j);
      };
      dup(names, r.name.toLowerCase(), 'name', `name "${r.name}" is`);
      dup(macs, toMac(r.mac), 'mac', `MAC ${r.mac} is`);
      dup(ips, r.ip, 'ip', `address ${r.ip} is`);
      if (subnet) {
        const why = usableIn(subnet, ipv4(r.ip));
        if (why) out.push({ path: [...base, 'ip'], message: why });
      }
      if (s.host !== 'auto' && r.ip === s.host)
        out.push({ path: [...base, 'ip'], message: 'is the host address' });
    });
    return out;
  });

/**
 * Fixed ranges must not overlap each other. `avoid` only steers the choice of `auto` ranges: a range the
 * user wrote down explicitly is taken as meant (the planner warns when it clashes with a route).
 */
const switchesDisjoint: Rule = (c) => {
  const out: RuleProblem[] = [];
  const fixed = c.switches.map(subnetOf);
  fixed.forEach((a, i) => {
    fixed.forEach((b, j) => {
      if (a && b && j < i && overlaps(a, b)) {
        out.push({
          path: ['switches', i, 'subnet'],
          message: `overlaps switch "${c.switches[j]!.name}" (${formatCidr(b)})`,
        });
      }
    });
    if (a && c.wsl && c.wsl.subnet !== 'auto') {
      const w = parseCidr(c.wsl.subnet);
      if (w.ok && overlaps(a, w.cidr))
        out.push({ path: ['switches', i, 'subnet'], message: 'overlaps the WSL subnet' });
    }
  });
  return out;
};

const wslGateway: Rule = (c) => {
  if (!c.wsl || c.wsl.gateway === 'auto') return [];
  const w = c.wsl.subnet === 'auto' ? undefined : parseCidr(c.wsl.subnet);
  if (!w?.ok) return [{ path: ['wsl', 'gateway'], message: 'a fixed gateway needs a fixed WSL subnet' }];
  const why = usableIn(w.cidr, ipv4(c.wsl.gateway));
  return why ? [{ path: ['wsl', 'gateway'], message: why }] : [];
};

/** All rules, in the order their problems are reported. */
export const rules: readonly Rule[] = [
  versionKnown,
  uniqueSwitchNames,
  hostInSubnet,
  poolInSubnet,
  reservationsValid,
  switchesDisjoint,
  wslGateway,
];

export function checkRules(config: Config): RuleProblem[] {
  return rules.flatMap((r) => r(config));
}
