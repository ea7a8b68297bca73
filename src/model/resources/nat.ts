/**
 * NAT for each switch subnet. Windows allows a single NetNat (docs/windows.md#nat: New-NetNat fails while another
 * exists): an existing one is reused only if it is ours and covers the subnet; a foreign one blocks the plan
 * with guidance — switchyard never deletes what it did not create. On Linux each NAT is a masquerade rule in
 * switchyard's own nftables table, so there are no foreign ones to meet.
 *
 * NAT only toward the outside: traffic from a switch to the host itself, to WSL or to another switch keeps
 * the VM's own source address (the daemon's DNS answers only its subnets; WSL must see VMs as themselves).
 * Linux says so in the rule (`oifname != { lo, WSL link, other switches }`, ops.ts natNotOut). A Windows
 * NetNat names only its internal prefix (New-NetNat -InternalIPInterfaceAddressPrefix); the host's own
 * traffic to the switch is delivered locally, not NAT'd, and switchyard adds nothing that could change how
 * WinNAT treats WSL-bound traffic — not proven on Windows here (no simulation of WinNAT's translation).
 */
import { contains, coveringCidr, formatCidr, overlaps } from '../../net/ipv4.js';
import type { Change } from '../change.js';
import type { DesiredHost } from '../desired.js';
import type { ObservedHost } from '../observed.js';
import { NAT_PREFIX } from '../marks.js';
import { psString } from '../../ps-quote.js';

/** Our NAT for a switch: NetNat "switchyard-<switch>" on Windows; on Linux named after the bridge it serves. */
export function natName(switchName: string): string {
  return `${NAT_PREFIX}${switchName}`;
}

/**
 * The PowerShell command that removes the NetNat named `name` and no other, for users to paste: by exact
 * name, because Remove-NetNat -Name takes wildcards and a name Windows reports may hold [ ] * ? or a backtick.
 */
export function removeNetNatCommand(name: string): string {
  return `Get-NetNat | Where-Object { $_.Name -eq ${psString(name)} } | Remove-NetNat -Confirm:$false`;
}

/** Linux: the interfaces besides the switch's own whose traffic its NAT leaves alone (sorted, as ops.ts natNotOut). */
export function natNotOut(d: DesiredHost, o: ObservedHost, iface: string): string[] | undefined {
  if (o.platform !== 'linux') return undefined;
  const inside = ['lo', ...d.switches.map((s) => s.iface), ...(o.wslInterface ? [o.wslInterface] : [])];
  return [...new Set(inside)].filter((n) => n !== iface).sort();
}

/** What the plan says a NAT does, the same on both platforms. */
function natDetail(subnet: string, notOut: string[] | undefined): string {
  return notOut === undefined
    ? `NAT ${subnet} toward the uplink only (NetNat: the host, WSL and the other switches see the VMs' own addresses)`
    : `NAT ${subnet} toward the uplink only (never via ${notOut.join(', ')}: the host, WSL and the other switches see the VMs' own addresses)`;
}

/**
 * Windows with several NAT'ed switches: WinNAT takes one NetNat per host ("Multiple NAT networks are not
 * supported", learn.microsoft.com/virtualization/hyper-v-on-windows/user-guide/setup-nat-network), so one
 * NetNat, named after the first such switch, covers them all with the smallest prefix that contains their
 * subnets. That prefix must not take in WSL's range or a switch without NAT (their traffic would be
 * translated too): then the plan is blocked and says how to choose the subnets.
 */
