/**
 * A fake clock and timers: time moves only in `advance(ms)`, which runs every timer that falls due in
 * order, letting promises (and the I/O callbacks they wait for) settle after each. Usable as an injected
 * `Timers` + `Clock`, or installed over the globals (`install()`) to drive code that calls setTimeout
 * itself — the idle-hour harness does that, so old and new code run under the same clock.
 */
import type { Clock } from '../../src/clock.js';
import type { TimerHandle, Timers } from '../../src/daemon/change-watch.js';

const realSetImmediate = globalThis.setImmediate;

interface Entry {
  id: number;
  at: number;
  fn: () => void;
  every: number | undefined;
}

class Handle implements TimerHandle {
  readonly id: number;
  constructor(id: number) {
    this.id = id;
  }
  unref(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  hasRef(): boolean {
    return false;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

/** Lets pending promise chains and already-finished I/O callbacks run. */
export async function settle(rounds = 8): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => realSetImmediate(r));
}

export class FakeTimers implements Timers, Clock {
  private t: number;
  private seq = 0;
  private entries = new Map<number, Entry>();
  /** Timers that have fired so far. */
  fired = 0;

  constructor(start = Date.UTC(2026, 11, 1)) {
    this.t = start;
  }

  now = (): number => this.t;

  setTimeout = (fn: () => void, ms = 0): TimerHandle => this.add(fn, ms, undefined);
  setInterval = (fn: () => void, ms = 0): TimerHandle => this.add(fn, ms, Math.max(1, ms));
  clearTimeout = (h: TimerHandle | number | undefined): void => {
    if (h !== undefined) this.entries.delete(Number(h));
  };
  clearInterval = this.clearTimeout;

  /** Timers waiting to fire. */
  get pending(): number {
    return this.entries.size;
  }

  /** Moves time forward by `ms`, firing what falls due, in order; settles promises after each. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    await settle();
    for (;;) {
      let next: Entry | undefined;
      for (const e of this.entries.values()) if (e.at <= target && (!next || e.at < next.at)) next = e;
      if (!next) break;
      this.t = Math.max(this.t, next.at);
      if (next.every !== undefined) next.at += next.every;
      else this.entries.delete(next.id);
      this.fired++;
      next.fn();
      await settle();
    }
    this.t = target;
  }

  /** Puts these timers (and Date.now) in place of the globals; returns the function that undoes it. */
  install(): () => void {
    const g = globalThis as unknown as Record<string, unknown>;
    const saved = ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'].map(
      (k) => [k, g[k]] as const,
    );
    const dateNow = Date.now;
    g.setTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      this.setTimeout(() => {
        fn(...args);
      }, ms);
    g.setInterval = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      this.setInterval(() => {
        fn(...args);
      }, ms);
    g.clearTimeout = this.clearTimeout;
    g.clearInterval = this.clearInterval;
    Date.now = this.now;
    return () => {
      for (const [k, v] of saved) g[k] = v;
      Date.now = dateNow;
    };
  }

  private add(fn: () => void, ms: number, every: number | undefined): TimerHandle {
    const id = ++this.seq;
    this.entries.set(id, { id, at: this.t + Math.max(0, ms), fn, every });
    return new Handle(id);
  }
}
