/**
 * `switchyard vagrant NAME... [--init]`: reserve a MAC + IP per box (through `reserve`) and print the
 * Vagrantfile lines that put it on the switch; `--init` writes a complete ./Vagrantfile instead.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Clock } from '../clock.js';
import { parseConfig } from '../config/load.js';
import {
  KVP_NOTE,
  NEXT_STEPS,
  indentHeredoc,
  rubyString,
  staticProvisioner,
  vagrantfile,
  vagrantfileLines,
  type VagrantMachine,
} from '../artifacts/vagrantfile.js';
import { GUEST_KINDS, guestConfig, guestPath, type GuestKind } from '../artifacts/guest.js';
import { UsageError } from '../errors.js';
import { formatIpv4, type Ipv4 } from '../net/ipv4.js';
import type { Mac } from '../net/mac.js';
import { switchScope } from './guest.js';
import { reserveCommand, type ReserveFlags } from './reserve.js';

export const DEFAULT_BOX = 'generic/ubuntu2204';

export interface VagrantFlags extends ReserveFlags {
  box?: string;
  /** Write a complete Vagrantfile (refuses to overwrite one). */
  init?: boolean;
  /** Where --init writes the Vagrantfile (default: the current directory). */
  dir?: string;
  /**
   * Also install a static guest network config (netplan or systemd-networkd) for the reserved address,
   * through a provisioner that runs on every `up`: for boxes that must not use DHCP.
   */
  static?: string;
}

/** The same four kinds as `switchyard guest`. */
const STATIC_KINDS = GUEST_KINDS;
type StaticKind = GuestKind;

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readReservations(
  path: string,
): Promise<Map<string, { mac: Mac; ip: Ipv4; switchName: string }>> {
  const config = parseConfig(await readFile(path, 'utf8'), path);
  const out = new Map<string, { mac: Mac; ip: Ipv4; switchName: string }>();
  for (const sw of config.switches)
    for (const r of sw.dhcp.reservations)
      out.set(r.name.toLowerCase(), { mac: r.mac, ip: r.ip, switchName: sw.name });
  return out;
}

export async function vagrantCommand(
  names: string | readonly string[],
  flags: VagrantFlags,
  clock: Clock,
): Promise<string> {
  const list = typeof names === 'string' ? [names] : [...names];
  if (list.length === 0) throw new UsageError('name at least one box');
  if (new Set(list.map((n) => n.toLowerCase())).size !== list.length)
    throw new UsageError('a box is named twice');
  if (list.length > 1 && (flags.mac !== undefined || flags.ip !== undefined))
    throw new UsageError('--mac and --ip need a single box');
  const staticKind = flags.static;
  if (staticKind !== undefined && !(STATIC_KINDS as readonly string[]).includes(staticKind))
    throw new UsageError(`--static must be one of ${STATIC_KINDS.join(', ')} (got "${staticKind}")`);
  const target = resolve(flags.dir ?? '.', 'Vagrantfile');
  if (flags.init && (await exists(target)))
    throw new UsageError(`${target} exists already: not overwriting it (move it away, or drop --init)`);

  const box = flags.box ?? DEFAULT_BOX;
  const log: string[] = [];
  const before = await readReservations(flags.config).catch(() => {
    throw new UsageError(`cannot read ${flags.config}`);
  });
  for (const name of list) {
    const had = before.get(name.toLowerCase());
    if (had && flags.mac === undefined && flags.ip === undefined) {
      log.push(
        `using the existing reservation ${name}: ${had.mac} → ${formatIpv4(had.ip)} on switch "${had.switchName}"`,
      );
    } else {
      log.push((await reserveCommand(name, flags, clock)).trimEnd());
    }
  }
  const after = await readReservations(flags.config);
  const config =
    staticKind !== undefined ? parseConfig(await readFile(flags.config, 'utf8'), flags.config) : undefined;
  const machines: VagrantMachine[] = [];
  for (const name of list) {
    const r = after.get(name.toLowerCase())!;
    const m: VagrantMachine = { name, boxName: box, switchName: r.switchName, mac: r.mac };
    const sw = config?.switches.find((s) => s.name === r.switchName);
    if (staticKind !== undefined && sw !== undefined) {
      const kind = staticKind as StaticKind;
      const where = guestPath(kind, name);
      const content = guestConfig(kind, {
        name,
        mac: m.mac,
        ip: r.ip,
        scope: await switchScope(sw, flags.stateDir),
      });
      m.static = { kind, path: where.path, mode: where.mode, content };
    }
    machines.push(m);
  }

  if (flags.init) {
    await writeFile(target, vagrantfile({ machines }), { flag: 'wx' });
    log.push(`wrote ${target}`, ...NEXT_STEPS);
    return log.join('\n') + '\n';
  }
  log.push('', '# Vagrantfile lines (inside Vagrant.configure("2") do |config| ... end):', ...KVP_NOTE);
  for (const m of machines) {
    if (machines.length > 1) log.push(`config.vm.define ${rubyString(m.name)} do |node|`);
    const cfg = machines.length > 1 ? 'node' : 'config';
    const lines = [
      `${cfg}.vm.hostname = ${rubyString(m.name)}`,
      ...vagrantfileLines(m, cfg),
      ...(m.static ? staticProvisioner(m.static, cfg) : []),
    ];
    log.push(...(machines.length > 1 ? [...indentHeredoc(lines, '  '), 'end'] : lines));
  }
  log.push('', ...NEXT_STEPS.map((l) => `# ${l}`));
  return log.join('\n') + '\n';
}
