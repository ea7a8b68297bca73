/**
 * The Hyper-V firewall in front of WSL (Windows 11 22H2+ with WSL 2.0.9+, on by default) filters traffic INTO
 * WSL per VM creator, and its inbound default is Block (microsoft/WSL#11693, docs/windows.md#hyper-v-firewall):
 * so VMs on the switch cannot open connections to WSL, even with forwarding on. WSL's documentation allows
 * inbound with `Set-NetFirewallHyperVVMSetting -Name '{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}'
 * -DefaultInboundAction Allow` (MicrosoftDocs/WSL WSL/networking.md); that is what this resource asserts.
 * Where that firewall does not exist (Windows 10: the cmdlet is missing) the observation has no settings and
 * nothing is planned. Only when WSL and the switches are joined (`wsl:` configured, forwarding on).
 */
import type { Change } from '../change.js';
import type { DesiredHost } from '../desired.js';
import type { ObservedHost, ObservedHyperVFirewall } from '../observed.js';

export function diffHyperVFirewall(d: DesiredHost, o: ObservedHost): Change[] {
  if (!d.wsl || !d.forwarding || o.platform !== 'windows') return [];
  const seen = o.wsl?.hyperVFirewall;
  if (seen === undefined) return [];
  const inbound = seen.defaultInboundAction;
  if (allows(inbound)) return [];
  // Already written locally and still not in force: a policy decides (hypervFirewallNotes), not another apply.
  if (setByPolicy(seen)) return [];
  return [
    {
      resource: 'hyperv-firewall',
      key: 'WSL',
      action: '~',
      detail: `WSL's Hyper-V firewall DefaultInboundAction ${inbound} → Allow, so VMs on the switches can connect to WSL`,
      ops: [{ op: 'setHyperVFirewallInbound' }],
    },
  ];
}

function allows(a: ObservedHyperVFirewall['defaultInboundAction'] | undefined): boolean {
  return a === 'allow' || a === 'allowBypass';
}

/**
 * Our local setting says Allow but the enforced one does not: an MDM policy (the Hyper-V firewall CSP) sets
 * it, and policy wins over the local store (learn.microsoft.com/windows/security/operating-system-security/
 * network-security/windows-firewall/hyper-v-firewall).
 */
function setByPolicy(seen: ObservedHyperVFirewall): boolean {
  return allows(seen.localInboundAction) && !allows(seen.defaultInboundAction);
}

export const HYPERV_POLICY_ASK =
  "Ask IT to allow inbound for WSL's VM creator {40E0AC32-46A5-438A-A0B2-2B479E8F2E90} in the Hyper-V firewall policy";

/** What no change can fix: the inbound action set by policy. */
export function hypervFirewallNotes(d: DesiredHost, o: ObservedHost): string[] {
  if (!d.wsl || !d.forwarding || o.platform !== 'windows') return [];
  const seen = o.wsl?.hyperVFirewall;
  if (seen === undefined || !setByPolicy(seen)) return [];
  return [
    `hyperv-firewall WSL: set by policy — WSL's Hyper-V firewall DefaultInboundAction is ${seen.defaultInboundAction} as enforced, although switchyard's local setting is Allow: a device-management (MDM) policy decides it, so VMs on the switches cannot open connections into WSL. ${HYPERV_POLICY_ASK}`,
  ];
}
