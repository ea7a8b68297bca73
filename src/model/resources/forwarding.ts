/**
 * Forwarding between WSL and the switches, on both sides, selected by interface name — never by index, which
 * Windows reassigns when WSL recreates its adapter (microsoft/WSL#4288). The WSL adapter is named either
 * "vEthernet (WSL)" or "vEthernet (WSL (Hyper-V firewall))"; the observation says which exists.
 */
import type { Change } from '../change.js';
import type { DesiredHost } from '../desired.js';
import type { ObservedHost } from '../observed.js';

export function diffForwarding(d: DesiredHost, o: ObservedHost): Change[] {
  if (!d.forwarding) return [];
  const ifaces = [...d.switches.map((s) => s.iface), ...(o.wslInterface ? [o.wslInterface] : [])];
  const out: Change[] = [];
  for (const name of ifaces) {
    const seen = o.interfaces.find((i) => i.name === name);
    if (seen?.forwarding === true) continue;
    out.push({
      resource: 'forwarding',
      key: name,
      action: '~',
      detail: `turn IPv4 forwarding on for ${name}`,
      ops: [{ op: 'setForwarding', iface: name, on: true }],
    });
  }
  return out;
}
