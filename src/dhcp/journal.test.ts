import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ipv4 } from '../net/ipv4.js';
import { mac } from '../net/mac.js';
import {
  decodeRecord,
  ENCODE_CHUNK,
  encodeRecord,
  Journal,
  parseJournal,
  type LiveLeases,
} from './journal.js';
import type { StoredLease } from './lease-store.js';
import { PROBES_NEEDED, SyncModeChooser, type SyncMode } from './sync-mode.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'sy-journal-'));
  dirs.push(d);
  return join(d, 'state');
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const T = Date.UTC(2026, 10, 24);
function lease(i: number, state: StoredLease['state'] = 'bound'): StoredLease {
  return {
    switchName: 'lab',
    mac: mac(`02:00:00:00:00:${i.toString(16).padStart(2, '0')}`),
    ip: ipv4(`10.9.0.${100 + i}`),
    state,
    expiresAt: T + 3600_000,
    updatedAt: T,
    clientId: i % 2 ? '01020000000001' : undefined,
    hostname: i % 3 ? `vm${i}` : undefined,
  };
}

function encode(r: StoredLease): string {
  return encodeRecord(r, r.switchName);
}

/** The journal's snapshot of one switch's records (every test lease is on switch "lab"). */
function onLab(leases: readonly StoredLease[]): LiveLeases[] {
  return [{ switchName: 'lab', leases: asSnapshot(leases) }];
}

/** An array as the lease table's snapshot. */
function asSnapshot(leases: readonly StoredLease[]): LiveLeases['leases'] {
  return { count: leases.length, records: () => leases };
}

/** A sync-mode chooser already in `mode` (three fast probes make it go inline). */
function chooser(mode: SyncMode): SyncModeChooser {
  const c = new SyncModeChooser();
  if (mode === 'inline') for (let i = 0; i < PROBES_NEEDED; i++) c.recordInline(0);
  assert.equal(c.mode, mode);
  return c;
}

function append(j: Journal, recs: StoredLease[]): Promise<void> {
  return new Promise((resolve, reject) => {
    j.append(recs[0]!.switchName, recs, (err) => {
      if (err) reject(err);
      else resolve();
    });
  });
}

