/**
 * The host as observed, normalised across platforms: what the resources diff against. Each backend maps
 * its raw observation (PowerShell JSON on Windows, iproute2/nftables/sysctl on Linux) into this shape, so
 * the diff is written once and tested once.
 */
import type { Cidr, Ipv4 } from '../net/ipv4.js';

/**
 * How a .wslconfig file is encoded, from its byte-order mark: Notepad and PowerShell 5.1's Out-File write
 * UTF-16 LE with a BOM, others UTF-8 with or without one. A rewrite keeps the file's encoding.
 */
export type WslConfigEncoding = 'utf8' | 'utf8bom' | 'utf16le' | 'utf16be';

export interface ObservedAddress {
  address: Ipv4;
  prefix: number;
  /** Obtained from DHCP (Windows PrefixOrigin Dhcp; Linux "dynamic"). */
  dynamic: boolean;
}

export interface ObservedInterface {
  /** Windows: the adapter alias ("vEthernet (WSL)"); Linux: the link name. */
  name: string;
  addresses: ObservedAddress[];
  /** IPv4 forwarding on this interface; undefined when it could not be read. */
  forwarding: boolean | undefined;
}

export interface ObservedSwitch {
  name: string;
  /** Carries switchyard's ownership mark (Windows: VMSwitch Notes; Linux: link alias). */
  ours: boolean;
  /** Windows: Internal / External / Private; Linux: the link kind (bridge). */
  kind: string;
  /** Windows: the VMs with a network adapter on this switch; undefined when not observed (Linux, or unknown). */
  vms?: string[] | undefined;
}

export interface ObservedNat {
  name: string;
  prefix: Cidr;
  ours: boolean;
  /** Linux: the other interfaces whose traffic this NAT leaves alone (sorted); undefined on Windows. */
  notOut?: string[];
}

export interface ObservedRoute {
  dest: Cidr;
  iface: string;
}

/** A firewall rule as switchyard writes it: a protocol and port opened to source ranges. */
export interface FirewallRule {
  name: string;
  protocol: 'udp' | 'tcp';
  port: number;
  /** Source ranges. DHCP also needs 0.0.0.0/32: a client without an address sends its DISCOVER from 0.0.0.0. */
  from: Cidr[];
  /**
   * The one interface (alias) it applies on; undefined = every interface. Observed: '' when the rule is
   * scoped to an interface that no longer has an alias (a re-created adapter), several joined by ", ".
   */
  iface?: string | undefined;
}

/**
 * The Hyper-V firewall's settings for WSL's VM creator, as applied (`Get-NetFirewallHyperVVMSetting
 * -PolicyStore ActiveStore -Name '{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}'`). That firewall exists on Windows 11
 * 22H2+ with WSL 2.0.9+ and filters traffic INTO WSL; its inbound default is Block (microsoft/WSL#11693;
 * docs/windows.md#hyper-v-firewall).
 */
export interface ObservedHyperVFirewall {
  /** DefaultInboundAction, by its value name; 'unknown' for a value the observation could not map. */
  defaultInboundAction: 'notConfigured' | 'allow' | 'allowBypass' | 'block' | 'unknown';
  /**
   * The same in the local (persistent) store, what switchyard writes; when it differs from the enforced
   * value above, a policy (MDM) sets it. Undefined when not observed.
   */
  localInboundAction?: 'notConfigured' | 'allow' | 'allowBypass' | 'block' | 'unknown' | undefined;
}

export interface ObservedWsl {
  /** HKLM Lxss NatNetwork / NatGatewayIpAddress — WSL's saved NAT state (docs/windows.md#wsl-range). */
  natNetwork: string | undefined;
  natGateway: string | undefined;
  /** HKCU Lxss NatIpAddress — the distro's saved address. */
  userNatIp: string | undefined;
  /** The user's .wslconfig text, undefined when there is none. */
  wslconfig: string | undefined;
  /** Its encoding (byte-order mark), when the host says; a rewrite keeps it. */
  wslconfigEncoding?: WslConfigEncoding | undefined;
  /**
   * The Hyper-V firewall settings for WSL; undefined (or left out) when this Windows has no Hyper-V firewall
   * (Windows 10: the cmdlet does not exist) or WSL's VM creator has no settings yet.
   */
  hyperVFirewall?: ObservedHyperVFirewall | undefined;
}

