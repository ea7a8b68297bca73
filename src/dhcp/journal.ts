/**
 * The lease journal: one JSON record per line, appended, never rewritten in place — human-readable and
 * crash-safe. Durability: a batch of records is written with one write() and made durable with one
 * fdatasync() before any of its callers hear back (group commit: every ACK decided in the same turn of
 * the event loop, or while the previous batch was syncing, shares the next fsync; sync-mode.ts decides
 * whether that fsync runs inline or in the thread pool). Kea's memfile appends without fsync; dnsmasq
 * rewrites and fsyncs the whole file per lease (docs/dhcp.md#leases-on-disk) — this is both durable and cheap.
 *
 * Compaction rewrites the live records to a temporary file, fsyncs it, renames it over the journal and
 * fsyncs the directory, so a crash at any moment leaves either the old or the new journal whole.
 */
import {
  chmodSync,
  closeSync,
  fdatasync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseIpv4 } from '../net/ipv4.js';
import { parseMac, type Mac } from '../net/mac.js';
import type { Lease, LeaseSnapshot, LeaseState } from './lease.js';
import type { LeaseStore, LoadResult, StoredLease } from './lease-store.js';
import { SyncModeChooser, type SyncMode } from './sync-mode.js';

const STATES: ReadonlySet<string> = new Set<LeaseState>([
  'bound',
  'released',
  'expired',
  'declined',
  'offered',
]);

/**
 * One journal line. Built by hand rather than with JSON.stringify over a spread object: it runs once per
 * ACK on the packet path, where the spread object was garbage for every lease. The output is byte-for-byte what
 * JSON.stringify gives for the same object (same key order; the free-text fields go through
 * JSON.stringify, so their escaping is the same).
 */
export function encodeRecord(r: Lease, switchName: string): string {
  let s = `{"at":"${isoTime(r.updatedAt, 0)}","switch":${JSON.stringify(switchName)},"state":"${r.state}","mac":${JSON.stringify(r.mac)},"ip":"${ipText(r.ip)}","expires":"${isoTime(r.expiresAt, 1)}"`;
  if (r.clientId !== undefined) s += `,"clientId":${JSON.stringify(r.clientId)}`;
  if (r.hostname !== undefined) s += `,"hostname":${JSON.stringify(r.hostname)}`;
  return s + '}';
}

/**
 * Date#toISOString, remembering the last time formatted in each of two slots ("at" and "expires"): under
 * load most records of a batch carry the same millisecond, and the Date plus its formatting were the
 * largest item of encodeRecord (docs/benchmarks.md#the-journals-encoding-loading-and-compaction).
 */
const isoMs = [NaN, NaN];
const isoText = ['', ''];
function isoTime(ms: number, slot: 0 | 1): string {
  if (isoMs[slot] !== ms) {
    isoMs[slot] = ms;
    isoText[slot] = new Date(ms).toISOString();
  }
  return isoText[slot]!;
}

function ipText(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/**
 * The form encodeRecord writes, which parseMac would return unchanged: checked with one regular expression
 * rather than parsed (parsing dominated the load of a big journal:
 * docs/benchmarks.md#the-journals-encoding-loading-and-compaction).
 */
const CANONICAL_MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/** Parses one journal line; a string is the reason it is unusable. */
export function decodeRecord(line: string): StoredLease | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'not a complete JSON record';
  }
  if (typeof v !== 'object' || v === null) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  const mac =
    typeof o.mac === 'string' ? (CANONICAL_MAC.test(o.mac) ? (o.mac as Mac) : parseMac(o.mac)) : undefined;
  const ip = typeof o.ip === 'string' ? parseIpv4(o.ip) : undefined;
  const at = typeof o.at === 'string' ? Date.parse(o.at) : NaN;
  const expires = typeof o.expires === 'string' ? Date.parse(o.expires) : NaN;
  if (typeof o.switch !== 'string') return 'no "switch"';
  if (typeof o.state !== 'string' || !STATES.has(o.state)) return `unknown state ${JSON.stringify(o.state)}`;
  if (!mac) return `bad "mac" ${JSON.stringify(o.mac)}`;
  if (ip === undefined) return `bad "ip" ${JSON.stringify(o.ip)}`;
  if (Number.isNaN(at) || Number.isNaN(expires)) return 'bad "at" or "expires" time';
  return {
    switchName: o.switch,
    state: o.state as LeaseState,
    mac,
    ip,
    expiresAt: expires,
    updatedAt: at,
    clientId: typeof o.clientId === 'string' ? o.clientId : undefined,
    hostname: typeof o.hostname === 'string' ? o.hostname : undefined,
  };
}

