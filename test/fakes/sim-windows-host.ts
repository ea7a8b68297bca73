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
 * - NRPT (windows-fixtures §8.2): Add-DnsClientNrptRule assigns the rule a new GUID as its Name and keeps
 *   Namespace, NameServers and Comment as given; Remove-DnsClientNrptRule -Name removes that one rule. Rules
 *   are a list, so two rules for one namespace can exist (nothing in the cmdlets refuses it). The ops are
 *   carried out the way their PowerShell (host/windows/ops.ts) drives those cmdlets. `nrptGroupPolicy`: the
 *   GPO DnsPolicyConfig key exists (the rules are still listed; Windows just ignores them).
 * - Remove-VMSwitch is refused (by our guarded op) while a VM has an adapter on the switch.
 * - Scheduled Tasks: only ours (\switchyard\switchyard) is observed; `foreignTasks` stand for the rest.
 * - Firewall rules outside our group (`foreignFirewall`) are never observed or touched by setFirewall.
 */
import type { ExecuteResult, Host } from '../../src/host/host.js';
import type {
  FirewallRule,
  ObservedBootTask,
  ObservedHost,
  ObservedHyperVFirewall,
  ObservedNat,
  ObservedNrptRule,
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
  nrpt: ObservedNrptRule[] = [];
  nrptGroupPolicy = false;
  /** Source of the GUIDs Add-DnsClientNrptRule assigns (deterministic here). */
  private guids = 0;
  /** VMs with a network adapter on a switch (Get-VMNetworkAdapter -VMName *). */
  vms: { name: string; switchName: string }[] = [];
  /** Firewall rules not in our group: invisible to observe, untouched by setFirewall. */
  foreignFirewall: FirewallRule[] = [];
  /** Our Scheduled Task \switchyard\switchyard. */
  bootTask: ObservedBootTask | undefined;
  /** Other Scheduled Tasks (paths), never observed. */
  foreignTasks: string[] = [];
  /** How many polls a newly created adapter stays invisible. */
  adapterDelay = 2;
  log: string[] = [];

  observe(): Promise<ObservedHost> {
    for (const a of this.adapters) if (a.hiddenFor > 0) a.hiddenFor--;
    const visible = this.adapters.filter((a) => a.hiddenFor === 0);
    return Promise.resolve(
      structuredClone({
        platform: 'windows',
        switches: this.switches.map((sw) => ({
          ...sw,
          vms: this.vms
            .filter((v) => v.switchName.toLowerCase() === sw.name.toLowerCase())
            .map((v) => v.name),
        })),
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
        nrpt: { rules: this.nrpt, groupPolicy: this.nrptGroupPolicy },
        bootTask: this.bootTask,
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

  /** Add-DnsClientNrptRule as a user or another program would run it: returns the Name Windows assigned. */
  addNrptRule(namespaces: string[], nameServers: string[], comment?: string): string {
    const name = `{00000000-0000-4000-8000-${String(++this.guids).padStart(12, '0')}}`;
    this.nrpt.push({ name, namespaces, nameServers, comment });
    return name;
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
        if (this.vms.some((v) => v.switchName.toLowerCase() === op.name.toLowerCase()))
          throw new Error(`VMs are still connected to switch ${op.name}`);
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
      case 'addNrptRule': {
        // As ops.ts's script drives the cmdlets.
        const lower = (x: string): string => x.toLowerCase();
        const servers = op.servers.map(formatIpv4).join(',');
        const ns = lower(op.namespace);
        const foreign = this.nrpt.filter(
          (r) => !lower(r.comment ?? '').startsWith('switchyard:') && r.namespaces.map(lower).includes(ns),
        );
        for (const r of foreign)
          if (r.nameServers.join(',') !== servers)
            throw new Error(`NRPT rule ${r.name} is not switchyard's and already claims ${op.namespace}`);
        let kept = false;
        for (const r of this.nrpt.filter((x) => lower(x.comment ?? '') === lower(op.comment))) {
          if (!kept && lower(r.namespaces.join(',')) === ns && r.nameServers.join(',') === servers)
            kept = true;
          else this.nrpt = this.nrpt.filter((x) => x !== r);
        }
        if (!kept && foreign.length === 0)
          this.addNrptRule([op.namespace], op.servers.map(formatIpv4), op.comment);
        return;
      }
      case 'removeNrptRule':
        this.nrpt = this.nrpt.filter(
          (r) => !(r.name === op.name && (r.comment ?? '').toLowerCase().startsWith('switchyard:')),
        );
        return;
      case 'registerBootTask':
        this.bootTask = { execute: op.task.execute, arguments: op.task.arguments };
        return;
      case 'unregisterBootTask':
        this.bootTask = undefined;
        return;
      case 'restoreWslNat':
        // Remove-ItemProperty deletes the value: no key left behind.
        this.lxss = {
          ...(op.natNetwork !== null ? { natNetwork: op.natNetwork } : {}),
          ...(op.natGateway !== null ? { natGateway: op.natGateway } : {}),
        };
        return;
      case 'restoreWslUserIp':
        this.userNatIp = op.ip;
        return;
      case 'removeWslConfig':
        this.wslconfig = undefined;
        return;
      case 'restoreHyperVFirewallInbound':
        if (this.hyperVFirewall) this.hyperVFirewall = { defaultInboundAction: op.action };
        return;
      case 'setLinkDns':
      case 'revertLinkDns':
        throw new Error(`${op.op} is Linux-only (systemd-resolved)`);
    }
  }
}
