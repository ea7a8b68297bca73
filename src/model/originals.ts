/**
 * What switchyard overwrote, as it was before the first overwrite, so that `switchyard uninstall` can put
 * it back: the WSL range in HKLM Lxss, the distro address in HKCU Lxss, per-interface forwarding, the
 * user's .wslconfig, and the Hyper-V firewall's inbound default for WSL. Objects switchyard creates (switch,
 * NAT, firewall rules, boot task) are not here: they carry its mark and are simply removed.
 *
 * Kept in <stateDir>/originals.json. An entry, once saved, is never replaced: a second apply (or the boot
 * task re-pinning the range) sees switchyard's own values, which are not the originals. `null` = the value
 * did not exist (JSON has no undefined); restoring it means deleting the value.
 *
 * Hook for a resource kind that overwrites a value it did not create: add a field here, record it in
 * `originalsFor` from the op that overwrites it, and plan its restoration in resources/restore.ts.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeStateFile } from '../state-file.js';
import type { Plan } from './change.js';
import type { ObservedHost, ObservedHyperVFirewall } from './observed.js';

export type InboundAction = Exclude<ObservedHyperVFirewall['defaultInboundAction'], 'unknown'>;

export interface Originals {
  version: 1;
  /** HKLM Lxss NatNetwork / NatGatewayIpAddress. */
  wslRange?: { natNetwork: string | null; natGateway: string | null };
  /** HKCU Lxss NatIpAddress (cleared by switchyard when outside the pinned range). */
  wslUserIp?: string | null;
  /** Interface alias → forwarding was on. */
  forwarding?: Record<string, boolean>;
  /** %USERPROFILE%\.wslconfig text; null = there was no file. */
  wslconfig?: string | null;
  /** WSL's Hyper-V firewall DefaultInboundAction. */
  hyperVInbound?: InboundAction;
}

export const ORIGINALS_FILE = 'originals.json';

export function noOriginals(): Originals {
  return { version: 1 };
}

/**
 * `saved` plus what the plan is about to overwrite for the first time, as `observed` shows it now. Pure.
 * Values never seen (unobserved) are not recorded: there is nothing known to restore.
 */
export function originalsFor(plan: Plan, observed: ObservedHost, saved: Originals): Originals {
  const out: Originals = structuredClone(saved);
  const wsl = observed.wsl;
  for (const op of plan.changes.flatMap((c) => c.ops)) {
    switch (op.op) {
      case 'setWslNat':
        if (out.wslRange === undefined && wsl !== undefined)
          out.wslRange = { natNetwork: wsl.natNetwork ?? null, natGateway: wsl.natGateway ?? null };
        break;
      case 'clearWslUserIp':
        if (out.wslUserIp === undefined && wsl !== undefined) out.wslUserIp = wsl.userNatIp ?? null;
        break;
      case 'setForwarding': {
        const seen = observed.interfaces.find((i) => i.name === op.iface)?.forwarding;
        if (seen !== undefined && out.forwarding?.[op.iface] === undefined)
          out.forwarding = { ...out.forwarding, [op.iface]: seen };
        break;
      }
      case 'setWslConfig':
        if (out.wslconfig === undefined && wsl !== undefined) out.wslconfig = wsl.wslconfig ?? null;
        break;
      case 'setHyperVFirewallInbound': {
        const seen = wsl?.hyperVFirewall?.defaultInboundAction;
        if (out.hyperVInbound === undefined && seen !== undefined && seen !== 'unknown')
          out.hyperVInbound = seen;
        break;
      }
      default:
        break;
    }
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const INBOUND: readonly InboundAction[] = ['notConfigured', 'allow', 'allowBypass', 'block'];
const nullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';

export function parseOriginals(text: string): Originals | { error: string } {
  let d: unknown;
  try {
    d = JSON.parse(text);
  } catch (e) {
    return { error: `not JSON: ${(e as Error).message}` };
  }
  if (!isRecord(d) || d.version !== 1) return { error: 'not a version 1 originals object' };
  const out: Originals = { version: 1 };
  for (const [k, v] of Object.entries(d)) {
    if (k === 'version') continue;
    if (k === 'wslRange' && isRecord(v) && nullableString(v.natNetwork) && nullableString(v.natGateway))
      out.wslRange = { natNetwork: v.natNetwork, natGateway: v.natGateway };
    else if (k === 'wslUserIp' && nullableString(v)) out.wslUserIp = v;
    else if (k === 'wslconfig' && nullableString(v)) out.wslconfig = v;
    else if (k === 'hyperVInbound' && INBOUND.includes(v as InboundAction))
      out.hyperVInbound = v as InboundAction;
    else if (k === 'forwarding' && isRecord(v) && Object.values(v).every((x) => typeof x === 'boolean'))
      out.forwarding = Object.fromEntries(Object.entries(v as Record<string, boolean>));
    else return { error: `${k}: unknown key or bad value` };
  }
  return out;
}

/** noOriginals() when there is no file yet; throws (naming the file) on a file that does not parse. */
export async function readOriginals(stateDir: string): Promise<Originals> {
  const path = join(stateDir, ORIGINALS_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return noOriginals();
    throw e;
  }
  const o = parseOriginals(text);
  if ('error' in o) throw new Error(`${path}: ${o.error}`);
  return o;
}

/** Atomic, like pinned.json (state-file.ts). */
export async function writeOriginals(stateDir: string, o: Originals): Promise<void> {
  await writeStateFile(stateDir, ORIGINALS_FILE, JSON.stringify(o, null, 2) + '\n');
}

/** Reads, adds what `plan` will overwrite first, writes only when something new was recorded. */
export async function recordOriginals(stateDir: string, plan: Plan, observed: ObservedHost): Promise<void> {
  const saved = await readOriginals(stateDir);
  const next = originalsFor(plan, observed, saved);
  if (JSON.stringify(next) !== JSON.stringify(saved)) await writeOriginals(stateDir, next);
}

/** After a successful uninstall the record has been used up. */
export async function removeOriginals(stateDir: string): Promise<void> {
  await rm(join(stateDir, ORIGINALS_FILE), { force: true });
}
