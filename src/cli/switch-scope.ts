import type { SwitchConfig } from '../config/schema.js';
import { pickAddress } from '../daemon/serve.js';
import { resolveScope, type ScopeResult } from '../dhcp/scope.js';
import { inspectInterface } from '../host/linux/interfaces.js';
import { inspectWindowsInterface } from '../host/windows/interfaces.js';

/** A switch's concrete subnet, host and pool for the CLI: from the config, else from the address on its interface. */
export async function resolveSwitchScope(
  sw: SwitchConfig,
  platform: NodeJS.Platform = process.platform,
): Promise<ScopeResult> {
  let found;
  if (sw.subnet === 'auto') {
    const name = sw.interface ?? (platform === 'win32' ? `vEthernet (${sw.name})` : sw.name);
    const info = await (platform === 'win32' ? inspectWindowsInterface(name) : inspectInterface(name)).catch(
      () => undefined,
    );
    found = info ? pickAddress(sw, info) : undefined;
  }
  return resolveScope(sw, found, platform);
}
