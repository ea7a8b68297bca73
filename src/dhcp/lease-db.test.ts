/**
 * The lease table's bookkeeping under random sequences of what clients and the daemon do (OFFER, ACK,
 * RELEASE, DECLINE, a conflict found by the probe, restarts restoring records, time passing, reservations
 * changing): the pool's bits, the two indexes and the compaction snapshot must agree after every step.
 * The records live in reusable slots (lease-slots.ts), so a slot freed too early or never freed shows up
 * here as a record that changes under another client or an address that stays taken.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseConfig } from '../config/load.js';
import { ipv4, type Ipv4 } from '../net/ipv4.js';
import { mac } from '../net/mac.js';
import type { Lease, LeaseState } from './lease.js';
import { LeaseDb } from './lease-db.js';
import { resolveScope, type Scope } from './scope.js';

const HOST = ipv4('10.9.0.1');
const T0 = Date.UTC(2026, 10, 24);

/** /24: the by-address index is dense; /8: it is a Map. */
function scope(prefix: 24 | 8): Scope {
  const c = parseConfig(
    `switches:
  - name: lab
    subnet: ${prefix === 24 ? '10.9.0.0/24' : '10.0.0.0/8'}
    host: 10.9.0.1
    dhcp:
      pool: 10.9.0.100-10.9.0.105
      leaseTime: 1h
`,
    't.yaml',
  );
  const r = resolveScope(c.switches[0]!, { address: HOST, prefix }, 'linux');
  if (!r.ok) throw new Error(r.reason);
  return r.scope;
}

const MACS = [1, 2, 3, 4, 5].map((i) => mac(`02:00:00:00:00:0${i}`));
// pool addresses, one outside the pool, one outside the /24 (a record kept from an older subnet)
const IPS = ['100', '101', '102', '103', '104', '105', '50'].map((d) => ipv4(`10.9.0.${d}`));
IPS.push(ipv4('10.8.0.5'));
const STATES: LeaseState[] = ['offered', 'bound', 'released', 'expired', 'declined'];

const m = fc.constantFrom(...MACS);
const ip = fc.constantFrom(...IPS);
const name = fc.option(fc.constantFrom('web', 'db'), { nil: undefined });
const step = fc.oneof(
  fc.record({ k: fc.constant('discover' as const), m, ip: fc.option(ip, { nil: undefined }), name }),
  fc.record({ k: fc.constant('request' as const), m, ip, name }),
  fc.record({ k: fc.constant('release' as const), m, ip }),
  fc.record({ k: fc.constant('decline' as const), m, ip }),
  fc.record({ k: fc.constant('probe-conflict' as const), ip }),
  fc.record({ k: fc.constant('withdraw' as const), m }),
  fc.record({ k: fc.constant('sweep' as const) }),
  fc.record({ k: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 30 * 3600_000 }) }),
  fc.record({
    k: fc.constant('restore' as const),
    m,
    ip,
    state: fc.constantFrom(...STATES),
    expiresIn: fc.integer({ min: -48 * 3600_000, max: 3 * 3600_000 }),
  }),
  fc.record({ k: fc.constant('reserve' as const), which: fc.subarray([0, 1]) }),
);
type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

function run(db: LeaseDb, s: Step, now: number): Lease | undefined {
  switch (s.k) {
    case 'discover': {
      const c = db.choose(s.m, s.ip, now);
      if ('ip' in c) db.offer(s.m, c.ip, now, { hostname: s.name });
      return undefined;
    }
    case 'request':
      return db.check(s.m, s.ip, now) === undefined
        ? db.bind(s.m, s.ip, now, { hostname: s.name })
        : undefined;
    case 'release':
      return db.release(s.m, s.ip, now);
    case 'decline':
      return db.decline(s.m, s.ip, now);
    case 'probe-conflict':
      db.quarantine(s.ip, now);
      return undefined;
    case 'withdraw':
      db.withdrawOffer(s.m);
      return undefined;
    case 'sweep':
      db.expire(now);
      return undefined;
    case 'restore':
      db.restore(
        {
          mac: s.m,
          ip: s.ip,
          state: s.state,
          expiresAt: now + s.expiresIn,
          clientId: undefined,
          hostname: 'restored',
          updatedAt: now,
        },
        now,
      );
      return undefined;
    case 'reserve':
      db.setReservations(s.which.map((i) => ({ name: `r${i}`, mac: MACS[i]!, ip: IPS[i + 2]! })));
      return undefined;
    case 'wait':
      return undefined;
  }
}

