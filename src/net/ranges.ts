/**
 * Set operations on CIDR blocks: overlap with a list, containment, subtraction, usable host addresses and
 * the first-free-block search the address planner is built on. Pure.
 */
import { asIpv4, broadcastOf, contains, overlaps, type Cidr, type Ipv4 } from './ipv4.js';

/** `inner` lies entirely inside `outer`. */
export function within(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix >= outer.prefix && overlaps(inner, outer);
}

export function overlapsAny(c: Cidr, list: readonly Cidr[]): boolean {
  return list.some((o) => overlaps(c, o));
}

/** The members of `list` that overlap `c`, in list order. */
export function overlapping(c: Cidr, list: readonly Cidr[]): Cidr[] {
  return list.filter((o) => overlaps(c, o));
}

/**
 * `from` minus every block in `remove`, as the fewest aligned blocks, in address order.
 * Example: 10.0.0.0/24 minus 10.0.0.64/26 → 10.0.0.0/26, 10.0.0.128/25.
 */
export function subtract(from: Cidr, remove: readonly Cidr[]): Cidr[] {
  const hits = overlapping(from, remove);
  if (hits.length === 0) return [from];
  if (hits.some((r) => within(from, r))) return [];
  const prefix = from.prefix + 1;
  const low: Cidr = { network: from.network, prefix };
  const high: Cidr = { network: asIpv4(from.network + 2 ** (32 - prefix)), prefix };
  return [...subtract(low, hits), ...subtract(high, hits)];
}

/** The aligned /`prefix` blocks inside `parent`, in address order (none if `prefix` is shorter than the parent's). */
export function* blocksIn(parent: Cidr, prefix: number): Generator<Cidr> {
  if (prefix < parent.prefix || prefix > 32) return;
  const step = 2 ** (32 - prefix);
  const last = broadcastOf(parent);
  for (let n = parent.network as number; n + step - 1 <= last; n += step) {
    yield { network: asIpv4(n), prefix };
  }
}

/** A host may use `ip` in `subnet`: inside it and, below /31, neither its network nor its broadcast address. */
export function usableIn(subnet: Cidr, ip: Ipv4): boolean {
  if (!contains(subnet, ip)) return false;
  return subnet.prefix >= 31 || (ip !== subnet.network && ip !== broadcastOf(subnet));
}

export function firstUsable(subnet: Cidr): Ipv4 {
  return subnet.prefix >= 31 ? subnet.network : asIpv4(subnet.network + 1);
}

/** The smallest aligned block holding every address (undefined for an empty list). */
export function smallestCovering(ips: readonly Ipv4[]): Cidr | undefined {
  if (ips.length === 0) return undefined;
  const lo = Math.min(...ips);
  const hi = Math.max(...ips);
  let prefix = 32;
  while (prefix > 0 && (lo ^ hi) >>> (32 - prefix) !== 0) prefix--;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { network: asIpv4(lo & mask), prefix };
}

/** Something a candidate block must not overlap, with what it is (for the caller's explanations). */
export interface Obstacle<T> {
  cidr: Cidr;
  tag: T;
}

export interface FreeBlockSearch<T> {
  /** The lowest aligned block of the asked size inside the parent that overlaps no obstacle. */
  found: Cidr | undefined;
  /** Each candidate tried before it, with the obstacle that ruled it out. */
  rejected: { candidate: Cidr; by: Obstacle<T> }[];
}

/**
 * Walks the aligned /`prefix` blocks of `parent` upwards and returns the first one clear of every obstacle.
 * A rejected candidate is blamed on the overlapping obstacle that reaches furthest (the first such in
 * `obstacles` on a tie), and the walk resumes past that obstacle: every block in between overlaps it too,
 * so `rejected` holds one entry per obstacle met, not one per block.
 */
export function firstFreeBlock<T>(
  parent: Cidr,
  prefix: number,
  obstacles: readonly Obstacle<T>[],
): FreeBlockSearch<T> {
  const rejected: FreeBlockSearch<T>['rejected'] = [];
  if (prefix < parent.prefix || prefix > 32) return { found: undefined, rejected };
  const step = 2 ** (32 - prefix);
  const last = broadcastOf(parent);
  let n = parent.network as number;
  while (n + step - 1 <= last) {
    const candidate: Cidr = { network: asIpv4(n), prefix };
    let blame: Obstacle<T> | undefined;
    for (const o of obstacles) {
      if (overlaps(candidate, o.cidr) && (!blame || broadcastOf(o.cidr) > broadcastOf(blame.cidr))) blame = o;
    }
    if (!blame) return { found: candidate, rejected };
    rejected.push({ candidate, by: blame });
    n = Math.max(n + step - 1, broadcastOf(blame.cidr)) + 1;
  }
  return { found: undefined, rejected };
}
