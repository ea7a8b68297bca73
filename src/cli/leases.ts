/** `switchyard leases`: the lease table, from the journal in the state directory. */
import { readFile } from 'node:fs/promises';
import type { Clock } from '../clock.js';
import { formatDuration } from '../config/duration.js';
import { journalPath, parseJournal } from '../dhcp/journal.js';
import type { StoredLease } from '../dhcp/lease-store.js';
import { formatIpv4 } from '../net/ipv4.js';

/** DESIGN.md contract: `{ mac, ip, hostname, clientId, expiresAt, state }`. */
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

export function renderTable(rows: readonly LeaseRow[], now: number): string {
  if (rows.length === 0) return 'no leases\n';
  const head = ['SWITCH', 'MAC', 'IP', 'NAME', 'EXPIRES IN', 'STATE'];
  const body = rows.map((r) => [
    r.switch,
    r.mac,
    r.ip,
    r.hostname ?? '-',
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

export async function readLeases(stateDir: string): Promise<{ leases: StoredLease[]; problems: string[] }> {
  const path = journalPath(stateDir);
  let text = '';
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return parseJournal(text, path);
}

export async function leasesCommand(stateDir: string, json: boolean, clock: Clock): Promise<string> {
  const { leases, problems } = await readLeases(stateDir);
  for (const p of problems) process.stderr.write(`warning: ${p}\n`);
  const rows = toRows(leases, clock.now());
  return json ? JSON.stringify(rows, null, 2) + '\n' : renderTable(rows, clock.now());
}
