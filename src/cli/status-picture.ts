/**
 * `switchyard status` as a picture: the network drawn the way people sketch it when they debug — the way
 * out (uplink, VPN routes), the host, WSL with its range, each switch with its subnet, NAT and daemon, and
 * under each switch its VMs. What `doctor` would flag is marked where it is (✘, red on a terminal) with the
 * check's title and detail. Lines are cut at 100 columns. `status --json` is statusData's, unchanged.
 */
import type { Config } from '../config/schema.js';
import type { Check } from '../model/checks/index.js';
import { readDaemonStatus } from '../model/checks/index.js';
import { switchInterface } from '../config/switch-interface.js';
import type { ObservedHost } from '../model/observed.js';
import { contains, formatCidr, formatIpv4, parseIpv4 } from '../net/ipv4.js';
import type { Gathered } from './doctor.js';
import { printable, type NamedRow } from './leases.js';
import { paint, PLAIN, type Style } from '../style.js';

export const WIDTH = 100;

export interface PictureVm {
  label: string;
  ip: string;
  dnsName: string | null;
  reserved: boolean;
  /** bound, expired, released…; `no lease` for a reservation no client holds. */
  state: string;
}

export interface PictureSwitch {
  name: string;
  subnet: string | null;
  host: string | null;
  present: boolean;
  nat: 'on' | 'off' | 'not wanted';
  forwarding: boolean | null;
  /** `DHCP+DNS`, `DHCP`, `off` (DHCP disabled), `daemon down`. */
  daemon: string;
  vms: PictureVm[];
  flags: Check[];
}

export interface Picture {
  /** The interfaces the traffic leaves by, with the routes on each (VPN routes included). */
  uplinks: { iface: string; routes: string[] }[];
  host: { platform: string; daemon: string; flags: Check[] };
  wsl: {
    iface: string | null;
    subnet: string;
    source: string;
    forwarding: boolean | null;
    flags: Check[];
  } | null;
  switches: PictureSwitch[];
}

const MAX_ROUTES = 4;
/** VM columns: 7 (tree) + 20 + 2 + 15 + 2 + 36 + 2 + 16 ("reserved, expired") = 100. */
const LABEL_MAX = 20;
const DNS_MAX = 36;

function cut(s: string, n: number): string {
  const chars = Array.from(s);
  return chars.length <= n ? s : chars.slice(0, n - 1).join('') + '…';
}

/** The routes of the adapters switchyard does not manage, grouped by adapter: the way out of the host. */
function uplinks(o: ObservedHost, managed: ReadonlySet<string>): Picture['uplinks'] {
  const by = new Map<string, string[]>();
  for (const r of o.routes) {
    if (managed.has(r.iface) || r.dest.network >>> 24 === 127) continue;
    const list = by.get(r.iface) ?? [];
    list.push(r.dest.prefix === 0 ? 'default' : formatCidr(r.dest));
    by.set(r.iface, list);
  }
  return [...by]
    .map(([iface, routes]) => ({ iface, routes: [...new Set(routes)] }))
    .sort((a, b) => Number(b.routes.includes('default')) - Number(a.routes.includes('default')));
}

/** Which element of the picture a doctor check is about (by its id, `kind:subject`). */
function owner(c: Check, switchIfaces: ReadonlyMap<string, string>, wslIface: string | null): string {
  const [kind, ...rest] = c.id.split(':');
  const subject = rest.join(':');
  if (kind === 'forwarding') return switchIfaces.get(subject) ?? (subject === wslIface ? 'wsl' : 'host');
  if (kind === 'wsl' || (kind === 'range' && subject === 'wsl')) return 'wsl';
  if (['switch', 'address', 'nat', 'dns', 'dns-link', 'dns-rule', 'range'].includes(kind!) && subject !== '')
    return `switch:${subject}`;
  return 'host';
}