describe('lease journal', () => {
  test('a record round-trips through its one-line, human-readable form', () => {
    const r = lease(3);
    const line = encode(r);
    assert.doesNotMatch(line, /\n/);
    assert.match(line, /"ip":"10\.9\.0\.103"/);
    assert.match(line, /"expires":"2026-11-24T01:00:00\.000Z"/);
    assert.deepEqual(decodeRecord(line), r);
  });

  test('the newest record per MAC wins; the state dir is owner-only', async () => {
    const dir = tmp();
    const j = new Journal(dir);
    await j.load();
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    await append(j, [lease(1), lease(2)]);
    await append(j, [{ ...lease(1), state: 'released' }]);
    await j.close();
    const again = await new Journal(dir).load();
    assert.deepEqual(
      again.leases.map((l) => [l.mac, l.state]),
      [
        ['02:00:00:00:00:02', 'bound'],
        ['02:00:00:00:00:01', 'released'],
      ],
    );
    assert.deepEqual(again.problems, []);
  });

  for (const mode of ['pool', 'inline'] as const) {
    test(`group commit (fdatasync ${mode}): appends made in one tick share one sync and all complete`, async () => {
      const dir = tmp();
      const j = new Journal(dir, { syncMode: chooser(mode) });
      await j.load();
      const file = join(dir, 'leases.jsonl');
      let onDiskWhenDone = 0;
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          append(j, [lease(i % 150)]).then(() => {
            // durable before the caller hears back: the record is in the file (and synced) by now
            if (readFileSync(file, 'utf8').split('\n').length > i) onDiskWhenDone++;
          }),
        ),
      );
      await j.close();
      assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 200);
      assert.equal(onDiskWhenDone, 200);
      assert.equal(j.syncStats.syncs, 1, 'one sync for the 200 appends of one tick');
      assert.equal(j.syncStats.inline, mode === 'inline' ? 1 : 0);
    });
  }

  test('inline fdatasync: appends made by the callbacks go in the next turn, not in a recursion', async () => {
    // Inline throughout: the real chooser falls back to the pool when a sync is slow, as one is on a
    // loaded machine, and this test is about the inline path.
    const inlineOnly = chooser('inline');
    inlineOnly.recordInline = (): void => {};
    const j = new Journal(tmp(), { syncMode: inlineOnly });
    await j.load();
    // Not in a recursion: no callback runs inside the append that queued it, and every callback runs at
    // the same stack depth (a flush that recursed into the next batch would add frames per batch). Measured
    // by stack depth, not by counting event-loop turns, which depends on how setImmediate queues interleave.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = Infinity;
    const depths: number[] = [];
    let inside = false;
    let synchronous = 0;
    let left = 50;
    try {
      await new Promise<void>((resolve, reject) => {
        const next = (): void => {
          inside = true;
          j.append('lab', [lease(left % 150)], (err) => {
            if (err) {
              reject(err);
              return;
            }
            if (inside) synchronous++;
            depths.push(new Error().stack!.split('\n').length);
            if (--left === 0) resolve();
            else next();
          });
          inside = false;
        };
        next();
      });
    } finally {
      Error.stackTraceLimit = limit;
    }
    await j.close();
    assert.equal(synchronous, 0, 'a callback ran inside its own append');
    assert.equal(depths.length, 50);
    assert.ok(
      Math.max(...depths) - Math.min(...depths) <= 3,
      `stack depth grows from batch to batch: ${depths.join(',')}`,
    );
    assert.equal(j.syncStats.syncs, 50);
    assert.equal(j.syncStats.inline, 50);
  });

  test('a torn last record is ignored and reported; every complete record is kept', async () => {
    const dir = tmp();
    const j = new Journal(dir);
    await j.load();
    await append(j, [lease(1), lease(2), lease(3)]);
    await j.close();
    const file = join(dir, 'leases.jsonl');
    const size = statSync(file).size;
    truncateSync(file, size - 20);
    const j2 = new Journal(dir);
    const r = await j2.load();
    assert.deepEqual(
      r.leases.map((l) => l.mac),
      ['02:00:00:00:00:01', '02:00:00:00:00:02'],
    );
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]!, /leases\.jsonl:3: incomplete last record \(torn write\), ignored/);
    // The fragment is cut off: the next record starts on its own line and the damage is reported once.
    await append(j2, [lease(4)]);
    await j2.close();
    const r3 = parseJournal(readFileSync(file, 'utf8'), file);
    assert.deepEqual(
      r3.leases.map((l) => l.mac),
      ['02:00:00:00:00:01', '02:00:00:00:00:02', '02:00:00:00:00:04'],
    );
    assert.deepEqual(r3.problems, [], 'no fragment left to report at the next start');
  });

  test('corrupt records in the middle are reported with their line and skipped', () => {
    const text = [
      encode(lease(1)),
      '{"switch":"lab","state":"bound","mac":"zz"}',
      'garbage',
      encode(lease(2)),
      '',
    ].join('\n');
    const r = parseJournal(text, 'j');
    assert.equal(r.leases.length, 2);
    assert.deepEqual(r.problems, [
      'j:2: bad "mac" "zz", skipped',
      'j:3: not a complete JSON record, skipped',
    ]);
  });

  test('encodeRecord writes exactly what JSON.stringify writes for the same record (escaping included)', () => {
    const odd = [
      'plain',
      'quote " and \\ back',
      'tab\tnl\n\u0001ctl',
      'ünïcødé ✓',
      '\u2028\u2029',
      '</script>',
    ];
    for (const [i, text] of odd.entries()) {
      for (const r of [lease(i), { ...lease(i), hostname: text, clientId: text, switchName: text }]) {
        const reference = JSON.stringify({
          at: new Date(r.updatedAt).toISOString(),
          switch: r.switchName,
          state: r.state,
          mac: r.mac,
          ip: `10.9.0.${100 + i}`,
          expires: new Date(r.expiresAt).toISOString(),
          ...(r.clientId !== undefined ? { clientId: r.clientId } : {}),
          ...(r.hostname !== undefined ? { hostname: r.hostname } : {}),
        });
        assert.equal(encode(r), reference);
        assert.deepEqual(decodeRecord(encode(r)), r);
      }
    }
  });

  test('a journal of live records only is not rewritten when the compaction trigger fires', async () => {
    const dir = tmp();
    const live: StoredLease[] = [];
    let snapshots = 0;
    const j = new Journal(dir, {
      compactSlack: 10,
      snapshot: () => {
        snapshots++;
        return onLab([...live]);
      },
    });
    await j.load();
    const ino = statSync(j.path).ino;
    // 40 distinct clients: past 2 × 0 + 10 lines the trigger fires, but every line is a live lease
    for (let i = 0; i < 40; i++) {
      const r = { ...lease(i), updatedAt: T + i };
      live.push(r);
      await append(j, [r]);
    }
    await j.close();
    assert.ok(snapshots >= 1, 'the trigger fired');
    assert.equal(statSync(j.path).ino, ino, 'same file: not rewritten');
    assert.equal(existsSync(`${j.path}.tmp`), false);
    assert.equal(readFileSync(j.path, 'utf8').trim().split('\n').length, 40);
  });

  test('a compaction larger than one write chunk keeps every record of every switch', async () => {
    const dir = tmp();
    const many = (sw: string, n: number, net: number): StoredLease[] =>
      Array.from({ length: n }, (_, i) => ({
        ...lease(0),
        switchName: sw,
        mac: mac(
          `02:00:00:0${net}:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
        ),
        ip: ipv4(`10.${net}.${i >> 8}.${i & 255}`),
        updatedAt: T + i,
      }));
    // 2.5 and 1.5 chunks, so both a full chunk and a partial last one are written
    const lab = many('lab', ENCODE_CHUNK * 2.5, 1);
    const dev = many('dev', ENCODE_CHUNK * 1.5, 2);
    const j = new Journal(dir, {
      compactSlack: 10,
      snapshot: () => [
        { switchName: 'lab', leases: asSnapshot(lab) },
        { switchName: 'dev', leases: asSnapshot(dev) },
      ],
    });
    await j.load();
    // Three superseded versions of every record, then the trigger (lines > 2 × live + slack) fires.
    for (let v = 0; v < 3; v++)
      await append(
        j,
        [...lab, ...dev].map((r) => ({ ...r, updatedAt: r.updatedAt - 1000 + v })),
      );
    await j.close();
    const file = join(dir, 'leases.jsonl');
    const text = readFileSync(file, 'utf8');
    assert.equal(text.split('\n').length - 1, lab.length + dev.length, 'only the live records are left');
    const r = parseJournal(text, file);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.leases, [...lab, ...dev]);
  });

  test('compaction rewrites to the live records atomically and appending goes on', async () => {
    const dir = tmp();
    let live: StoredLease[] = [];
    const j = new Journal(dir, { compactSlack: 50, snapshot: () => onLab(live) });
    await j.load();
    for (let i = 0; i < 120; i++) {
      const r = { ...lease(i % 5), updatedAt: T + i };
      live = [...live.filter((l) => l.mac !== r.mac), r];
      await append(j, [r]);
    }
    await j.close();
    const file = join(dir, 'leases.jsonl');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.ok(lines.length < 60, `journal compacted (${lines.length} lines)`);
    const r = parseJournal(readFileSync(file, 'utf8'), file);
    assert.deepEqual(r.leases.map((l) => l.updatedAt).sort(), live.map((l) => l.updatedAt).sort());
    assert.throws(() => statSync(`${file}.tmp`), /ENOENT/);
  });

  for (const mode of ['pool', 'inline'] as const) {
    test(`background compaction under concurrent appends loses nothing (snapshot + carried-over tail; fdatasync ${mode})`, async () => {
      const dir = tmp();
      const live = new Map<StoredLease['mac'], StoredLease>();
      let compactions = 0;
      let t = 0;
      const during: Promise<void>[] = [];
      const j = new Journal(dir, {
        compactSlack: 100,
        syncMode: chooser(mode),
        snapshot: () => {
          compactions++;
          const snap = [...live.values()];
          // Changes made right after the snapshot reach the old file while the compaction writes: the tail.
          for (let k = 0; k < 20; k++) {
            // MACs written only here, never again: if the tail were lost, so would they be.
            const n = compactions * 20 + k;
            const r = {
              ...lease(0),
              mac: mac(
                `02:00:00:01:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 255).toString(16).padStart(2, '0')}`,
              ),
              ip: ipv4(`10.9.${1 + (n >> 8)}.${n & 255}`),
              updatedAt: T + ++t,
            };
            live.set(r.mac, r);
            during.push(append(j, [r]));
          }
          return onLab(snap);
        },
      });
      await j.load();
      for (let burst = 0; burst < 40; burst++) {
        await Promise.all(
          Array.from({ length: 50 }, (_, k) => {
            // Like the daemon: the table changes first, then the record is appended.
            const r = { ...lease((burst * 7 + k) % 150), updatedAt: T + ++t };
            live.set(r.mac, r);
            return append(j, [r]);
          }),
        );
      }
      await Promise.all(during);
      await j.close();
      const file = join(dir, 'leases.jsonl');
      const r = parseJournal(readFileSync(file, 'utf8'), file);
      assert.ok(compactions >= 2, `compacted ${compactions} times`);
      assert.ok(r.lines < 2000, `journal shorter than the 2000 appends (${r.lines} lines)`);
      const got = new Map(r.leases.map((l) => [l.mac, l.updatedAt]));
      assert.equal(got.size, live.size);
      for (const [m, l] of live) assert.equal(got.get(m), l.updatedAt, `newest record of ${m} kept`);
    });
  }

  test('an unreadable journal line never stops loading (fuzzed lines)', () => {
    const base = encode(lease(1));
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const chars = Array.from(base, (c) => c);
      for (let k = 0; k < 3; k++) chars[rnd(chars.length)] = String.fromCharCode(32 + rnd(95));
      lines.push(chars.join(''));
    }
    const r = parseJournal(lines.join('\n') + '\n', 'j');
    const good = lines.filter((l) => typeof decodeRecord(l) !== 'string').length;
    assert.ok(r.problems.length > 0 && good > 0, 'the mutations produced both kinds of line');
    assert.equal(
      r.problems.length + good,
      lines.length,
      'every line is either a record or one reported problem',
    );
  });
});
