/**
 * Who a request is from, as the lease table keys it. RFC 2131 §4.2: "If the client supplies a 'client
 * identifier', the client MUST use the same 'client identifier' in all subsequent messages, and the server
 * MUST use that identifier to identify the client. If the client does not provide a 'client identifier'
 * option, the server MUST use the contents of the 'chaddr' field to identify the client."
 *
 * By default switchyard keys by MAC anyway (as Kea's `match-client-id: false` does), because cloned Vagrant
 * images send one client-id from different MACs and must still get different addresses
 * (docs/dhcp.md#who-a-client-is-option-61).
 * Two cases use the client-id:
 *   - `chaddr` all zeros (nothing to key by; all such clients would share one lease): the client-id;
 *   - `dhcp.matchClientId: true`: the client-id whenever the client sends one — except for a client whose
 *     MAC has a reservation (reservations are by MAC), and a client-id that is just hardware type 1 and
 *     the MAC (the same client either way).
 * A client-id key is a MAC-shaped value derived from the client-id: 6 bytes of its SHA-256 with the group
 * bit set, which no interface sends as its own address, so it never equals a real chaddr.
 */
import { createHash } from 'node:crypto';
import { macFromBytes, type Mac } from '../net/mac.js';
import { Opt, type DhcpMessage } from './message.js';
import type { LeaseDb } from './lease-db.js';
import type { Scope } from './scope.js';

/** The lease table's key for a client-id (see the header). */
export function clientIdKey(cid: Uint8Array): Mac {
  const h = createHash('sha256').update(cid).digest();
  h[0] = (h[0]! & 0xfc) | 0x03; // group + locally administered: never a NIC's own address
  return macFromBytes(h, 0);
}

/** Whether the six chaddr bytes are all zero. */
export function zeroChaddr(req: DhcpMessage): boolean {
  for (let i = 0; i < 6; i++) if (req.chaddr[i] !== 0) return false;
  return true;
}

/** Whether `cid` is hardware type 1 followed by the chaddr's six bytes. */
function isHardwareId(cid: Uint8Array, req: DhcpMessage): boolean {
  if (cid.length !== 7 || cid[0] !== 1) return false;
  for (let i = 0; i < 6; i++) if (cid[i + 1] !== req.chaddr[i]) return false;
  return true;
}

/** The key of the client that sent `req` (the chaddr MAC, or a client-id key as the header says). */
export function clientKey(req: DhcpMessage, scope: Scope, db: LeaseDb): Mac {
  const hw = macFromBytes(req.chaddr, 0);
  const cid = req.options.get(Opt.CLIENT_ID);
  if (cid === undefined || cid.length === 0) return hw;
  if (zeroChaddr(req)) return clientIdKey(cid);
  if (!scope.matchClientId || isHardwareId(cid, req) || db.reservationOf(hw) !== undefined) return hw;
  return clientIdKey(cid);
}
