/** Forwarding between WSL and the switches: on, on both sides (research windows-anchors §2.C-17). */
import { switchInterface } from '../desired.js';
import { psString } from '../../ps-quote.js';
import { fail, pass, type Check, type CheckInputs } from './check.js';

export function forwardingChecks(i: CheckInputs): Check[] {
  if (!i.config.forwarding) return [];
  const win = i.observed.platform === 'windows';
  const ifaces = [
    ...i.config.switches.map((s) => switchInterface(s.name, s.interface, i.observed.platform)),
    ...(i.observed.wslInterface ? [i.observed.wslInterface] : []),
  ];
  return ifaces.map((name) => {
    const title = `forwarding on ${name}`;
    const seen = i.observed.interfaces.find((x) => x.name === name);
    const manual = win
      ? `Set-NetIPInterface -InterfaceAlias ${psString(name)} -AddressFamily IPv4 -Forwarding Enabled`
      : `sysctl -w net.ipv4.conf.${name.replace(/\./g, '/')}.forwarding=1`;
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
  });
}
