/** The switch: a Hyper-V internal switch on Windows, a bridge on Linux. */
import type { Change } from '../change.js';
import type { DesiredHost } from '../desired.js';
import type { ObservedHost } from '../observed.js';

/** New-VMSwitch returns before its vEthernet adapter exists (NetworkingDsc waits up to 30 s): wait, bounded. */
const ADAPTER_WAIT_S = 30;

export function diffSwitches(d: DesiredHost, o: ObservedHost): Change[] {
  const out: Change[] = [];
  for (const s of d.switches) {
    const seen = o.switches.find((x) => x.name.toLowerCase() === s.name.toLowerCase());
    // Linux: a link with the bridge's name that is no bridge (a veth, a dummy…) is in the way of creating it.
    const squatter =
      !seen && o.platform === 'linux' ? o.interfaces.find((i) => i.name === s.iface) : undefined;
    if (squatter) {
      out.push({
        resource: 'switch',
        key: s.name,
        action: '!',
        detail: `an interface named ${s.iface} exists and is not a switchyard bridge: rename the switch in the config (or set \`interface:\`), or remove that interface yourself`,
        ops: [],
      });
    } else if (!seen) {
      out.push({
        resource: 'switch',
        key: s.name,
        action: '+',
        detail: o.platform === 'windows' ? `create internal switch "${s.name}"` : `create bridge ${s.name}`,
        ops: [
          { op: 'createSwitch', name: s.name },
          { op: 'waitInterface', iface: s.iface, timeoutS: ADAPTER_WAIT_S },
        ],
      });
    } else if (!seen.ours && !/^(internal|bridge)$/i.test(seen.kind)) {
      out.push({
        resource: 'switch',
        key: s.name,
        action: '!',
        detail: `a ${seen.kind} switch named "${s.name}" exists and is not switchyard's: rename the switch in the config, or remove that switch yourself`,
        ops: [],
      });
    }
    // An existing internal switch of that name that is not ours is used as it is, never changed or deleted.
  }
  for (const sw of o.switches) {
    if (sw.ours && !d.switches.some((s) => s.name.toLowerCase() === sw.name.toLowerCase())) {
      const vms = sw.vms ?? [];
      if (vms.length > 0) {
        // Deleting it would cut those VMs off (deleteSwitch refuses it too): the switch stays.
        out.push({
          resource: 'switch',
          key: sw.name,
          action: '!',
          detail:
            o.platform === 'windows'
              ? `switch "${sw.name}" is switchyard's but stays: VM(s) ${vms.join(', ')} are connected to it; disconnect them (Connect-VMNetworkAdapter -VMName NAME -SwitchName OTHER, or Disconnect-VMNetworkAdapter) and run this again`
              : `bridge ${sw.name} is switchyard's but stays: port(s) ${vms.join(', ')} (VMs) are attached to it; detach them (ip link set dev PORT nomaster) or stop those VMs, and run this again`,
          ops: [],
        });
        continue;
      }
      out.push({
        resource: 'switch',
        key: sw.name,
        action: '-',
        detail: `delete switch "${sw.name}" (switchyard's, no longer configured)`,
        ops: [{ op: 'deleteSwitch', name: sw.name }],
      });
    }
  }
  return out;
}
