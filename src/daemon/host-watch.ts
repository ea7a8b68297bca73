/**
 * What the daemon watches on the host besides Linux forwarding (keeper.ts), through the daemon host
 * (host/daemon-port.ts): the uplink MTU for `mtu: auto` scopes (mtu-watch.ts), where the host has them
 * systemd-resolved's per-link settings for switches with DNS (Linux), and where the host has adapter
 * checks (Windows) all of it in one change-driven watch that also keeps forwarding on (windows-watch.ts). Started before DHCP opens: on Linux the first `mtu: auto` read is awaited (the first
 * reply carries option 26); on Windows nothing here waits for PowerShell — its first check runs one poll
 * (2 s) later, so DHCP and DNS answer first. `stop()` ends them all.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import { switchInterface } from '../config/switch-interface.js';
import type { ScopeCell } from '../dhcp/scope-cell.js';
import type { DaemonHost } from '../host/daemon-port.js';
import type { Logger } from '../log.js';
import type { ObservedHost } from '../model/observed.js';
import { formatIpv4 } from '../net/ipv4.js';
import { startForwardingKeeper, type ForwardingKeeper } from './keeper.js';
import type { InterfaceTable, Timers } from './change-watch.js';
import { createMtuWatch, startMtuWatch, type MtuWatch, type UplinkReader } from './mtu-watch.js';
import { startWindowsWatch } from './windows-watch.js';

/** How often resolved's per-link DNS is checked (host/linux/dns-link-keeper.ts). */
export const DNS_LINK_CHECK_MS = 10_000;

export interface HostWatchDeps {
  /** Reads links and routes for `mtu: auto` (default: the daemon host's readUplink). */
  readUplink?: UplinkReader;
  /** The `mtu: auto` safety net's period (the adapter list is compared every few seconds in between). */
  mtuIntervalMs?: number;
  dnsLinkIntervalMs?: number;
  /** The adapter list the change watches compare (default: os.networkInterfaces). */
  networkInterfaces?: () => InterfaceTable;
  timers?: Timers;
  /** Windows: the targeted check's poll and the full observation's period. */
  windowsPollMs?: number;
  windowsFullMs?: number;
}

export interface HostWatchContext extends HostWatchDeps {
  config: Config;
  cells: readonly ScopeCell[];
  host: DaemonHost;
  log: Logger;
  clock: Clock;
  /** Windows: keep IPv4 forwarding on for the switches' and WSL's adapters (config `forwarding: true`). */
  keepForwarding?: boolean;
  /** Windows: hears each full observation (wsl-drift.ts). */
  onObserved?: (o: ObservedHost) => void;
}

export async function startHostWatches(c: HostWatchContext): Promise<{ stop: () => Promise<void> }> {
  const ifaceOf = (s: Config['switches'][number]): string => switchInterface(s, c.host.platform);
  const exclude = [
    ...c.config.switches.map(ifaceOf),
    ...(c.config.wsl?.interface !== undefined ? [c.config.wsl.interface] : []),
  ];
  const deps = {
    clock: c.clock,
    ...(c.timers ? { timers: c.timers } : {}),
    ...(c.networkInterfaces ? { networkInterfaces: c.networkInterfaces } : {}),
  };
  let mtu: MtuWatch | undefined;
  let windows: { stop: () => Promise<void> } | undefined;
  const host = c.host;
  if (host.adapterChecks) {
    const auto = c.cells.some((s) => s.scope.mtuAuto === true);
    if (auto) {
      mtu = createMtuWatch({
        cells: c.cells,
        read: () => Promise.reject(new Error('read by the Windows watch')),
        exclude,
        log: c.log,
      });
    }
    const keep = c.keepForwarding === true;
    if (keep || mtu) {
      const forward = keep ? c.config.switches.map(ifaceOf) : [];
      windows = startWindowsWatch({
        checks: host.adapterChecks({ forward, wsl: keep, uplink: mtu !== undefined }),
        keeping: keep,
        ...(mtu ? { mtu } : {}),
        ...(c.onObserved ? { onObserved: c.onObserved } : {}),
        log: c.log,
        ...deps,
        ...(c.windowsPollMs !== undefined ? { pollMs: c.windowsPollMs } : {}),
        ...(c.windowsFullMs !== undefined ? { fullMs: c.windowsFullMs } : {}),
      });
    }
  } else {
    mtu = await startMtuWatch({
      cells: c.cells,
      read:
        c.readUplink ??
        (() => (host.readUplink ? host.readUplink() : Promise.reject(new Error('no uplink on this host')))),
      exclude,
      log: c.log,
      ...deps,
      ...(c.mtuIntervalMs !== undefined ? { intervalMs: c.mtuIntervalMs } : {}),
    });
  }
  let dns: ForwardingKeeper | undefined;
  const links = c.cells.flatMap(({ scope: s }) => {
    const sw = c.config.switches.find((x) => x.name === s.switchName);
    return sw?.dns.enabled === true
      ? [{ iface: s.interfaceName, server: formatIpv4(s.host), domain: sw.dns.domain }]
      : [];
  });
  if (host.dnsLinks && links.length > 0) {
    dns = startForwardingKeeper({
      backend: host.dnsLinks(links),
      log: c.log,
      clock: c.clock,
      intervalMs: c.dnsLinkIntervalMs ?? DNS_LINK_CHECK_MS,
    });
  }
  return {
    stop: async () => {
      await windows?.stop();
      await mtu?.stop();
      await dns?.stop();
    },
  };
}
