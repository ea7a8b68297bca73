/** switchyard.example.yaml: documents every key the schema has, and runs as it is. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { SimWindowsHost } from '../../test/windows-sim/host.js';
import { pwshMissing } from '../../test/windows-sim/runner.js';

/** Runs in real pwsh against the simulated Windows (skipped, with how to get pwsh, when it is missing). */
const PWSH = { skip: pwshMissing() };
import { formatCidr, overlaps } from '../net/ipv4.js';
import { computePlan } from '../reconcile/compute.js';
import { configJsonSchema } from './json-schema.js';
import { parseConfig } from './load.js';

const TEXT = readFileSync(new URL('../../../switchyard.example.yaml', import.meta.url), 'utf8');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Node = { properties?: Record<string, Node>; items?: Node };

/** The example with its commented-out keys (`# mtu: 1400`) switched on. */
function uncommented(text: string): unknown {
  return parse(text.replace(/^(\s*)# ([a-z][A-Za-z]*): /gm, '$1$2: '));
}

/**
 * Schema keys the example does not show, by path. An empty list in the example (`staticRoutes: []`) shows its
 * items' keys in its comment, e.g. `[{ to: …, via: … }]`.
 */
function undocumented(node: Node, data: unknown, path: string): string[] {
  const out: string[] = [];
  const here = (data ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(node.properties ?? {})) {
    if (!(k in here)) {
      out.push(`${path}${k}`);
      continue;
    }
    out.push(...undocumented(v, here[k], `${path}${k}.`));
    const items = here[k];
    if (v.items?.properties && Array.isArray(items)) {
      if (items.length > 0) out.push(...undocumented(v.items, items[0], `${path}${k}[0].`));
      else
        for (const ik of Object.keys(v.items.properties))
          if (!new RegExp(`${k}:.*[{,] ?${ik}:`).test(TEXT)) out.push(`${path}${k}[].${ik}`);
    }
  }
  return out;
}

describe('the example config', () => {
  test('names every key of the schema (set, or commented out with its default), in its place', () => {
    const data = uncommented(TEXT);
    assert.deepEqual(undocumented(configJsonSchema() as Node, data, ''), []);
    // The commented-out keys are valid as written, too.
    // As on Windows, where the commented interface names ("vEthernet (…)") are at home.
    parseConfig(stringify(data), 'uncommented.yaml', 'win32');
  });

  test('no avoid range contradicts a subnet it writes down', () => {
    const c = parseConfig(TEXT, 'switchyard.example.yaml');
    for (const a of c.avoid) {
      for (const s of c.switches) {
        if (s.subnet === 'auto') continue;
        assert.ok(
          !overlaps(a, s.subnet),
          `avoid ${formatCidr(a)} overlaps switch ${s.name} ${formatCidr(s.subnet)}`,
        );
      }
    }
  });

  test('plans on a (simulated) Windows host as it is: no errors, no warnings', PWSH, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'sy-example-'));
    dirs.push(stateDir);
    const r = await computePlan(
      parseConfig(TEXT, 'switchyard.example.yaml', 'win32'),
      stateDir,
      new SimWindowsHost(),
    );
    assert.deepEqual(r.addresses.errors, []);
    assert.deepEqual(r.addresses.warnings, []);
    assert.ok(r.plan.changes.length > 0);
  });
});
