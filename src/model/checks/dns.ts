/**
 * Linux: can this host itself resolve `<name>.<domain>`? Only through systemd-resolved's per-link routing
 * domain (resources/dns-link.ts); without resolved nothing sends those names to the switch.
 */
import { formatIpv4 } from '../../net/ipv4.js';
import { switchInterface } from '../../config/switch-interface.js';
import { fail, pass, warn, type Check, type CheckInputs } from './check.js';
import { shWord } from '../../sh-quote.js';

export function dnsLinkChecks(i: CheckInputs): Check[] {
  // Left out when resolved was not looked at (an observation without it), never passed.
  const resolved = i.observed.resolved;
  if (i.observed.platform !== 'linux' || resolved === undefined) return [];
  const out: Check[] = [];
  for (const sw of i.config.switches.filter((s) => s.dns.enabled)) {
    const choice = i.addresses.switches.find((s) => s.name === sw.name);
    if (!choice) continue; // no range: reported by the ranges check
    const iface = switchInterface(sw, 'linux');
    const host = formatIpv4(choice.host);
    const id = `dns-link:${sw.name}`;
    const title = `names under ${sw.dns.domain} resolve from this host`;
    if (!resolved.running) {
      // A warning, not a failure: the VMs and WSL resolve through the daemon all the same; only lookups made
      // on this host need resolved, and a host without it would otherwise fail doctor on every run.
      out.push(
        warn(
          id,
          title,
          `systemd-resolved is not running (${resolved.why}): lookups of *.${sw.dns.domain} from this host do not reach ${host} (the VMs and WSL are not affected)`,
          `systemctl enable --now systemd-resolved, then switchyard apply; or send ${sw.dns.domain} to ${host} in your own resolver (dnsmasq: server=/${sw.dns.domain}/${host})`,
        ),
      );
      continue;
    }
    const link = resolved.links.find((l) => l.iface === iface);
    const want = `~${sw.dns.domain}`;
    if (link?.servers.join(' ') === host && link.domains.join(' ') === want) {
      out.push(pass(id, title, `resolved sends ${want} to ${host} on ${iface}`));
    } else {
      out.push(
        fail(
          id,
          title,
          link
            ? `resolved has DNS [${link.servers.join(' ')}] and domains [${link.domains.join(' ')}] on ${iface}`
            : `resolved does not know ${iface}`,
          `switchyard apply (by hand: resolvectl dns ${shWord(iface)} ${host}; resolvectl domain ${shWord(iface)} ${shWord(want)})`,
        ),
      );
    }
  }
  return out;
}
