/**
 * `switchyard guest netplan|networkd|nm|ifupdown --name NAME`: the static guest network configuration for
 * an existing reservation, for boxes that must not use DHCP.
 */
import { resolveSwitchScope } from './switch-scope.js';
import { readFile } from 'node:fs/promises';
import { GUEST_KINDS, guestConfig, guestPath, type GuestKind } from '../artifacts/guest.js';
import { parseConfig } from '../config/load.js';
import type { SwitchConfig } from '../config/schema.js';
import type { Scope } from '../dhcp/scope.js';
import { EnvironmentError, UsageError } from '../errors.js';
import { chooseStateDir } from '../daemon/state-dir.js';

export interface GuestFlags {
  config: string;
  /** Where the pinned ranges are (for `subnet: auto`); default: the config's stateDir, else the platform's. */
  stateDir?: string;
  /** ifupdown only: the guest's interface name. */
  iface?: string;
}

/** The switch's scope: `subnet: auto` is the pinned range, else the address on its interface, as `reserve` does. */
export async function switchScope(
  sw: SwitchConfig,
  stateDir: string,
  platform = process.platform,
): Promise<Scope> {
  const r = await resolveSwitchScope(sw, platform, stateDir);
  if (!r.ok) throw new EnvironmentError(r.reason);
  return r.scope;
}

export async function guestCommand(kind: string, name: string, flags: GuestFlags): Promise<string> {
  if (!(GUEST_KINDS as readonly string[]).includes(kind))
    throw new UsageError(`unknown guest config "${kind}" (one of ${GUEST_KINDS.join(', ')})`);
  const text = await readFile(flags.config, 'utf8').catch(() => {
    throw new UsageError(`cannot read ${flags.config}`);
  });
  const config = parseConfig(text, flags.config);
  for (const sw of config.switches) {
    const r = sw.dhcp.reservations.find((x) => x.name.toLowerCase() === name.toLowerCase());
    if (!r) continue;
    const scope = await switchScope(sw, chooseStateDir(flags.stateDir, config.stateDir));
    const k = kind as GuestKind;
    const where = guestPath(k, r.name);
    const body = guestConfig(k, {
      name: r.name,
      mac: r.mac,
      ip: r.ip,
      scope,
      ...(flags.iface !== undefined ? { iface: flags.iface } : {}),
    });
    return `# install as ${where.path} (mode ${where.mode.toString(8)})\n${body}`;
  }
  throw new UsageError(`no reservation named "${name}" (create it with \`switchyard reserve ${name}\`)`);
}
