/**
 * Lab test (root, network namespaces): crash safety of `switchyard serve` and its lease journal.
 *
 * 1. A DORA storm from thousands of simulated clients behind a simulated relay (test/support/sim-clients.ts)
 *    while the test `kill -9`s the daemon at random moments and restarts it, until every client holds an
 *    ACK. Then: every ACKed lease is still bound to the same MAC in `switchyard leases --json`, no address
 *    is bound to two MACs, no restart dropped a stored lease as conflicting, and every client's
 *    INIT-REBOOT for its address is ACKed with that address.
 * 2. A torn write: the daemon stopped, its journal cut in the middle of the last record, started again:
 *    it serves, keeps every complete record and logs "torn write".
 *
 * Randomness (the kill schedule) comes from a seed, printed at the start; replay a run with
 * SWITCHYARD_CRASH_SEED=<seed>. SWITCHYARD_CRASH_CLIENTS and SWITCHYARD_CRASH_KILLS change the size.
 * Set SWITCHYARD_LAB_KEEP=1 to keep the lab's scratch directory (journal, ACK records, daemon logs).
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { findSummary, isAckRecord, isRebootRecord, readJsonLines, simArgv } from '../support/sim-clients.js';
import {
  createLab,
  labSkipReason,
  sleep,
  waitUntil,
  withTimeout,
  type Lab,
  type LabClient,
  type LabProcess,
} from './netns.js';
import { startServe, type Daemon, type LeaseJson } from './switchyard.js';

const skip = labSkipReason();
const SERVER = '10.77.0.1';
const RELAY = '10.77.0.2';
const CLIENTS = envInt('SWITCHYARD_CRASH_CLIENTS', 3000);
const KILLS = envInt('SWITCHYARD_CRASH_KILLS', 8);
const CONCURRENCY = 256;
/** Renewal rounds (every client's INIT-REBOOT) after the DORA storm, one kill each. */
const ROUNDS = envInt('SWITCHYARD_CRASH_ROUNDS', 5);
const SEED = envInt('SWITCHYARD_CRASH_SEED', randomInt(1, 2 ** 31 - 1));
/** Each simulator run (with its kills and restarts) must be over by then. */
const STORM_MS = 30_000;

function envInt(name: string, def: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

/** mulberry32: a small seeded PRNG, so a kill schedule can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function config(ifname: string): string {
  return `switches:
  - name: ${ifname}
    subnet: 10.77.0.0/16
    host: ${SERVER}
    dhcp:
      pool: 10.77.1.0-10.77.255.254
      leaseTime: 12h
      maxLeases: 100000
      rateLimit: { packets: 1000, per: 10s }
      relayAgents: [10.77.0.0/24]
`;
}

interface Kill {
  phase: string;
  /** Lines of the simulator's output file when the kill came. */
  progress: number;
  /** From SIGKILL to the new daemon serving. */
  downMs: number;
}

function rebootArgv(from: string, out: string): string[] {
  return simArgv({
    mode: 'reboot',
    server: SERVER,
    relay: RELAY,
    from,
    out,
    concurrency: CONCURRENCY,
    timeoutMs: 250,
    maxTimeoutMs: 1_000,
    maxAttempts: 30,
    maxRuntimeMs: STORM_MS,
  });
}

function countLines(path: string): number {
  try {
    const buf = readFileSync(path);
    let n = 0;
    for (const b of buf) if (b === 10) n++;
    return n;
  } catch {
    return 0;
  }
}

/** Every "leases restored from the journal" line of a daemon log. */
function restoreLines(log: string): { restored: number; dropped: number }[] {
  return log
    .split('\n')
    .filter((l) => l.includes('"msg":"leases restored from the journal"'))
    .map((l) => JSON.parse(l) as { restored: number; dropped: number });
}

/** The log lines (of every daemon run) that mention each needle (a MAC), at most `max` per needle. */
function excerpt(logs: readonly string[], needles: readonly string[], max = 8): string {
  return needles
    .map((n) => {
      const hits: string[] = [];
      logs.forEach((log, i) => {
        for (const line of log.split('\n'))
          if (line.includes(`"${n}"`)) hits.push(`  [daemon run ${i}] ${line}`);
      });
      return `${n}:\n${hits.slice(-max).join('\n') || '  (no log line mentions it)'}`;
    })
    .join('\n');
}

