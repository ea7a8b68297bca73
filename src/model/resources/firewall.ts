/** Inbound DHCP/DNS from the switch subnets, scoped by address; switchyard's rules are rewritten as a set. */
import type { Change } from '../change.js';
import { firewallKey, type DesiredHost } from '../desired.js';
import { FIREWALL_GROUP } from '../marks.js';
import type { ObservedHost } from '../observed.js';

export function diffFirewall(d: DesiredHost, o: ObservedHost): Change[] {
  const want = new Set(d.firewall.map(firewallKey));
  const have = new Set(o.firewall.map(firewallKey));
  const missing = d.firewall.filter((r) => !have.has(firewallKey(r)));
  const extra = o.firewall.filter((r) => !want.has(firewallKey(r)));
  if (missing.length === 0 && extra.length === 0) return [];
  const parts = [...missing.map((r) => `+${r.name}`), ...extra.map((r) => `-${r.name}`)];
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
