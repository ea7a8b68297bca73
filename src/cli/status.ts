/**
 * `switchyard status [--json]`: the network at a glance. Text: a picture of it (status-picture.ts) with what
 * doctor would flag marked in place. JSON: switches (subnet, host address, present?), the ranges and whether
 * they are pinned, the adapters with forwarding on/off, and the daemon (pid, leases, dynamic leases against the
 * cap). Read-only; doctor says how to fix what is wrong.
 */
import type { Config } from '../config/schema.js';
import type { Host } from '../host/host.js';
import type { Choice } from '../model/address-plan.js';
import { readDaemonStatus } from '../model/checks/index.js';
import { socketProblem } from '../model/checks/daemon.js';
import { switchInterface } from '../config/switch-interface.js';
import { formatCidr, formatIpv4 } from '../net/ipv4.js';
import { daemonCaller, gather, type DoctorProbes, type Gathered } from './doctor.js';
import { runChecks } from '../model/checks/index.js';
import { toRows, type LeaseRow } from '../dhcp/lease-rows.js';
import { nameRows, readLeases } from './leases.js';
import { buildPicture, renderPicture, wrap } from './status-picture.js';
import { PLAIN, paint, type Style } from '../style.js';

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
  gathered?: Gathered,
): Promise<StatusJson> {
  const g = gathered ?? (await gather(config, stateDir, host, probes));
  const o = g.observed;
  const switches = config.switches.map((sw) => {
    const iface = switchInterface(sw, o.platform);
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

export async function statusCommand(
  config: Config,
  stateDir: string,
  host: Host,
  json: boolean,
  probes: DoctorProbes = {},
  style: Style = PLAIN,
): Promise<string> {
  if (json) return JSON.stringify(await statusData(config, stateDir, host, probes), null, 2) + '\n';
  const g = await gather(config, stateDir, host, probes);
  const s = await statusData(config, stateDir, host, probes, g);
  // doctor's checks, except the udp-port scan of /proc (doctor's own gathering; status stays cheap).
  const checks = runChecks({
    config,
    observed: g.observed,
    addresses: g.addresses,
    pinned: g.pinned,
    daemon: g.daemon,
    stateDir,
  });
  if (g.pinnedError !== undefined)
    checks.push({ id: 'pinned', title: 'pinned ranges readable', ok: false, detail: g.pinnedError });
  const rows = nameRows(await leaseRows(stateDir, g, probes), config, Date.now());
  const picture = renderPicture(buildPicture(config, g, checks, rows), style);
  const warnings = s.problems.flatMap((p) => wrap(`warning: ${p}`)).map((l) => paint(style, 'yellow', l));
  return picture + (warnings.length ? '\n' + warnings.join('\n') + '\n' : '');
}

/** The running daemon's leases, else the journal's. */
async function leaseRows(stateDir: string, g: Gathered, probes: DoctorProbes): Promise<LeaseRow[]> {
  if (g.daemon.running && g.daemon.error === undefined) {
    const r = await daemonCaller(stateDir, probes)('leases');
    if (r.running && r.ok && Array.isArray(r.result)) return r.result as LeaseRow[];
  }
  const { leases } = await readLeases(stateDir).catch(() => ({ leases: [] }));
  return toRows(leases, Date.now());
}
