import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { asIpv4, broadcastOf, cidr, formatCidr, ipv4, maskOf, overlaps, sizeOf, type Cidr } from './ipv4.js';
import {
  blocksIn,
  firstFreeBlock,
  firstUsable,
  overlapping,
  overlapsAny,
  smallestCovering,
  subtract,
  usableIn,
  within,
  type Obstacle,
} from './ranges.js';

const arbCidrIn = (parent: Cidr, minPrefix: number, maxPrefix: number): fc.Arbitrary<Cidr> =>
  fc
    .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: minPrefix, max: maxPrefix }))
    .map(([n, prefix]) => {
      const inParent = (parent.network | (n & ~maskOf(parent.prefix))) >>> 0;
      return { network: asIpv4((inParent & maskOf(prefix)) >>> 0), prefix };
    });

const fmt = (cs: readonly Cidr[]): string[] => cs.map(formatCidr);

describe('ranges', () => {
  test('within and overlap helpers', () => {
    assert.equal(within(cidr('10.1.0.0/16'), cidr('10.0.0.0/8')), true);
    assert.equal(within(cidr('10.0.0.0/8'), cidr('10.1.0.0/16')), false);
    assert.equal(within(cidr('11.0.0.0/16'), cidr('10.0.0.0/8')), false);
    const list = [cidr('192.168.0.0/16'), cidr('10.0.0.0/8'), cidr('10.1.2.0/24')];
    assert.equal(overlapsAny(cidr('10.1.0.0/16'), list), true);
    assert.equal(overlapsAny(cidr('172.16.0.0/12'), list), false);
    assert.deepEqual(fmt(overlapping(cidr('10.1.0.0/16'), list)), ['10.0.0.0/8', '10.1.2.0/24']);
  });

  test('subtract: example and edge cases', () => {
    assert.deepEqual(fmt(subtract(cidr('10.0.0.0/24'), [cidr('10.0.0.64/26')])), [
      '10.0.0.0/26',
      '10.0.0.128/25',
    ]);
    assert.deepEqual(fmt(subtract(cidr('10.0.0.0/24'), [])), ['10.0.0.0/24']);
    assert.deepEqual(fmt(subtract(cidr('10.0.0.0/24'), [cidr('10.0.0.0/8')])), []);
    assert.deepEqual(fmt(subtract(cidr('10.0.0.0/24'), [cidr('192.168.0.0/16')])), ['10.0.0.0/24']);
    assert.deepEqual(fmt(subtract(cidr('0.0.0.0/0'), [cidr('128.0.0.0/1')])), ['0.0.0.0/1']);
  });

  test('subtract: the rest is disjoint from what was removed and keeps every other address', () => {
    const parent = cidr('10.0.0.0/20');
    fc.assert(
      fc.property(fc.array(arbCidrIn(parent, 16, 32), { maxLength: 8 }), (remove) => {
        const rest = subtract(parent, remove);
        for (const r of rest) {
          assert.ok(within(r, parent));
          assert.ok(!overlapsAny(r, remove));
        }
        for (let i = 1; i < rest.length; i++) assert.ok(rest[i - 1]!.network < rest[i]!.network);
        let removed = 0;
        for (let ip = parent.network as number; ip <= broadcastOf(parent); ip++) {
          if (remove.some((c) => overlaps(c, { network: asIpv4(ip), prefix: 32 }))) removed++;
        }
        assert.equal(
          rest.reduce((n, c) => n + sizeOf(c), 0),
          sizeOf(parent) - removed,
        );
      }),
      { numRuns: 200 },
    );
  });

  test('blocksIn lists aligned blocks in order', () => {
    assert.deepEqual(fmt([...blocksIn(cidr('192.168.0.0/22'), 24)]), [
      '192.168.0.0/24',
      '192.168.1.0/24',
      '192.168.2.0/24',
      '192.168.3.0/24',
    ]);
    assert.deepEqual([...blocksIn(cidr('192.168.0.0/24'), 22)], []);
    assert.equal([...blocksIn(cidr('0.0.0.0/0'), 2)].length, 4);
  });

  test('usable addresses', () => {
    const c = cidr('10.0.251.0/24');
    assert.equal(usableIn(c, ipv4('10.0.251.1')), true);
    assert.equal(usableIn(c, ipv4('10.0.251.254')), true);
    assert.equal(usableIn(c, ipv4('10.0.251.0')), false);
    assert.equal(usableIn(c, ipv4('10.0.251.255')), false);
    assert.equal(usableIn(c, ipv4('10.0.252.1')), false);
    assert.equal(usableIn(cidr('10.0.0.0/31'), ipv4('10.0.0.0')), true);
    assert.equal(firstUsable(c), ipv4('10.0.251.1'));
  });

  test('smallestCovering', () => {
    assert.equal(smallestCovering([]), undefined);
    assert.equal(formatCidr(smallestCovering([ipv4('10.0.251.10')])!), '10.0.251.10/32');
    assert.equal(formatCidr(smallestCovering([ipv4('10.0.251.10'), ipv4('10.0.251.200')])!), '10.0.251.0/24');
    assert.equal(formatCidr(smallestCovering([ipv4('10.0.250.10'), ipv4('10.0.251.1')])!), '10.0.250.0/23');
    assert.equal(formatCidr(smallestCovering([ipv4('1.0.0.0'), ipv4('200.0.0.0')])!), '0.0.0.0/0');
  });

  test('firstFreeBlock skips each obstacle once and blames the one reaching furthest', () => {
    const obstacles: Obstacle<string>[] = [
      { cidr: cidr('192.168.0.0/24'), tag: 'home' },
      { cidr: cidr('192.168.0.0/19'), tag: 'vpn' },
      { cidr: cidr('192.168.32.5/32'), tag: 'host' },
    ];
    const r = firstFreeBlock(cidr('192.168.0.0/16'), 24, obstacles);
    assert.equal(formatCidr(r.found!), '192.168.33.0/24');
    assert.deepEqual(
      r.rejected.map((x) => [formatCidr(x.candidate), x.by.tag]),
      [
        ['192.168.0.0/24', 'vpn'],
        ['192.168.32.0/24', 'host'],
      ],
    );
    const none = firstFreeBlock(cidr('10.0.0.0/8'), 24, [{ cidr: cidr('0.0.0.0/0'), tag: 'all' }]);
    assert.equal(none.found, undefined);
    assert.equal(none.rejected.length, 1);
  });

  test('firstFreeBlock finds the lowest free block (against brute force)', () => {
    const parent = cidr('172.16.0.0/20');
    fc.assert(
      fc.property(
        fc.array(arbCidrIn(parent, 12, 32), { maxLength: 10 }),
        fc.integer({ min: 20, max: 28 }),
        (blocks, prefix) => {
          const obstacles = blocks.map((c, i) => ({ cidr: c, tag: i }));
          const r = firstFreeBlock(parent, prefix, obstacles);
          const expected = [...blocksIn(parent, prefix)].find((b) => !overlapsAny(b, blocks));
          assert.deepEqual(r.found, expected);
          for (const x of r.rejected) assert.ok(overlaps(x.candidate, x.by.cidr));
          assert.ok(r.rejected.length <= obstacles.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
