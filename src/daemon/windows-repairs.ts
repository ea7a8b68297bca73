/**
 * The Windows host as the daemon's forwarding keeper sees it (issue 18 point 5). An elevated daemon (the
 * SYSTEM boot task, an elevated terminal) repairs through WindowsHost, which runs the repair as is. A
 * non-elevated `serve` never raises a UAC prompt from the keeper: a prompt every few seconds from a
 * background process is not something to answer, and a declined one would be retried endlessly. Instead it
 * says once that repairs need the boot task or an elevated start, and reports forwarding as unknown, which
 * the keeper leaves alone.
 */
import type { ExecuteResult, Host } from '../host/host.js';
import type { WindowsHost } from '../host/windows/host.js';
import type { Logger } from '../log.js';
import type { ObservedHost } from '../model/observed.js';
import type { Op } from '../model/ops.js';

export const REPAIRS_NEED_ELEVATION =
  'this switchyard serve is not elevated, so it cannot repair forwarding and will not raise a UAC prompt ' +
  'from the background: start it through the boot task (switchyard install) or from an elevated terminal ' +
  '(Run as administrator)';

/** `switches`: the interfaces the keeper looks after, besides the WSL interface the observation finds. */
export function keeperWindowsHost(host: WindowsHost, switches: readonly string[], log: Logger): Host {
  let said = false;
  return {
    platform: 'windows',
    async observe(): Promise<ObservedHost> {
      const o = await host.observe();
      if (o.elevated !== false) return o;
      const watched = new Set([...switches, ...(o.wslInterface !== undefined ? [o.wslInterface] : [])]);
      const off = o.interfaces.filter((i) => watched.has(i.name) && i.forwarding === false);
      if (off.length > 0 && !said) {
        said = true;
        log.warn({ interfaces: off.map((i) => i.name) }, `forwarding is off: ${REPAIRS_NEED_ELEVATION}`);
      }
      return { ...o, interfaces: o.interfaces.map((i) => ({ ...i, forwarding: undefined })) };
    },
    execute(ops: readonly Op[], onStep?: (op: Op, index: number) => void): Promise<ExecuteResult> {
      if (host.elevated !== true)
        return Promise.resolve({ done: 0, error: new Error(REPAIRS_NEED_ELEVATION) });
      return host.execute(ops, onStep);
    },
  };
}
