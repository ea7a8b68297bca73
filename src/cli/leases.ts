/** `switchyard leases`: the lease table, from the running daemon or the journal in the state directory. */
import { readFile } from 'node:fs/promises';
import type { Clock } from '../clock.js';
import { formatDuration } from '../config/duration.js';
import type { Config } from '../config/schema.js';
import { journalPath, parseJournal } from '../dhcp/journal.js';
import type { StoredLease } from '../dhcp/lease-store.js';
import { toRows, type LeaseRow } from '../dhcp/lease-rows.js';
import { callDaemon } from '../daemon/control/client.js';
import { controlPath } from '../daemon/control/path.js';
import { buildNames } from '../dns/names.js';
import { asIpv4, formatIpv4, parseIpv4 } from '../net/ipv4.js';
import { parseMac, type Mac } from '../net/mac.js';

/** A row with what the config adds: the name DNS answers for the client, and whether it is reserved. */
export interface NamedRow extends LeaseRow {
  /** `web1.switchyard.internal`; null when DNS publishes no name for it (or no config was read). */
  dnsName: string | null;
  /** null when no config was read. */
  reserved: boolean | null;
}

/**
 * Client-supplied strings (hostname, option 12) may hold anything, escape sequences included, which a
 * terminal would obey. Control characters (C0, DEL, C1) and the bidirectional overrides (U+202A–E,
 * U+2066–9, which reorder what is shown) are written as \xNN / \u{NNNN}; so is the backslash itself.
 */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\\\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const n = c.codePointAt(0)!;
    if (c === '\\') return '\\\\';
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
  });
}

/** The DNS names as the daemon's resolver builds them (src/dns/names.ts) from these rows and the config. */
export function nameRows(rows: readonly LeaseRow[], config: Config | undefined, now: number): NamedRow[] {
  if (config === undefined) return rows.map((r) => ({ ...r, dnsName: null, reserved: null }));
  const everything = { network: asIpv4(0), prefix: 0 };
  const sources = config.switches.map((s) => ({
    domain: s.dns.domain,
    subnet: everything,
    reservations: s.dhcp.reservations.map((r) => ({ name: r.name, mac: r.mac, ip: r.ip })),
    leases: rows
      .filter((r) => r.switch === s.name && readable(r))
      .map((r) => ({
        mac: parseMac(r.mac)!,
        ip: parseIpv4(r.ip)!,
        state: r.state === 'bound' ? ('bound' as const) : ('expired' as const),
        expiresAt: Date.parse(r.expiresAt),
        clientId: r.clientId ?? undefined,
        hostname: r.hostname ?? undefined,
        updatedAt: 0,
      })),
  }));
  const book = buildNames(sources, now);
  const reservedBy = new Map<string, Set<Mac>>(
    config.switches.map((s) => [s.name, new Set(s.dhcp.reservations.map((r) => r.mac))]),
  );
  // A row the daemon sent without a readable MAC or address is shown as it came, with no name.
  return rows.map((r) => {
    const raw = r as unknown as { ip?: unknown; mac?: unknown };
    const ip = typeof raw.ip === 'string' ? parseIpv4(raw.ip) : undefined;
    const mac = typeof raw.mac === 'string' ? parseMac(raw.mac) : undefined;
    if (ip === undefined || mac === undefined) return { ...r, dnsName: null, reserved: false };
    const rec = book.byIp.get(ip);
    return {
      ...r,
      dnsName: rec !== undefined && rec.mac === mac && formatIpv4(rec.ip) === r.ip ? rec.fqdn : null,
      reserved: reservedBy.get(r.switch)?.has(mac) ?? false,
    };
  });
}

/** A row from the daemon is JSON from another process: its MAC and address are checked, not trusted. */
function readable(r: LeaseRow): boolean {
  const raw = r as unknown as { ip?: unknown; mac?: unknown };
  return (
    typeof raw.ip === 'string' &&
    typeof raw.mac === 'string' &&
    parseIpv4(raw.ip) !== undefined &&
    parseMac(raw.mac) !== undefined
  );
}

export function renderTable(rows: readonly NamedRow[], now: number): string {
  const named = rows.some((r) => r.reserved !== null);
  const head = [
    'SWITCH',
    'MAC',
    'IP',
    'HOSTNAME',
    ...(named ? ['DNS NAME', 'RESERVED'] : []),
    'EXPIRES IN',
    'STATE',
  ];
  const body = rows.map((r) => [
    r.switch,
    r.mac,
    r.ip,
    r.hostname !== null ? printable(r.hostname) : '-',
    ...(named ? [r.dnsName ?? '-', r.reserved ? 'yes' : 'no'] : []),
    r.state === 'bound' ? formatDuration((Date.parse(r.expiresAt) - now) / 1000) : '-',
    r.state,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  return (
    [head, ...body]
      .map((row) =>
        row
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export async function readLeases(
  stateDir: string,
): Promise<{ leases: StoredLease[]; problems: string[]; found: boolean }> {
  const path = journalPath(stateDir);
  let text = '';
  let found = true;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    found = false;
  }
  return { ...parseJournal(text, path), found };
}

/** The running daemon's table when one answers on the control channel, else the journal's. */
export async function leasesCommand(
  stateDir: string,
  json: boolean,
  clock: Clock,
  config?: Config,
): Promise<string> {
  let rows: LeaseRow[];
  let looked: string;
  const channel = controlPath(stateDir);
  const live = await callDaemon(channel, 'leases');
  if (live.running && live.ok) {
    rows = live.result as LeaseRow[];
    looked = `asked the daemon on ${channel}`;
  } else {
    if (live.running && !live.ok)
      process.stderr.write(`warning: the daemon did not answer (${live.error}); reading the journal\n`);
    const { leases, problems, found } = await readLeases(stateDir);
    for (const p of problems) process.stderr.write(`warning: ${p}\n`);
    rows = toRows(leases, clock.now());
    looked = `no daemon answers on ${channel}; the journal ${journalPath(stateDir)} ${found ? 'has none' : 'does not exist'}`;
  }
  const named = nameRows(rows, config, clock.now());
  if (json) return JSON.stringify(named, null, 2) + '\n';
  if (rows.length === 0) return `no leases (${looked}; another state directory? --state-dir DIR)\n`;
  return renderTable(named, clock.now());
}
