/**
 * A simulated Windows host at the level of the operations switchyard performs, following the documented
 * behaviour of the cmdlets behind each (research: windows-anchors.md, windows-fixtures.md):
 * - New-VMSwitch fails when a switch of that name exists; its "vEthernet (NAME)" adapter appears only a
 *   while later (NetworkingDsc waits up to 30 s) — here after `adapterDelay` polls.
 * - New-NetIPAddress fails when the address already exists ("Instance MSFT_NetIPAddress already exists",
 *   windows-fixtures §3.3) or the adapter is missing.
 * - New-NetNat fails while any NetNat exists: Windows supports one WinNAT (windows-anchors §2.B).
 * - Set-NetIPInterface on a missing alias fails ("No MSFT_NetIPInterface objects found").
 * - WSL rewrites HKLM Lxss NatNetwork/NatGatewayIpAddress with the range it fell back to after a failed
 *   start (windows-anchors §0): `wslFallsBack()`.
 * - .wslconfig is written whole ([IO.File]::WriteAllText): the text is stored exactly as given.
 * - The Hyper-V firewall exists on Windows 11 22H2+ only (`hyperVFirewall` undefined = Windows 10, where
 *   Set-NetFirewallHyperVVMSetting is not recognized and the guarded op skips it); WSL's inbound default is
 *   Block (windows-fixtures §7.3). Set-NetFirewallHyperVVMSetting -DefaultInboundAction Allow sets it.
 */
import type { ExecuteResult, Host } from '../../src/host/host.js';
import type {
  FirewallRule,
  ObservedHost,
  ObservedHyperVFirewall,
  ObservedNat,
  ObservedSwitch,
} from '../../src/model/observed.js';
import type { Op } from '../../src/model/ops.js';
import { formatCidr, formatIpv4, type Cidr, type Ipv4 } from '../../src/net/ipv4.js';

interface SimAdapter {
  name: string;
  addresses: { address: Ipv4; prefix: number; dynamic: boolean }[];
  forwarding: boolean;
  /** Polls left before it becomes visible (a new vEthernet adapter appears late). */
  hiddenFor: number;
}

export class SimWindowsHost implements Host {
  readonly platform = 'windows' as const;
  switches: ObservedSwitch[] = [];
  adapters: SimAdapter[] = [];
  nats: ObservedNat[] = [];
  routes: { dest: Cidr; iface: string }[] = [];
  firewall: FirewallRule[] = [];
  lxss: { natNetwork?: string; natGateway?: string } = {};
  userNatIp: string | undefined;
  wslconfig: string | undefined;
  hyperVFirewall: ObservedHyperVFirewall | undefined;
  wslAdapter: string | undefined;
  /** How many polls a newly created adapter stays invisible. */
  adapterDelay = 2;
  log: string[] = [];

  observe(): Promise<ObservedHost> {
    for (const a of this.adapters) if (a.hiddenFor > 0) a.hiddenFor--;
    const visible = this.adapters.filter((a) => a.hiddenFor === 0);
    return Promise.resolve(
      structuredClone({
        platform: 'windows',
        switches: this.switches,
        interfaces: visible.map((a) => ({ name: a.name, addresses: a.addresses, forwarding: a.forwarding })),
        nats: this.nats,
        routes: this.routes,
        firewall: this.firewall,
        wsl: {
          natNetwork: this.lxss.natNetwork,
          natGateway: this.lxss.natGateway,
          userNatIp: this.userNatIp,
          wslconfig: this.wslconfig,
          hyperVFirewall: this.hyperVFirewall,
        },
        wslInterface: this.wslAdapter,
      }),
    );
  }

  async execute(ops: readonly Op[], onStep?: (op: Op, index: number) => void): Promise<ExecuteResult> {
    for (const [i, op] of ops.entries()) {
      onStep?.(op, i);
      try {
        await this.run(op);
      } catch (e) {
        return { done: i, error: e as Error };
      }
    }
    return { done: ops.length };
  }

  addAdapter(name: string, addresses: SimAdapter['addresses'] = [], forwarding = false): SimAdapter {
    const a = { name, addresses, forwarding, hiddenFor: 0 };
    this.adapters.push(a);
    return a;
  }

  /** WSL started while its pinned range clashed with a route: it picks another and saves it (research §0). */
  wslFallsBack(subnet: string, gateway: string): void {
    this.lxss = { natNetwork: subnet, natGateway: gateway };
  }

  private adapter(name: string): SimAdapter {
    const a = this.adapters.find((x) => x.name === name && x.hiddenFor === 0);
    if (!a)
      throw new Error(
        `No MSFT_NetIPInterface objects found with property 'InterfaceAlias' equal to '${name}'`,
      );
    return a;
  }

  private async run(op: Op): Promise<void> {
    this.log.push(op.op);
    switch (op.op) {
      case 'createSwitch':
        if (this.switches.some((s) => s.name.toLowerCase() === op.name.toLowerCase())) {
          throw new Error(
            `Failed while adding virtual Ethernet switch connections. A switch named '${op.name}' already exists.`,
          );
        }
        this.switches.push({ name: op.name, ours: true, kind: 'Internal' });
        this.adapters.push({
          name: `vEthernet (${op.name})`,
          addresses: [],
          forwarding: false,
          hiddenFor: this.adapterDelay,
        });
        return;
      case 'deleteSwitch':
        this.switches = this.switches.filter((s) => s.name !== op.name);
        this.adapters = this.adapters.filter((a) => a.name !== `vEthernet (${op.name})`);
        return;
      case 'waitInterface':
        for (let t = 0; t < op.timeoutS; t++) {
          if (this.adapters.some((a) => a.name === op.iface && a.hiddenFor === 0)) return;
          await this.observe(); // one poll
        }
        throw new Error(`adapter ${op.iface} did not appear within ${op.timeoutS} s`);
      case 'addAddress': {
        const a = this.adapter(op.iface);
        if (a.addresses.some((x) => x.address === op.address))
          throw new Error('Instance MSFT_NetIPAddress already exists');
        a.addresses.push({ address: op.address, prefix: op.prefix, dynamic: false });
        return;
      }
      case 'removeAddress': {
        const a = this.adapter(op.iface);
        const before = a.addresses.length;
        a.addresses = a.addresses.filter((x) => x.address !== op.address);
        if (a.addresses.length === before)
          throw new Error(
            `No MSFT_NetIPAddress objects found with property 'IPAddress' equal to '${formatIpv4(op.address)}'`,
          );
        return;
      }
      case 'createNat':
        if (this.nats.length > 0)
          throw new Error(
            'New-NetNat : The parameter is incorrect. (a NetNat already exists; Windows supports one)',
          );
        this.nats.push({ name: op.name, prefix: op.prefix, ours: true });
        return;
      case 'deleteNat':
        this.nats = this.nats.filter((n) => n.name !== op.name);
        return;
      case 'setForwarding':
        this.adapter(op.iface).forwarding = op.on;
        return;
      case 'setFirewall':
        this.firewall = structuredClone(op.rules);
        return;
      case 'setWslNat':
        this.lxss = { natNetwork: formatCidr(op.subnet), natGateway: formatIpv4(op.gateway) };
        return;
      case 'clearWslUserIp':
        this.userNatIp = undefined;
        return;
      case 'setWslConfig':
        this.wslconfig = op.text;
        return;
      case 'setHyperVFirewallInbound':
        if (this.hyperVFirewall) this.hyperVFirewall = { defaultInboundAction: 'allow' };
        return;
      case 'setLinkDns':
      case 'revertLinkDns':
        throw new Error(`${op.op} is Linux-only (systemd-resolved)`);
    }
  }
}
