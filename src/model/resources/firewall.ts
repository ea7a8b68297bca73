/**
 * Inbound DHCP/DNS from the switch subnets, scoped by address and to the switch's interface; switchyard's
 * rules are rewritten as a set.
 */
import { formatCidr } from '../../net/ipv4.js';
import type { Change } from '../change.js';
import { firewallKey, type DesiredHost } from '../desired.js';
import { FIREWALL_GROUP } from '../marks.js';
import type { FirewallRule, ObservedHost } from '../observed.js';

function where(r: FirewallRule): string {
  if (r.iface === undefined) return 'every interface';
  return r.iface === '' ? 'an interface that no longer exists' : r.iface;
}

export function diffFirewall(d: DesiredHost, o: ObservedHost): Change[] {
  const want = new Set(d.firewall.map(firewallKey));
  const have = new Set(o.firewall.map(firewallKey));
  const missing = d.firewall.filter((r) => !have.has(firewallKey(r)));
  const extra = o.firewall.filter((r) => !want.has(firewallKey(r)));
  if (missing.length === 0 && extra.length === 0) return [];
  // A rule that is there under its name but on another interface is rescoped, not added and removed.
  const moved = missing.filter((r) => extra.some((x) => x.name === r.name && x.iface !== r.iface));
  const parts = [
    ...missing.map((r) => {
      const was = moved.includes(r) ? extra.find((x) => x.name === r.name) : undefined;
      return was ? `~${r.name} (on ${where(r)}, was ${where(was)})` : `+${r.name}`;
    }),
    ...extra.filter((x) => !moved.some((r) => r.name === x.name)).map((r) => `-${r.name}`),
  ];
  return [
    {
      resource: 'firewall',
      key: FIREWALL_GROUP,
      action: d.firewall.length === 0 ? '-' : o.firewall.length === 0 ? '+' : '~',
      detail: `rules ${parts.join(', ')}`,
      ops: [{ op: 'setFirewall', rules: d.firewall }],
    },
  ];
}

/**
 * What no change can fix: Group Policy's "Apply local firewall rules: No" (AllowLocalPolicyMerge = 0) keeps
 * rules from the local store — where switchyard writes — out of the enforced policy
 * (learn.microsoft.com/windows/security/operating-system-security/network-security/windows-firewall/rules,
 * "Local policy merge and application rules"; microsoft/Windows-Containers#203). The rules are still
 * written, so they apply once IT allows local rules; until then they are reported as not in force.
 */
export function firewallNotes(d: DesiredHost, o: ObservedHost): string[] {
  const ignored = o.localFirewallRulesIgnored ?? [];
  if (o.platform !== 'windows' || d.firewall.length === 0 || ignored.length === 0) return [];
  return [
    `firewall: Group Policy does not apply local firewall rules on the ${ignored.join(', ')} profile(s) (AllowLocalPolicyMerge = 0), so switchyard's rules exist but are not in force: VMs on the switches get no DHCP or DNS from this host. ${firewallPolicyAsk(d)}`,
  ];
}

/** What to ask IT for, rule by rule. */
export function firewallPolicyAsk(d: DesiredHost): string {
  const rules = d.firewall.map(
    (r) =>
      `inbound ${r.protocol.toUpperCase()} ${r.port} from ${r.from.map(formatCidr).join(' and ')} on ${where(r)}`,
  );
  return `Ask IT to allow local rules (AllowLocalPolicyMerge = 1) or to add these rules by Group Policy: ${rules.join('; ')}.`;
}
