/**
 * `switchyard status [--json]`: the network at a glance — switches (subnet, host address, present?), the ranges
 * and whether they are pinned, the adapters with forwarding on/off, and the daemon (pid, leases, dynamic
 * leases against the cap). Read-only; doctor says what is wrong and how to fix it.
 */
import type { Config } from '../config/schema.js';
import type { Host } from '../host/host.js';
import type { Choice } from '../model/address-plan.js';
import { readDaemonStatus } from '../model/checks/index.js';
import { socketProblem } from '../model/checks/daemon.js';
import { switchInterface } from '../model/desired.js';
import { formatCidr, formatIpv4 } from '../net/ipv4.js';
import { daemonCaller, gather, type DoctorProbes } from './doctor.js';

export interface StatusJson {
  switches: {
    name: string;
    subnet: string | null;
    host: string | null;
    interface: string;
    present: boolean;
    hostAddress: boolean;
  }[];
  ranges: { name: string; subnet: string; source: Choice['source']; pinned: boolean }[];
  adapters: { name: string; present: boolean; forwarding: boolean | null }[];
  daemon: {
    running: boolean;
    error: string | null;
    pid: number | null;
    leases: number | null;
    switches: {
      name: string;
      dynamicLeases: number | null;
      maxLeases: number | null;
      /** The DHCP socket: bound, interface-gone, rebind-failed (daemon/rebind.ts); null from older daemons. */
      socket: string | null;
      socketProblem?: string;
    }[];
    dns: { switch: string; listening: string | null; error: string | null; names: number | null }[];
  };
  problems: string[];
}

export async function statusData(
  config: Config,
  stateDir: string,
  host: Host,
  probes: DoctorProbes = {},
): Promise<StatusJson> {
  const g = await gather(config, stateDir, host, probes);
  const o = g.observed;
  const switches = config.switches.map((sw) => {
    const iface = switchInterface(sw.name, sw.interface, o.platform);
    const c = g.addresses.switches.find((x) => x.name === sw.name);
    const seenIface = o.interfaces.find((x) => x.name === iface);
    const present =
      o.switches.some((x) => x.name.toLowerCase() === sw.name.toLowerCase()) ||
      (o.platform === 'linux' && seenIface !== undefined);
    return {
      name: sw.name,
      subnet: c ? formatCidr(c.subnet) : null,
      host: c ? formatIpv4(c.host) : null,
      interface: iface,
      present: present && seenIface !== undefined,
      hostAddress: c !== undefined && (seenIface?.addresses.some((a) => a.address === c.host) ?? false),
    };
  });
  const ranges: StatusJson['ranges'] = [
    ...(g.addresses.wsl
      ? [
          {
            name: 'wsl',
            subnet: formatCidr(g.addresses.wsl.subnet),
            source: g.addresses.wsl.source,
            pinned: g.pinned?.wsl?.subnet === formatCidr(g.addresses.wsl.subnet),
          },
        ]
      : []),
    ...g.addresses.switches.map((s) => ({
      name: s.name,
      subnet: formatCidr(s.subnet),
      source: s.source,
      pinned: g.pinned?.switches[s.name]?.subnet === formatCidr(s.subnet),
    })),
  ];
  const adapterNames = [
    ...switches.map((s) => s.interface),
    ...(o.wslInterface ? [o.wslInterface] : config.wsl?.interface ? [config.wsl.interface] : []),
  ];
  const adapters = adapterNames.map((name) => {
    const seen = o.interfaces.find((x) => x.name === name);
    return { name, present: seen !== undefined, forwarding: seen?.forwarding ?? null };
  });
  const st = g.daemon.running ? readDaemonStatus(g.daemon.status) : undefined;
  let leases: number | null = null;
  if (st) {
    const r = await daemonCaller(stateDir, probes)('leases');
    if (r.running && r.ok && Array.isArray(r.result)) leases = r.result.length;
  }
  return {
    switches,
    ranges,
    adapters,
    daemon: {
      running: g.daemon.running,
      error: g.daemon.error ?? null,
      pid: st?.pid ?? null,
      leases,
      switches: (st?.switches ?? []).map((s) => ({
        name: s.name,
        dynamicLeases: s.dynamicLeases ?? null,
        maxLeases: s.maxLeases ?? null,
        socket: s.socket?.state ?? null,
        ...(s.socket !== undefined && s.socket.state !== 'bound'
          ? { socketProblem: socketProblem(s.name, s.socket) }
          : {}),
      })),
      dns: (st?.dns ?? []).map((x) => ({
        switch: x.switch,
        listening: x.listening ?? null,
        error: x.error ?? null,
        names: x.names ?? null,
      })),
    },
    problems: [
      ...(g.pinnedError !== undefined ? [g.pinnedError] : []),
      ...g.addresses.errors,
      ...g.addresses.warnings,
    ],
  };
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

export function renderStatus(s: StatusJson): string {
  const lines: string[] = [];
  lines.push(
    ...table(
      ['SWITCH', 'SUBNET', 'HOST', 'STATE'],
      s.switches.map((x) => [
        x.name,
        x.subnet ?? '-',
        x.host ?? '-',
        !x.present ? 'missing' : x.hostAddress ? 'present' : 'present, no host address',
      ]),
    ),
    '',
    ...table(
      ['RANGE', 'SUBNET', 'SOURCE'],
      s.ranges.map((r) => [
        r.name,
        r.subnet,
        r.source === 'chosen' && !r.pinned ? 'chosen, not pinned yet (apply pins it)' : r.source,
      ]),
    ),
    '',
    ...table(
      ['ADAPTER', 'FORWARDING'],
      s.adapters.map((a) => [
        a.name,
        !a.present ? 'missing' : a.forwarding === null ? 'unknown' : a.forwarding ? 'on' : 'off',
      ]),
    ),
    '',
  );
  const d = s.daemon;
  if (!d.running) lines.push('daemon: not running');
  else if (d.error !== null) lines.push(`daemon: not answering (${d.error})`);
  else {
    const per = d.switches
      .map((x) => `${x.name} ${x.dynamicLeases ?? '?'}/${x.maxLeases ?? '?'} dynamic`)
      .join(', ');
    lines.push(
      `daemon: running, pid ${d.pid ?? '?'}, ${d.leases ?? '?'} lease${d.leases === 1 ? '' : 's'}${per ? `; ${per}` : ''}`,
    );
    for (const x of d.switches) if (x.socketProblem !== undefined) lines.push(`FAIL ${x.socketProblem}`);
    for (const x of d.dns)
      lines.push(
        x.listening !== null
          ? `dns ${x.switch}: ${x.listening}, ${x.names ?? '?'} names`
          : `dns ${x.switch}: NOT SERVING (${x.error ?? 'unknown'})`,
      );
  }
  for (const p of s.problems) lines.push(`warning: ${p}`);
  return lines.join('\n') + '\n';
}

export async function statusCommand(
  config: Config,
  stateDir: string,
  host: Host,
  json: boolean,
  probes: DoctorProbes = {},
): Promise<string> {
  const s = await statusData(config, stateDir, host, probes);
  return json ? JSON.stringify(s, null, 2) + '\n' : renderStatus(s);
}
