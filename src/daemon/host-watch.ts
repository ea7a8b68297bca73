/**
 * What the daemon watches on the host besides forwarding: the uplink MTU for `mtu: auto` scopes
 * (mtu-watch.ts) and, on Linux, systemd-resolved's per-link settings for switches with DNS (dns-link-keeper.ts).
 * Started once the scopes are known; `stop()` ends both.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/schema.js';
import type { Scope } from '../dhcp/scope.js';
import { execFileRunner, type Runner } from '../host/linux/interfaces.js';
import { readLinuxUplink } from '../host/linux/uplink.js';
import { WindowsHost } from '../host/windows/host.js';
import { windowsUplink } from '../host/windows/uplink.js';
import type { Logger } from '../log.js';
import { formatIpv4 } from '../net/ipv4.js';
import { DNS_LINK_CHECK_MS, dnsLinkKeeperBackend } from './dns-link-keeper.js';
import { startForwardingKeeper, type ForwardingKeeper } from './keeper.js';
import { startMtuWatch, type UplinkReader } from './mtu-watch.js';

export interface HostWatchDeps {
  /** Reads links and routes for `mtu: auto` (default: `ip -j` on Linux, the observation on Windows). */
  readUplink?: UplinkReader;
  /** Runs resolvectl and ip (Linux; default: the real programs). */
  run?: Runner;
  mtuIntervalMs?: number;
  dnsLinkIntervalMs?: number;
}

export interface HostWatchContext extends HostWatchDeps {
  config: Config;
  scopes: readonly Scope[];
  platform: NodeJS.Platform;
  log: Logger;
  clock: Clock;
}

export async function startHostWatches(c: HostWatchContext): Promise<{ stop: () => Promise<void> }> {
  const win = c.platform === 'win32';
  const run = c.run ?? execFileRunner;
  const ifaceOf = (s: Config['switches'][number]): string =>
    s.interface ?? (win ? `vEthernet (${s.name})` : s.name);
  const readUplink =
    c.readUplink ??
    (win ? async () => windowsUplink(await new WindowsHost().observeWindows()) : () => readLinuxUplink(run));
  const exclude = [
    ...c.config.switches.map(ifaceOf),
    ...(c.config.wsl?.interface !== undefined ? [c.config.wsl.interface] : []),
  ];
  const mtu = await startMtuWatch({
    scopes: c.scopes,
    read: readUplink,
    exclude,
    log: c.log,
    ...(c.mtuIntervalMs !== undefined ? { intervalMs: c.mtuIntervalMs } : {}),
  });
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
      await mtu.stop();
      await dns?.stop();
    },
  };
}
