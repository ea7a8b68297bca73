/**
 * "Could not look" is not "none" (issue 18): a part of the host that the observation could not read — the
 * Hyper-V cmdlets refuse a caller who is neither elevated nor in Hyper-V Administrators, and Windows Home
 * has no Hyper-V at all — must not plan as empty (every plan would say `+ switch`, and uninstall would
 * silently remove nothing). Each resource that depends on such a part gets a blocked change (`!`) that says
 * why and what to do, whether or not its diff planned something.
 */
import type { Change } from './change.js';
import type { ObservedHost, UnobservedPart } from './observed.js';

/** Which observed parts each resource kind's diff reads. */
const NEEDS: Record<string, readonly UnobservedPart['part'][]> = {
  switch: ['switches', 'vmAdapters'],
  'host-address': ['interfaces'],
  nat: ['nats'],
  forwarding: ['interfaces'],
  firewall: ['firewall'],
  'boot-task': ['bootTask'],
};

function advice(u: UnobservedPart): string {
  if (u.reason === 'missing')
    return `${u.what} is not installed here (Windows Home has no Hyper-V; on Pro and Enterprise turn on the "Hyper-V" Windows feature)`;
  if (u.reason === 'denied')
    return `${u.what} refused to show it (${u.message}): run switchyard from an elevated terminal, or join the Hyper-V Administrators group and log on again`;
  return `${u.what} could not be read (${u.message})`;
}

/** The plan's changes with every change that depends on an unobserved part blocked, and one `!` per such resource. */
export function blockUnobserved(changes: readonly Change[], observed: ObservedHost): Change[] {
  const missing = observed.unobserved ?? [];
  if (missing.length === 0) return [...changes];
  const blockedBy = (resource: string): UnobservedPart | undefined =>
    missing.find((u) => (NEEDS[resource] ?? []).includes(u.part));
  const out: Change[] = [];
  const seen = new Set<string>();
  for (const c of changes) {
    const u = blockedBy(c.resource);
    if (u === undefined) {
      out.push(c);
      continue;
    }
    seen.add(c.resource);
    out.push({
      resource: c.resource,
      key: c.key,
      action: '!',
      detail: `cannot tell whether to ${c.detail}: ${advice(u)}`,
      ops: [],
    });
  }
  for (const [resource, parts] of Object.entries(NEEDS)) {
    const u = missing.find((x) => parts.includes(x.part));
    if (u === undefined || seen.has(resource)) continue;
    out.push({
      resource,
      key: u.part,
      action: '!',
      detail: `could not look: ${advice(u)}; until then switchyard cannot tell what is there, nor remove what it made`,
      ops: [],
    });
  }
  return out;
}
