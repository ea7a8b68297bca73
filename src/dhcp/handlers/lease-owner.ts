/**
 * Whose lease a RELEASE or DECLINE speaks for. RFC 2131 §4.2: "If the client supplies a 'client
 * identifier', the client MUST use the same 'client identifier' in all subsequent messages, and the server
 * MUST use that identifier to identify the client." Leases are keyed by MAC (client-key.ts), so:
 *   - the lease this client holds at the address, unless the message carries a client-id other than the
 *     one the lease was given with: that is another client, and the owner's lease stays;
 *   - else the lease at the address given with the message's own client-id, from whatever MAC (a NIC
 *     swapped, or a MAC changed): the same client by §4.2.
 */
import { formatIpv4, type Ipv4 } from '../../net/ipv4.js';
import type { Mac } from '../../net/mac.js';
import type { LeaseDb } from '../lease-db.js';
import { clientInfo } from './client-info.js';
import type { Exchange } from './exchange.js';

export type Owner = { mac: Mac; via: 'mac' | 'client-id' } | { refused: string };

export function leaseOwner(ex: Exchange, db: LeaseDb, ip: Ipv4): Owner {
  const cid = clientInfo(ex.req).clientId;
  const own = db.byMac(ex.mac);
  if (own !== undefined && own.ip === ip && own.state !== 'declined') {
    if (cid !== undefined && own.clientId !== undefined && own.clientId !== cid) {
      return {
        refused: `${formatIpv4(ip)} was leased to client-id ${own.clientId}, and this message carries ${cid}: not the lease's client`,
      };
    }
    return { mac: ex.mac, via: 'mac' };
  }
  const holder = db.byIp(ip, ex.now);
  if (
    cid !== undefined &&
    holder !== undefined &&
    holder.clientId === cid &&
    (holder.state === 'bound' || holder.state === 'offered')
  ) {
    return { mac: holder.mac, via: 'client-id' };
  }
  return { refused: `${formatIpv4(ip)} is not held by this client` };
}
