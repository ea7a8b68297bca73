/**
 * The ranges `auto` resolved to, pinned in `<stateDir>/pinned.json` so that a VPN that comes up later
 * cannot move them (docs/architecture.md#the-network-it-builds). Parsing is pure and never throws;
 * reading and writing are
 * the only effects here.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCidr, parseIpv4 } from '../net/ipv4.js';
import { writeStateFile } from '../state-file.js';

export interface PinnedRanges {
  version: 1;
  wsl?: { subnet: string; gateway: string };
  /** By switch name. */
  switches: Record<string, { subnet: string; host: string }>;
}

export const PINNED_FILE = 'pinned.json';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownKeys(
  o: Record<string, unknown>,
  known: readonly string[],
  where: string,
): string | undefined {
  const extra = Object.keys(o).filter((k) => !known.includes(k));
  return extra.length > 0 ? `${where}: unknown key "${extra[0]!}"` : undefined;
}

/** A `{ subnet, <addressKey> }` entry with a network address and a plain IPv4 address. */
function entry(
  v: unknown,
  addressKey: 'gateway' | 'host',
  where: string,
): { subnet: string; address: string } | { error: string } {
  if (!isRecord(v)) return { error: `${where}: not an object` };
  const extra = unknownKeys(v, ['subnet', addressKey], where);
  if (extra) return { error: extra };
  const subnet = v.subnet;
  const address = v[addressKey];
  if (typeof subnet !== 'string') return { error: `${where}.subnet: not a string` };
  const c = parseCidr(subnet);
  if (!c.ok) return { error: `${where}.subnet: ${c.reason}` };
  if (typeof address !== 'string' || parseIpv4(address) === undefined) {
    return { error: `${where}.${addressKey}: not an IPv4 address` };
  }
  return { subnet, address };
}

export function parsePinned(text: string): PinnedRanges | { error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { error: `not JSON: ${(e as Error).message}` };
  }
  if (!isRecord(data)) return { error: 'not a JSON object' };
  const extra = unknownKeys(data, ['version', 'wsl', 'switches'], 'pinned');
  if (extra) return { error: extra };
  if (data.version !== 1) return { error: `version ${JSON.stringify(data.version)} is not 1` };
  if (!isRecord(data.switches)) return { error: 'switches: not an object' };
  const out: PinnedRanges = { version: 1, switches: {} };
  if (data.wsl !== undefined) {
    const w = entry(data.wsl, 'gateway', 'wsl');
    if ('error' in w) return w;
    out.wsl = { subnet: w.subnet, gateway: w.address };
  }
  for (const [name, v] of Object.entries(data.switches)) {
    if (name === '__proto__') return { error: 'switches: "__proto__" is not a switch name' };
    const s = entry(v, 'host', `switches[${JSON.stringify(name)}]`);
    if ('error' in s) return s;
    out.switches[name] = { subnet: s.subnet, host: s.address };
  }
  return out;
}

export function serializePinned(p: PinnedRanges): string {
  const ordered: PinnedRanges = { version: 1, ...(p.wsl ? { wsl: p.wsl } : {}), switches: p.switches };
  return JSON.stringify(ordered, null, 2) + '\n';
}

/**
 * undefined when nothing is pinned yet (no file); `{ error }` when the file is not a valid pinned file.
 * Other I/O failures (permissions) throw.
 */
export async function readPinned(stateDir: string): Promise<PinnedRanges | { error: string } | undefined> {
  const path = join(stateDir, PINNED_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const p = parsePinned(text);
  return 'error' in p ? { error: `${path}: ${p.error}` } : p;
}

/** Atomic: a crash leaves the old file or the new one (state-file.ts). */
export async function writePinned(stateDir: string, p: PinnedRanges): Promise<void> {
  await writeStateFile(stateDir, PINNED_FILE, serializePinned(p));
}
