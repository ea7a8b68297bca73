/**
 * What the daemon watches on the host besides Linux forwarding (keeper.ts): the uplink MTU for `mtu: auto`
 * scopes (mtu-watch.ts), on Linux systemd-resolved's per-link settings for switches with DNS
 * (dns-link-keeper.ts), and on Windows all of it in one change-driven watch that also keeps forwarding on
 * (windows-watch.ts). Started before DHCP opens: on Linux the first `mtu: auto` read is awaited (the first
 * reply carries option 26); on Windows nothing here waits for PowerShell — its first check runs one poll
 * (2 s) later, so DHCP and DNS answer first. `stop()` ends them all.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import { switchInterface } from '../config/switch-interface.js';
import type { Scope } from '../dhcp/scope.js';
import { execFileRunner, type Runner } from '../host/linux/interfaces.js';
import { readLinuxUplink } from '../host/linux/uplink.js';
import type { PsOutcome } from '../host/windows/outcome.js';
import type { Logger } from '../log.js';
import type { ObservedHost } from '../model/observed.js';
import { formatIpv4 } from '../net/ipv4.js';
import { DNS_LINK_CHECK_MS, dnsLinkKeeperBackend } from './dns-link-keeper.js';
import { startForwardingKeeper, type ForwardingKeeper } from './keeper.js';
import type { InterfaceTable, Timers } from './change-watch.js';
import { createMtuWatch, startMtuWatch, type MtuWatch, type UplinkReader } from './mtu-watch.js';
import { startWindowsWatch } from './windows-watch.js';

export interface HostWatchDeps {
  /** Reads links and routes for `mtu: auto` on Linux (default: `ip -j`). */
  readUplink?: UplinkReader;
  /** Runs resolvectl and ip (Linux; default: the real programs). */
  run?: Runner;
  /** The `mtu: auto` safety net's period (the adapter list is compared every few seconds in between). */
  mtuIntervalMs?: number;
  dnsLinkIntervalMs?: number;
  /** Windows: runs a complete script as the daemon is (default: runPowerShell, never elevating). */
  powershell?: (script: string) => Promise<PsOutcome>;
  /** The adapter list the change watches compare (default: os.networkInterfaces). */
  networkInterfaces?: () => InterfaceTable;
  timers?: Timers;
  /** Windows: the targeted check's poll and the full observation's period. */
  windowsPollMs?: number;
  windowsFullMs?: number;
}

export interface HostWatchContext extends HostWatchDeps {
  config: Config;
  scopes: readonly Scope[];
  platform: NodeJS.Platform;
  log: Logger;
  clock: Clock;
  /** Windows: keep IPv4 forwarding on for the switches' and WSL's adapters (config `forwarding: true`). */
  keepForwarding?: boolean;
  /** Windows: hears each full observation (wsl-drift.ts). */
  onObserved?: (o: ObservedHost) => void;
}

export async function startHostWatches(c: HostWatchContext): Promise<{ stop: () => Promise<void> }> {
  const win = c.platform === 'win32';
  const run = c.run ?? execFileRunner;
  const ifaceOf = (s: Config['switches'][number]): string => switchInterface(s, c.platform);
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
  if (win) {
    const auto = c.scopes.some((s) => s.mtuAuto === true);
    if (auto) {
      mtu = createMtuWatch({
        scopes: c.scopes,
        read: () => Promise.reject(new Error('read by the Windows watch')),
        exclude,
        log: c.log,
      });
    }
    const keep = c.keepForwarding === true;
    if (keep || mtu) {
      windows = startWindowsWatch({
        forward: keep ? c.config.switches.map(ifaceOf) : [],
        wsl: keep,
        ...(mtu ? { mtu } : {}),
        ...(c.onObserved ? { onObserved: c.onObserved } : {}),
        log: c.log,
        ...deps,
        ...(c.powershell ? { run: c.powershell } : {}),
        ...(c.windowsPollMs !== undefined ? { pollMs: c.windowsPollMs } : {}),
        ...(c.windowsFullMs !== undefined ? { fullMs: c.windowsFullMs } : {}),
      });
    }
  } else {
    mtu = await startMtuWatch({
      scopes: c.scopes,
      read: c.readUplink ?? (() => readLinuxUplink(run)),
      exclude,
      log: c.log,
      ...deps,
      ...(c.mtuIntervalMs !== undefined ? { intervalMs: c.mtuIntervalMs } : {}),
    });
  }
  let dns: ForwardingKeeper | undefined;
  const links = c.scopes.flatMap((s) => {
    const sw = c.config.switches.find((x) => x.name === s.switchName);
    return sw?.dns.enabled === true
      ? [{ iface: s.interfaceName, server: formatIpv4(s.host), domain: sw.dns.domain }]
      : [];
  });
  if (c.platform === 'linux' && links.length > 0) {
    dns = startForwardingKeeper({
      backend: dnsLinkKeeperBackend(links, run),
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
