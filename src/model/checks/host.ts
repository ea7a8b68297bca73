/** The switch itself, the host's address on it, and NAT for its subnet. */
import { contains, formatCidr, formatIpv4 } from '../../net/ipv4.js';
import { switchInterface } from '../../config/switch-interface.js';
import { natName, removeNetNatCommand as removeNat } from '../resources/nat.js';
import { psString } from '../../ps-quote.js';
import { fail, pass, type Check, type CheckInputs } from './check.js';
import { shWord } from '../../sh-quote.js';

const removeSwitch = (name: string): string => `Remove-VMSwitch -Name ${psString(name)} -Force`;

export function switchChecks(i: CheckInputs): Check[] {
  const out: Check[] = [];
  const win = i.observed.platform === 'windows';
  for (const sw of i.config.switches) {
    const iface = switchInterface(sw, i.observed.platform);
    const seen = i.observed.switches.find((s) => s.name.toLowerCase() === sw.name.toLowerCase());
    const ifaceSeen = i.observed.interfaces.find((x) => x.name === iface);
    const title = `switch ${sw.name} exists`;
    if (!seen && !(ifaceSeen && !win)) {
      out.push(
        fail(
          `switch:${sw.name}`,
          title,
          win ? `no Hyper-V switch named "${sw.name}"` : `no link named "${iface}"`,
          'switchyard apply',
        ),
      );
    } else if (!ifaceSeen) {
      out.push(
        fail(
          `switch:${sw.name}`,
          title,
          `the switch exists but its host adapter "${iface}" does not`,
          win
            ? `switchyard apply (if the adapter stays missing: ${removeSwitch(sw.name)}; switchyard apply)`
            : 'switchyard apply',
          win ? [removeSwitch(sw.name)] : [],
        ),
      );
    } else {
      out.push(
        pass(
          `switch:${sw.name}`,
          title,
          `${seen ? `${seen.kind}${seen.ours ? '' : ', not created by switchyard (adopted)'}` : 'present'}; adapter ${iface}`,
        ),
      );
    }

    const choice = i.addresses.switches.find((s) => s.name === sw.name);
    if (!choice) continue; // no range: reported by the ranges check
    const want = `${formatIpv4(choice.host)}/${choice.subnet.prefix}`;
    const has = ifaceSeen?.addresses.find((a) => a.address === choice.host);
    const manual = win
      ? `New-NetIPAddress -InterfaceAlias ${psString(iface)} -IPAddress ${formatIpv4(choice.host)} -PrefixLength ${choice.subnet.prefix}`
      : `ip addr add ${want} dev ${shWord(iface)}`;
    const aTitle = `host address ${want} on ${iface}`;
    if (has && has.prefix === choice.subnet.prefix && !has.dynamic) {
      out.push(pass(`address:${sw.name}`, aTitle, 'present'));
    } else {
      out.push(
        fail(
          `address:${sw.name}`,
          aTitle,
          has
            ? `${formatIpv4(has.address)}/${has.prefix}${has.dynamic ? ' from DHCP' : ''} instead of ${want}`
            : ifaceSeen
              ? `missing (${ifaceSeen.addresses.map((a) => `${formatIpv4(a.address)}/${a.prefix}`).join(', ') || 'no addresses'})`
              : 'missing (no adapter)',
          `switchyard apply (by hand: ${manual})`,
          win ? [manual] : [],
        ),
      );
    }
  }
  return out;
}

export function natChecks(i: CheckInputs): Check[] {
  const wanted = i.addresses.switches.filter((c) => i.config.switches.find((s) => s.name === c.name)?.nat);
  if (wanted.length === 0) return [];
  const out: Check[] = [];
  const win = i.observed.platform === 'windows';
  const foreign = i.observed.nats.filter((n) => !n.ours);
  if (win) {
    const title = 'one NetNat, and not a foreign one';
    const names = i.observed.nats.map(
      (n) => `"${n.name}" ${formatCidr(n.prefix)}${n.ours ? '' : ' (foreign)'}`,
    );
    if (i.observed.nats.length > 1) {
      out.push(
        fail(
          'nat:count',
          title,
          `${i.observed.nats.length} NetNats: ${names.join(', ')} — Windows supports one WinNAT per host; more than one breaks NAT for all`,
          `remove the ones nothing needs: ${foreign.map((n) => removeNat(n.name)).join('; ') || 'Get-NetNat'}; then switchyard apply`,
          foreign.length > 0 ? foreign.map((n) => removeNat(n.name)) : ['Get-NetNat'],
        ),
      );
    } else if (foreign.length > 0) {
      const f = foreign[0]!;
      out.push(
        fail(
          'nat:count',
          title,
          `NetNat "${f.name}" (${formatCidr(f.prefix)}) is not switchyard's (Docker, a WinNAT script?) and Windows allows only one`,
          `if nothing needs it: ${removeNat(f.name)}; switchyard apply — else set \`nat: false\` on the switch`,
          [removeNat(f.name)],
        ),
      );
    } else {
      out.push(pass('nat:count', title, i.observed.nats.length === 0 ? 'no NetNat' : names.join(', ')));
    }
  }
  for (const c of wanted) {
    const title = `NAT for switch ${c.name} (${formatCidr(c.subnet)})`;
    const covering = i.observed.nats.find(
      (n) => contains(n.prefix, c.subnet.network) && n.prefix.prefix <= c.subnet.prefix,
    );
    if (covering?.ours)
      out.push(pass(`nat:${c.name}`, title, `${covering.name} ${formatCidr(covering.prefix)}`));
    else if (covering)
      out.push(
        fail(
          `nat:${c.name}`,
          title,
          `covered by foreign NetNat "${covering.name}" (${formatCidr(covering.prefix)})`,
          `${removeNat(covering.name)}; switchyard apply — or set \`nat: false\``,
          [removeNat(covering.name)],
        ),
      );
    else out.push(fail(`nat:${c.name}`, title, `missing (want ${natName(c.name)})`, 'switchyard apply'));
  }
  return out;
}
