/**
 * Per-client request budget (DHCP: by MAC, as net/mac.ts macToNumber; DNS: by source address): at most
 * `packets` in a fixed window of `perMs` per client, so one chatty or hostile client cannot monopolise
 * the daemon. Memory is bounded: when `maxTracked` clients are tracked (a flood of random MACs) the
 * earliest tracked go first, but never one that is over its budget now; if every tracked client is, a new
 * one goes untracked (and unlimited) until some window ends.
 *
 * The windows live in typed arrays, a ring in the order clients were first seen, found through a
 * KeyIndex, not a Map of window objects keyed by each packet's MAC string: under a flood of new clients
 * that leaves old-generation garbage per client (the window, its boxed start time, the string, the entry)
 * and raises peak memory (docs/benchmarks.md#the-lease-table-in-typed-arrays).
 */
import { KeyIndex } from './key-index.js';

export class RateLimiter {
  private readonly packets: number;
  private readonly perMs: number;
  private readonly maxTracked: number;
  private readonly index: KeyIndex;
  /** Per ring position: the client's key, its window's start (ms) and its packets in that window. */
  private readonly keys: Float64Array;
  private readonly starts: Float64Array;
  private readonly counts: Uint32Array;
  private head = 0;
  private size = 0;

  constructor(packets: number, perMs: number, maxTracked = 10_000) {
    this.packets = packets;
    this.perMs = perMs;
    this.maxTracked = Math.max(1, maxTracked);
    this.index = new KeyIndex(this.maxTracked);
    this.keys = new Float64Array(this.maxTracked);
    this.starts = new Float64Array(this.maxTracked);
    this.counts = new Uint32Array(this.maxTracked);
  }

  /** Counts one packet from the client `key`; false when it is over its budget. */
  allow(key: number, now: number): boolean {
    let p = this.index.get(key);
    if (p === undefined) {
      p = this.track(key, now);
      if (p === undefined) return true;
    } else if (now - this.starts[p]! >= this.perMs) {
      this.starts[p] = now;
      this.counts[p] = 0;
    }
    // Saturates one past the budget: the verdict is the same, and the count cannot overflow.
    const c = this.counts[p]!;
    if (c <= this.packets) this.counts[p] = c + 1;
    return c + 1 <= this.packets;
  }

  get tracked(): number {
    return this.size;
  }

  /** A window for a new client at the ring's tail, making room first if it is full. */
  private track(key: number, now: number): number | undefined {
    if (this.size === this.maxTracked) {
      this.evict(now);
      if (this.size === this.maxTracked) return undefined;
    }
    const p = (this.head + this.size) % this.maxTracked;
    this.keys[p] = key;
    this.starts[p] = now;
    this.counts[p] = 0;
    this.index.set(key, p);
    this.size++;
    return p;
  }

  /** Forgets the earliest tracked down to 90 %; one over its budget now moves to the tail instead. */
  private evict(now: number): void {
    const target = Math.floor(this.maxTracked * 0.9);
    for (let seen = this.size; seen > 0 && this.size > target; seen--) {
      const p = this.head;
      const key = this.keys[p]!;
      this.head = (p + 1) % this.maxTracked;
      this.size--;
      if (now - this.starts[p]! >= this.perMs || this.counts[p]! <= this.packets) {
        this.index.delete(key);
        continue;
      }
      // Forgetting it would reset its budget.
      const q = (this.head + this.size) % this.maxTracked;
      this.keys[q] = key;
      this.starts[q] = this.starts[p]!;
      this.counts[q] = this.counts[p]!;
      this.index.set(key, q);
      this.size++;
    }
  }
}
