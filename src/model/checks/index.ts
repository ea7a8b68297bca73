/** All of doctor's checks, in the order they are shown: the network's foundations first, the daemon last. */
import type { Check, CheckInputs } from './check.js';
import { daemonChecks, portChecks } from './daemon.js';
import { dnsLinkChecks } from './dns.js';
import { forwardingChecks } from './forwarding.js';
import { natChecks, switchChecks } from './host.js';
import { nrptChecks } from './nrpt.js';
import { rangeChecks } from './ranges.js';
import { firewallChecks, wslChecks } from './windows.js';

export type CheckFn = (i: CheckInputs) => Check[];

export const CHECKS: readonly CheckFn[] = [
  rangeChecks,
  switchChecks,
  natChecks,
  forwardingChecks,
  firewallChecks,
  nrptChecks,
  wslChecks,
  dnsLinkChecks,
  daemonChecks,
  portChecks,
];

export function runChecks(i: CheckInputs): Check[] {
  return CHECKS.flatMap((c) => c(i));
}

export * from './check.js';
