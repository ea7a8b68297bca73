/**
 * Linux: names under a switch's domain resolve from the host itself. systemd-resolved is told, per link,
 * that the switch interface has one DNS server (the switch host address, where the daemon answers) and the
 * routing-only domain `~<domain>`: queries for that domain go there and nowhere else, and the link never
 * becomes a default route for other names (resolved.conf(5), "routing-only domain").
 *
 * Where resolved is not running there is nothing to tell: no change, and doctor explains (checks/dns.ts).
 * The settings do not survive a restart of resolved or a re-created link (host/linux/resolved.ts): `apply`
 * sets them, the daemon keeps them (src/host/linux/dns-link-keeper.ts). Windows: the NRPT rule does this job.
 */
import { formatIpv4 } from '../../net/ipv4.js';
import type { Change } from '../change.js';
import type { DesiredHost } from '../desired.js';
import type { ObservedHost } from '../observed.js';

/** The address a resolvectl server entry names (`10.9.0.1:53#name` → `10.9.0.1`). */
function address(entry: string): string {
  return entry.split('#')[0]!.replace(/^([\d.]+):\d+$/, '$1');
}

export function diffDnsLink(d: DesiredHost, o: ObservedHost): Change[] {
  const resolved = o.resolved;
  if (o.platform !== 'linux' || resolved?.running !== true) return [];
  const out: Change[] = [];
  for (const s of d.switches) {
    const host = formatIpv4(s.host);
    const seen = resolved.links.find((l) => l.iface === s.iface);
    const servers = seen?.servers ?? [];
    const domains = seen?.domains ?? [];
    if (s.dnsDomain === undefined) {
      if (seen && servers.some((x) => address(x) === host)) {
        out.push({
          resource: 'dns-link',
          key: s.iface,
          action: '-',
          detail: `DNS is off for switch ${s.name}: drop resolved's DNS settings of ${s.iface}`,
          ops: [{ op: 'revertLinkDns', iface: s.iface }],
        });
      }
      continue;
    }
    const want = `~${s.dnsDomain}`;
    if (servers.length === 1 && servers[0] === host && domains.length === 1 && domains[0] === want) continue;
    const empty = servers.length === 0 && domains.length === 0;
    const was = empty
      ? ''
      : ` (was ${servers.join(' ') || 'no server'}, ${domains.join(' ') || 'no domain'})`;
    out.push({
      resource: 'dns-link',
      key: s.iface,
      action: empty ? '+' : '~',
      detail: `resolved: names under ${s.dnsDomain} asked of ${host} on ${s.iface}${was}`,
      ops: [{ op: 'setLinkDns', iface: s.iface, server: s.host, domain: s.dnsDomain }],
    });
  }
  return out;
}

/**
 * What the plan says when the DNS link cannot be made (no systemd-resolved): nothing to change, so no
 * change, but the user must know that this host will not resolve the switch's names by itself.
 */
export function dnsLinkNotes(d: DesiredHost, o: ObservedHost): string[] {
  if (o.platform !== 'linux' || o.resolved === undefined || o.resolved.running) return [];
  const why = o.resolved.why;
  return d.switches
    .filter((s) => s.dnsDomain !== undefined)
    .map(
      (s) =>
        `dns-link ${s.iface}: cannot be made — systemd-resolved is not running (${why}); this host will not resolve *.${s.dnsDomain!} through ${formatIpv4(s.host)} (the VMs and WSL still do). Install/start systemd-resolved and apply again, or send ${s.dnsDomain!} to ${formatIpv4(s.host)} in your own resolver`,
    );
}