/** A Name Resolution Policy Table rule (Get-DnsClientNrptRule), switchyard's or anyone else's. */
export interface ObservedNrptRule {
  /** The GUID Windows assigned when the rule was added, e.g. "{6a78d8d1-…}" (what -Name takes). */
  name: string;
  /** ".example.com" = every name under it; "host.example.com" = that name only. */
  namespaces: string[];
  nameServers: string[];
  /** switchyard marks its rules here (dns-rule.ts); undefined when empty. */
  comment: string | undefined;
}

/** NRPT as observed (Windows only). */
export interface ObservedNrpt {
  rules: ObservedNrptRule[];
  /**
   * Group Policy's DnsPolicyConfig key exists: Windows then ignores every local NRPT rule, switchyard's
   * included (gravitational/teleport#56060, tailscale/tailscale#11684; docs/windows.md#nrpt-and-dns).
   */
  groupPolicy: boolean;
}

/** The boot registration switchyard made (Windows: the Scheduled Task \\switchyard\\switchyard; only ours is read). */
export interface ObservedBootTask {
  /** The action's program. */
  execute: string;
  /** The action's argument string. */
  arguments: string;
}
/** systemd-resolved's per-link DNS settings (Linux): what `resolvectl dns` / `resolvectl domain` list. */
export type ObservedResolved =
  | { running: true; links: { iface: string; servers: string[]; domains: string[] }[] }
  /** resolvectl missing, no system bus, or no systemd-resolved on it: `why` says which. */
  | { running: false; why: string };

/** A part of the host the observation could not read (Windows: a section of the observation script). */
export interface UnobservedPart {
  part: 'switches' | 'vmAdapters' | 'interfaces' | 'nats' | 'firewall' | 'bootTask';
  /** What could not be read, for people: "Hyper-V (Get-VMSwitch)". */
  what: string;
  /** `denied`: refused to this caller; `missing`: not installed; `failed`: anything else. */
  reason: 'denied' | 'missing' | 'failed';
  message: string;
}

export interface ObservedHost {
  platform: 'windows' | 'linux';
  /** Parts that could not be read: never planned as empty (model/unobserved.ts). */
  unobserved?: UnobservedPart[];
  switches: ObservedSwitch[];
  interfaces: ObservedInterface[];
  nats: ObservedNat[];
  routes: ObservedRoute[];
  /** Firewall rules switchyard owns (others are never read back or touched). */
  firewall: FirewallRule[];
  /**
   * Windows only: the firewall profiles on which Group Policy's "Apply local firewall rules: No"
   * (AllowLocalPolicyMerge = 0) leaves local rules, switchyard's included, unenforced; [] = none; undefined
   * when not observed.
   */
  localFirewallRulesIgnored?: string[] | undefined;
  /** Windows only, undefined elsewhere. */
  wsl: ObservedWsl | undefined;
  /** The WSL host adapter, when one exists ("vEthernet (WSL)" or "vEthernet (WSL (Hyper-V firewall))"; Linux: configured). */
  wslInterface: string | undefined;
  /** Windows only; undefined elsewhere and where it could not be read (DnsClient module missing). */
  nrpt?: ObservedNrpt | undefined;
  /**
   * Windows only: the observing session had an elevated token. A non-elevated session may not see a task
   * that runs as SYSTEM, so an absent bootTask then means "unknown", not "none".
   */
  elevated?: boolean | undefined;
  /** Our boot task; undefined when there is none, or on hosts where it is not observed (Linux). */
  bootTask?: ObservedBootTask | undefined;
  /** Linux only: net.ipv4.ip_forward (host-wide; NAT'd traffic is not forwarded while it is off). */
  ipForward?: boolean | undefined;
  /** Linux only: systemd-resolved, when it was looked at (undefined on Windows and in older fakes). */
  resolved?: ObservedResolved | undefined;
}

export function emptyHost(platform: 'windows' | 'linux'): ObservedHost {
  return {
    platform,
    switches: [],
    interfaces: [],
    nats: [],
    routes: [],
    firewall: [],
    wsl: undefined,
    wslInterface: undefined,
  };
}
