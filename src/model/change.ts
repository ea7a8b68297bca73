/**
 * A plan is data: an ordered list of changes, each saying which resource, what action, a human detail, and
 * the operations that carry it out. `blocked` changes cannot be applied (something not ours is in the way);
 * they carry the guidance instead (terraform's plan vocabulary, plus "blocked").
 */
import type { Op } from '../model/ops.js';

export type Action = '+' | '~' | '-' | '!';

export interface Change {
  /** Resource kind: switch, host-address, nat, forwarding, firewall, wsl-range, wslconfig, hyperv-firewall, dns-rule. */
  resource: string;
  /** Which one, e.g. the switch name or the interface alias. */
  key: string;
  action: Action;
  detail: string;
  ops: Op[];
  /** Something the user must know or do after apply (e.g. `wsl --shutdown`). */
  note?: string;
}

export interface Plan {
  changes: Change[];
}
