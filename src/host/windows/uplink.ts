/**
 * The Windows side of `mtu: auto`: the fields the observation script already returns (Get-NetIPInterface
 * NlMtu and ConnectionState, Get-NetIPAddress, Get-NetRoute NextHop) as the pure uplinkMtu wants them.
 * Windows does not say which adapters are point-to-point; a VPN adapter still counts through its default
 * route, a gateway route, or an on-link route outside its own subnet (AnyConnect-style `172.16.0.0/12`).
 */
import { asIpv4, maskOf } from '../../net/ipv4.js';
import type { UplinkLink, UplinkRoute } from '../../net/uplink-mtu.js';
import { WSL_ADAPTER_NAME } from './observation-query.js';
import { type ObservedWindows } from './observation-types.js';

/** "Loopback Pseudo-Interface 1": its NlMtu is 4294967295. */
const LOOPBACK_ALIAS = /^Loopback Pseudo-Interface/i;

export function windowsUplink(w: ObservedWindows): { links: UplinkLink[]; routes: UplinkRoute[] } {
  const addresses = w.addresses ?? [];
  // WSL's adapter is never an uplink, whichever of its names it has now.
  const links = (w.interfaces ?? []).flatMap((i): UplinkLink[] =>
    i.mtu === null || WSL_ADAPTER_NAME.test(i.alias)
      ? []
      : [
          {
            name: i.alias,
            mtu: i.mtu,
            up: i.connected !== false,
            loopback: LOOPBACK_ALIAS.test(i.alias),
            pointToPoint: false,
            subnets: addresses
              .filter((a) => a.interfaceAlias === i.alias)
              .map((a) => ({
                network: asIpv4((a.address & maskOf(a.prefixLength)) >>> 0),
                prefix: a.prefixLength,
              })),
          },
        ],
  );
  const routes = (w.routes ?? []).map((r): UplinkRoute => ({
    dest: r.destination,
    iface: r.interfaceAlias,
    viaGateway: !r.onLink,
  }));
  return { links, routes };
}
