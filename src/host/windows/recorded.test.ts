/**
 * Every report in test/fixtures/windows/recorded/ (what `switchyard doctor --report FILE` wrote on a
 * machine; see that folder's README) goes through the real parser and the planner: a real laptop's first
 * contact becomes a regression test the day its file is added. Passes with no files at all.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { REPORT_SCHEMA } from '../../cli/doctor-report.js';
import { parseConfig } from '../../config/load.js';
import { planAddresses } from '../../model/address-plan.js';
import { desiredHost } from '../../model/desired.js';
import { makePlan } from '../../reconcile/plan.js';
import { toObservedHost } from './host.js';
import { isObservationError, parseObservation } from './observation-parse.js';

const RECORDED = fileURLToPath(new URL('../../../../test/fixtures/windows/recorded/', import.meta.url));

/** The small config every recorded host is planned against: one switch and WSL, ranges chosen automatically. */
const CONFIG = parseConfig('switches:\n  - name: switchyard\nwsl: {}\n', 'recorded.yaml', 'win32');

/** Checks each *.json report in `dir`; returns the files checked. Fails naming the file. */
function checkRecorded(dir: string): string[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  for (const f of files) {
    const doc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
    const observation = doc.observation as { raw: unknown; notes: unknown; parseError: unknown } | undefined;
    assert.equal(doc.reportSchema, REPORT_SCHEMA, `${f}: reportSchema`);
    assert.ok(
      typeof doc.source === 'string' && doc.source !== '',
      `${f}: says where it comes from ("source")`,
    );
    assert.ok(observation !== undefined, `${f}: has an observation`);
    if (observation.raw === null) {
      assert.ok(
        Array.isArray(doc.errors) && doc.errors.length > 0,
        `${f}: no observation, so errors say why`,
      );
      continue;
    }
    const parsed = parseObservation(observation.raw);
    assert.ok(!isObservationError(parsed), `${f}: ${isObservationError(parsed) ? parsed.error : ''}`);
    assert.deepEqual(parsed.notes, observation.notes, `${f}: the notes the report recorded are the parser's`);
    const observed = toObservedHost(parsed);
    const routes = observed.routes.filter((r) => r.iface !== observed.wslInterface).map((r) => r.dest);
    const addresses = planAddresses({ config: CONFIG, routes, pinned: undefined });
    const plan = makePlan(desiredHost(CONFIG, addresses, 'windows'), observed);
    for (const c of plan.changes) {
      assert.ok(['+', '~', '-', '!'].includes(c.action), `${f}: ${JSON.stringify(c)}`);
      assert.ok(
        c.action === '!' || c.ops.length > 0,
        `${f}: change without operations: ${c.resource} ${c.key}`,
      );
    }
  }
  return files;
}

describe('recorded Windows reports (doctor --report) through the parser and the planner', () => {
  test('every file in test/fixtures/windows/recorded/', () => {
    const files = checkRecorded(RECORDED);
    // The simulated sample is there, labelled as simulated.
    assert.ok(files.includes('simulated-win11-hyperv-admin.json'), files.join(', '));
    const sample = JSON.parse(readFileSync(join(RECORDED, 'simulated-win11-hyperv-admin.json'), 'utf8')) as {
      source: string;
    };
    assert.match(sample.source, /^simulated/);
  });

  test('an empty folder passes; a file that is not an observation fails, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sy-recorded-'));
    try {
      assert.deepEqual(checkRecorded(dir), []);
      const sample = readFileSync(join(RECORDED, 'simulated-win11-hyperv-admin.json'), 'utf8');
      const broken = JSON.parse(sample) as { observation: { raw: { schema: number } } };
      broken.observation.raw.schema = 99;
      writeFileSync(join(dir, 'broken.json'), JSON.stringify(broken));
      assert.throws(() => checkRecorded(dir), /broken\.json: observation has schema 99/);
      const failed = JSON.parse(sample) as { observation: { raw: unknown }; errors: unknown[] };
      failed.observation.raw = null;
      failed.errors = [];
      writeFileSync(join(dir, 'broken.json'), JSON.stringify(failed));
      assert.throws(() => checkRecorded(dir), /broken\.json: no observation, so errors say why/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