function diffSharedWindowsNat(d: DesiredHost, o: ObservedHost, wanted: DesiredHost['switches']): Change[] {
  const cover = coveringCidr(wanted.map((s) => s.subnet));
  const key = wanted.map((s) => s.name).join(',');
  const caught = [
    ...d.switches
      .filter((s) => !s.nat && overlaps(cover, s.subnet))
      .map((s) => `switch ${s.name} (nat: false)`),
    ...(d.wsl && overlaps(cover, d.wsl.subnet) ? [`WSL's range ${formatCidr(d.wsl.subnet)}`] : []),
  ];
  if (caught.length > 0)
    return [
      {
        resource: 'nat',
        key,
        action: '!',
        detail: `Windows allows one NetNat, and the one prefix covering ${wanted.map((s) => formatCidr(s.subnet)).join(', ')} is ${formatCidr(cover)}, which also takes in ${caught.join(' and ')}: give the NAT'ed switches subnets inside one smaller block, or set nat: false on all but one`,
        ops: [],
      },
    ];
  const foreign = o.nats.filter((n) => !n.ours);
  if (foreign.length > 0)
    return [
      {
        resource: 'nat',
        key,
        action: '!',
        detail: `Windows allows one NetNat and "${foreign[0]!.name}" (${formatCidr(foreign[0]!.prefix)}) exists, not switchyard's (Docker, WinNAT scripts?): remove it if nothing needs it, or set nat: false`,
        ops: [],
      },
    ];
  const name = natName(wanted[0]!.name);
  const ours = o.nats.filter((n) => n.ours);
  const right =
    ours.length === 1 &&
    ours[0]!.name === name &&
    ours[0]!.prefix.network === cover.network &&
    ours[0]!.prefix.prefix === cover.prefix;
  if (right) return [];
  return [
    {
      resource: 'nat',
      key,
      action: ours.length > 0 ? '~' : '+',
      detail: `${natDetail(formatCidr(cover), undefined)}; one NetNat for ${wanted.map((s) => `${s.name} ${formatCidr(s.subnet)}`).join(', ')} (Windows allows one)`,
      ops: [
        ...ours.map((n) => ({ op: 'deleteNat' as const, name: n.name })),
        { op: 'createNat', name, prefix: cover, outsideOf: wanted[0]!.iface },
      ],
    },
  ];
}

export function diffNat(d: DesiredHost, o: ObservedHost): Change[] {
  const out: Change[] = [];
  const wanted = d.switches.filter((s) => s.nat);
  if (o.platform === 'windows' && wanted.length > 1) return diffSharedWindowsNat(d, o, wanted);
  for (const s of wanted) {
    const covering = o.nats.find(
      (n) => contains(n.prefix, s.subnet.network) && n.prefix.prefix <= s.subnet.prefix,
    );
    const notOut = natNotOut(d, o, s.iface);
    const sameScope = notOut === undefined || (covering?.notOut ?? []).join(',') === notOut.join(',');
    // Linux: masquerade rules carry nothing while net.ipv4.ip_forward is off; createNat turns it on.
    const forwardOff = o.platform === 'linux' && o.ipForward === false;
    if (covering?.ours && sameScope && !forwardOff) continue;
    if (covering && !covering.ours) {
      out.push({
        resource: 'nat',
        key: s.name,
        action: '!',
        detail: `NetNat "${covering.name}" (${formatCidr(covering.prefix)}) covers ${formatCidr(s.subnet)} but is not switchyard's: remove it (${removeNetNatCommand(covering.name)}) if nothing needs it, or set nat: false`,
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
    const stale = o.nats.filter((n) => n.ours && (n.name === natName(s.name) || n === covering));
    out.push({
      resource: 'nat',
      key: s.name,
      action: stale.length > 0 ? '~' : '+',
      detail:
        natDetail(formatCidr(s.subnet), notOut) +
        (forwardOff
          ? '; turns net.ipv4.ip_forward on (host-wide: every interface forwards, the uplink included)'
          : ''),
      ops: [
        ...stale.map((n) => ({ op: 'deleteNat' as const, name: n.name })),
        {
          op: 'createNat',
          name: natName(s.name),
          prefix: s.subnet,
          outsideOf: s.iface,
          ...(notOut !== undefined ? { notOut } : {}),
        },
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
