/**
 * The daemon host on Linux (host/daemon-port.ts): `ip -j` to look at interfaces and read the uplink, the
 * ifindex in /sys/class/net to tell a re-created interface apart, /proc/sys to keep forwarding on, and
 * resolvectl for the switches' per-link DNS. Every look is cheap, so the daemon polls.
 */
import { readFile } from 'node:fs/promises';
import type { DaemonHost, Identify } from '../daemon-port.js';
import type { Runner } from '../runner.js';
import { dnsLinkKeeperBackend } from './dns-link-keeper.js';
import { linuxKeeperBackend } from './forwarding.js';
import { execFileRunner, inspectInterface } from './interfaces.js';
import { readLinuxUplink } from './uplink.js';

/** /sys/class/net/<if>/ifindex (the kernel never reuses a live index for a new link). */
export const linuxIdentify: Identify = async (ifname) => {
  if (ifname.includes('/') || ifname === '.' || ifname === '..') return undefined;
  try {
    return (await readFile(`/sys/class/net/${ifname}/ifindex`, 'utf8')).trim();
  } catch {
    return undefined;
  }
};

export interface LinuxDaemonHostDeps {
  /** Runs ip and resolvectl (default: the real programs). */
  run?: Runner;
}

/**
 * `platform` other than linux (a BSD or macOS running the Linux backend's `ip` for a test): no /proc,
 * /sys or resolved, so only the interface and the uplink are looked at.
 */
export function linuxDaemonHost(
  deps: LinuxDaemonHostDeps = {},
  platform: NodeJS.Platform = 'linux',
): DaemonHost {
  const run = deps.run ?? execFileRunner;
  const host: DaemonHost = {
    platform,
    inspect: (name) => inspectInterface(name, run),
    switchesComeUpLate: false,
    readUplink: () => readLinuxUplink(run),
  };
  if (platform !== 'linux') return host;
  return {
    ...host,
    identify: linuxIdentify,
    forwarding: (interfaces) => linuxKeeperBackend(interfaces),
    dnsLinks: (links) => dnsLinkKeeperBackend(links, run),
  };
}
