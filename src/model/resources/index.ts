/**
 * The resource kinds, in creation order: a switch before its address, the address before NAT and forwarding.
 * Deletions run in the reverse order (makePlan does that), so nothing is removed from under something else.
 */
import type { Change } from '../change.js';
import type { DesiredHost } from '../desired.js';
import type { ObservedHost } from '../observed.js';
import { diffDnsLink } from './dns-link.js';
import { diffFirewall } from './firewall.js';
import { diffForwarding } from './forwarding.js';
import { diffHostAddresses } from './host-address.js';
import { diffHyperVFirewall } from './hyperv-firewall.js';
import { diffNat } from './nat.js';
import { diffSwitches } from './switch.js';
import { diffWsl } from './wsl.js';
import { diffWslConfig } from './wslconfig.js';

export type Diff = (d: DesiredHost, o: ObservedHost) => Change[];

export const resources: readonly Diff[] = [
  diffSwitches,
  diffHostAddresses,
  diffNat,
  diffForwarding,
  diffFirewall,
  diffWsl,
  diffWslConfig,
  diffHyperVFirewall,
  diffDnsLink,
];