export function buildPicture(
  config: Config,
  g: Gathered,
  checks: readonly Check[],
  rows: readonly NamedRow[],
): Picture {
  const o = g.observed;
  const st = g.daemon.running ? readDaemonStatus(g.daemon.status) : undefined;
  const ifaces = new Map(config.switches.map((s) => [switchInterface(s, o.platform), `switch:${s.name}`]));
  const wslIface = o.wslInterface ?? config.wsl?.interface ?? null;
  const failing = checks.filter((c) => !c.ok);
  const flagsOf = (who: string): Check[] => failing.filter((c) => owner(c, ifaces, wslIface) === who);
  const managed = new Set([...ifaces.keys(), ...(wslIface !== null ? [wslIface] : [])]);

  const switches = config.switches.map((sw): PictureSwitch => {
    const iface = switchInterface(sw, o.platform);
    const c = g.addresses.switches.find((x) => x.name === sw.name);
    const seen = o.interfaces.find((x) => x.name === iface);
    const present =
      seen !== undefined &&
      (o.switches.some((x) => x.name.toLowerCase() === sw.name.toLowerCase()) || o.platform === 'linux');
    const natOn = c !== undefined && o.nats.some((n) => n.ours && n.prefix.network === c.subnet.network);
    const served = st?.switches.find((x) => x.name === sw.name);
    const dns = st?.dns.find((x) => x.switch === sw.name);
    // A socket bound to an interface that is gone serves nobody (daemon/rebind.ts): a failure, not DHCP.
    const lost = served?.socket !== undefined && served.socket.state !== 'bound';
    const daemon = !sw.dhcp.enabled
      ? 'DHCP off'
      : !g.daemon.running || g.daemon.error !== undefined
        ? 'daemon down'
        : served === undefined
          ? 'not served'
          : lost
            ? `DHCP DOWN (socket ${served.socket?.state ?? '?'})`
            : dns?.listening !== undefined
              ? 'DHCP+DNS'
              : 'DHCP';
    const own = rows.filter((r) => r.switch === sw.name);
    const vms: PictureVm[] = own.map((r) => ({
      label: r.reserved
        ? (r.dnsName?.split('.')[0] ?? r.mac)
        : r.hostname !== null
          ? printable(r.hostname)
          : r.mac,
      ip: r.ip,
      dnsName: r.dnsName,
      reserved: r.reserved === true,
      state: r.state,
    }));
    for (const res of sw.dhcp.reservations) {
      const ip = formatIpv4(res.ip);
      if (own.some((r) => r.reserved === true && r.dnsName?.split('.')[0] === res.name.toLowerCase()))
        continue;
      if (vms.some((v) => v.ip === ip && v.reserved)) continue;
      vms.push({
        label: res.name,
        ip,
        dnsName:
          c === undefined || contains(c.subnet, res.ip) ? `${res.name.toLowerCase()}.${sw.dns.domain}` : null,
        reserved: true,
        state: 'no lease',
      });
    }
    vms.sort((a, b) => parseIpv4(a.ip)! - parseIpv4(b.ip)!);
    return {
      name: sw.name,
      subnet: c ? formatCidr(c.subnet) : null,
      host: c ? formatIpv4(c.host) : null,
      present,
      nat: sw.nat ? (natOn ? 'on' : 'off') : 'not wanted',
      forwarding: seen?.forwarding ?? null,
      daemon,
      vms,
      flags: flagsOf(`switch:${sw.name}`),
    };
  });

  const w = g.addresses.wsl;
  const wslSeen = wslIface !== null ? o.interfaces.find((x) => x.name === wslIface) : undefined;
  const pinned = w !== undefined && g.pinned?.wsl?.subnet === formatCidr(w.subnet);
  return {
    uplinks: uplinks(o, managed),
    host: {
      platform: o.platform === 'windows' ? 'Windows' : 'Linux',
      daemon: !g.daemon.running
        ? 'daemon not running'
        : g.daemon.error !== undefined
          ? 'daemon not answering'
          : `daemon running${st?.pid !== undefined ? `, pid ${st.pid}` : ''}`,
      flags: flagsOf('host'),
    },
    wsl:
      w !== undefined
        ? {
            iface: wslIface,
            subnet: formatCidr(w.subnet),
            source: w.source === 'chosen' && !pinned ? 'not pinned yet' : w.source,
            forwarding: wslSeen?.forwarding ?? null,
            flags: flagsOf('wsl'),
          }
        : null,
    switches,
  };
}

