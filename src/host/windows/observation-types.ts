/**
 * The typed model of an observed Windows host (`ObservedWindows`), and the names shared with the code
 * that creates these objects. observation-script.ts gathers it, observation-parse.ts validates it.
 */
import type { Cidr, Ipv4 } from '../../net/ipv4.js';
import type { Mac } from '../../net/mac.js';
import type { WslConfigEncoding } from '../../model/observed.js';

// ---------------------------------------------------------------------------------------------------
// Constants shared with the code that creates these objects

/** Version of the observation document; bump when the script's output changes incompatibly. */
export const OBSERVATION_SCHEMA = 1;
/** WSL's VM creator id for the Hyper-V firewall (microsoft/WSL WslCoreNetworkingSupport.h). */
export const WSL_VM_CREATOR_ID = '{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}';
/**
 * Group Policy's NRPT key: when it exists (even empty) Windows ignores the local rules
 * (docs/windows.md#nrpt-and-dns; gravitational/teleport#56060, tailscale/tailscale#11684).
 */
export const NRPT_GPO_KEY = 'SOFTWARE\\Policies\\Microsoft\\Windows NT\\DNSClient\\DnsPolicyConfig';

// ---------------------------------------------------------------------------------------------------
// The model

export type SwitchType = 'private' | 'internal' | 'external' | 'unknown';

export interface ObservedSwitch {
  name: string;
  /** Hyper-V's switch GUID in lower case; null if not reported. Default Switch: c08cb7b8-9b3c-408e-8e30-5e16a3aeb444. */
  id: string | null;
  type: SwitchType;
  notes: string;
  /** Notes are SWITCH_NOTE (model/marks.ts; trimmed, case-insensitive). */
  managed: boolean;
}

/** A host vNIC, `vEthernet (<switch or network name>)` (hidden ones included: Get-NetAdapter -IncludeHidden). */
export interface ObservedAdapter {
  name: string;
  ifIndex: number;
  /** As Get-NetAdapter shows it: "Up", "Disconnected", "Disabled", "Not Present", … */
  status: string;
  up: boolean;
  mac: Mac | null;
}

/** MSFT_NetIPAddress PrefixOrigin (NL_PREFIX_ORIGIN; .NET System.Net.NetworkInformation.PrefixOrigin). */
export type PrefixOrigin = 'other' | 'manual' | 'wellKnown' | 'dhcp' | 'routerAdvertisement' | 'unknown';
/** MSFT_NetIPAddress SuffixOrigin (NL_SUFFIX_ORIGIN). */
export type SuffixOrigin = 'other' | 'manual' | 'wellKnown' | 'dhcp' | 'link' | 'random' | 'unknown';
/** MSFT_NetIPAddress AddressState (NL_DAD_STATE). */
export type AddressState = 'invalid' | 'tentative' | 'duplicate' | 'deprecated' | 'preferred' | 'unknown';

export interface ObservedAddress {
  address: Ipv4;
  prefixLength: number;
  interfaceAlias: string;
  ifIndex: number | null;
  prefixOrigin: PrefixOrigin;
  suffixOrigin: SuffixOrigin;
  /** Assigned by a DHCP server (either origin is Dhcp): a network that already has one — never serve DHCP there. */
  dhcp: boolean;
  state: AddressState;
}

export interface ObservedInterface {
  alias: string;
  ifIndex: number | null;
  /** IPv4 forwarding on this interface (Set-NetIPInterface -Forwarding). */
  forwarding: boolean;
  mtu: number | null;
  metric: number | null;
  connected: boolean | null;
}

export interface ObservedNat {
  name: string;
  /** InternalIPInterfaceAddressPrefix as Windows reports it. */
  internalPrefix: string;
  /** The same, as a network (host bits cleared); null if it is not IPv4 CIDR text. */
  prefix: Cidr | null;
  active: boolean;
}

export interface ObservedRoute {
  destination: Cidr;
  interfaceAlias: string;
  ifIndex: number | null;
  /** 0.0.0.0 for on-link routes. */
  nextHop: Ipv4;
  onLink: boolean;
  /** RouteMetric only; Windows adds the interface metric when choosing. */
  metric: number;
}

export type FirewallDirection = 'inbound' | 'outbound' | 'unknown';
export type FirewallAction = 'notConfigured' | 'allow' | 'allowBypass' | 'block' | 'unknown';

export interface ObservedFirewallRule {
  /** The rule's unique Name (what -Name takes), not the display name. */
  name: string;
  displayName: string;
  group: string;
  enabled: boolean;
  direction: FirewallDirection;
  action: FirewallAction;
  /** From its port filter: "UDP", "TCP", "Any", or a number; null if absent. */
  protocol: string | null;
  localPorts: string[];
  /** From its address filter: "Any", keywords such as "LocalSubnet", or addresses/ranges. */
  remoteAddresses: string[];
  /**
   * From its interface filter: ["Any"] when not scoped; left out by observations recorded before it was
   * asked for. The firewall keeps the interface, not the alias, so an adapter that was re-created no longer
   * matches (microsoft/WSL#6731): what Windows prints back then is for a real machine to settle.
   */
  interfaceAliases?: string[];
}

