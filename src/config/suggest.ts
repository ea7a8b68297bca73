/** "did you mean" for unknown config keys: the known keys at a path come from the JSON Schema. */
import { configJsonSchema } from './json-schema.js';

type SchemaNode = { properties?: Record<string, SchemaNode>; items?: SchemaNode };

let root: SchemaNode | undefined;

/** The keys the schema allows at `path` (array indexes step into items). */
export function knownKeys(path: readonly PropertyKey[]): string[] {
  root ??= configJsonSchema() as SchemaNode;
  let node: SchemaNode | undefined = root;
  for (const step of path) node = typeof step === 'number' ? node?.items : node?.properties?.[String(step)];
  return Object.keys(node?.properties ?? {});
}

/** The known key closest to `typed`: the same but for case, or at most 2 edits away (and fewer than half its letters). */
export function suggestKey(typed: string, known: readonly string[]): string | undefined {
  const lower = typed.toLowerCase();
  const same = known.find((k) => k.toLowerCase() === lower);
  if (same !== undefined) return same;
  let best: { key: string; d: number } | undefined;
  for (const k of known) {
    const d = distance(lower, k.toLowerCase());
    if (d <= 2 && d < typed.length / 2 && (best === undefined || d < best.d)) best = { key: k, d };
  }
  return best?.key;
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}
