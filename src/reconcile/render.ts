/** Plans as text (`plan`, `apply`) and as the DESIGN.md JSON contract (`plan --json`). */
import type { Change, Plan } from '../model/change.js';

export function renderPlan(plan: Plan): string {
  if (plan.changes.length === 0) return 'No changes: the host matches the config.\n';
  const lines = plan.changes.map((c) => `  ${c.action} ${c.resource} ${c.key}: ${c.detail}`);
  const notes = plan.changes.filter((c) => c.note).map((c) => `  note (${c.resource}): ${c.note!}`);
  const count = (a: string): number => plan.changes.filter((c) => c.action === a).length;
  const summary = `${count('+')} to add, ${count('~')} to change, ${count('-')} to remove${count('!') ? `, ${count('!')} blocked` : ''}.`;
  return ['Planned changes:', ...lines, ...(notes.length ? ['', ...notes] : []), '', summary, ''].join('\n');
}

export function planJson(plan: Plan): {
  changes: { resource: string; action: string; detail: string; key: string }[];
} {
  return {
    changes: plan.changes.map((c: Change) => ({
      resource: c.resource,
      key: c.key,
      action: c.action,
      detail: c.detail,
    })),
  };
}
