/** makePlan: desired × observed → an ordered list of changes. Pure: no host, no clock. */
import type { DesiredHost } from '../model/desired.js';
import type { ObservedHost } from '../model/observed.js';
import { resources, type Diff } from '../model/resources/index.js';
import type { Plan } from '../model/change.js';
import { blockUnobserved } from '../model/unobserved.js';

export function makePlan(
  desired: DesiredHost,
  observed: ObservedHost,
  kinds: readonly Diff[] = resources,
): Plan {
  const per = kinds.map((diff) => diff(desired, observed));
  const creates = per.flatMap((cs) => cs.filter((c) => c.action !== '-'));
  const deletes = per.reverse().flatMap((cs) => cs.filter((c) => c.action === '-'));
  return { changes: blockUnobserved([...creates, ...deletes], observed) };
}