/** Reads journal text: the newest record per (switch, MAC), and every damaged line reported, never thrown. */
export function parseJournal(text: string, path: string): LoadResult & { lines: number } {
  const problems: string[] = [];
  const last = new Map<string, StoredLease>();
  const lines = text.split('\n');
  const torn = text.length > 0 && !text.endsWith('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const r = decodeRecord(line);
    if (typeof r === 'string') {
      const tornTail = torn && i === lines.length - 1;
      problems.push(
        `${path}:${i + 1}: ${tornTail ? 'incomplete last record (torn write), ignored' : `${r}, skipped`}`,
      );
      return;
    }
    const key = `${r.switchName}\u0000${r.mac}`;
    last.delete(key);
    last.set(key, r);
  });
  return { leases: [...last.values()], problems, lines: lines.length };
}

export function journalPath(stateDir: string): string {
  return join(stateDir, 'leases.jsonl');
}

interface Pending {
  text: string;
  records: number;
  done: (err: Error | null) => void;
}

/**
 * One switch's live records for a compaction, as they were when it began (the lease table's compact copy,
 * lease-slots.ts: a Lease object per record at a time, not 50,000 at once). What changes after the snapshot
 * reaches the carried-over tail, so the file still ends with the newest record of every MAC.
 */
export interface LiveLeases {
  switchName: string;
  leases: LeaseSnapshot;
}

export interface JournalOptions {
  /** Compact when the journal has grown past twice its live records plus this many lines (default 10,000). */
  compactSlack?: number;
  /** The live records, for compaction. */
  snapshot?: () => readonly LiveLeases[];
  /** Told about a failed background compaction (the journal goes on appending to the old file). */
  onCompactionError?: (err: Error) => void;
  /** Where each fdatasync runs (default: chosen from how fast this disk syncs, sync-mode.ts). */
  syncMode?: SyncModeChooser;
}

export class Journal implements LeaseStore {
  readonly path: string;
  private fd = -1;
  private lines = 0;
  /** Live records at the last compaction (or load): the journal is compacted once it has grown well past it. */
  private liveAtCompaction = 0;
  private queue: Pending[] = [];
  private flushing = false;
  private scheduled = false;
  /** Set while a compaction swaps files: no flush may start. */
  private hold = false;
  /** While a compaction runs: the text appended to the old file since its snapshot, to carry over. */
  private tail: string[] | undefined;
  private compaction: Promise<void> | undefined;
  private idleWaiter: (() => void) | undefined;
  private readonly slack: number;
  private readonly snapshot: (() => readonly LiveLeases[]) | undefined;
  private readonly onCompactionError: ((err: Error) => void) | undefined;
  private readonly syncMode: SyncModeChooser;
  private syncs = 0;
  private inlineSyncs = 0;

  constructor(stateDir: string, opts: JournalOptions = {}) {
    this.path = journalPath(stateDir);
    this.slack = opts.compactSlack ?? 10_000;
    this.snapshot = opts.snapshot;
    this.onCompactionError = opts.onCompactionError;
    this.syncMode = opts.syncMode ?? new SyncModeChooser();
  }

