/**
 * Desired state: the config with every range resolved by the address planner. Pure.
 */
import type { Config } from '../config/schema.js';
import { switchInterface } from '../config/switch-interface.js';
import { formatCidr, type Cidr, type Ipv4 } from '../net/ipv4.js';
import type { AddressPlan } from './address-plan.js';
import type { FirewallRule } from './observed.js';
import type { BootTaskSpec } from './ops.js';
import type { Originals } from './originals.js';

export interface DesiredSwitch {
  name: string;
  /** The host interface carrying the switch: "vEthernet (NAME)" on Windows, NAME on Linux (or `interface:`). */
  iface: string;
  subnet: Cidr;
  host: Ipv4;
  nat: boolean;
  dhcp: boolean;
  /** The switch's DNS domain (`dns.domain`), undefined when its DNS server is off (`dns.enabled: false`). */
  dnsDomain: string | undefined;
  /** The subnet is written in the config (not chosen or pinned): it is never moved around a clash. */
  fixedSubnet?: boolean;
}

export interface DesiredHost {
  switches: DesiredSwitch[];
  wsl: { subnet: Cidr; gateway: Ipv4 } | undefined;
  forwarding: boolean;
  /** DHCP (udp 67) and DNS (udp/tcp 53) from each switch subnet — scoped by address, never by alias (aliases are recreated at reboot). */
  firewall: FirewallRule[];
  /**
   * The boot task: undefined = not managed (plan/apply leave it alone); a spec = `switchyard install`;
   * 'absent' = `switchyard uninstall`.
   */
  bootTask?: BootTaskSpec | 'absent' | undefined;
  /** Values to put back as they were before switchyard (uninstall only; model/originals.ts). */
  restore?: Originals | undefined;
}

export function desiredHost(config: Config, plan: AddressPlan, platform: 'windows' | 'linux'): DesiredHost {
  const switches = plan.switches.map((choice): DesiredSwitch => {
    const sw = config.switches.find((s) => s.name === choice.name)!;
    return {
      name: sw.name,
      iface: switchInterface(sw, platform),
      subnet: choice.subnet,
      host: choice.host,
      nat: sw.nat,
      dhcp: sw.dhcp.enabled,
      // The daemon serves DNS beside DHCP (it needs the scope DHCP resolves): no DHCP, no DNS server to point at.
      dnsDomain: sw.dns.enabled && sw.dhcp.enabled ? sw.dns.domain : undefined,
      ...(choice.source === 'config' ? { fixedSubnet: true } : {}),
    };
  });
  // Linux: not managed (an accept in our nftables table cannot override another table's drop; see host/linux/host.ts).
  // Windows: scoped to the switch's interface as well as by source, so UDP 67 from 0.0.0.0/32 is not open on
  // the corporate uplink too. The firewall keeps the interface, not its alias (microsoft/WSL#6731): a vNIC
  // re-created with the switch leaves the rules scoped to nothing, which the observation reads back as a
  // different interface, and the next apply writes them again.
  const firewall = switches.flatMap((s): FirewallRule[] =>
    s.dhcp && platform === 'windows'
      ? [
          {
            name: `switchyard DHCP ${s.name}`,
            protocol: 'udp',
            port: 67,
            from: [s.subnet, UNCONFIGURED],
            iface: s.iface,
          },
          ...(s.dnsDomain !== undefined
            ? [
                {
                  name: `switchyard DNS ${s.name}`,
                  protocol: 'udp' as const,
                  port: 53,
                  from: [s.subnet],
                  iface: s.iface,
                },
                {
                  name: `switchyard DNS-TCP ${s.name}`,
                  protocol: 'tcp' as const,
                  port: 53,
                  from: [s.subnet],
                  iface: s.iface,
                },
              ]
            : []),
        ]
      : [],
  );
  return {
    switches,
    wsl: plan.wsl ? { subnet: plan.wsl.subnet, gateway: plan.wsl.gateway } : undefined,
    forwarding: config.forwarding,
    firewall,
  };
}

export function firewallKey(r: FirewallRule): string {
  return `${r.name}|${r.protocol}|${r.port}|${r.from.map(formatCidr).join(',')}|${r.iface ?? '*'}`;
}

/** Where a DHCP client without an address sends from (RFC 2131 §4.1: ciaddr and the IP source are 0.0.0.0). */
export const UNCONFIGURED: Cidr = { network: 0 as Ipv4, prefix: 32 };

/** Uninstall's desired state: nothing of switchyard's, and what it replaced put back (resources/index.ts). */
export function nothingOurs(restore: Originals | undefined): DesiredHost {
  return { switches: [], wsl: undefined, forwarding: false, firewall: [], bootTask: 'absent', restore };
}
