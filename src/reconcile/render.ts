/** Plans as text (`plan`, `apply`) and as JSON (`plan --json`): both carry the same facts. */
import type { Action, Change, Plan } from '../model/change.js';
import type { AddressPlan, Choice } from '../model/address-plan.js';
import { formatCidr, formatIpv4 } from '../net/ipv4.js';
import { actionPaint, paint, PLAIN, type Style } from '../style.js';

/** terraform's words for its symbols (internal/plans/action.go), plus ours for "something not ours is in the way". */
export const ACTION_WORDS: Record<Action, string> = {
  '+': 'create',
  '~': 'update',
  '-': 'delete',
  '!': 'blocked',
};

export interface PlanCounts {
  add: number;
  change: number;
  remove: number;
  blocked: number;
}

export function planCounts(plan: Plan): PlanCounts {
  const count = (a: Action): number => plan.changes.filter((c) => c.action === a).length;
  return { add: count('+'), change: count('~'), remove: count('-'), blocked: count('!') };
}

export function renderPlan(plan: Plan, style: Style = PLAIN): string {
  if (plan.changes.length === 0) return 'No changes: the host matches the config.\n';
  const lines = plan.changes.map(
    (c) => `  ${paint(style, actionPaint(c.action), c.action)} ${c.resource} ${c.key}: ${c.detail}`,
  );
  const notes = plan.changes.filter((c) => c.note).map((c) => `  note (${c.resource}): ${c.note!}`);
  const n = planCounts(plan);
  const summary =
    `${paint(style, 'green', `${n.add} to add`)}, ${paint(style, 'yellow', `${n.change} to change`)}, ` +
    `${paint(style, 'red', `${n.remove} to remove`)}${n.blocked ? `, ${paint(style, 'red', `${n.blocked} blocked`)}` : ''}.`;
  return [
    paint(style, 'bold', 'Planned changes:'),
    ...lines,
    ...(notes.length ? ['', ...notes] : []),
    '',
    summary,
    '',
  ].join('\n');
}

interface RangeJson {
  subnet: string;
  source: Choice['source'];
  why: string;
  rejected: { candidate: string; reason: string }[];
}

function rangeJson(c: Choice): RangeJson {
  return {
    subnet: formatCidr(c.subnet),
    source: c.source,
    why: c.why,
    rejected: c.rejected.map((r) => ({ candidate: formatCidr(r.candidate), reason: r.reason })),
  };
}

/**
 * The documented `{ changes: [{ resource, action, detail }] }` (docs/architecture.md#the-plan-and-the-executor),
 * with the action as a word (create, update,
 * delete, blocked) and the symbol beside it, each change's note, the counts of the summary line, and the
 * ranges with why each is what it is — everything the text plan shows.
 */
export function planJson(
  plan: Plan,
  addresses?: AddressPlan,
  notes?: readonly string[],
): {
  changes: {
    resource: string;
    key: string;
    action: string;
    symbol: Action;
    detail: string;
    note: string | null;
  }[];
  counts: PlanCounts;
  ranges?: {
    wsl: (RangeJson & { gateway: string }) | null;
    switches: (RangeJson & { name: string; host: string })[];
    warnings: string[];
  };
  /** What the host will lack that no change can give it (the text plan's `note:` lines). */
  notes?: string[];
} {
  return {
    changes: plan.changes.map((c: Change) => ({
      resource: c.resource,
      key: c.key,
      action: ACTION_WORDS[c.action],
      symbol: c.action,
      detail: c.detail,
      note: c.note ?? null,
    })),
    counts: planCounts(plan),
    ...(addresses
      ? {
          ranges: {
            wsl: addresses.wsl
              ? { ...rangeJson(addresses.wsl), gateway: formatIpv4(addresses.wsl.gateway) }
              : null,
            switches: addresses.switches.map((s) => ({
              name: s.name,
              ...rangeJson(s),
              host: formatIpv4(s.host),
            })),
            warnings: addresses.warnings,
          },
        }
      : {}),
    ...(notes ? { notes: [...notes] } : {}),
  };
}
