/** Colour and glyphs of the CLI's text: on a terminal only, never under NO_COLOR or --no-color. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SimWindowsHost } from '../../test/windows-sim/host.js';
import { pwshMissing } from '../../test/windows-sim/runner.js';

/** Runs in real pwsh against the simulated Windows (skipped, with how to get pwsh, when it is missing). */
const PWSH = { skip: pwshMissing() };
import { parseConfig } from '../config/load.js';
import type { Plan } from '../model/change.js';
import { renderPlan } from '../reconcile/render.js';
import { renderChecks } from './doctor.js';
import { planOutcome } from './plan-apply.js';
import { detectStyle, forConsole, PLAIN, type Style } from '../style.js';

const ESC = '\x1b';
const TTY = { isTTY: true };
const PIPE = { isTTY: false };
const COLOR: Style = { color: true, unicode: true };
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const PLAN: Plan = {
  changes: [
    { resource: 'switch', key: 'lab', action: '+', detail: 'create', ops: [] },
    { resource: 'forwarding', key: 'lab', action: '~', detail: 'turn on', ops: [] },
    { resource: 'nat', key: 'old', action: '-', detail: 'remove', ops: [] },
    {
      resource: 'nat',
      key: 'foreign',
      action: '!',
      detail: 'in the way',
      ops: [],
      note: 'remove it by hand',
    },
  ],
};

describe('style', () => {
  test('colour on a terminal only, and not with NO_COLOR (non-empty), --no-color or TERM=dumb', () => {
    assert.equal(detectStyle(TTY, {}, false, 'linux').color, true);
    assert.equal(detectStyle(PIPE, {}, false, 'linux').color, false);
    assert.equal(detectStyle(TTY, { NO_COLOR: '1' }, false, 'linux').color, false);
    assert.equal(detectStyle(TTY, { NO_COLOR: '' }, false, 'linux').color, true);
    assert.equal(detectStyle(TTY, {}, true, 'linux').color, false);
    assert.equal(detectStyle(TTY, { TERM: 'dumb' }, false, 'linux').color, false);
  });

  test('ASCII on consoles that cannot show ✔ ✘ →; Unicode in Windows Terminal, VS Code and pipes', () => {
    assert.equal(detectStyle(TTY, {}, false, 'win32').unicode, false);
    assert.equal(detectStyle(TTY, { WT_SESSION: 'x' }, false, 'win32').unicode, true);
    assert.equal(detectStyle(TTY, { TERM_PROGRAM: 'vscode' }, false, 'win32').unicode, true);
    assert.equal(detectStyle(PIPE, {}, false, 'win32').unicode, true);
    assert.equal(detectStyle(TTY, { TERM: 'linux' }, false, 'linux').unicode, false);
    const ascii = forConsole({ color: false, unicode: false }, '✔ a — b → c ✘ d…');
    assert.equal(ascii, 'ok a - b -> c X d...');
    assert.match(ascii, /^[\x20-\x7e]*$/);
    assert.equal(forConsole(PLAIN, '✔ →'), '✔ →');
  });

  test("the plan's symbols in terraform's colours: green +, yellow ~, red - and !", () => {
    const text = renderPlan(PLAN, COLOR);
    assert.ok(text.includes(`${ESC}[32m+${ESC}[0m switch lab`), text);
    assert.ok(text.includes(`${ESC}[33m~${ESC}[0m forwarding lab`));
    assert.ok(text.includes(`${ESC}[31m-${ESC}[0m nat old`));
    assert.ok(text.includes(`${ESC}[31m!${ESC}[0m nat foreign`));
    assert.ok(!renderPlan(PLAN).includes(ESC));
    assert.ok(!renderPlan(PLAN, PLAIN).includes(ESC));
  });

  test("doctor's ✔ green and ✘ red, plain without colour", () => {
    const checks = [
      { id: 'a', title: 'a', ok: true, detail: 'fine' },
      { id: 'b', title: 'b', ok: false, detail: 'broken', fix: 'mend it' },
    ];
    const text = renderChecks(checks, COLOR);
    assert.ok(text.includes(`${ESC}[32m✔${ESC}[0m a`));
    assert.ok(text.includes(`${ESC}[31m✘${ESC}[0m b`));
    assert.ok(!renderChecks(checks).includes(ESC));
  });
});

describe('plan --json', () => {
  test('carries what the text shows: action words, notes, counts, ranges and why', PWSH, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'sy-planjson-'));
    dirs.push(stateDir);
    const config = parseConfig(
      'switches:\n  - name: lab\n    subnet: auto\navoid: [192.168.0.0/16]\n',
      'plan.yaml',
    );
    const host = new SimWindowsHost();
    const json = JSON.parse((await planOutcome(config, stateDir, host, true)).output) as {
      changes: { action: string; symbol: string; resource: string; note: string | null }[];
      counts: { add: number; change: number; remove: number; blocked: number };
      ranges: { switches: { name: string; subnet: string; why: string; rejected: unknown[] }[] };
    };
    const text = (await planOutcome(config, stateDir, host, false)).output;
    assert.ok(json.changes.length > 0);
    for (const c of json.changes) {
      assert.ok(['create', 'update', 'delete', 'blocked'].includes(c.action), c.action);
      assert.ok(['+', '~', '-', '!'].includes(c.symbol));
    }
    const n = json.counts;
    assert.match(text, new RegExp(`${n.add} to add, ${n.change} to change, ${n.remove} to remove`));
    assert.equal(n.add + n.change + n.remove + n.blocked, json.changes.length);
    const sw = json.ranges.switches[0]!;
    assert.equal(sw.name, 'lab');
    assert.ok(text.includes(`switch lab: ${sw.subnet} — ${sw.why}`), text);
    assert.ok(sw.rejected.length > 0, 'the avoided ranges are listed as rejected, as in the text');
    assert.equal((await planOutcome(config, stateDir, host, false)).changes, json.changes.length);
  });
});
