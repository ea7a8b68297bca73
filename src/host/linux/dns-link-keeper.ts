/**
 * Linux: keeps systemd-resolved's per-link settings for the switches (resources/dns-link.ts) while the
 * daemon runs. resolved forgets them when it restarts and when the link is re-created (host/linux/
 * resolved.ts), and `apply` is not run after either. Decision: re-assert from the daemon through the
 * forwarding keeper's loop (daemon/keeper.ts: bounded, one tick at a time, errors rate-limited), every
 * 10 s (daemon/host-watch.ts: DNS_LINK_CHECK_MS).
 * Rejected: ExecStartPost= in the generated unit (runs only when switchyard starts, not when resolved
 * restarts) and a systemd-networkd .network drop-in (would make networkd manage a bridge it did not create,
 * and does nothing on hosts without networkd).
 * Where resolved is not running, or does not know the link yet, there is nothing to repair: quiet; and
 * without resolvectl installed it looks only every 5 minutes.
 */
import type { DnsLink, ForwardingState, KeeperBackend } from '../daemon-port.js';
import { execFileRunner, type Runner } from './interfaces.js';
import { runOps } from './ops.js';
import { observeResolved, sameNamespace } from './resolved.js';
import { parseLinks } from './observe.js';

export type { DnsLink };

/**
 * With resolvectl not installed at all, look again only every ABSENT_SKIP + 1 ticks (5 minutes): three
 * programs run per look. A resolved that is merely stopped is looked at every tick, so its restart is
 * noticed within 10 s.
 */
export const ABSENT_SKIP = 29;
const NOT_INSTALLED = 'resolvectl is not installed';

export function dnsLinkKeeperBackend(links: readonly DnsLink[], run: Runner = execFileRunner): KeeperBackend {
  let skip = 0;
  const unknown = (): Map<string, ForwardingState> => new Map(links.map((l) => [l.iface, undefined]));
  return {
    description: 'systemd-resolved',
    async read() {
      if (skip > 0) {
        skip--;
        return unknown();
      }
      const [resolved, ip] = await Promise.all([observeResolved(run), run('ip', ['-j', 'link', 'show'])]);
      if (ip.code !== 0) throw new Error(`ip -j link show failed: ${ip.stderr.trim()}`);
      const st = sameNamespace(resolved, parseLinks(ip.stdout));
      if (!st.running && st.why === NOT_INSTALLED) skip = ABSENT_SKIP;
      const out = new Map<string, ForwardingState>();
      for (const l of links) {
        const seen = st.running ? st.links.find((x) => x.iface === l.iface) : undefined;
        out.set(
          l.iface,
          seen === undefined
            ? undefined
            : seen.servers.join(' ') === l.server && seen.domains.join(' ') === `~${l.domain}`,
        );
      }
      return out;
    },
    async enable(iface) {
      const l = links.find((x) => x.iface === iface);
      if (!l) throw new Error(`no DNS link configured for ${iface}`);
      const r = await runOps(
        [{ op: 'resolvedSetLink', dev: l.iface, server: l.server, domain: l.domain }],
        run,
      );
      if (!r.ok) throw new Error(r.failure?.message ?? `resolvectl on ${iface} failed`);
    },
    repaired: (iface) => {
      const l = links.find((x) => x.iface === iface);
      return `resolved: DNS ${l?.server} and ~${l?.domain} set again on ${iface} (resolved restarted or the link was re-created?)`;
    },
  };
}
