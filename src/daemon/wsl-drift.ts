/**
 * Drift of WSL's saved NAT range while the daemon runs (Windows). WSL rewrites HKLM Lxss NatNetwork with the
 * range it fell back to when the pinned one clashed at its start (docs/windows.md#wsl-range); the host
 * watch's full observation (windows-watch.ts) passes through here, and a range other than the pinned one is
 * reported once per distinct value, with the fix. It is not re-pinned behind WSL's back while WSL runs: the
 * boot task does that at the next start (boot-pin.ts), or `switchyard apply` now.
 */
import type { Logger } from '../log.js';
import type { ObservedHost } from '../model/observed.js';

export function wslDriftReporter(
  pinnedRange: string | (() => string | undefined),
  log: Logger,
  /** Adds the user's --config/--state-dir to the fix (daemon/serve.ts nextStep). */
  nextStep: (text: string) => string = (t) => t,
): (o: ObservedHost) => void {
  let reported: string | undefined;
  return (o) => {
    const pinned = typeof pinnedRange === 'function' ? pinnedRange() : pinnedRange;
    const seen = o.wsl?.natNetwork;
    if (seen === undefined || pinned === undefined) return;
    if (seen === pinned) {
      if (reported !== undefined) log.info({ range: pinned }, 'WSL range is back as pinned');
      reported = undefined;
      return;
    }
    if (seen === reported) return;
    reported = seen;
    log.warn(
      {
        observed: seen,
        pinned,
        fix: nextStep(
          'run `switchyard apply` (re-pins it), then `wsl --shutdown` so WSL recreates its network; `switchyard doctor` shows the route it clashed with',
        ),
      },
      'WSL range drifted: WSL fell back to another range (its range clashed with a route when it started)',
    );
  };
}
