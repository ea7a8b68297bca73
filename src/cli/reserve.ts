/**
 * `switchyard reserve NAME [--mac M] [--ip A]` and `switchyard unreserve NAME`: edit the config file in place
 * (comments and layout kept), then have a running daemon apply the change at once.
 */
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import type { Clock } from '../clock.js';
import { addReservation, removeReservation } from '../config/edit.js';
import { parseConfig } from '../config/load.js';
import type { Config, SwitchConfig } from '../config/schema.js';
import { callDaemon } from '../daemon/control/client.js';
import { controlPath } from '../daemon/control/path.js';
import type { LeaseRow } from '../dhcp/lease-rows.js';
import { pickReservationIp, pickReservationMac } from '../dhcp/reservation-pick.js';
import type { Scope } from '../dhcp/scope.js';
import { userCommand } from './user-flags.js';
import { EnvironmentError, InternalError, UsageError } from '../errors.js';
import { broadcastOf, contains, formatCidr, formatIpv4, parseIpv4, type Ipv4 } from '../net/ipv4.js';
import { parseMac } from '../net/mac.js';
import { readLeases } from './leases.js';
import { resolveSwitchScope } from './switch-scope.js';
import { toRows } from '../dhcp/lease-rows.js';
import { sanitizeHostname } from '../dns/names.js';

export interface ReserveFlags {
  config: string;
  stateDir: string;
  mac?: string;
  ip?: string;
  switch?: string;
}

