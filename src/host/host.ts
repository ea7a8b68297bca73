/**
 * The Host port: every OS effect of plan/apply goes through it. Windows: PowerShell (observation in one
 * call; all of a plan's operations in one elevated call, so one UAC prompt). Linux: iproute2, nftables and
 * sysctls. Tests use the simulated hosts in test/fakes.
 */
import type { ObservedHost } from '../model/observed.js';
import type { Op } from '../model/ops.js';

export interface ExecuteResult {
  /** How many of the operations completed. */
  done: number;
  /** Why the next one failed, when one did. */
  error?: Error;
}

export interface Host {
  readonly platform: 'windows' | 'linux';
  observe(): Promise<ObservedHost>;
  /** Runs the operations in order, stopping at the first failure; `onStep` hears about each one before it runs. */
  execute(ops: readonly Op[], onStep?: (op: Op, index: number) => void): Promise<ExecuteResult>;
}

/** For `plan`: a host that can look but not touch (chezmoi's read-only system). */
export function readOnly(host: Host): Host {
  return {
    platform: host.platform,
    observe: () => host.observe(),
    execute: () =>
      Promise.reject(new Error('internal error: a read-only host was asked to change something')),
  };
}
