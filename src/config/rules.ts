/**
 * Cross-field checks on a schema-valid config, one small named function each. They return problems as
 * data (a key path and a message); load.ts turns the path into a file line.
 */
import {
  broadcastOf,
  contains,
  formatCidr,
  formatIpv4,
  overlaps,
  type Cidr,
  type Ipv4,
} from '../net/ipv4.js';
import { SCHEMA_VERSION, type Config, type SwitchConfig } from './schema.js';
import { formatPoolRange } from './pool-range.js';
import { switchInterface } from './switch-interface.js';

export interface RuleProblem {
  path: (string | number)[];
  message: string;
}

/** The value a key holds as written in the file, for messages that quote the user's own spelling. */
export type WrittenAt = (path: readonly (string | number)[]) => string | undefined;

/** The platform the config is for: switch names become Linux interface names unless it is Windows. */
type Rule = (config: Config, platform: NodeJS.Platform, written: WrittenAt) => RuleProblem[];

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
  return s.subnet === 'auto' ? undefined : s.subnet;
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
    const why = usableIn(subnet, s.host);
    return why ? [{ path: ['switches', i, 'host'], message: why }] : [];
  });

const poolInSubnet: Rule = (c) =>
  c.switches.flatMap((s, i) => {
    const subnet = subnetOf(s);
    const path = ['switches', i, 'dhcp', 'pool'];
    if (s.dhcp.pool === 'auto') return [];
    if (!subnet) return [{ path, message: 'a fixed pool needs a fixed subnet (subnet: auto is set)' }];
    const pool = s.dhcp.pool;
    if (pool.start > pool.end) return [{ path, message: 'the pool starts after it ends' }];
    const out: RuleProblem[] = [];
    for (const ip of [pool.start, pool.end]) {
      const why = usableIn(subnet, ip);
      if (why) out.push({ path, message: why });
    }
    const host = s.host;
    if (host !== 'auto' && host >= pool.start && host <= pool.end) {
      out.push({ path, message: `the pool includes the host address ${formatIpv4(host)}` });
    }
    return out;
  });

