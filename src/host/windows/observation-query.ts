/** Questions the planner asks of an observation (`ObservedWindows`). */
import type { ObservedAdapter, ObservedWindows } from './observation-types.js';

/**
 * WSL's host vNIC: `vEthernet (WSL)`, or `vEthernet (WSL (Hyper-V firewall))` when WSL's Hyper-V firewall
 * is on (the default on Windows 11: a different HNS network and alias, microsoft/WSL#10682), possibly with a
 * number appended when an old adapter holds the name (`vEthernet (WSL) 5`, microsoft/WSL#5821).
 */
export const WSL_ADAPTER_NAME = /^vEthernet \(WSL(?: \(Hyper-V firewall\))?\)(?: \d+)?$/;

/** The WSL adapter that is up (else any WSL adapter), or undefined (WSL not started since boot). */
export function findWslAdapter(obs: ObservedWindows): ObservedAdapter | undefined {
  const candidates = (obs.adapters ?? []).filter((a) => WSL_ADAPTER_NAME.test(a.name));
  return candidates.find((a) => a.up) ?? candidates[0];
}
