/**
 * Windows-only: switchyard's firewall rules, WSL's pinned NAT range (which WSL itself rewrites after a failed
 * start — docs/windows.md#wsl-range), `.wslconfig` in NAT mode (docs/windows.md#wsl-networking-mode)
 * and the Hyper-V firewall in front of WSL (docs/windows.md#hyper-v-firewall).
 */
import { contains, formatCidr, formatIpv4, parseIpv4 } from '../../net/ipv4.js';
import { desiredHost, firewallKey } from '../desired.js';
import { firewallPolicyAsk } from '../resources/firewall.js';
import { HYPERV_POLICY_ASK, hypervFirewallNotes } from '../resources/hyperv-firewall.js';
import { wslconfigWithNat } from '../resources/wslconfig.js';
import { psString } from '../../ps-quote.js';
import { fail, pass, type Check, type CheckInputs } from './check.js';

const WSL_VM_CREATOR = '{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}';

const ALLOW_WSL_INBOUND = `Set-NetFirewallHyperVVMSetting -Name ${psString(WSL_VM_CREATOR)} -DefaultInboundAction Allow`;

export function firewallChecks(i: CheckInputs): Check[] {
  if (i.observed.platform !== 'windows') return [];
  const desired = desiredHost(i.config, i.addresses, 'windows');
  const want = desired.firewall;
  if (want.length === 0) return [];
  const have = new Set(i.observed.firewall.map(firewallKey));
  const missing = want.filter((r) => !have.has(firewallKey(r)));
  const title = 'firewall allows DHCP/DNS from the switches';
  const ignored = i.observed.localFirewallRulesIgnored ?? [];
  if (missing.length === 0 && ignored.length > 0) {
    return [
      fail(
        'firewall',
        title,
        `${want.length} rules present but not in force: Group Policy does not apply local firewall rules on the ${ignored.join(', ')} profile(s) (AllowLocalPolicyMerge = 0)`,
        firewallPolicyAsk(desired),
      ),
    ];
  }
  if (missing.length === 0) return [pass('firewall', title, `${want.length} rules present`)];
  const byName = new Set(i.observed.firewall.map((r) => r.name));
  return [
    fail(
      'firewall',
      title,
      `missing or different: ${missing.map((r) => `"${r.name}" (${r.protocol} ${r.port} from ${r.from.map(formatCidr).join(', ')}${r.iface !== undefined ? ` on ${r.iface}` : ''})${byName.has(r.name) ? ' differs' : ''}`).join(', ')}`,
      'switchyard apply',
    ),
  ];
}

export function wslChecks(i: CheckInputs): Check[] {
  const o = i.observed;
  if (o.platform !== 'windows' || !i.config.wsl || o.wsl === undefined) return [];
  const out: Check[] = [];
  const w = i.addresses.wsl;
  if (w) {
    const net = formatCidr(w.subnet);
    const gw = formatIpv4(w.gateway);
    const title = `WSL's NAT range is ${net}`;
    const fix = 'switchyard apply, then `wsl --shutdown` (WSL takes the range when it recreates its network)';
    if (o.wsl.natNetwork !== net || o.wsl.natGateway !== gw) {
      out.push(
        fail(
          'wsl:range',
          title,
          `HKLM Lxss NatNetwork ${o.wsl.natNetwork ?? '(none)'} / NatGatewayIpAddress ${o.wsl.natGateway ?? '(none)'}, ${w.source} ${net} / ${gw}${o.wsl.natNetwork !== undefined ? ' — WSL fell back to another range (its range clashed with a route when it started)' : ''}`,
          fix,
        ),
      );
    } else {
      const live = o.interfaces.find((x) => x.name === o.wslInterface);
      const addrs = live?.addresses ?? [];
      if (addrs.length > 0 && !addrs.some((a) => contains(w.subnet, a.address))) {
        out.push(
          fail(
            'wsl:range',
            title,
            `saved as ${net}, but ${o.wslInterface ?? 'the WSL adapter'} is still on ${addrs.map((a) => `${formatIpv4(a.address)}/${a.prefix}`).join(', ')}`,
            '`wsl --shutdown` (WSL takes the saved range when it recreates its network)',
          ),
        );
      } else {
        const userIp = o.wsl.userNatIp !== undefined ? parseIpv4(o.wsl.userNatIp) : undefined;
        if (o.wsl.userNatIp !== undefined && (userIp === undefined || !contains(w.subnet, userIp)))
          out.push(
            fail(
              'wsl:range',
              title,
              `the distro's saved address (HKCU Lxss NatIpAddress ${o.wsl.userNatIp}) is outside ${net}`,
              fix,
            ),
          );
        else
          out.push(
            pass(
              'wsl:range',
              title,
              `HKLM Lxss ${net}, gateway ${gw}${live ? `; ${live.name} in range` : ''}`,
            ),
          );
      }
    }
  }
  const edit = wslconfigWithNat(o.wsl.wslconfig);
  const cTitle = '.wslconfig in NAT mode';
  if (!edit) out.push(pass('wsl:wslconfig', cTitle, 'networkingMode=nat'));
  else
    out.push(
      fail(
        'wsl:wslconfig',
        cTitle,
        edit.was.kind === 'no file'
          ? 'no %USERPROFILE%\\.wslconfig (WSL may default to another mode)'
          : edit.was.kind === 'value'
            ? `networkingMode=${edit.was.raw}: mirrored mode cannot reach Hyper-V VMs and ignores the pinned range`
            : 'no networkingMode in [wsl2]',
        'switchyard apply (it edits only the networkingMode line), then `wsl --shutdown`',
      ),
    );
  const fw = o.wsl.hyperVFirewall;
  if (fw !== undefined && i.config.forwarding) {
    const hTitle = 'Hyper-V firewall lets VMs reach WSL';
    const inbound = fw.defaultInboundAction;
    const policy = hypervFirewallNotes(desiredHost(i.config, i.addresses, 'windows'), o)[0];
    out.push(
      policy !== undefined
        ? fail(
            'wsl:hyperv-firewall',
            hTitle,
            `DefaultInboundAction ${inbound}, set by policy (switchyard's local setting is Allow)`,
            HYPERV_POLICY_ASK,
          )
        : inbound === 'allow' || inbound === 'allowBypass'
          ? pass('wsl:hyperv-firewall', hTitle, `DefaultInboundAction ${inbound}`)
          : fail(
              'wsl:hyperv-firewall',
              hTitle,
              `DefaultInboundAction ${inbound}: connections from VMs into WSL are dropped`,
              `switchyard apply (by hand, elevated: ${ALLOW_WSL_INBOUND})`,
              [ALLOW_WSL_INBOUND],
            ),
    );
  }
  return out;
}
