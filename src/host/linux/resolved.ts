/**
 * systemd-resolved's per-link DNS settings, read and written with `resolvectl` (D-Bus behind it, but no
 * D-Bus code here). `resolvectl dns` and `resolvectl domain` without a link list every link, one line each:
 *
 *   Global: 10.9.0.1
 *   Link 2 (br0): 10.9.0.1 10.9.0.2:5353 1.1.1.1#cloudflare-dns.com
 *   Link 3 (br1):
 *
 * (recorded from resolvectl 252 against a real systemd-resolved: test/fixtures/linux/resolvectl-*.txt).
 * resolvectl 252 accepts `--json=short` but prints the same text for `dns`, `domain` and `status`, so the
 * text is parsed. Linux link names hold no whitespace; values are separated by spaces.
 *
 * Not persistent: what `resolvectl dns/domain` sets lives in resolved's memory for that link index. It is
 * gone when systemd-resolved restarts and when the link is deleted and created again (new index; checked
 * in the lab). So `apply` sets it, and the daemon re-asserts it while it runs (dnsLinkKeeperBackend in
 * src/daemon/dns-link-keeper.ts).
 */
import { EnvironmentError } from '../../errors.js';
import type { Runner } from './interfaces.js';

export interface ResolvedLink {
  iface: string;
  /** The ifindex resolved knows the link by. */
  index: number;
  /** DNS servers as resolvectl prints them: `addr`, `addr:port`, `addr#name`. */
  servers: string[];
  /** Search and routing domains; a routing-only domain starts with `~`. */
  domains: string[];
}

export type ResolvedState =
  | { running: true; links: ResolvedLink[] }
  /** resolvectl missing, no system bus, or no systemd-resolved on it: `why` is what was found. */
  | { running: false; why: string };

const LINE = /^Link (\d+) \((.+)\):(.*)$/;

/** Parses the link lines of `resolvectl dns` or `resolvectl domain` (the `Global:` line is skipped). */
export function parseResolvectlList(text: string): Map<string, { index: number; values: string[] }> {
  const out = new Map<string, { index: number; values: string[] }>();
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line === '' || line.startsWith('Global:')) continue;
    const m = LINE.exec(line);
    if (!m) throw new EnvironmentError(`unexpected line from resolvectl: ${line.slice(0, 200)}`);
    out.set(m[2]!, { index: Number(m[1]), values: m[3]!.trim() === '' ? [] : m[3]!.trim().split(/\s+/) });
  }
  return out;
}

/** Joins the two listings into one entry per link (links in `dns` order). */
export function parseResolvedLinks(dnsText: string, domainText: string): ResolvedLink[] {
  const dns = parseResolvectlList(dnsText);
  const domains = parseResolvectlList(domainText);
  const names = [...new Set([...dns.keys(), ...domains.keys()])];
  return names.map((iface) => ({
    iface,
    index: dns.get(iface)?.index ?? domains.get(iface)!.index,
    servers: dns.get(iface)?.values ?? [],
    domains: domains.get(iface)?.values ?? [],
  }));
}

/** The address part of a server entry (`10.9.0.1:53#name` → `10.9.0.1`); IPv6 `[a::b]:53` → `a::b`. */
export function serverAddress(entry: string): string {
  const noName = entry.split('#')[0]!;
  const v6 = /^\[(.+)\](?::\d+)?$/.exec(noName);
  if (v6) return v6[1]!;
  return /^[\d.]+:\d+$/.test(noName) ? noName.slice(0, noName.lastIndexOf(':')) : noName;
}

/** The argv that gives `iface` exactly this DNS server and routing-only domain. */
export function resolvectlSetArgv(iface: string, server: string, domain: string): string[][] {
  return [
    ['resolvectl', 'dns', iface, server],
    ['resolvectl', 'domain', iface, `~${domain}`],
  ];
}

async function resolvectl(
  run: Runner,
  args: readonly string[],
): Promise<{ ok: true; out: string } | { ok: false; why: string }> {
  try {
    const r = await run('resolvectl', args);
    if (r.code === 0) return { ok: true, out: r.stdout };
    return { ok: false, why: r.stderr.trim() || r.stdout.trim() || `exit ${r.code}` };
  } catch (err) {
    // execFileRunner wraps ENOENT in an EnvironmentError (cause: the spawn error)
    const e = err as Error & { code?: unknown; cause?: { code?: unknown } };
    const missing = e.code === 'ENOENT' || e.cause?.code === 'ENOENT';
    return { ok: false, why: missing ? 'resolvectl is not installed' : e.message };
  }
}

/**
 * Asks resolved for every link's DNS servers and domains (two resolvectl calls). Any failure of the listing
 * itself — resolvectl missing, "sd_bus_open_system: No such file or directory", "The name
 * org.freedesktop.resolve1 was not provided by any .service files" — means resolved is not there to ask.
 */
export async function observeResolved(run: Runner): Promise<ResolvedState> {
  const [dns, domain] = await Promise.all([resolvectl(run, ['dns']), resolvectl(run, ['domain'])]);
  if (!dns.ok) return { running: false, why: dns.why };
  if (!domain.ok) return { running: false, why: domain.why };
  return { running: true, links: parseResolvedLinks(dns.out, domain.out) };
}

/**
 * The system bus is shared by every network namespace, ours included: a resolved on it serves the
 * namespace it runs in, and `resolvectl dns IF` turns IF into an ifindex HERE and sends that number THERE
 * — so from another namespace it would configure whichever of resolved's links has that index. Only a
 * resolved whose links are ours (same index, same name) is used; otherwise it is treated as absent.
 */
export function sameNamespace(
  state: ResolvedState,
  links: readonly { name: string; index: number }[],
): ResolvedState {
  if (!state.running) return state;
  const stranger = state.links.find((l) => !links.some((x) => x.index === l.index && x.name === l.iface));
  if (stranger === undefined) return state;
  return {
    running: false,
    why: `the systemd-resolved on this system bus serves another network namespace (its link ${stranger.index} is ${stranger.iface})`,
  };
}
