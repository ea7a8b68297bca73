/**
 * Where the lease journal's fdatasync runs: inline on the event loop, or in libuv's thread pool. Pure: it
 * is told durations, and never sees the clock or the file.
 *
 * Why not always the pool: each trip there and back costs a futex wake, an eventfd write and read and two
 * context switches, on the same core when the daemon is pinned to one. With a fast disk and a steady load
 * that is about one trip per ACK, and running the sync inline instead saves a large share of the server's
 * CPU per DORA (docs/benchmarks.md#the-lease-journals-sync).
 * Why not always inline: while it runs nothing else does (OFFERs, DNS, the control socket), and a disk
 * that takes milliseconds to sync (a busy laptop disk; Windows' FlushFileBuffers is often 1-10 ms) would
 * stall them all that long, every time.
 *
 * So syncs start in the pool, and every `probeEvery`-th one runs inline as a probe, timed exactly (a sync
 * timed through the pool would include its wait for a busy event loop). After PROBES_NEEDED fast probes
 * in a row (under FAST_MS) every sync runs inline. An inline sync slower than SLOW_MS sends them back to
 * the pool and doubles the probe interval (up to MAX_PROBE_EVERY), so a disk that is often slow stalls
 * the loop rarely, and for no longer than one of its syncs; every CALM_RUN inline syncs without a slow one
 * halve it again, so that the odd slow sync of a fast disk does not keep its syncs in the pool for long.
 */
export type SyncMode = 'inline' | 'pool';

/** A probe this fast (ms) counts towards going inline. */
export const FAST_MS = 0.5;
/** An inline sync slower than this (ms) sends the syncs back to the pool. */
export const SLOW_MS = 2;
/** Fast probes in a row needed to go inline. */
export const PROBES_NEEDED = 3;
/** Syncs between probes at first, and at most. */
export const FIRST_PROBE_EVERY = 16;
export const MAX_PROBE_EVERY = 4096;
/** Inline syncs without a slow one that halve the probe interval again. */
export const CALM_RUN = 1024;

export class SyncModeChooser {
  private inline = false;
  private probeEvery = FIRST_PROBE_EVERY;
  private sinceProbe = 0;
  private fastProbes = 0;
  private calm = 0;
  /** Times an inline sync was slow and the syncs went back to the pool. */
  fallbacks = 0;

  get mode(): SyncMode {
    return this.inline ? 'inline' : 'pool';
  }

  /** Where the coming sync should run (a probe is inline). */
  next(): SyncMode {
    if (this.inline) return 'inline';
    if (++this.sinceProbe < this.probeEvery) return 'pool';
    this.sinceProbe = 0;
    return 'inline';
  }

  /** How long (ms) an inline sync took: a probe, or any sync once inline. Pool syncs are not timed. */
  recordInline(ms: number): void {
    if (this.inline) {
      if (ms > SLOW_MS) {
        this.inline = false;
        this.fallbacks++;
        this.fastProbes = 0;
        this.calm = 0;
        this.probeEvery = Math.min(MAX_PROBE_EVERY, this.probeEvery * 2);
      } else if (++this.calm >= CALM_RUN) {
        this.calm = 0;
        this.probeEvery = Math.max(FIRST_PROBE_EVERY, this.probeEvery / 2);
      }
      return;
    }
    if (ms < FAST_MS) {
      if (++this.fastProbes >= PROBES_NEEDED) this.inline = true;
      return;
    }
    this.fastProbes = 0;
    if (ms > SLOW_MS) this.probeEvery = Math.min(MAX_PROBE_EVERY, this.probeEvery * 2);
  }
}
