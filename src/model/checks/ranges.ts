/**
 * The ranges switchyard uses (pinned, written in the config, or chosen) against the routes seen now on other
 * adapters: a VPN that came up after the range was pinned may route it elsewhere
 * (docs/windows.md#address-ranges). Pinning keeps the range (the planner warns); doctor says which route
 * clashes and what to do.
 */
import { MIN_ROUTE_PREFIX, type Choice } from '../address-plan.js';
import { switchInterface } from '../../config/switch-interface.js';
import { formatCidr, overlaps } from '../../net/ipv4.js';
import { PINNED_FILE } from '../pinned.js';
import { fail, pass, type Check, type CheckInputs } from './check.js';

export function rangeChecks(i: CheckInputs): Check[] {
  const out: Check[] = [];
  if (i.addresses.errors.length > 0) {
    out.push(
      fail(
        'ranges',
        'address ranges can be chosen',
        i.addresses.errors.join('; '),
        'edit the config: give the failing range a free `subnet:` or widen what `avoid:` leaves, then run `switchyard apply`',
      ),
    );
  }
  const managed = new Set([
    ...i.config.switches.map((s) => switchInterface(s, i.observed.platform)),
    ...(i.observed.wslInterface ? [i.observed.wslInterface] : []),
  ]);
  const routes = i.observed.routes.filter((r) => !managed.has(r.iface) && r.dest.prefix >= MIN_ROUTE_PREFIX);
  const pinnedPath = i.stateDir !== undefined ? `${i.stateDir}/${PINNED_FILE}` : PINNED_FILE;
  const one = (id: string, label: string, pinKey: string, c: Choice): void => {
    const title = `${label} range ${formatCidr(c.subnet)} clear of other routes`;
    const clash = routes.filter((r) => overlaps(r.dest, c.subnet));
    if (clash.length === 0) {
      out.push(pass(id, title, `${c.source}; no route on another adapter overlaps it`));
      return;
    }
    const list = clash.map((r) => `${formatCidr(r.dest)} via ${r.iface}`).join(', ');
    const fix =
      c.source === 'config'
        ? `the range is written in the config: change ${label}'s \`subnet:\` to one clear of ${list} (or \`auto\`), then run \`switchyard apply\``
        : `disconnect the VPN/network that added ${list}; or choose a new range: remove ${pinKey} from ${pinnedPath}, run \`switchyard apply\` (and \`wsl --shutdown\` for WSL) — guests then move to the new range`;
    out.push(fail(id, title, `${c.source} range overlaps ${list}: traffic to it may go there instead`, fix));
  };
  if (i.addresses.wsl) one('range:wsl', 'WSL', '"wsl"', i.addresses.wsl);
  for (const s of i.addresses.switches)
    one(`range:switch:${s.name}`, `switch ${s.name}`, `"switches"."${s.name}"`, s);
  return out;
}
