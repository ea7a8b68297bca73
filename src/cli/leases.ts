/** `switchyard leases`: the lease table, from the journal in the state directory. */
import { readFile } from 'node:fs/promises';
import type { Clock } from '../clock.js';
import { formatDuration } from '../config/duration.js';
import { journalPath, parseJournal } from '../dhcp/journal.js';
import type { StoredLease } from '../dhcp/lease-store.js';
import { toRows, type LeaseRow } from '../dhcp/lease-rows.js';
import { callDaemon } from '../daemon/control/client.js';
import { controlPath } from '../daemon/control/path.js';

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

/** The running daemon's table when one answers on the control channel, else the journal's. */
export async function leasesCommand(stateDir: string, json: boolean, clock: Clock): Promise<string> {
  let rows: LeaseRow[];
  const live = await callDaemon(controlPath(stateDir), 'leases');
  if (live.running && live.ok) rows = live.result as LeaseRow[];
  else {
    if (live.running && !live.ok)
      process.stderr.write(`warning: the daemon did not answer (${live.error}); reading the journal\n`);
    const { leases, problems } = await readLeases(stateDir);
    for (const p of problems) process.stderr.write(`warning: ${p}\n`);
    rows = toRows(leases, clock.now());
  }
  return json ? JSON.stringify(rows, null, 2) + '\n' : renderTable(rows, clock.now());
}
