/**
 * Windows: one NRPT rule per DNS domain served (see desiredNrptRules), sending `.<domain>` to the switch's host address, so the
 * host — and WSL, which resolves through the host (DNS tunneling honours NRPT,
 * docs/windows.md#nrpt-and-dns) — finds `<name>.<domain>`. Only programs that use the Windows DNS API follow
 * NRPT (nslookup does not, MicrosoftDocs/windows-itpro-docs#9680).
 *
 * Ownership: switchyard's rules carry the Comment `switchyard:<switch>` (Windows names a rule by a GUID it
 * picks, so the name cannot carry the mark; Get-DnsClientNrptRule returns Comment,
 * MicrosoftDocs/windows-powershell-docs Add-DnsClientNrptRule.md). A rule of ours that is wrong (other
 * namespace or servers, e.g. after the domain changed) is removed and added again rather than edited with
 * Set-DnsClientNrptRule: the same two
 * operations that create and delete serve every case, a changed domain is a different rule anyway, and the
 * GUID is referenced by nothing. Rules without the mark are never touched: one that already claims the
 * namespace with the same server is used as it is; with another server it blocks the plan (two rules for
 * one namespace leave the choice to Windows).
 */
import { formatIpv4, type Ipv4 } from '../../net/ipv4.js';
import type { Change } from '../change.js';
import type { DesiredHost } from '../desired.js';
import type { ObservedHost, ObservedNrptRule } from '../observed.js';
import { NRPT_MARK } from '../marks.js';
import { psString } from '../../ps-quote.js';

/** The Comment that marks switchyard's rule for this switch. */
export function nrptComment(switchName: string): string {
  return `${NRPT_MARK}${switchName}`;
}

/** The switch a rule belongs to, when it carries our mark (compared like PowerShell's -like: any case). */
export function nrptOwner(rule: ObservedNrptRule): string | undefined {
  const c = rule.comment ?? '';
  return c.toLowerCase().startsWith(NRPT_MARK) ? c.slice(NRPT_MARK.length) : undefined;
}

export interface DesiredNrptRule {
  switchName: string;
  /** ".<domain>": every name under the domain (NRPT's leading-dot suffix form). */
  namespace: string;
  server: Ipv4;
}

/**
 * One rule per domain. Switches may share a domain: every switch's DNS server answers from one name book
 * (src/daemon/dns.ts), so the first switch in config order that serves the domain gets the rule.
 */
export function desiredNrptRules(d: DesiredHost): DesiredNrptRule[] {
  const out: DesiredNrptRule[] = [];
  for (const s of d.switches) {
    if (s.dnsDomain === undefined) continue;
    const namespace = `.${s.dnsDomain}`;
    if (out.some((w) => same(w.namespace, namespace))) continue;
    out.push({ switchName: s.name, namespace, server: s.host });
  }
  return out;
}

/**
 * The PowerShell command that removes the NRPT rule named `name`, for users to paste. Windows names a rule
 * with a GUID it picks ({…}: no wildcard character), so -Name finds exactly that rule.
 */
export function removeNrptRuleCommand(name: string): string {
  return `Remove-DnsClientNrptRule -Name ${psString(name)} -Force`;
}

/** NRPT namespaces, like Windows DNS names, compare without regard to case. */
const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function claims(rule: ObservedNrptRule, namespace: string): boolean {
  return rule.namespaces.some((n) => same(n, namespace));
}

function serves(rule: ObservedNrptRule, want: DesiredNrptRule): boolean {
  return rule.nameServers.length === 1 && rule.nameServers[0] === formatIpv4(want.server);
}

function exact(rule: ObservedNrptRule, want: DesiredNrptRule): boolean {
  return rule.namespaces.length === 1 && claims(rule, want.namespace) && serves(rule, want);
}

function show(rule: ObservedNrptRule): string {
  return `${rule.namespaces.join(', ') || '(no namespace)'} → ${rule.nameServers.join(', ') || '(no server)'}`;
}

export function diffDnsRules(d: DesiredHost, o: ObservedHost): Change[] {
  // Linux has no NRPT (systemd-resolved per-link domains are another resource); unobserved: nothing planned.
  if (o.platform !== 'windows' || o.nrpt === undefined) return [];
  const rules = o.nrpt.rules;
  const wanted = desiredNrptRules(d);
  const out: Change[] = [];
  for (const want of wanted) {
    const target = `${want.namespace} → ${formatIpv4(want.server)}`;
    const foreign = rules.filter((r) => nrptOwner(r) === undefined && claims(r, want.namespace));
    const conflicting = foreign.filter((r) => !serves(r, want));
    const mine = rules.filter((r) => same(nrptOwner(r) ?? '', want.switchName));
    if (conflicting.length > 0) {
      const r = conflicting[0]!;
      out.push({
        resource: 'dns-rule',
        key: want.switchName,
        action: '!',
        detail: `NRPT rule ${r.name} (${show(r)}) is not switchyard's and already claims ${want.namespace}: remove it (${removeNrptRuleCommand(r.name)}) if nothing needs it, or set dns.domain to another domain`,
        ops: [],
      });
      continue;
    }
    // Ours if one is exactly right; else a foreign rule that already says the same is used as it is (like a
    // foreign internal switch), and nothing is added.
    const keep = mine.find((r) => exact(r, want));
    const satisfied = keep !== undefined || foreign.length > 0;
    const stale = mine.filter((r) => r !== keep);
    if (satisfied && stale.length === 0) continue;
    const add = {
      op: 'addNrptRule' as const,
      namespace: want.namespace,
      servers: [want.server],
      comment: nrptComment(want.switchName),
    };
    out.push({
      resource: 'dns-rule',
      key: want.switchName,
      action: mine.length === 0 ? '+' : '~',
      detail:
        stale.length === 0
          ? `send ${want.namespace} lookups to ${formatIpv4(want.server)} (NRPT rule)`
          : satisfied
            ? `remove duplicate NRPT rule ${stale.map(show).join('; ')}`
            : `NRPT rule ${stale.map(show).join('; ')} replaced by ${target}`,
      ops: [
        ...stale.map((r) => ({ op: 'removeNrptRule' as const, name: r.name })),
        ...(satisfied ? [] : [add]),
      ],
    });
  }
  for (const r of rules) {
    const owner = nrptOwner(r);
    if (owner === undefined || wanted.some((w) => same(w.switchName, owner))) continue;
    out.push({
      resource: 'dns-rule',
      key: owner,
      action: '-',
      detail: `remove NRPT rule ${show(r)} (switchyard's, for switch "${owner}", whose DNS is no longer configured)`,
      ops: [{ op: 'removeNrptRule', name: r.name }],
    });
  }
  return out;
}
