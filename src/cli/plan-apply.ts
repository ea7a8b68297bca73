/** `switchyard plan` and `switchyard apply`. */
import { createInterface } from 'node:readline/promises';
import type { Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { Host } from '../host/host.js';
import { readOnly } from '../host/host.js';
import type { Plan } from '../model/change.js';
import type { DesiredHost } from '../model/desired.js';
import { recordOriginals } from '../model/originals.js';
import { writePinned } from '../model/pinned.js';
import { applyPlan } from '../reconcile/apply.js';
import { planJson, renderPlan } from '../reconcile/render.js';
import { computePlan, type PlanResult } from '../reconcile/compute.js';
import { dnsLinkNotes } from '../model/resources/dns-link.js';
import { firewallNotes } from '../model/resources/firewall.js';
import { hypervFirewallNotes } from '../model/resources/hyperv-firewall.js';
import { renderRanges } from './reconcile.js';
import { actionPaint, paint, PLAIN, type Style } from '../style.js';
import { userCommand, type UserFlags } from './user-flags.js';

export async function planCommand(
  config: Config,
  stateDir: string,
  host: Host,
  json: boolean,
): Promise<string> {
  return (await planOutcome(config, stateDir, host, json)).output;
}

/** The plan as text or JSON, and how many changes it has (for `--detailed-exitcode`). */
export async function planOutcome(
  config: Config,
  stateDir: string,
  host: Host,
  json: boolean,
  style: Style = PLAIN,
): Promise<{ output: string; changes: number }> {
  const r = await computePlan(config, stateDir, readOnly(host));
  const output = json
    ? JSON.stringify(planJson(r.plan, r.addresses, planNotes(r)), null, 2) + '\n'
    : renderRanges(r.addresses) + '\n' + renderPlan(r.plan, style) + renderNotes(r);
  return { output, changes: r.plan.changes.length };
}

/** What the host will lack that no change can give it (e.g. the DNS link without systemd-resolved). */
function renderNotes(r: PlanResult): string {
  return planNotes(r)
    .map((n) => `note: ${n}\n`)
    .join('');
}

function planNotes(r: PlanResult): string[] {
  return [
    ...dnsLinkNotes(r.desired, r.observed),
    ...firewallNotes(r.desired, r.observed),
    ...hypervFirewallNotes(r.desired, r.observed),
  ];
}

export interface ApplyOutput {
  write: (text: string) => void;
  interactive: boolean;
  /** Colour and glyphs of the terminal written to (default: none). */
  style?: Style;
  /** The user's --config/--state-dir, repeated in the next step printed after a failure. */
  flags?: UserFlags;
}

/** Returns the exit code: 0 converged, 1 failed or blocked. */
export async function applyCommand(
  config: Config,
  stateDir: string,
  host: Host,
  yes: boolean,
  out: ApplyOutput,
  how: { verb: string; shape?: (d: DesiredHost) => DesiredHost } = { verb: 'apply' },
): Promise<number> {
  const { verb, shape } = how;
  const r = await computePlan(config, stateDir, readOnly(host), shape);
  out.write(renderRanges(r.addresses) + '\n' + renderPlan(r.plan, out.style) + renderNotes(r));
  if (r.plan.changes.length === 0) {
    await writePinned(stateDir, r.addresses.pinned);
    return 0;
  }
  return confirmAndApply(r.plan, host, yes, out, {
    verb,
    // Pinned before the first change: a range in use is never chosen again differently, even after a
    // failure; what the plan overwrites is saved before it is overwritten, for uninstall.
    prepare: async () => {
      await writePinned(stateDir, r.addresses.pinned);
      await recordOriginals(stateDir, r.plan, r.observed);
    },
    replan: async () => (await computePlan(config, stateDir, readOnly(host), shape)).plan,
    done: 'the host matches the config',
  });
}

export interface ApplySteps {
  /** The verb, for messages: apply, install, uninstall. */
  verb: string;
  /** Runs once the user said yes, before the first change. */
  prepare: () => Promise<void>;
  /** The plan after apply; it must be empty. */
  replan: () => Promise<Plan>;
  /** The last line's claim, e.g. "the host matches the config". */
  done: string;
}

/** Asks (unless --yes), applies step by step, then requires an empty plan. Returns the exit code. */
export async function confirmAndApply(
  plan: Plan,
  host: Host,
  yes: boolean,
  out: ApplyOutput,
  steps: ApplySteps,
): Promise<number> {
  const blocked = plan.changes.filter((c) => c.action === '!');
  if (blocked.length > 0) {
    // before asking and before prepare(): a blocked plan writes nothing, not even pinned.json
    out.write(
      `\nBlocked — nothing was changed:\n${blocked.map((c) => `  ! ${c.resource} ${c.key}: ${c.detail}`).join('\n')}\n`,
    );
    return 1;
  }
  if (!yes) {
    if (!out.interactive) throw new UsageError(`${steps.verb} needs --yes when it cannot ask (no terminal)`);
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question('Apply these changes? [y/N] ');
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      out.write('Nothing changed.\n');
      return 1;
    }
  }
  await steps.prepare();
  const report = await applyPlan(plan, host, (e) => {
    if (e.kind === 'change')
      out.write(
        `[${e.index + 1}/${e.total}] ${paint(out.style ?? PLAIN, actionPaint(e.change.action), e.change.action)} ${e.change.resource} ${e.change.key}: ${e.change.detail}\n`,
      );
  });
  if (report.blocked.length > 0) {
    out.write(
      `\nBlocked — nothing was changed:\n${report.blocked.map((c) => `  ! ${c.resource} ${c.key}: ${c.detail}`).join('\n')}\n`,
    );
    return 1;
  }
  if (report.failed) {
    out.write(
      `\nFailed at ${report.failed.change.resource} ${report.failed.change.key}: ${report.failed.error}\n` +
        `Done: ${report.applied.length} change(s). Not done: ${report.remaining.length + 1}. Run \`${userCommand(steps.verb, out.flags ?? {})}\` again once the cause is fixed.\n`,
    );
    return 1;
  }
  const after = await steps.replan();
  if (after.changes.length > 0) {
    out.write(`\nApplied, but the host still differs:\n${renderPlan(after)}`);
    return 1;
  }
  const notes = plan.changes.filter((c) => c.note).map((c) => `note: ${c.note!}`);
  out.write(
    `\nApplied ${report.applied.length} change(s); ${steps.done}.\n${notes.join('\n')}${notes.length ? '\n' : ''}`,
  );
  return 0;
}
