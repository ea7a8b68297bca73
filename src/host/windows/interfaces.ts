/**
 * Interface inspection for `serve` on Windows, from Node's own view of the adapters (keyed by alias, e.g.
 * "vEthernet (switchyard)"). Node cannot tell whether an address came from DHCP; the Windows backend's
 * observation (Get-NetIPAddress PrefixOrigin) is where that check belongs — until then `dynamic` is false.
 */
import { networkInterfaces } from 'node:os';
import type { InterfaceInfo } from '../interface-info.js';

export function inspectWindowsInterface(
  name: string,
  table: ReturnType<typeof networkInterfaces> = networkInterfaces(),
): Promise<InterfaceInfo> {
  const entries = table[name];
  if (!entries) return Promise.resolve({ name, exists: false, up: false, addresses: [] });
  const addresses = entries
    .filter((e) => e.family === 'IPv4')
    .map((e) => ({ address: e.address, prefix: Number(e.cidr?.split('/')[1] ?? 32), dynamic: false }));
  return Promise.resolve({ name, exists: true, up: true, addresses });
}