/** A firewall profile as enforced (Get-NetFirewallProfile -PolicyStore ActiveStore). */
export interface ObservedFirewallProfile {
  name: string;
  /**
   * False when Group Policy's "Apply local firewall rules" is No (AllowLocalPolicyMerge = 0): rules in the
   * local store, switchyard's included, exist but are not enforced on this profile.
   */
  allowLocalFirewallRules: boolean | 'notConfigured' | null;
}

/** Hyper-V firewall settings for WSL's VM creator (Windows 11 22H2+; absent on Windows 10). */
export interface ObservedHypervFirewall {
  vmCreatorId: string;
  enabled: boolean | 'notConfigured' | null;
  defaultInboundAction: FirewallAction;
  defaultOutboundAction: FirewallAction;
  loopbackEnabled: boolean | 'notConfigured' | null;
}

export interface ObservedNrptRule {
  name: string;
  namespaces: string[];
  nameServers: string[];
  displayName: string | null;
  comment: string | null;
}

/** Whether Group Policy sets NRPT rules (then the local ones, ours included, are ignored). */
export interface ObservedNrptPolicy {
  groupPolicy: boolean;
}

/** WSL's persisted NAT state and the user's .wslconfig, raw: validating them is the planner's job. */
export interface ObservedWsl {
  /** HKLM …\Lxss NatNetwork, e.g. "172.29.192.0/20"; null when not set (WSL never started in NAT mode). */
  natNetwork: string | null;
  /** HKLM …\Lxss NatGatewayIpAddress, e.g. "172.29.192.1". */
  natGatewayIpAddress: string | null;
  /** HKCU …\Lxss NatIpAddress: the distro address WSL re-requests. */
  natIpAddress: string | null;
  /** Where .wslconfig is (or would be): %USERPROFILE%\.wslconfig. */
  wslconfigPath: string | null;
  /** Its text, exactly as read; null when the file does not exist. */
  wslconfig: string | null;
  /** Its encoding, from the byte-order mark; null when there is no file. */
  wslconfigEncoding: WslConfigEncoding | null;
}

/** A VM's network adapter and the switch it is connected to (Get-VMNetworkAdapter -VMName *). */
export interface ObservedVmAdapter {
  vmName: string;
  /** Empty when the adapter is not connected. */
  switchName: string;
}

/** Our boot task's first action (Get-ScheduledTask -TaskPath '\switchyard\' -TaskName 'switchyard'). */
export interface ObservedScheduledTask {
  execute: string;
  arguments: string;
}

/** Something the observation could not see, or an entry it had to drop. */
export interface ObservationNote {
  section: string;
  message: string;
  errorId: string | null;
}

export interface ObservedWindows {
  schema: typeof OBSERVATION_SCHEMA;
  /** Which PowerShell produced it: edition "Desktop" = Windows PowerShell 5.1, "Core" = PowerShell 7. */
  powershell: { version: string; edition: string };
  /** ISO 8601 UTC. */
  collectedAt: string | null;
  /** The observing session had an elevated Administrators token. */
  elevated: boolean;
  /** The user is in Hyper-V Administrators (S-1-5-32-578). */
  hypervAdmin: boolean;
  /** null = could not be observed (see notes); [] = observed, none. Same for every list below. */
  switches: ObservedSwitch[] | null;
  adapters: ObservedAdapter[] | null;
  /** All IPv4 addresses of the host (every interface: needed for overlap checks). */
  addresses: ObservedAddress[] | null;
  /** All IPv4 interfaces. */
  interfaces: ObservedInterface[] | null;
  nats: ObservedNat[] | null;
  /** The active IPv4 routing table (VPN routes included): ranges we must not clash with. */
  routes: ObservedRoute[] | null;
  /** Rules in our firewall group. */
  firewallRules: ObservedFirewallRule[] | null;
  /** As enforced (ActiveStore, where MDM policy lands); null also when WSL's VM creator has no settings yet. */
  hypervFirewall: ObservedHypervFirewall | null;
  /**
   * As written locally (the persistent store, what Set-NetFirewallHyperVVMSetting changes); left out by
   * observations recorded before it was asked for.
   */
  hypervFirewallLocal?: ObservedHypervFirewall | null;
  /** The enforced firewall profiles; left out by observations recorded before it was asked for. */
  firewallProfiles?: ObservedFirewallProfile[] | null;
  /** NRPT rules: all of them, or (with `nrptNamespaces`) ours and those for these namespaces. */
  nrptRules: ObservedNrptRule[] | null;
  /** null when it could not be read. */
  nrptPolicy: ObservedNrptPolicy | null;
  wsl: ObservedWsl | null;
  /** VM adapters; left out by observations recorded before it was asked for. */
  vmAdapters?: ObservedVmAdapter[] | null;
  /** Our boot task: [] none, [task] ours; left out by observations recorded before it was asked for. */
  bootTask?: ObservedScheduledTask[] | null;
  notes: ObservationNote[];
}
