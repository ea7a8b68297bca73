import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixedClock } from '../../clock.js';
import { EnvironmentError } from '../../errors.js';
import { ipv4, type Ipv4 } from '../../net/ipv4.js';
import type { ConflictProbe } from './conflict-probe.js';
import { cachedProbe, createProbe, DEFAULT_PROBE_TTL_MS, noProbe, type ProbeFailure } from './probe.js';

const A = ipv4('10.66.0.50');
const B = ipv4('10.66.0.51');

interface Call {
  ip: Ipv4;
  resolve(v: boolean): void;
  reject(e: unknown): void;
}

/** An inner probe whose answers the test hands out by hand. */
function fakeProbe(): ConflictProbe & { calls: Call[]; closed: number } {
  const calls: Call[] = [];
  const fake = {
    calls,
    closed: 0,
    inUse(ip: Ipv4): Promise<boolean> {
      return new Promise<boolean>((resolve, reject) => {
        calls.push({ ip, resolve, reject });
      });
    },
    close(): Promise<void> {
      fake.closed++;
      return Promise.resolve();
    },
  };
  return fake;
}

/** An inner probe that answers from a table at once. */
function tableProbe(inUse: ReadonlySet<Ipv4>): ConflictProbe & { count: number } {
  const p = {
    count: 0,
    inUse(ip: Ipv4): Promise<boolean> {
      p.count++;
      return Promise.resolve(inUse.has(ip));
    },
    close: () => Promise.resolve(),
  };
  return p;
}

const T0 = Date.UTC(2026, 0, 1);

