/**
 * A switch's scope is a value set on its cell (scope-cell.ts): the next reply carries what was set, the
 * option bytes are encoded at `set` and shared by the replies after it, and nothing in the policy chain can
 * change the scope it reads.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dhclient } from '../../test/support/client-packets.js';
import { parseConfig } from '../config/load.js';
import { formatIpv4, ipv4 } from '../net/ipv4.js';
import { mac } from '../net/mac.js';
import { handle } from './handlers/chain.js';
import type { Handler, PolicyContext } from './handlers/exchange.js';
import { Opt } from './message.js';
import { getU16 } from './options.js';
import { resolveScope, type Reservation, type Scope } from './scope.js';
import { ScopeCell } from './scope-cell.js';
import { decode } from './wire.js';

const T = Date.UTC(2026, 11, 7);

function scopeOf(dhcp: string): Scope {
  const c = parseConfig(
    `switches:\n  - name: lab\n    subnet: 10.9.0.0/24\n    host: 10.9.0.1\n    dhcp: ${dhcp}\n`,
    't.yaml',
  );
  const r = resolveScope(c.switches[0]!, { address: ipv4('10.9.0.1'), prefix: 24 }, 'linux');
  if (!r.ok) throw new Error(r.reason);
  return r.scope;
}

let n = 0;
function offer(cell: ScopeCell, m = `02:00:00:00:01:${(++n).toString(16).padStart(2, '0')}`) {
  const d = decode(dhclient.discover({ mac: m }).bytes);
  assert.ok(d.ok);
  const reply = handle(d.msg, T, cell).reply;
  assert.ok(reply);
  return reply;
}

describe('a scope set on its cell', () => {
  test('an MTU set by the watch is carried by the next reply, encoded once for all replies after it', () => {
    const cell = new ScopeCell(scopeOf('{ mtu: auto }'));
    assert.equal(offer(cell).options.get(Opt.INTERFACE_MTU), undefined, 'no uplink found yet: no option 26');
    cell.set({ ...cell.scope, mtu: 1400 });
    const encoded = cell.bytes.mtu;
    const a = offer(cell);
    const b = offer(cell);
    assert.equal(getU16(a.options, Opt.INTERFACE_MTU), 1400);
    assert.equal(a.options.get(Opt.INTERFACE_MTU), encoded, 'the bytes encoded at set, not a new encoding');
    assert.equal(b.options.get(Opt.INTERFACE_MTU), encoded);
    assert.equal(a.options.get(Opt.SERVER_ID), cell.bytes.serverId);
    cell.set({ ...cell.scope, mtu: 1300 });
    assert.notEqual(cell.bytes.mtu, encoded);
    assert.equal(getU16(offer(cell).options, Opt.INTERFACE_MTU), 1300);
    assert.equal(getU16(a.options, Opt.INTERFACE_MTU), 1400, 'a reply made before is unchanged');
  });

  test('reservations set on the cell reach the lease table: the next DISCOVER is offered the reservation', () => {
    const cell = new ScopeCell(scopeOf('{}'));
    const m = '00:15:5d:00:00:07';
    assert.notEqual(formatIpv4(offer(cell, m).yiaddr), '10.9.0.7');
    const generation = cell.db.generation;
    cell.set({ ...cell.scope, reservations: [{ name: 'web7', mac: mac(m), ip: ipv4('10.9.0.7') }] });
    assert.equal(formatIpv4(offer(cell, m).yiaddr), '10.9.0.7');
    assert.deepEqual(
      cell.db.reserved().map((r) => r.name),
      ['web7'],
    );
    assert.ok(cell.db.generation > generation, 'the DNS names see the change');
    const g = cell.db.generation;
    cell.set({ ...cell.scope, mtu: 1400 });
    assert.equal(cell.db.generation, g, 'the same reservations: the lease table is not touched');
  });

  test('the lease table keeps its subnet and pool: a scope on another one is refused', () => {
    const cell = new ScopeCell(scopeOf('{}'));
    const before = cell.scope;
    assert.throws(() => {
      cell.set({ ...before, pool: { start: ipv4('10.9.0.200'), end: ipv4('10.9.0.210') } });
    }, /keeps its subnet and pool/);
    assert.equal(cell.scope, before);
  });

  test('a handler cannot change the scope it reads', () => {
    const cell = new ScopeCell(scopeOf('{ mtu: 1500 }'));
    const meddler: Handler = (_ex, { scope }) => {
      (scope as { mtu: number | undefined }).mtu = 9000;
      return 'next';
    };
    const d = decode(dhclient.discover({ mac: '02:00:00:00:02:01' }).bytes);
    assert.ok(d.ok);
    assert.throws(() => handle(d.msg, T, cell, [meddler]), TypeError);
    assert.throws(() => {
      (cell.scope.dnsServers as unknown[]).push(1);
    }, TypeError);
    assert.throws(() => {
      (cell.scope.reservations as unknown[]).length = 0;
    }, TypeError);
    assert.equal(cell.scope.mtu, 1500);
    assert.equal(getU16(offer(cell).options, Opt.INTERFACE_MTU), 1500);
  });
});

/** Compiled by tsc with the rest (never run): each line must be a type error, or the build fails. */
export function scopeIsReadonly(scope: Scope, r: Reservation): void {
  // @ts-expect-error Scope's fields are readonly
  scope.mtu = 1400;
  // @ts-expect-error so are its lists
  scope.reservations[0] = r;
  // @ts-expect-error and what they hold
  scope.pool.start = r.ip;
  // @ts-expect-error a reservation too
  r.ip = scope.host;
}

/** The handlers' context has no way to set a scope: only the daemon, which holds the cells, can. */
export const contextCannotSet: 'set' extends keyof PolicyContext ? never : true = true;
