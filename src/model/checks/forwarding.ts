/** Forwarding between WSL and the switches: on, on both sides (microsoft/WSL#4288; docs/windows.md#forwarding). */
import { switchInterface } from '../../config/switch-interface.js';
import { psString } from '../../ps-quote.js';
import { fail, pass, type Check, type CheckInputs } from './check.js';
import { shWord } from '../../sh-quote.js';

/** Linux: net.ipv4.ip_forward, host-wide; NAT (and WSL ⇄ VMs) need it. Named itself, not as "NAT missing". */
function ipForwardCheck(i: CheckInputs): Check[] {
  const o = i.observed;
  if (o.platform !== 'linux' || o.ipForward === undefined) return [];
  if (!i.config.forwarding && !i.config.switches.some((s) => s.nat)) return [];
  const title = 'net.ipv4.ip_forward on (host-wide)';
  return [
    o.ipForward
      ? pass('ip_forward', title, 'on')
      : fail(
          'ip_forward',
          title,
          'off: nothing is forwarded, so the VMs reach neither the outside (NAT) nor WSL',
          'switchyard apply (by hand: sysctl -w net.ipv4.ip_forward=1); a running switchyard serve turns it back on',
        ),
  ];
}

export function forwardingChecks(i: CheckInputs): Check[] {
  const global = ipForwardCheck(i);
  if (!i.config.forwarding) return global;
  const win = i.observed.platform === 'windows';
  const ifaces = [
    ...i.config.switches.map((s) => switchInterface(s, i.observed.platform)),
    ...(i.observed.wslInterface ? [i.observed.wslInterface] : []),
  ];
  return [
    ...global,
    ...ifaces.map((name) => {
      const title = `forwarding on ${name}`;
      const seen = i.observed.interfaces.find((x) => x.name === name);
      const manual = win
        ? `Set-NetIPInterface -InterfaceAlias ${psString(name)} -AddressFamily IPv4 -Forwarding Enabled`
        : `sysctl -w ${shWord(`net.ipv4.conf.${name.replace(/\./g, '/')}.forwarding=1`)}`;
      if (seen?.forwarding === true) return pass(`forwarding:${name}`, title, 'on');
      return fail(
        `forwarding:${name}`,
        title,
        !seen ? 'the adapter does not exist' : seen.forwarding === false ? 'off' : 'could not be read',
        !seen
          ? 'switchyard apply'
          : `switchyard apply (by hand: ${manual})${win && name === i.observed.wslInterface ? ' — WSL resets it at each start; the running daemon re-applies it' : ''}`,
        seen && win ? [manual] : [],
      );
    }),
  ];
}