describe('cachedProbe', () => {
  test('passes the answer through and caches it per address', async () => {
    const clock = fixedClock(T0);
    const inner = tableProbe(new Set([A]));
    const p = cachedProbe(inner, { clock });
    assert.equal(await p.inUse(A), true);
    assert.equal(await p.inUse(B), false);
    assert.equal(inner.count, 2);
    clock.advance(DEFAULT_PROBE_TTL_MS - 1);
    assert.equal(await p.inUse(A), true);
    assert.equal(await p.inUse(B), false);
    assert.equal(inner.count, 2, 'both answers came from the cache');
  });

  test('entries expire after ttlMs (default 30 s)', async () => {
    assert.equal(DEFAULT_PROBE_TTL_MS, 30_000);
    const clock = fixedClock(T0);
    const used = new Set([A]);
    const inner = tableProbe(used);
    const p = cachedProbe(inner, { clock });
    assert.equal(await p.inUse(A), true);
    used.delete(A); // the VM went away
    clock.advance(29_999);
    assert.equal(await p.inUse(A), true, 'still cached');
    clock.advance(1);
    assert.equal(await p.inUse(A), false, 'expired: probed again');
    assert.equal(inner.count, 2);
  });

  test('ttlMs 0 disables the cache', async () => {
    const inner = tableProbe(new Set());
    const p = cachedProbe(inner, { clock: fixedClock(T0), ttlMs: 0 });
    await p.inUse(A);
    await p.inUse(A);
    assert.equal(inner.count, 2);
  });

  test('concurrent probes of one address share one inner probe', async () => {
    const clock = fixedClock(T0);
    const inner = fakeProbe();
    const p = cachedProbe(inner, { clock });
    const r1 = p.inUse(A);
    const r2 = p.inUse(A);
    const r3 = p.inUse(B);
    assert.equal(r1, r2, 'the same promise');
    assert.deepEqual(
      inner.calls.map((c) => c.ip),
      [A, B],
    );
    inner.calls[0]!.resolve(true);
    inner.calls[1]!.resolve(false);
    assert.deepEqual(await Promise.all([r1, r2, r3]), [true, true, false]);
    assert.equal(await p.inUse(A), true);
    assert.equal(inner.calls.length, 2, 'then answered from the cache');
  });

  test('a probe that exceeds timeoutMs counts as not in use and is reported', async () => {
    const clock = fixedClock(T0);
    const inner = fakeProbe();
    const failures: [Ipv4, ProbeFailure][] = [];
    const p = cachedProbe(inner, { clock, timeoutMs: 30, onFailure: (ip, f) => failures.push([ip, f]) });
    const t = performance.now();
    assert.equal(await p.inUse(A), false);
    const took = performance.now() - t;
    assert.ok(took >= 25 && took < 500, `resolved after ${took.toFixed(1)} ms`);
    assert.deepEqual(failures, [[A, { kind: 'timeout', afterMs: 30 }]]);

    // The timeout is cached (a hanging probe costs one timeout per ttl) …
    assert.equal(await p.inUse(A), false);
    assert.equal(inner.calls.length, 1);
    // … but a late "in use" replaces it.
    inner.calls[0]!.resolve(true);
    await new Promise((r) => setImmediate(r));
    assert.equal(await p.inUse(A), true);
    assert.equal(inner.calls.length, 1);
  });

  test('a probe that rejects counts as not in use, is reported and is not cached', async () => {
    const clock = fixedClock(T0);
    const inner = fakeProbe();
    const failures: [Ipv4, ProbeFailure][] = [];
    const p = cachedProbe(inner, { clock, onFailure: (ip, f) => failures.push([ip, f]) });
    const r = p.inUse(A);
    const boom = new Error('ENETDOWN');
    inner.calls[0]!.reject(boom);
    assert.equal(await r, false);
    assert.deepEqual(failures, [[A, { kind: 'error', error: boom }]]);
    const again = p.inUse(A);
    assert.equal(inner.calls.length, 2, 'tried again');
    inner.calls[1]!.resolve(true);
    assert.equal(await again, true);
  });

  test('a probe that throws synchronously counts as not in use', async () => {
    const failures: ProbeFailure[] = [];
    const inner: ConflictProbe = {
      inUse: () => {
        throw new Error('sync');
      },
      close: () => Promise.resolve(),
    };
    const p = cachedProbe(inner, { clock: fixedClock(T0), onFailure: (_ip, f) => failures.push(f) });
    assert.equal(await p.inUse(A), false);
    assert.equal(failures[0]?.kind, 'error');
  });

  test('a throwing onFailure does not break the probe', async () => {
    const inner = fakeProbe();
    const p = cachedProbe(inner, {
      clock: fixedClock(T0),
      timeoutMs: 10,
      onFailure: () => {
        throw new Error('logger down');
      },
    });
    assert.equal(await p.inUse(A), false);
  });

  test('close() resolves pending probes false, closes the inner probe, and disables probing', async () => {
    const inner = fakeProbe();
    const p = cachedProbe(inner, { clock: fixedClock(T0) });
    const r = p.inUse(A);
    await p.close();
    assert.equal(await r, false);
    assert.equal(inner.closed, 1);
    assert.equal(await p.inUse(B), false);
    assert.equal(inner.calls.length, 1);
    await p.close();
    assert.equal(inner.closed, 1, 'idempotent');
  });

  test('timeoutMs is bounded to 1..1000 ms, ttlMs must be ≥ 0', () => {
    const clock = fixedClock(T0);
    assert.throws(() => cachedProbe(noProbe, { clock, timeoutMs: 1001 }), RangeError);
    assert.throws(() => cachedProbe(noProbe, { clock, timeoutMs: 0 }), RangeError);
    assert.throws(() => cachedProbe(noProbe, { clock, timeoutMs: Number.NaN }), RangeError);
    assert.throws(() => cachedProbe(noProbe, { clock, ttlMs: -1 }), RangeError);
    cachedProbe(noProbe, { clock, timeoutMs: 1000 });
  });
});

describe('noProbe and createProbe', () => {
  test('noProbe never reports a conflict', async () => {
    assert.equal(await noProbe.inUse(A), false);
    await noProbe.close();
  });

  test('createProbe refuses Windows with an EnvironmentError', () => {
    assert.throws(
      () => createProbe('win32', { interfaceName: 'vEthernet (switchyard)' }),
      (e: unknown) => e instanceof EnvironmentError && /not available on Windows/.test(e.message),
    );
    assert.throws(() => createProbe('darwin', { interfaceName: 'en0' }), EnvironmentError);
  });
});
