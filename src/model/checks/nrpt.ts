/**
 * Windows-only: the NRPT rule that sends each switch's domain to its DNS server (resources/dns-rule.ts),
 * and whether Windows uses local NRPT rules at all — when Group Policy sets NRPT (the key
 * HKLM\SOFTWARE\Policies\Microsoft\Windows NT\DNSClient\DnsPolicyConfig exists, even empty) every local
 * rule is ignored, switchyard's included (docs/windows.md#nrpt-and-dns; gravitational/teleport#56060).
 * Group Policy rewrites that key, so switchyard does not write there: the rule has to come from IT.
 */
import { formatIpv4 } from '../../net/ipv4.js';
import { desiredHost } from '../desired.js';
import { desiredNrptRules, diffDnsRules } from '../resources/dns-rule.js';
import { fail, pass, type Check, type CheckInputs } from './check.js';

export function nrptChecks(i: CheckInputs): Check[] {
  const o = i.observed;
  if (o.platform !== 'windows' || o.nrpt === undefined) return [];
  const desired = desiredHost(i.config, i.addresses, 'windows');
  const wanted = desiredNrptRules(desired);
  if (wanted.length === 0) return [];
  const changes = diffDnsRules(desired, o);
  const out: Check[] = wanted.map((w) => {
    const id = `dns-rule:${w.switchName}`;
    const title = `NRPT sends ${w.namespace} to ${formatIpv4(w.server)}`;
    const c = changes.find((x) => x.key === w.switchName && x.action !== '-');
    if (!c) return pass(id, title, `rule present (switch ${w.switchName})`);
    return c.action === '!'
      ? fail(id, title, c.detail, 'remove the other rule or change dns.domain (see the detail)')
      : fail(id, title, c.detail, 'switchyard apply');
  });
  const title = 'Windows uses local NRPT rules';
  if (!o.nrpt.groupPolicy) {
    out.push(pass('dns-rule:group-policy', title, 'no NRPT rules from Group Policy'));
    return out;
  }
  const asks = wanted.map((w) => `namespace ${w.namespace} → DNS server ${formatIpv4(w.server)}`);
  out.push(
    fail(
      'dns-rule:group-policy',
      title,
      "Group Policy sets NRPT rules (HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\DNSClient\\DnsPolicyConfig exists), so Windows ignores local rules, switchyard's included: names under the switch domains will not resolve on this host or in WSL",
      `ask IT to add these NRPT rules by Group Policy (Computer Configuration > Policies > Windows Settings > Name Resolution Policy): ${asks.join('; ')}`,
    ),
  );
  return out;
}
