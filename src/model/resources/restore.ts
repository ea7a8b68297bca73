/**
 * Uninstall's second half: values switchyard overwrote (model/originals.ts) put back as they were. Only
 * when the desired state carries `restore` (uninstall), and only where the host differs from the original.
 */
import type { Change } from '../change.js';
import type { DesiredHost } from '../desired.js';
import type { ObservedHost } from '../observed.js';

const shown = (v: string | null | undefined): string => (v == null ? '(none)' : v);

export function diffRestore(d: DesiredHost, o: ObservedHost): Change[] {
  const r = d.restore;
  if (r === undefined || o.platform !== 'windows') return [];
  const out: Change[] = [];
  const wsl = o.wsl;
  if (r.wslRange && wsl) {
    const { natNetwork, natGateway } = r.wslRange;
    if ((wsl.natNetwork ?? null) !== natNetwork || (wsl.natGateway ?? null) !== natGateway) {
      out.push({
        resource: 'wsl-range',
        key: 'HKLM Lxss',
        action: '~',
        detail: `restore NatNetwork ${shown(wsl.natNetwork)} → ${shown(natNetwork)}, NatGatewayIpAddress ${shown(wsl.natGateway)} → ${shown(natGateway)}`,
        ops: [{ op: 'restoreWslNat', natNetwork, natGateway }],
      });
    }
  }
  if (r.wslUserIp != null && wsl && wsl.userNatIp !== r.wslUserIp) {
    out.push({
      resource: 'wsl-range',
      key: 'HKCU Lxss NatIpAddress',
      action: '~',
      detail: `restore the saved distro address ${r.wslUserIp}`,
      ops: [{ op: 'restoreWslUserIp', ip: r.wslUserIp }],
    });
  }
  for (const [iface, on] of Object.entries(r.forwarding ?? {})) {
    const seen = o.interfaces.find((i) => i.name === iface);
    // An adapter that is gone (our switch's, or WSL's before it restarts) has nothing left to restore.
    if (!seen || seen.forwarding === on || seen.forwarding === undefined) continue;
    out.push({
      resource: 'forwarding',
      key: iface,
      action: '~',
      detail: `turn IPv4 forwarding ${on ? 'on' : 'off'} for ${iface}, as it was`,
      ops: [{ op: 'setForwarding', iface, on }],
    });
  }
  if (r.wslconfig !== undefined && wsl && (wsl.wslconfig ?? null) !== r.wslconfig) {
    out.push({
      resource: 'wslconfig',
      key: '.wslconfig',
      action: r.wslconfig === null ? '-' : '~',
      detail:
        r.wslconfig === null
          ? 'remove %USERPROFILE%\\.wslconfig (switchyard created it)'
          : 'restore %USERPROFILE%\\.wslconfig as it was',
      // In the encoding the file has now: every rewrite by switchyard kept the original one.
      ops: [
        r.wslconfig === null
          ? { op: 'removeWslConfig' }
          : {
              op: 'setWslConfig',
              text: r.wslconfig,
              ...(wsl.wslconfigEncoding !== undefined ? { encoding: wsl.wslconfigEncoding } : {}),
            },
      ],
    });
  }
  const inbound = wsl?.hyperVFirewall?.defaultInboundAction;
  if (r.hyperVInbound !== undefined && inbound !== undefined && inbound !== r.hyperVInbound) {
    out.push({
      resource: 'hyperv-firewall',
      key: 'WSL',
      action: '~',
      detail: `WSL's Hyper-V firewall DefaultInboundAction ${inbound} → ${r.hyperVInbound}, as it was`,
      ops: [{ op: 'restoreHyperVFirewallInbound', action: r.hyperVInbound }],
    });
  }
  return out;
}
