/** The host's address on each switch interface (the switch's gateway, DHCP and DNS server). */
import { formatCidr, formatIpv4, overlaps } from '../../net/ipv4.js';
import type { Change } from '../change.js';
import type { DesiredHost } from '../desired.js';
import type { ObservedHost } from '../observed.js';

export function diffHostAddresses(d: DesiredHost, o: ObservedHost): Change[] {
  const out: Change[] = [];
  for (const s of d.switches) {
    const iface = o.interfaces.find((i) => i.name === s.iface);
    const want = `${formatIpv4(s.host)}/${s.subnet.prefix}`;
    const has = iface?.addresses.find((a) => a.address === s.host);
    if (has && has.prefix === s.subnet.prefix && !has.dynamic) continue;
    // A subnet written in the config is kept as written; added beside a route that covers the same
    // addresses, the host would have two routes for them (and the more specific one wins silently).
    const clash = s.fixedSubnet
      ? o.routes.find((r) => r.iface !== s.iface && r.dest.prefix > 0 && overlaps(r.dest, s.subnet))
      : undefined;
    if (clash) {
      out.push({
        resource: 'host-address',
        key: s.iface,
        action: '!',
        detail: `the subnet ${formatCidr(s.subnet)} written in the config overlaps the route ${formatCidr(clash.dest)} on ${clash.iface}: the host would have two routes for those addresses; set another subnet (or subnet: auto)`,
        ops: [],
      });
      continue;
    }
    const ops = [];
    if (has)
      ops.push({ op: 'removeAddress' as const, iface: s.iface, address: has.address, prefix: has.prefix });
    ops.push({ op: 'addAddress' as const, iface: s.iface, address: s.host, prefix: s.subnet.prefix });
    out.push({
      resource: 'host-address',
      key: s.iface,
      action: has ? '~' : '+',
      detail: has
        ? `${formatIpv4(has.address)}/${has.prefix}${has.dynamic ? ' (from DHCP)' : ''} → ${want}`
        : `add ${want} on ${s.iface}`,
      ops,
    });
  }
  // Stale addresses of ours (a switch whose subnet changed) on interfaces of switches we own.
  for (const s of d.switches) {
    const owned = o.switches.find((x) => x.name.toLowerCase() === s.name.toLowerCase())?.ours ?? false;
    const iface = o.interfaces.find((i) => i.name === s.iface);
    if (!owned || !iface) continue;
    for (const a of iface.addresses) {
      if (a.address === s.host || a.dynamic) continue;
      out.push({
        resource: 'host-address',
        key: s.iface,
        action: '-',
        detail: `remove ${formatIpv4(a.address)}/${a.prefix} from ${s.iface} (not the configured host address)`,
        ops: [{ op: 'removeAddress', iface: s.iface, address: a.address, prefix: a.prefix }],
      });
    }
  }
  return out;
}