const reservationsValid: Rule = (c, _platform, written) =>
  c.switches.flatMap((s, i) => {
    const subnet = subnetOf(s);
    const out: RuleProblem[] = [];
    const names = new Map<string, number>();
    const macs = new Map<string, number>();
    const ips = new Map<Ipv4, number>();
    s.dhcp.reservations.forEach((r, j) => {
      const base = ['switches', i, 'dhcp', 'reservations', j];
      const dup = <K>(m: Map<K, number>, k: K, key: string, what: string): void => {
        const prev = m.get(k);
        if (prev !== undefined)
          out.push({ path: [...base, key], message: `${what} also used by reservations[${prev}]` });
        else m.set(k, j);
      };
      dup(names, r.name.toLowerCase(), 'name', `name "${r.name}" is`);
      dup(macs, r.mac, 'mac', `MAC ${written([...base, 'mac']) ?? r.mac} is`);
      dup(ips, r.ip, 'ip', `address ${formatIpv4(r.ip)} is`);
      if (subnet) {
        const why = usableIn(subnet, r.ip);
        if (why) out.push({ path: [...base, 'ip'], message: why });
      }
      if (r.ip === s.host) out.push({ path: [...base, 'ip'], message: 'is the host address' });
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
    if (a && c.wsl && c.wsl.subnet !== 'auto' && overlaps(a, c.wsl.subnet))
      out.push({ path: ['switches', i, 'subnet'], message: 'overlaps the WSL subnet' });
  });
  return out;
};

const wslGateway: Rule = (c) => {
  if (!c.wsl || c.wsl.gateway === 'auto') return [];
  if (c.wsl.subnet === 'auto')
    return [{ path: ['wsl', 'gateway'], message: 'a fixed gateway needs a fixed WSL subnet' }];
  const why = usableIn(c.wsl.subnet, c.wsl.gateway);
  return why ? [{ path: ['wsl', 'gateway'], message: why }] : [];
};

/** The kernel's dev_valid_name() (1..15 bytes, no "/", ":" or whitespace), and safe inside nft's quotes. */
function linuxInterfaceProblem(name: string): string | undefined {
  if (Buffer.byteLength(name, 'utf8') > 15) return `is ${Buffer.byteLength(name, 'utf8')} bytes long`;
  if (/[\s/:"\\]/.test(name)) return 'contains a space, "/", ":", a quote or a backslash';
  if (name === '.' || name === '..') return 'is "." or ".."';
  return undefined;
}

/** On Linux a switch is a bridge named after it (or after `interface:`): the name must be a usable interface name. */
const linuxInterfaceNames: Rule = (c, platform) => {
  if (platform === 'win32') return [];
  const out: RuleProblem[] = [];
  c.switches.forEach((s, i) => {
    const key = s.interface !== undefined ? 'interface' : 'name';
    const name = switchInterface(s, platform);
    const why = linuxInterfaceProblem(name);
    if (why)
      out.push({
        path: ['switches', i, key],
        message: `"${name}" ${why}: on Linux it names the switch's interface (at most 15 bytes, no spaces, "/" or ":")${key === 'name' ? '; set `interface:` to a short name, or shorten the switch name' : ''}`,
      });
  });
  const wsl = c.wsl?.interface;
  const why = wsl !== undefined ? linuxInterfaceProblem(wsl) : undefined;
  if (why) out.push({ path: ['wsl', 'interface'], message: `"${wsl!}" ${why}: not a Linux interface name` });
  return out;
};

/** The first usable address of a subnet: what `host: auto` becomes when nothing is reserved on it. */
function firstUsable(subnet: Cidr): Ipv4 {
  return (subnet.prefix >= 31 ? subnet.network : subnet.network + 1) as Ipv4;
}

/**
 * `host: auto` on a fixed subnet becomes the first usable address: it must not be inside a fixed pool (the
 * daemon would offer its own address) nor reserved for a VM.
 */
const autoHostClear: Rule = (c) =>
  c.switches.flatMap((s, i) => {
    const subnet = subnetOf(s);
    if (!subnet || s.host !== 'auto' || subnet.prefix > 30) return [];
    const host = firstUsable(subnet);
    const out: RuleProblem[] = [];
    const path = ['switches', i, 'host'];
    const pool = s.dhcp.pool === 'auto' ? undefined : s.dhcp.pool;
    if (pool && host >= pool.start && host <= pool.end)
      out.push({
        path,
        message: `host: auto is ${formatIpv4(host)}, inside the pool ${formatPoolRange(pool)}: set host: to an address outside the pool, or start the pool after it`,
      });
    const r = s.dhcp.reservations.find((x) => x.ip === host);
    if (r)
      out.push({
        path,
        message: `host: auto is ${formatIpv4(host)}, which reservation ${r.name} holds: set host: to another address, or move the reservation`,
      });
    return out;
  });

/** The router (option 3) and every static route's gateway must be on the switch subnet: clients reach them directly. */
const gatewaysOnSubnet: Rule = (c) =>
  c.switches.flatMap((s, i) => {
    const subnet = subnetOf(s);
    if (!subnet) return [];
    const out: RuleProblem[] = [];
    if (s.dhcp.router !== false && s.dhcp.router !== 'auto') {
      const why = usableIn(subnet, s.dhcp.router);
      if (why) out.push({ path: ['switches', i, 'dhcp', 'router'], message: `router ${why}` });
    }
    s.dhcp.staticRoutes.forEach((r, j) => {
      const why = usableIn(subnet, r.via);
      if (why)
        out.push({ path: ['switches', i, 'dhcp', 'staticRoutes', j, 'via'], message: `gateway ${why}` });
    });
    return out;
  });

/** A reservation is for one NIC: a group (broadcast/multicast) or all-zero MAC is none (IEEE 802: bit 0 of octet 0). */
const reservationMacsUnicast: Rule = (c, _platform, written) =>
  c.switches.flatMap((s, i) =>
    s.dhcp.reservations.flatMap((r, j) => {
      const m = r.mac;
      const path = ['switches', i, 'dhcp', 'reservations', j, 'mac'];
      const shown = written(path) ?? m;
      if (m === 'ff:ff:ff:ff:ff:ff') return [{ path, message: `${shown} is the broadcast MAC, not a NIC's` }];
      if ((parseInt(m.slice(0, 2), 16) & 1) === 1)
        return [{ path, message: `${shown} is a multicast MAC (the first octet is odd), not a NIC's` }];
      if (m === '00:00:00:00:00:00') return [{ path, message: `${shown} is not a NIC's MAC` }];
      return [];
    }),
  );

/** Names are `<name>.<domain>`: the same name on two switches with the same domain would answer twice. */
const reservationNamesPerDomain: Rule = (c) => {
  const seen = new Map<string, string>();
  const out: RuleProblem[] = [];
  c.switches.forEach((s, i) => {
    if (!s.dns.enabled) return;
    s.dhcp.reservations.forEach((r, j) => {
      const k = `${r.name.toLowerCase()}.${s.dns.domain.toLowerCase()}`;
      const first = seen.get(k);
      if (first !== undefined && first !== s.name)
        out.push({
          path: ['switches', i, 'dhcp', 'reservations', j, 'name'],
          message: `${r.name}.${s.dns.domain} is also reserved on switch "${first}" (same dns.domain): rename one, or give one switch another domain`,
        });
      else seen.set(k, s.name);
    });
  });
  return out;
};

/** All rules, in the order their problems are reported. */
export const rules: readonly Rule[] = [
  versionKnown,
  uniqueSwitchNames,
  linuxInterfaceNames,
  hostInSubnet,
  autoHostClear,
  poolInSubnet,
  gatewaysOnSubnet,
  reservationsValid,
  reservationMacsUnicast,
  reservationNamesPerDomain,
  switchesDisjoint,
  wslGateway,
];

export function checkRules(
  config: Config,
  platform: NodeJS.Platform = process.platform,
  written: WrittenAt = () => undefined,
): RuleProblem[] {
  return rules.flatMap((r) => r(config, platform, written));
}
