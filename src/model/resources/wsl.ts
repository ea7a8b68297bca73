/**
 * The WSL NAT range (Windows only). HKLM Lxss NatNetwork/NatGatewayIpAddress are WSL's saved state, which WSL
 * itself rewrites after a failed start (docs/windows.md#wsl-range): they are re-asserted here, and an HKCU NatIpAddress
 * outside the range is cleared. The new range takes effect when WSL's network is recreated.
 */
import { contains, formatCidr, formatIpv4, parseIpv4 } from '../../net/ipv4.js';
import type { Change } from '../change.js';
import type { DesiredHost } from '../desired.js';
import type { ObservedHost } from '../observed.js';

const TAKES_EFFECT =
  'takes effect when WSL recreates its network: run `wsl --shutdown` (or reboot); WSL keeps its old range while its network exists';

export function diffWsl(d: DesiredHost, o: ObservedHost): Change[] {
  if (!d.wsl || o.platform !== 'windows') return [];
  const out: Change[] = [];
  const net = formatCidr(d.wsl.subnet);
  const gw = formatIpv4(d.wsl.gateway);
  const seen = o.wsl;
  if (seen?.natNetwork !== net || seen.natGateway !== gw) {
    out.push({
      resource: 'wsl-range',
      key: 'HKLM Lxss',
      action: seen?.natNetwork === undefined ? '+' : '~',
      detail: `NatNetwork ${seen?.natNetwork ?? '(none)'} → ${net}, NatGatewayIpAddress ${seen?.natGateway ?? '(none)'} → ${gw}`,
      ops: [{ op: 'setWslNat', subnet: d.wsl.subnet, gateway: d.wsl.gateway }],
      note: TAKES_EFFECT,
    });
  }
  const userIp = seen?.userNatIp !== undefined ? parseIpv4(seen.userNatIp) : undefined;
  if (seen?.userNatIp !== undefined && (userIp === undefined || !contains(d.wsl.subnet, userIp))) {
    out.push({
      resource: 'wsl-range',
      key: 'HKCU Lxss NatIpAddress',
      action: '-',
      detail: `clear the saved distro address ${seen.userNatIp} (outside ${net})`,
      ops: [{ op: 'clearWslUserIp' }],
    });
  }
  return out;
}
