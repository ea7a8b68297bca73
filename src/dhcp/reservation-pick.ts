/**
 * Choosing what `switchyard reserve NAME` was not told: an address outside the dynamic pool, and a MAC in
 * Hyper-V's own OUI (00:15:5D), both unused on the switch. Pure and deterministic: the MAC is derived from
 * the switch and reservation names, so the same reservation made again (another laptop, a rebuilt config)
 * gets the same MAC, and only a collision moves it on.
 */
import { createHash } from 'node:crypto';
import { asIpv4, type Ipv4 } from '../net/ipv4.js';
import { HYPERV_OUI, mac as toMac, type Mac } from '../net/mac.js';
import type { Reservation, Scope } from './scope.js';

export interface InUse {
  macs: ReadonlySet<string>;
  ips: ReadonlySet<number>;
}

/** The lowest free address above the host address that is outside the pool, reserved by no one and leased to no one. */
export function pickReservationIp(
  scope: Scope,
  reservations: readonly Reservation[],
  inUse: InUse,
): Ipv4 | undefined {
  const taken = new Set<number>([...inUse.ips, ...reservations.map((r) => r.ip), scope.host]);
  const first = scope.subnet.network + 1;
  const last = scope.broadcast - 1;
  for (let ip = first; ip <= last; ip++) {
    if (ip >= scope.pool.start && ip <= scope.pool.end) {
      ip = scope.pool.end; // skip the pool in one step
      continue;
    }
    if (!taken.has(ip)) return asIpv4(ip);
  }
  return undefined;
}

/** 00:15:5d + three bytes of SHA-256(switch/name); on a collision, the next value. */
export function pickReservationMac(switchName: string, name: string, taken: ReadonlySet<string>): Mac {
  const h = createHash('sha256').update(`${switchName}/${name.toLowerCase()}`).digest();
  let n = h.readUIntBE(0, 3);
  for (let i = 0; i < 0x1000000; i++, n = (n + 1) & 0xffffff) {
    const m = toMac(`${HYPERV_OUI}:${hex(n >>> 16)}:${hex((n >>> 8) & 255)}:${hex(n & 255)}`);
    if (!taken.has(m)) return m;
  }
  throw new Error('no free MAC in 00:15:5d');
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
