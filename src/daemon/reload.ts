/**
 * Live reload: the daemon re-reads its config file and applies what can change without a restart —
 * reservations — and names each change that needs one (serve logs those at warn). A config that no longer
 * loads changes nothing.
 */
import type { Config } from '../config/schema.js';
import { resolveScope, type Reservation, type Scope } from '../dhcp/scope.js';
import type { ScopeCell } from '../dhcp/scope-cell.js';
import { formatIpv4 } from '../net/ipv4.js';

export interface ReloadResult {
  applied: string[];
  restartNeeded: string[];
}

function key(r: Reservation): string {
  const options = (r.options ?? []).map((o) => `${o.code}=${Buffer.from(o.data).toString('hex')}`);
  return `${r.name}|${r.mac}|${r.ip}|${options.join(',')}`;
}

/** Scope fields named otherwise in the config, by the config's name (the restart message names that). */
const CONFIG_KEY: Readonly<Record<string, string>> = { leaseMs: 'leaseTime' };

/** The scope settings other than reservations, each as text, for "which ones need a restart?" */
function settings(s: Scope): Map<string, string> {
  // An `mtu: auto` scope's mtu is what the daemon's MTU watch found, not config.
  const view: Record<string, unknown> = { ...s, mtu: s.mtuAuto ? 'auto' : s.mtu };
  delete view.reservations;
  return new Map(Object.entries(view).map(([k, v]) => [CONFIG_KEY[k] ?? k, JSON.stringify(v)]));
}

/** The keys whose values differ between two scopes (reservations aside). */
function changedSettings(a: Scope, b: Scope): string[] {
  const x = settings(a);
  const y = settings(b);
  return [...new Set([...x.keys(), ...y.keys()])].filter((k) => x.get(k) !== y.get(k));
}

/** Config outside the DHCP scopes that the running daemon took at start (DNS, the WSL range, forwarding). */
function changedElsewhere(prev: Config, next: Config): string[] {
  const out: string[] = [];
  for (const key of ['wsl', 'forwarding', 'avoid', 'stateDir'] as const) {
    if (JSON.stringify(prev[key]) !== JSON.stringify(next[key])) out.push(`${key}: changed`);
  }
  for (const sw of next.switches) {
    const old = prev.switches.find((s) => s.name === sw.name);
    if (!old) continue;
    for (const key of ['dns', 'nat', 'interface'] as const) {
      if (JSON.stringify(old[key]) !== JSON.stringify(sw[key]))
        out.push(`switch "${sw.name}": ${key} changed`);
    }
  }
  return out;
}

/** Applies what can change live by setting a new scope on each switch's cell (scope-cell.ts). */
export function applyReload(
  next: Config,
  cells: readonly ScopeCell[],
  platform: NodeJS.Platform,
  /** The config the daemon runs with, to name the changes outside the scopes that need a restart. */
  prev?: Config,
): ReloadResult {
  const applied: string[] = [];
  const restartNeeded: string[] = [];
  for (const cell of cells) {
    const scope = cell.scope;
    const sw = next.switches.find((s) => s.name === scope.switchName);
    if (!sw || !sw.dhcp.enabled) {
      restartNeeded.push(`switch "${scope.switchName}" was removed or its DHCP disabled`);
      continue;
    }
    const r = resolveScope(sw, { address: scope.host, prefix: scope.subnet.prefix }, platform);
    if (!r.ok) {
      restartNeeded.push(r.reason);
      continue;
    }
    const before = new Set(scope.reservations.map(key));
    const after = new Set(r.scope.reservations.map(key));
    const added = r.scope.reservations.filter((x) => !before.has(key(x)));
    const removed = scope.reservations.filter((x) => !after.has(key(x)));
    if (added.length > 0 || removed.length > 0) {
      cell.set({ ...scope, reservations: r.scope.reservations });
      const fmt = (x: Reservation): string => `${x.name} (${x.mac} → ${formatIpv4(x.ip)})`;
      applied.push(
        `switch "${scope.switchName}": reservations ${[...added.map((x) => `+${fmt(x)}`), ...removed.map((x) => `-${fmt(x)}`)].join(', ')}`,
      );
    }
    const changed = changedSettings(r.scope, scope);
    if (changed.length > 0) restartNeeded.push(`switch "${scope.switchName}": ${changed.join(', ')} changed`);
  }
  for (const sw of next.switches) {
    if (sw.dhcp.enabled && !cells.some((c) => c.scope.switchName === sw.name)) {
      restartNeeded.push(`switch "${sw.name}" is new`);
    }
  }
  if (prev !== undefined) restartNeeded.push(...changedElsewhere(prev, next));
  return { applied, restartNeeded };
}
