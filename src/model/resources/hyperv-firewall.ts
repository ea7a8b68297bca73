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
import type { ObservedHost } from '../observed.js';

export function diffHyperVFirewall(d: DesiredHost, o: ObservedHost): Change[] {
  if (!d.wsl || !d.forwarding || o.platform !== 'windows') return [];
  const seen = o.wsl?.hyperVFirewall;
  if (seen === undefined) return [];
  const inbound = seen.defaultInboundAction;
  if (inbound === 'allow' || inbound === 'allowBypass') return [];
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
