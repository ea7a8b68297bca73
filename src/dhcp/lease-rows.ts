/** The lease table as users and scripts see it (`switchyard leases`, the control channel). */
import { formatIpv4 } from '../net/ipv4.js';
import type { StoredLease } from './lease-store.js';

/** `leases --json` rows (docs/dhcp.md#leases-on-disk): `{ mac, ip, hostname, clientId, expiresAt, state }`. */
export interface LeaseRow {
  mac: string;
  ip: string;
  hostname: string | null;
  clientId: string | null;
  expiresAt: string;
  state: string;
  switch: string;
}

export function toRows(leases: readonly StoredLease[], now: number): LeaseRow[] {
  return leases
    .filter((l) => l.state !== 'offered')
    .map((l) => ({
      mac: l.mac,
      ip: formatIpv4(l.ip),
      hostname: l.hostname ?? null,
      clientId: l.clientId ?? null,
      expiresAt: new Date(l.expiresAt).toISOString(),
      state: l.state === 'bound' && l.expiresAt <= now ? 'expired' : l.state,
      switch: l.switchName,
    }))
    .sort((a, b) => a.switch.localeCompare(b.switch) || ipOrder(a.ip) - ipOrder(b.ip));
}

function ipOrder(ip: string): number {
  return ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}
