/**
 * NAT for each switch subnet. Windows allows a single NetNat (research §2.B: New-NetNat fails while another
 * exists): an existing one is reused only if it is ours and covers the subnet; a foreign one blocks the plan
 * with guidance — switchyard never deletes what it did not create. On Linux each NAT is a masquerade rule in
 * switchyard's own nftables table, so there are no foreign ones to meet.
 */
import { contains, formatCidr } from '../../net/ipv4.js';
import type { Change } from '../change.js';
import type { DesiredHost } from '../desired.js';
import type { ObservedHost } from '../observed.js';
import { psString } from '../../ps-quote.js';

export const NAT_PREFIX = 'switchyard-';

/** Our NAT for a switch: NetNat "switchyard-<switch>" on Windows; on Linux named after the bridge it serves. */
export function natName(switchName: string): string {
  return `${NAT_PREFIX}${switchName}`;
}

export function diffNat(d: DesiredHost, o: ObservedHost): Change[] {
  const out: Change[] = [];
  const wanted = d.switches.filter((s) => s.nat);
  for (const s of wanted) {
    const covering = o.nats.find(
      (n) => contains(n.prefix, s.subnet.network) && n.prefix.prefix <= s.subnet.prefix,
    );
    if (covering?.ours) continue;
    if (covering && !covering.ours) {
      out.push({
        resource: 'nat',
        key: s.name,
        action: '!',
        detail: `NetNat "${covering.name}" (${formatCidr(covering.prefix)}) covers ${formatCidr(s.subnet)} but is not switchyard's: remove it (Remove-NetNat -Name ${psString(covering.name)} -Confirm:$false) if nothing needs it, or set nat: false`,
        ops: [],
      });
      continue;
    }
    const foreign = o.platform === 'windows' ? o.nats.filter((n) => !n.ours) : [];
    if (foreign.length > 0) {
      out.push({
        resource: 'nat',
        key: s.name,
        action: '!',
        detail: `Windows allows one NetNat and "${foreign[0]!.name}" (${formatCidr(foreign[0]!.prefix)}) exists, not switchyard's (Docker, WinNAT scripts?): remove it if nothing needs it, or set nat: false`,
        ops: [],
      });
      continue;
    }
    const stale = o.nats.filter((n) => n.ours && n.name === natName(s.name));
    out.push({
      resource: 'nat',
      key: s.name,
      action: stale.length > 0 ? '~' : '+',
      detail: `NAT ${formatCidr(s.subnet)} to the outside`,
      ops: [
        ...stale.map((n) => ({ op: 'deleteNat' as const, name: n.name })),
        { op: 'createNat', name: natName(s.name), prefix: s.subnet, outsideOf: s.iface },
      ],
    });
  }
  for (const n of o.nats) {
    if (n.ours && !wanted.some((s) => natName(s.name) === n.name)) {
      out.push({
        resource: 'nat',
        key: n.name,
        action: '-',
        detail: `delete NAT ${n.name} (${formatCidr(n.prefix)})`,
        ops: [{ op: 'deleteNat', name: n.name }],
      });
    }
  }
  return out;
}
