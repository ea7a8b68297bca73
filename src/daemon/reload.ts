/**
 * Live reload: the daemon re-reads its config file and applies what can change without a restart —
 * reservations — and says what would need one. A config that no longer loads changes nothing.
 */
import type { Config } from '../config/schema.js';
import type { LeaseDb } from '../dhcp/lease-db.js';
import { resolveScope, type Reservation, type Scope } from '../dhcp/scope.js';
import { formatIpv4 } from '../net/ipv4.js';

export interface ReloadResult {
  applied: string[];
  restartNeeded: string[];
}

function key(r: Reservation): string {
  const options = (r.options ?? []).map((o) => `${o.code}=${Buffer.from(o.data).toString('hex')}`);
  return `${r.name}|${r.mac}|${r.ip}|${options.join(',')}`;
}

/** Settings other than reservations, for "does this need a restart?" */
function fingerprint(s: Scope): string {
  // An `mtu: auto` scope's mtu is what the daemon's MTU watch found, not config.
  return JSON.stringify({ ...s, reservations: undefined, mtu: s.mtuAuto ? 'auto' : s.mtu });
}

export function applyReload(
  next: Config,
  scopes: Scope[],
  dbs: LeaseDb[],
  platform: NodeJS.Platform,
): ReloadResult {
  const applied: string[] = [];
  const restartNeeded: string[] = [];
  scopes.forEach((scope, i) => {
    const sw = next.switches.find((s) => s.name === scope.switchName);
    if (!sw || !sw.dhcp.enabled) {
      restartNeeded.push(`switch "${scope.switchName}" was removed or its DHCP disabled`);
      return;
    }
    const r = resolveScope(sw, { address: scope.host, prefix: scope.subnet.prefix }, platform);
    if (!r.ok) {
      restartNeeded.push(r.reason);
      return;
    }
    const before = new Set(scope.reservations.map(key));
    const after = new Set(r.scope.reservations.map(key));
    const added = r.scope.reservations.filter((x) => !before.has(key(x)));
    const removed = scope.reservations.filter((x) => !after.has(key(x)));
    if (added.length > 0 || removed.length > 0) {
      dbs[i]!.setReservations(r.scope.reservations);
      scope.reservations = r.scope.reservations;
      const fmt = (x: Reservation): string => `${x.name} (${x.mac} → ${formatIpv4(x.ip)})`;
      applied.push(
        `switch "${scope.switchName}": reservations ${[...added.map((x) => `+${fmt(x)}`), ...removed.map((x) => `-${fmt(x)}`)].join(', ')}`,
      );
    }
    if (fingerprint(r.scope) !== fingerprint(scope)) {
      restartNeeded.push(`switch "${scope.switchName}": settings other than reservations changed`);
    }
  });
  for (const sw of next.switches) {
    if (sw.dhcp.enabled && !scopes.some((s) => s.switchName === sw.name)) {
      restartNeeded.push(`switch "${sw.name}" is new`);
    }
  }
  return { applied, restartNeeded };
}