function key(l: Lease): string {
  return JSON.stringify(l);
}

/** What must hold between the table's parts after every step. */
function checkConsistent(db: LeaseDb, now: number): void {
  const all = db.all();
  const byMac = new Map<string, Lease>();
  for (const l of all) {
    const own = db.byMac(l.mac);
    if (own && key(own) === key(l)) byMac.set(l.mac, l);
  }
  // every MAC's record is one of the records, and every active record holds its address
  for (const x of MACS) {
    const own = db.byMac(x);
    if (own) assert.equal(byMac.get(x) && key(byMac.get(x)!), key(own), `record of ${x} is in all()`);
  }
  for (const a of IPS) {
    const h = db.byIp(a, now);
    if (h) {
      assert.equal(h.ip, a);
      assert.ok(['offered', 'bound', 'declined'].includes(h.state) && h.expiresAt > now);
      assert.ok(
        all.some((l) => key(l) === key(h)),
        `holder of ${a} is in all()`,
      );
    }
  }
  // the snapshot is all() without offers, in the same order
  assert.deepEqual([...db.snapshot().records()].map(key), all.filter((l) => l.state !== 'offered').map(key));
  // after a sweep, a pool address is taken exactly when someone holds it (no reservation sits in the pool here
  // unless chosen: then it is taken too)
  db.expire(now);
  for (const a of IPS) {
    if (!db.pool.has(a)) continue;
    const taken = !db.pool.isFree(a);
    const reserved = db.reservationAt(a) !== undefined;
    assert.equal(taken, reserved || db.byIp(a, now) !== undefined, `pool bit of ${a}`);
  }
}

describe('LeaseDb', () => {
  for (const prefix of [24, 8] as const) {
    test(`pool, indexes and snapshot agree after any sequence of steps (/${prefix})`, () => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 60, size: 'max' }), (steps) => {
          const db = new LeaseDb(scope(prefix));
          let now = T0;
          for (const s of steps) {
            if (s.k === 'wait') now += s.ms;
            const returned = run(db, s, now);
            if (returned) {
              // what the table returns is a copy that later changes do not reach
              const before = key(returned);
              checkConsistent(db, now);
              assert.equal(key(returned), before);
            } else checkConsistent(db, now);
          }
        }),
        { numRuns: 1500 },
      );
    });
  }

  test('client-ids read back as sent: hardware type 1 + the MAC (stored packed), another MAC’s, a DUID', () => {
    const db = new LeaseDb(scope(24));
    const ids = ['0102000000000' + '1', '0102000000000' + '2', 'ff00000001000100012c', '01020000000001ff'];
    for (const [i, clientId] of ids.entries()) {
      db.bind(MACS[0]!, IPS[0]!, T0 + i, { clientId });
      assert.equal(db.byMac(MACS[0]!)!.clientId, clientId);
      assert.equal([...db.snapshot().records()][0]!.clientId, clientId);
    }
  });

  test('a client that declined an address and got another: its own record comes last in the snapshot', () => {
    // The journal keeps the last record per MAC, so the order decides what a compaction + reload restores.
    const db = new LeaseDb(scope(24));
    const a = MACS[0]!;
    db.bind(a, IPS[0]!, T0, {});
    db.decline(a, IPS[0]!, T0 + 1);
    db.bind(a, IPS[1]!, T0 + 2, {});
    const records = [...db.snapshot().records()].filter((l) => l.mac === a);
    assert.deepEqual(
      records.map((l) => [l.state, l.ip]),
      [
        ['declined', IPS[0]],
        ['bound', IPS[1]],
      ],
    );
  });

  test('a slot freed by one client and reused by another leaves the first client’s copy as it was', () => {
    const db = new LeaseDb(scope(24));
    const [a, b] = [MACS[0]!, MACS[1]!];
    db.offer(a, IPS[0]!, T0, { hostname: 'a' });
    const offered = db.byMac(a)!;
    db.withdrawOffer(a); // frees its slot
    db.offer(b, IPS[1]!, T0, { hostname: 'b' }); // takes it again
    assert.equal(db.byMac(a), undefined);
    assert.deepEqual(
      { mac: offered.mac, ip: offered.ip, hostname: offered.hostname },
      { mac: a, ip: IPS[0] as Ipv4, hostname: 'a' },
    );
    assert.equal(db.byMac(b)!.hostname, 'b');
    assert.equal(db.byIp(IPS[0]!, T0), undefined);
  });
});
