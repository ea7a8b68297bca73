/**
 * The resource kinds, in creation order: a switch before its address, the address before NAT and forwarding,
 * the DNS server's firewall rules before the NRPT rule that sends names to it; the boot task last (the daemon starts once the network is there), `restore` (uninstall only) after all.
 * Deletions run in the reverse order (makePlan does that), so nothing is removed from under something else:
 * the boot task (the daemon) goes first.
 *
 * Taking part in `switchyard uninstall` (cli/uninstall.ts): uninstall plans against `nothingOurs()` — no
 * switches, no WSL range, forwarding off, no firewall rules, bootTask 'absent', `restore` = the recorded
 * originals. So a kind's diff must, given a desired state with none of its objects, plan the removal of every
 * observed object that carries switchyard's mark (and never one that does not). A kind that overwrites a
 * value it did not create records the old value in model/originals.ts and restores it in restore.ts.
 */
import type { Change } from '../change.js';
import type { DesiredHost } from '../desired.js';
import type { ObservedHost } from '../observed.js';
import { diffDnsRules } from './dns-rule.js';
import { diffBootTask } from './boot-task.js';
import { diffDnsLink } from './dns-link.js';
import { diffFirewall } from './firewall.js';
import { diffForwarding } from './forwarding.js';
import { diffHostAddresses } from './host-address.js';
import { diffHyperVFirewall } from './hyperv-firewall.js';
import { diffNat } from './nat.js';
import { diffRestore } from './restore.js';
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
  diffDnsRules,
  diffWsl,
  diffWslConfig,
  diffHyperVFirewall,
  diffDnsLink,
  diffBootTask,
  diffRestore,
];
