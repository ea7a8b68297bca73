import type { SwitchConfig } from '../config/schema.js';
import { switchInterface } from '../config/switch-interface.js';
import { pickAddress } from '../daemon/serve.js';
import { resolveScope, type InterfaceAddress, type ScopeResult } from '../dhcp/scope.js';
import { daemonHostFor } from '../host/daemon-host.js';
import { readPinned } from '../model/pinned.js';
import { parseCidr, parseIpv4 } from '../net/ipv4.js';

/**
 * A switch's concrete subnet, host and pool for the CLI: from the config; for `subnet: auto`, from the range
 * pinned in the state directory (what `apply` made it; no live interface needed), else from the address on
 * its interface.
 */
export async function resolveSwitchScope(
  sw: SwitchConfig,
  platform: NodeJS.Platform = process.platform,
  stateDir?: string,
): Promise<ScopeResult> {
  let found: InterfaceAddress | undefined;
  if (sw.subnet === 'auto' && stateDir !== undefined) found = await pinnedAddress(sw, stateDir);
  if (sw.subnet === 'auto' && found === undefined) {
    const name = switchInterface(sw, platform);
    const info = await daemonHostFor(platform)
      .inspect(name)
      .catch(() => undefined);
    found = info ? pickAddress(sw, info) : undefined;
  }
  return resolveScope(sw, found, platform);
}

async function pinnedAddress(sw: SwitchConfig, stateDir: string): Promise<InterfaceAddress | undefined> {
  const pinned = await readPinned(stateDir).catch(() => undefined);
  const p = pinned && !('error' in pinned) ? pinned.switches[sw.name] : undefined;
  if (p === undefined) return undefined;
  const subnet = parseCidr(p.subnet);
  const host = sw.host !== 'auto' ? sw.host : parseIpv4(p.host);
  return subnet.ok && host !== undefined ? { address: host, prefix: subnet.cidr.prefix } : undefined;
}
