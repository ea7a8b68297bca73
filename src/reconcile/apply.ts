/**
 * applyPlan: carries out a plan's changes in order through the Host, without re-deciding anything. It stops
 * at a blocked change or at the first failure and says what was done and what remains; a re-run converges.
 */
import type { Host } from '../host/host.js';
import type { Op } from '../model/ops.js';
import type { Change, Plan } from '../model/change.js';

export interface ApplyReport {
  applied: Change[];
  failed: { change: Change; error: string } | undefined;
  blocked: Change[];
  remaining: Change[];
}

export type ApplyEvent =
  | { kind: 'change'; change: Change; index: number; total: number }
  | { kind: 'op'; op: Op }
  | { kind: 'done'; change: Change };

export async function applyPlan(
  plan: Plan,
  host: Host,
  on: (e: ApplyEvent) => void = () => undefined,
): Promise<ApplyReport> {
  const blocked = plan.changes.filter((c) => c.action === '!');
  const runnable = plan.changes.filter((c) => c.action !== '!');
  const report: ApplyReport = { applied: [], failed: undefined, blocked, remaining: [] };
  if (blocked.length > 0) {
    report.remaining = runnable;
    return report;
  }
  // One execute call for the whole plan (on Windows: one elevated PowerShell run, one UAC prompt), with the
  // operations tagged by change so progress and failures are reported per change.
  const ops = runnable.flatMap((c) => c.ops);
  const owner: number[] = runnable.flatMap((c, i) => c.ops.map(() => i));
  let current = -1;
  const result = await host.execute(ops, (op, i) => {
    const ci = owner[i]!;
    if (ci !== current) {
      if (current >= 0) on({ kind: 'done', change: runnable[current]! });
      current = ci;
      on({ kind: 'change', change: runnable[ci]!, index: ci, total: runnable.length });
    }
    on({ kind: 'op', op });
  });
  const failedAt = result.error ? owner[result.done] : undefined;
  if (failedAt === undefined) {
    if (current >= 0) on({ kind: 'done', change: runnable[current]! });
    report.applied = runnable;
    return report;
  }
  report.applied = runnable.slice(0, failedAt);
  report.failed = { change: runnable[failedAt]!, error: result.error!.message };
  report.remaining = runnable.slice(failedAt + 1);
  return report;
}
