/**
 * The Linux side of `mtu: auto`: links and routes of the current network namespace, as the pure
 * uplinkMtu (src/net/uplink-mtu.ts) wants them. Two `ip -j` calls, run when the adapter list changes
 * (daemon/mtu-watch.ts).
 */
import { EnvironmentError } from '../../errors.js';
import { parseCidr, parseIpv4, asIpv4, maskOf } from '../../net/ipv4.js';
import type { UplinkLink, UplinkRoute } from '../../net/uplink-mtu.js';
import type { Runner } from './interfaces.js';
import { parseRoutes } from './observe.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses `ip -j address show`: name, MTU, flags and IPv4 subnets of every link. */
export function parseUplinkLinks(json: string): UplinkLink[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new EnvironmentError(`unexpected output from ip -j address show (not JSON): ${json.slice(0, 200)}`);
  }
  if (!Array.isArray(data))
    throw new EnvironmentError('unexpected output from ip -j address show (not an array)');
  return data.filter(isRecord).flatMap((e): UplinkLink[] => {
    const name = typeof e.ifname === 'string' ? e.ifname : undefined;
    if (name === undefined || typeof e.mtu !== 'number') return [];
    const flags = Array.isArray(e.flags) ? e.flags.filter((f) => typeof f === 'string') : [];
    const oper = typeof e.operstate === 'string' ? e.operstate : 'UNKNOWN';
    const addrs = Array.isArray(e.addr_info) ? e.addr_info.filter(isRecord) : [];
    return [
      {
        name,
        mtu: e.mtu,
        // UNKNOWN is normal for tun, dummy and bridges; DOWN / LOWERLAYERDOWN means no carrier (routes "linkdown").
        up: flags.includes('UP') && oper !== 'DOWN' && oper !== 'LOWERLAYERDOWN',
        loopback: flags.includes('LOOPBACK'),
        pointToPoint: flags.includes('POINTOPOINT') || e.link_type === 'none',
        subnets: addrs.flatMap((a) => {
          const ip = a.family === 'inet' && typeof a.local === 'string' ? parseIpv4(a.local) : undefined;
          const p = a.prefixlen;
          if (ip === undefined || typeof p !== 'number') return [];
          return [{ network: asIpv4((ip & maskOf(p)) >>> 0), prefix: p }];
        }),
      },
    ];
  });
}

/** `ip -j -4 route show table all` → unicast routes with a device, every table but `local`. */
export function uplinkRoutes(json: string): UplinkRoute[] {
  return parseRoutes(json)
    .filter((r) => r.table !== 'local' && r.type === 'unicast' && r.dev !== undefined)
    .flatMap((r) => {
      const c = parseCidr(r.dst);
      return c.ok ? [{ dest: c.cidr, iface: r.dev!, viaGateway: r.gateway !== undefined }] : [];
    });
}

async function ipJson(run: Runner, args: readonly string[]): Promise<string> {
  const r = await run('ip', args);
  if (r.code !== 0)
    throw new EnvironmentError(`ip ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

export async function readLinuxUplink(run: Runner): Promise<{ links: UplinkLink[]; routes: UplinkRoute[] }> {
  const [addr, route] = await Promise.all([
    ipJson(run, ['-j', 'address', 'show']),
    ipJson(run, ['-j', '-4', 'route', 'show', 'table', 'all']),
  ]);
  return { links: parseUplinkLinks(addr), routes: uplinkRoutes(route) };
}