  load(): Promise<LoadResult> {
    const dir = dirname(this.path);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700); // owner-only even if it existed with wider permissions
    let bytes = Buffer.alloc(0);
    try {
      bytes = readFileSync(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const parsed = parseJournal(bytes.toString('utf8'), this.path);
    this.fd = openSync(this.path, 'a', 0o600);
    if (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) {
      // A torn tail (a crash mid-append) is cut off, so new records start on a line of their own and the
      // fragment is reported once, not at every start.
      ftruncateSync(this.fd, bytes.lastIndexOf(0x0a) + 1);
    }
    this.lines = parsed.lines;
    this.liveAtCompaction = parsed.leases.length;
    return Promise.resolve({ leases: parsed.leases, problems: parsed.problems });
  }

  append(switchName: string, records: readonly Lease[], done: (err: Error | null) => void): void {
    let text = '';
    for (const r of records) text += encodeRecord(r, switchName) + '\n';
    this.queue.push({ text, records: records.length, done });
    if (!this.flushing) this.scheduleFlush();
  }

  /** One flush per turn of the event loop: every record appended in this turn shares its sync. */
  private scheduleFlush(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Syncs done, and how many ran inline (for `status` and the benchmarks). */
  get syncStats(): { syncs: number; inline: number; mode: SyncMode; fallbacks: number } {
    return {
      syncs: this.syncs,
      inline: this.inlineSyncs,
      mode: this.syncMode.mode,
      fallbacks: this.syncMode.fallbacks,
    };
  }

  /** Records waiting for their fsync (appended, not yet durable). */
  get pending(): number {
    return this.queue.length;
  }

  private flush(): void {
    if (this.flushing || this.hold || this.queue.length === 0) return;
    this.flushing = true;
    const batch = this.queue;
    this.queue = [];
    const text = batch.map((p) => p.text).join('');
    const finish = (err: Error | null, inline = false): void => {
      this.flushing = false;
      if (!err) {
        this.lines += batch.reduce((n, p) => n + p.records, 0);
        this.tail?.push(text);
      }
      for (const p of batch) p.done(err);
      if (this.idleWaiter) this.idleWaiter();
      else if (this.queue.length > 0) {
        if (inline) this.scheduleFlush();
        else this.flush();
      }
      this.maybeCompact();
    };
    // The write goes to the page cache here, on the loop (microseconds); the fdatasync, the part that
    // waits for the disk, runs inline when this disk syncs fast, else in the thread pool (sync-mode.ts).
    try {
      writeAll(this.fd, text);
    } catch (e) {
      finish(e as Error);
      return;
    }
    this.syncs++;
    if (this.syncMode.next() === 'pool') {
      fdatasync(this.fd, (err) => {
        finish(err);
      });
      return;
    }
    let err: Error | null = null;
    const t0 = performance.now();
    try {
      fdatasyncSync(this.fd);
    } catch (e) {
      err = e as Error;
    }
    this.syncMode.recordInline(performance.now() - t0);
    this.inlineSyncs++;
    // Finished within this call: the next batch (appended by the callbacks) waits for the next turn
    // rather than recursing.
    finish(err, true);
  }

  private maybeCompact(): void {
    if (this.compaction || !this.snapshot || this.lines <= 2 * this.liveAtCompaction + this.slack) return;
    this.compaction = this.compactInBackground(this.snapshot).finally(() => {
      this.compaction = undefined;
    });
  }

  /**
   * Compaction without stopping appends (after Kea's LFC): the snapshot is written and synced to a temporary
   * file while appends go on to the old file; then, with flushes held for a moment, the records appended
   * since the snapshot are carried over, the file is synced and renamed over the journal, and the directory
   * synced. The in-memory table already reflects every queued record, so snapshot + tail covers them all;
   * a record present in both is harmless (the newest record per MAC wins).
   */
  private async compactInBackground(snapshot: () => readonly LiveLeases[]): Promise<void> {
    const tmp = `${this.path}.tmp`;
    this.tail = [];
    try {
      const live = snapshot();
      const count = live.reduce((n, s) => n + s.leases.count, 0);
      if (this.lines <= 2 * count + this.slack) {
        // The trigger counts from the live records at the last compaction, which a growing table outdates
        // (a fresh daemon has 0, so it rewrote its whole journal at 10,001 new leases, holding replies back
        // meanwhile): a journal of mostly live records is not rewritten, only re-measured.
        this.liveAtCompaction = count;
        return;
      }
      const fh = await open(tmp, 'w', 0o600);
      try {
        await writeChunked(fh, live);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      this.hold = true;
      if (this.flushing) {
        await new Promise<void>((resolve) => {
          this.idleWaiter = resolve;
        });
        this.idleWaiter = undefined;
      }
      // From here to the end of the try block nothing yields: no flush can interleave.
      const tailText = this.tail.join('');
      const tfd = openSync(tmp, 'a');
      try {
        if (tailText) writeSync(tfd, tailText);
        fsyncSync(tfd);
      } finally {
        closeSync(tfd);
      }
      this.swapIn(tmp, count + countLines(tailText));
      this.liveAtCompaction = count;
    } catch (e) {
      rmSync(tmp, { force: true });
      this.onCompactionError?.(e as Error);
    } finally {
      this.tail = undefined;
      this.hold = false;
      this.flush();
    }
  }

  private swapIn(tmp: string, lines: number): void {
    renameSync(tmp, this.path);
    const dir = openSync(dirname(this.path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a', 0o600);
    this.lines = lines;
  }

  async close(): Promise<void> {
    while (this.flushing || this.queue.length > 0 || this.scheduled || this.compaction) {
      if (this.compaction) await this.compaction;
      else await new Promise((r) => setTimeout(r, 2));
    }
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Records encoded and written per step while a compaction writes its snapshot. */
export const ENCODE_CHUNK = 2_000;

/**
 * Writes a snapshot ENCODE_CHUNK records at a time, each chunk written before the next is encoded: the
 * event loop runs between chunks (a big table encoded in one piece would hold every reply back for as long
 * as that takes), and at most one chunk's text is in memory (the whole file's text, its parts and its
 * Buffer at once were the daemon's peak memory under load:
 * docs/benchmarks.md#the-journals-encoding-loading-and-compaction).
 */
async function writeChunked(fh: FileHandle, live: readonly LiveLeases[]): Promise<void> {
  let text = '';
  let n = 0;
  for (const { switchName, leases } of live) {
    for (const r of leases.records()) {
      text += encodeRecord(r, switchName) + '\n';
      if (++n % ENCODE_CHUNK === 0) {
        // writeFile on an open handle writes from the current position, all of it (short writes retried)
        await fh.writeFile(text);
        text = '';
      }
    }
  }
  if (text) await fh.writeFile(text);
}

/** writeSync until every byte is written (a short write is possible, if rare, on a full disk or a signal). */
function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  let at = 0;
  while (at < buf.length) at += writeSync(fd, buf, at, buf.length - at);
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