if (skip) test('crash safety of the lease journal', { skip }, () => undefined);

describe('crash safety of the lease journal', { skip: skip ?? false }, () => {
  let lab: Lab;
  let relay: LabClient;
  let d: Daemon;
  /** Output of every daemon process so far (index = run); the running one is d.process. */
  const logs: string[] = [];
  /** The restore line of every start-up, read right after it (the output buffer keeps only the last MiB). */
  const restores: { run: number; restored: number; dropped: number }[] = [];

  function noteRestore(): void {
    const run = logs.length;
    for (const r of restoreLines(d.process.output())) restores.push({ run, ...r });
  }

  /** Restarts the daemon (kill -9 with `hard`, else SIGTERM), keeping the old process's log. */
  async function restart(hard: boolean): Promise<void> {
    const old = d.process;
    await d.restart({ hard });
    logs.push(old.output());
    noteRestore();
  }

  function allLogs(): string[] {
    return [...logs, d.process.output()];
  }

  /**
   * Waits for `proc` (a simulator run writing one line per client to `progressPath`) while killing the
   * daemon `kills` times: each after a random number of lines, plus a random delay. Returns the kills done.
   */
  async function runWithKills(
    t: TestContext,
    phase: string,
    proc: LabProcess,
    progressPath: string,
    total: number,
    kills: number,
    rand: () => number,
  ): Promise<Kill[]> {
    const schedule = Array.from({ length: kills }, () => ({
      afterLines: Math.floor((0.02 + 0.9 * rand()) * total),
      delayMs: Math.floor(rand() * 60),
    })).sort((a, b) => a.afterLines - b.afterLines);
    t.diagnostic(`${phase}: kill schedule ${JSON.stringify(schedule)}`);
    const done: Kill[] = [];
    for (const k of schedule) {
      await waitUntil(
        () => countLines(progressPath) >= k.afterLines || proc.exitInfo() !== undefined,
        STORM_MS,
        `${k.afterLines} lines in ${progressPath}`,
        5,
      );
      if (proc.exitInfo()) break;
      await sleep(k.delayMs);
      const progress = countLines(progressPath);
      const down = Date.now();
      await restart(true);
      done.push({ phase, progress, downMs: Date.now() - down });
    }
    assert.ok(
      await withTimeout(proc.exited, STORM_MS),
      `${phase}: the simulator ended within its time bound`,
    );
    return done;
  }

  before(async () => {
    lab = await createLab();
    const sw = await lab.addSwitch({ cidr: `${SERVER}/16` });
    relay = await lab.addClient('relay');
    await lab.exec(relay.ns, ['ip', 'addr', 'add', `${RELAY}/16`, 'dev', relay.ifname]);
    d = await startServe(lab, config(sw.ifname), { logLevel: 'info' });
    noteRestore();
  });
  after(async () => {
    if (process.env.SWITCHYARD_LAB_KEEP === '1' && lab) {
      allLogs().forEach((log, i) => {
        writeFileSync(join(lab.workDir, `daemon-${i}.log`), log);
      });
    }
    await lab?.destroy();
  });

  test(
    `every ACKed lease survives kill -9 (${CLIENTS} clients, ${KILLS} kills in DORA, ${ROUNDS} renewal rounds)`,
    { timeout: 90_000 },
    async (t: TestContext) => {
      const t0 = Date.now();
      const rand = prng(SEED);
      t.diagnostic(`seed ${SEED} (replay: SWITCHYARD_CRASH_SEED=${SEED})`);
      const kills: Kill[] = [];

      // Phase 1: DORA storm.
      const acksPath = join(lab.workDir, 'acks.jsonl');
      const sim = lab.spawn(
        relay.ns,
        simArgv({
          mode: 'dora',
          server: SERVER,
          relay: RELAY,
          count: CLIENTS,
          concurrency: CONCURRENCY,
          macPrefix: '02:5a',
          out: acksPath,
          timeoutMs: 250,
          maxTimeoutMs: 1_000,
          maxAttempts: 200,
          maxRuntimeMs: STORM_MS,
        }),
      );
      kills.push(...(await runWithKills(t, 'dora', sim, acksPath, CLIENTS, KILLS, rand)));
      const summary = findSummary(sim.output(), 'dora');
      assert.ok(summary, `the simulator printed a summary:\n${sim.output().slice(-2000)}`);
      t.diagnostic(
        `dora: ${summary.acked}/${CLIENTS} ACKed in ${summary.ms} ms; sent ${summary.sent}, ` +
          `offers ${summary.offers}, acks ${summary.acks}, naks ${summary.naks}, timeouts ${summary.timeouts}, ` +
          `stray ${summary.stray}; kills ${JSON.stringify(kills)}`,
      );
      assert.ok(kills.length >= Math.min(KILLS, 3), `at least 3 kills during DORA (${kills.length})`);
      assert.equal(
        summary.gaveUp,
        0,
        `no client gave up (seed ${SEED}): ${summary.gaveUpMacs.slice(0, 10).join(', ')}`,
      );
      assert.equal(summary.acked, CLIENTS, `every client got an ACK (seed ${SEED})`);
      assert.deepEqual(summary.lateAckMismatch, [], `no late ACK for another address (seed ${SEED})`);

      const acked = new Map<string, string>();
      for (const a of readJsonLines(acksPath, isAckRecord)) {
        assert.ok(!acked.has(a.mac), `one ACK record per client (${a.mac})`);
        acked.set(a.mac, a.ip);
      }
      assert.equal(acked.size, CLIENTS);
      const problems: string[] = [];
      const ackedIps = new Map<string, string>();
      for (const [mac, ip] of acked) {
        const other = ackedIps.get(ip);
        if (other !== undefined) problems.push(`${ip} ACKed to both ${other} and ${mac}`);
        ackedIps.set(ip, mac);
      }

      // Phase 2: renewal rounds (INIT-REBOOT of every client) with a kill in each: the journal grows past
      // its compaction threshold, so compaction runs between (and possibly at) kills.
      for (let round = 1; round <= ROUNDS; round++) {
        const out = join(lab.workDir, `renew-${round}.jsonl`);
        const rb = lab.spawn(relay.ns, rebootArgv(acksPath, out));
        kills.push(...(await runWithKills(t, `renew ${round}`, rb, out, CLIENTS, 1, rand)));
        for (const r of readJsonLines(out, isRebootRecord)) {
          if (r.result !== 'ack' || r.ackIp !== r.ip) {
            problems.push(
              `${r.mac}: renewal round ${round} of ${r.ip}: ${r.result} ${r.ackIp ?? r.message ?? ''}`,
            );
          }
        }
      }
      const journalLines = countLines(join(d.stateDir, 'leases.jsonl'));
      t.diagnostic(
        `renewals: ${ROUNDS} rounds; journal has ${journalLines} lines for at least ${CLIENTS * (ROUNDS + 1)} ` +
          `ACKs (${journalLines < CLIENTS * (ROUNDS + 1) ? 'compacted' : 'not compacted'})`,
      );

      // One more clean restart: its restore of the final journal is checked like the others.
      await restart(false);

      // 1. the journal, as `switchyard leases --json` reads it
      const rows = await d.leases();
      const byMac = new Map<string, LeaseJson>(rows.map((r) => [r.mac, r]));
      for (const [mac, ip] of acked) {
        const r = byMac.get(mac);
        if (!r) problems.push(`${mac}: ACKed ${ip}, no lease at all`);
        else if (r.ip !== ip || r.state !== 'bound')
          problems.push(`${mac}: ACKed ${ip}, lease is ${r.ip} ${r.state}`);
      }
      const holders = new Map<string, string[]>();
      for (const r of rows) if (r.state === 'bound') holders.set(r.ip, [...(holders.get(r.ip) ?? []), r.mac]);
      for (const [ip, macs] of holders)
        if (macs.length > 1) problems.push(`${ip} bound to ${macs.join(' and ')}`);
      // every start-up (after each kill and the clean one) restored without dropping a conflicting lease
      const dropped = restores.filter((r) => r.dropped > 0);
      if (dropped.length > 0) problems.push(`start-ups dropped stored leases: ${JSON.stringify(dropped)}`);
      assert.equal(restores.length, kills.length + 2, 'every start-up logged its restore');
      const needles = [...new Set(problems.slice(0, 3).map((p) => /^[0-9a-f:.]+/.exec(p)?.[0] ?? p))];
      assert.ok(
        problems.length === 0,
        `seed ${SEED}, kills ${JSON.stringify(kills)}: ${problems.length} problems, the first:\n` +
          `${problems.slice(0, 20).join('\n')}\nlog lines of the first ones:\n${excerpt(allLogs(), needles)}`,
      );

      // 2. the clients themselves: INIT-REBOOT with the address each was ACKed, no kills
      const rebootPath = join(lab.workDir, 'reboot.jsonl');
      const rb = lab.spawn(relay.ns, rebootArgv(acksPath, rebootPath));
      assert.ok(await withTimeout(rb.exited, 25_000), 'the reboot run ended in time');
      const rs = findSummary(rb.output(), 'reboot');
      assert.ok(rs, `the reboot run printed a summary:\n${rb.output().slice(-2000)}`);
      const bad = readJsonLines(rebootPath, isRebootRecord).filter(
        (r) => r.result !== 'ack' || r.ackIp !== r.ip,
      );
      t.diagnostic(
        `reboot: ${rs.ack} ACK (${rs.ackWrongIp} for another address), ${rs.nak} NAK, ${rs.none} unanswered ` +
          `in ${rs.ms} ms; ${kills.length} kills, ${restores.length} start-ups, ${rows.length} lease rows; ` +
          `total ${Date.now() - t0} ms`,
      );
      assert.deepEqual(
        bad.slice(0, 10),
        [],
        `seed ${SEED}: every INIT-REBOOT is ACKed with the recorded address`,
      );
      assert.equal(rs.ack, CLIENTS);
    },
  );

  test('a torn last record: the daemon starts, keeps every complete record and logs "torn write"', async () => {
    await d.stop();
    const path = join(d.stateDir, 'leases.jsonl');
    const text = readFileSync(path, 'utf8');
    assert.ok(text.endsWith('\n'), 'a cleanly stopped daemon leaves whole records');
    const lines = text.slice(0, -1).split('\n');
    const lastLine = lines[lines.length - 1]!;
    assert.ok(lastLine.length > 20, 'the journal has records');
    // cut the last record in half
    const keep = text.length - 1 - lastLine.length + Math.floor(lastLine.length / 2);
    truncateSync(path, Buffer.byteLength(text.slice(0, keep)));
    const expected = new Map<string, { ip: string; state: string }>();
    for (const l of lines.slice(0, -1)) {
      const r = JSON.parse(l) as { mac: string; ip: string; state: string };
      expected.set(r.mac, { ip: r.ip, state: r.state });
    }

    await restart(false);
    const warn = await d.process.waitForOutput(/.*torn write.*/, 5_000);
    assert.match(warn[0], /"level":"warn"/);

    const rows = await d.leases();
    assert.equal(rows.length, expected.size, 'every complete record, nothing else');
    for (const r of rows) {
      const e = expected.get(r.mac);
      assert.ok(e, `${r.mac} comes from a complete record`);
      assert.equal(r.ip, e.ip, r.mac);
      assert.equal(r.state === 'expired' ? 'bound' : r.state, e.state, r.mac);
    }

    // It goes on journaling after the torn tail: new leases land on lines of their own and survive kill -9.
    const acksPath = join(lab.workDir, 'acks-after-torn.jsonl');
    const sim = lab.spawn(
      relay.ns,
      simArgv({
        mode: 'dora',
        server: SERVER,
        relay: RELAY,
        count: 20,
        concurrency: 20,
        macPrefix: '02:5b',
        out: acksPath,
        maxRuntimeMs: 15_000,
      }),
    );
    assert.ok(await withTimeout(sim.exited, 20_000), 'the simulator ended');
    const acks = readJsonLines(acksPath, isAckRecord);
    assert.equal(acks.length, 20, sim.output().slice(-2000));
    await restart(true);
    const after = new Map((await d.leases()).map((r) => [r.mac, r]));
    for (const a of acks) assert.equal(after.get(a.mac)?.ip, a.ip, `${a.mac} kept after the torn tail`);
    assert.equal(after.size, expected.size + 20);
  });
});