/** Writes beside the file and renames over it, keeping its mode: a crash never leaves half a config. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const mode = (await stat(path)).mode & 0o777;
  const tmp = `${path}.switchyard-tmp`;
  await writeFile(tmp, text, { mode });
  await rename(tmp, path);
}

async function currentLeases(stateDir: string, clock: Clock): Promise<LeaseRow[]> {
  const live = await callDaemon(controlPath(stateDir), 'leases');
  if (live.running && live.ok) return live.result as LeaseRow[];
  return toRows((await readLeases(stateDir)).leases, clock.now());
}

async function scopeOf(sw: SwitchConfig, stateDir: string): Promise<Scope | undefined> {
  const r = await resolveSwitchScope(sw, process.platform, stateDir);
  return r.ok ? r.scope : undefined;
}

async function tellDaemon(stateDir: string, config?: string): Promise<string> {
  const r = await callDaemon(controlPath(stateDir), 'reload', {}, { timeoutMs: 10_000 });
  if (!r.running)
    return `no daemon is running: it takes effect when \`${userCommand('serve', { config, stateDir })}\` starts`;
  if (!r.ok)
    throw new EnvironmentError(
      `the config was written, but the running daemon refused to reload it: ${r.error}`,
    );
  const res = r.result as { applied?: string[]; restartNeeded?: string[] };
  const lines = ['the running daemon applied it'];
  for (const x of res.restartNeeded ?? []) lines.push(`note: needs a restart of the daemon: ${x}`);
  return lines.join('\n');
}

function switchFor(config: Config, name: string | undefined): SwitchConfig {
  if (name !== undefined) {
    const sw = config.switches.find((s) => s.name === name);
    if (!sw) throw new UsageError(`no switch named "${name}"`);
    return sw;
  }
  if (config.switches.length !== 1)
    throw new UsageError('the config has several switches: say which with --switch');
  return config.switches[0]!;
}

export async function reserveCommand(name: string, flags: ReserveFlags, clock: Clock): Promise<string> {
  const text = await readFile(flags.config, 'utf8').catch(() => {
    throw new UsageError(`cannot read ${flags.config}`);
  });
  const config = parseConfig(text, flags.config);
  const sw = switchFor(config, flags.switch);
  const all = config.switches.flatMap((s) => s.dhcp.reservations);
  if (!/^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/.test(name))
    throw new UsageError(`"${name}" is not a DNS label (letters, digits, -)`);
  if (all.some((r) => r.name.toLowerCase() === name.toLowerCase())) {
    throw new UsageError(`a reservation named "${name}" exists already (unreserve it first)`);
  }
  const leases = await currentLeases(flags.stateDir, clock);
  const active = leases.filter((l) => l.state === 'bound');
  const scope = await scopeOf(sw, flags.stateDir);
  const holding =
    flags.mac === undefined && flags.ip === undefined ? leaseNamed(active, sw.name, name) : undefined;

  let mac = flags.mac !== undefined ? parseMac(flags.mac) : holding && parseMac(holding.mac);
  if (flags.mac !== undefined && mac === undefined)
    throw new UsageError(`--mac ${flags.mac}: not a MAC address`);
  const reservedMacs = new Set(all.map((r) => r.mac));
  if (mac && reservedMacs.has(mac))
    throw new UsageError(
      flags.mac !== undefined
        ? `--mac ${flags.mac}: already reserved`
        : `${mac}, the client with a lease as "${name}", has a reservation under another name already`,
    );
  mac ??= pickReservationMac(sw.name, name, new Set([...reservedMacs, ...leases.map((l) => l.mac)]));

  const held = holding && parseIpv4(holding.ip);
  let ip: Ipv4 | undefined;
  if (flags.ip !== undefined) {
    ip = parseIpv4(flags.ip);
    if (ip === undefined) throw new UsageError(`--ip ${flags.ip}: not an IPv4 address`);
    if (all.some((r) => r.ip === ip)) throw new UsageError(`--ip ${flags.ip}: already reserved`);
    if (
      scope &&
      (!contains(scope.subnet, ip) ||
        ip === scope.host ||
        ip === scope.subnet.network ||
        ip === broadcastOf(scope.subnet))
    ) {
      throw new UsageError(
        `--ip ${flags.ip}: not a usable address of ${formatCidr(scope.subnet)} (host ${formatIpv4(scope.host)})`,
      );
    }
  } else if (held !== undefined && !all.some((r) => r.ip === held)) {
    // The client already known by this name keeps its address: it is now reserved for it.
    ip = held;
  } else {
    if (!scope) {
      throw new EnvironmentError(
        `switch "${sw.name}" has subnet: auto and no address yet: pass --ip, or run \`${userCommand('apply', { config: flags.config, stateDir: flags.stateDir })}\` first`,
      );
    }
    ip = pickReservationIp(scope, scope.reservations, {
      macs: new Set(active.map((l) => l.mac)),
      ips: new Set(active.map((l) => parseIpv4(l.ip)!)),
    });
    if (ip === undefined) throw new EnvironmentError(`switch "${sw.name}": no free address outside the pool`);
  }
  const holder = active.find((l) => l.ip === formatIpv4(ip) && l.mac !== mac);

  const next = addReservation(text, { name, mac, ip: formatIpv4(ip) }, flags.switch);
  const check = parseConfig(next, flags.config);
  if (!check.switches.some((s) => s.dhcp.reservations.some((r) => r.name === name))) {
    throw new InternalError('the edited config lost the new reservation');
  }
  await writeAtomically(flags.config, next);
  const lines = [
    `reserved ${name}: ${mac} → ${formatIpv4(ip)} on switch "${sw.name}" (written to ${flags.config})`,
  ];
  if (holding)
    lines.push(`(the client that holds a lease as "${name}": its MAC and address are reserved for it)`);
  if (holder)
    lines.push(
      `note: ${holder.mac} holds ${holder.ip} now; it is NAKed at its next request and moves elsewhere`,
    );
  lines.push(await tellDaemon(flags.stateDir, flags.config));
  return lines.join('\n') + '\n';
}

export async function unreserveCommand(
  name: string,
  flags: { config: string; stateDir: string },
): Promise<string> {
  const text = await readFile(flags.config, 'utf8').catch(() => {
    throw new UsageError(`cannot read ${flags.config}`);
  });
  parseConfig(text, flags.config);
  const next = removeReservation(text, name);
  parseConfig(next, flags.config);
  await writeAtomically(flags.config, next);
  return `removed reservation ${name} from ${flags.config}\n${await tellDaemon(flags.stateDir, flags.config)}\n`;
}

/**
 * The one bound lease on the switch whose client calls itself NAME (its hostname, as DNS publishes it), so
 * that `reserve NAME` pins that client instead of inventing a MAC and taking the name away from it. Two
 * such clients: the user says which.
 */
function leaseNamed(active: readonly LeaseRow[], switchName: string, name: string): LeaseRow | undefined {
  const want = name.toLowerCase();
  const named = active.filter(
    (l) => l.switch === switchName && l.hostname !== null && sanitizeHostname(l.hostname) === want,
  );
  if (named.length > 1)
    throw new UsageError(
      `${named.length} clients hold leases as "${name}" (${named.map((l) => `${l.mac} at ${l.ip}`).join(', ')}): say which with --mac`,
    );
  return named[0];
}
