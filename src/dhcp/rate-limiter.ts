/**
 * Per-client request budget (DHCP: by MAC; DNS: by source address) (a fixed window per MAC: at most `packets` in `perMs`), so one chatty or hostile
 * client cannot monopolise the daemon. Memory is bounded: windows that ended are forgotten, and when more
 * than `maxTracked` MACs are tracked (a flood of random MACs) the oldest windows go first.
 */
import type { Mac } from '../net/mac.js';

interface Window {
  start: number;
  count: number;
}

export class RateLimiter<K = Mac> {
  private readonly windows = new Map<K, Window>();
  private readonly packets: number;
  private readonly perMs: number;
  private readonly maxTracked: number;

  constructor(packets: number, perMs: number, maxTracked = 10_000) {
    this.packets = packets;
    this.perMs = perMs;
    this.maxTracked = maxTracked;
  }

  /** Counts one packet from `mac`; false when it is over its budget. */
  allow(mac: K, now: number): boolean {
    let w = this.windows.get(mac);
    if (!w || now - w.start >= this.perMs) {
      if (w) this.windows.delete(mac); // re-insert: Map order is then oldest window first
      w = { start: now, count: 0 };
      this.windows.set(mac, w);
      if (this.windows.size > this.maxTracked) this.evict(now);
    }
    w.count++;
    return w.count <= this.packets;
  }

  get tracked(): number {
    return this.windows.size;
  }

  private evict(now: number): void {
    for (const [m, w] of this.windows) {
      if (this.windows.size <= this.maxTracked * 0.9) break;
      // Oldest first; an over-budget MAC in its current window is kept (forgetting it would reset its budget).
      if (now - w.start >= this.perMs || w.count <= this.packets) this.windows.delete(m);
    }
  }
}