/** Cut to the width, counting what the terminal shows (colour codes take no room). */
function fit(line: string): string {
  // eslint-disable-next-line no-control-regex
  const visible = line.replace(/\x1b\[[0-9;]*m/g, '');
  if (Array.from(visible).length <= WIDTH) return line;
  // Colour only ever wraps whole markers, which come last: cut the plain text.
  return (
    Array.from(visible)
      .slice(0, WIDTH - 1)
      .join('') + '…'
  );
}

/** Words wrapped at the width; the lines after the first indented by `indent`. */
export function wrap(text: string, indent = '  '): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line === '' ? word : `${line} ${word}`;
    if (Array.from(next).length > WIDTH && line !== '') {
      out.push(line);
      line = indent + word;
    } else line = next;
  }
  out.push(line);
  return out.map(fit);
}

function onOff(v: boolean | null): string {
  return v === null ? 'unknown' : v ? 'on' : 'OFF';
}

export function renderPicture(p: Picture, style: Style = PLAIN): string {
  const lines: string[] = [];
  const mark = (indent: string, flags: readonly Check[]): void => {
    // Cut before painting, so that a long flag stays red.
    for (const f of flags)
      lines.push(`${indent}${paint(style, 'red', cut(`✘ ${f.title}: ${f.detail}`, WIDTH - indent.length))}`);
  };
  const out = p.uplinks.length > 0 ? p.uplinks : [{ iface: '(no route seen)', routes: [] }];
  out.forEach((u, i) => {
    const extra = u.routes.length > MAX_ROUTES ? ` +${u.routes.length - MAX_ROUTES} more` : '';
    const label = i === 0 ? 'out ' : '    ';
    lines.push(
      `${label}${i === out.length - 1 ? '└' : '├'}─ ${u.iface}  ${u.routes.slice(0, MAX_ROUTES).join(', ')}${extra}`.trimEnd(),
    );
  });
  lines.push('    │');
  lines.push(`host (${p.host.platform}) · ${p.host.daemon}`);
  mark('│  ', p.host.flags);
  const items = (p.wsl ? 1 : 0) + p.switches.length;
  let n = 0;
  const branch = (): { head: string; pad: string } => {
    n++;
    return n === items ? { head: '└─', pad: '   ' } : { head: '├─', pad: '│  ' };
  };
  if (p.wsl) {
    const b = branch();
    lines.push(
      `${b.head} WSL  ${p.wsl.subnet} (${p.wsl.source})  ${p.wsl.iface ?? 'adapter not seen'}  forwarding ${onOff(p.wsl.forwarding)}`,
    );
    mark(`${b.pad}  `, p.wsl.flags);
  }
  for (const s of p.switches) {
    const b = branch();
    const state = s.present ? '' : '  MISSING';
    lines.push(
      `${b.head} switch ${s.name}  ${s.subnet ?? '?'}  host ${s.host ?? '?'}${state}  NAT ${s.nat}  ${s.daemon}  forwarding ${onOff(s.forwarding)}`,
    );
    mark(`${b.pad}  `, s.flags);
    // Columns as wide as this switch's longest entry, up to a cap that keeps a line within WIDTH.
    const lw = Math.min(LABEL_MAX, Math.max(0, ...s.vms.map((v) => Array.from(v.label).length)));
    const dw = Math.min(DNS_MAX, Math.max(1, ...s.vms.map((v) => Array.from(v.dnsName ?? '-').length)));
    s.vms.forEach((v, i) => {
      const last = i === s.vms.length - 1;
      const tag = [v.reserved ? 'reserved' : '', v.state !== 'bound' ? v.state : '']
        .filter(Boolean)
        .join(', ');
      const cols = [cut(v.label, lw).padEnd(lw), v.ip.padEnd(15), cut(v.dnsName ?? '-', dw).padEnd(dw), tag];
      lines.push(`${b.pad}  ${last ? '└─' : '├─'} ${cols.join('  ')}`.trimEnd());
    });
    if (s.vms.length === 0) lines.push(`${b.pad}  (no VMs)`);
  }
  const flagged =
    p.host.flags.length + (p.wsl?.flags.length ?? 0) + p.switches.reduce((k, s) => k + s.flags.length, 0);
  if (flagged > 0)
    lines.push('', `✘ = what \`switchyard doctor\` flags (${flagged}); it prints the fix for each.`);
  return lines.map(fit).join('\n') + '\n';
}
