/**
 * Observing a Windows host: ONE PowerShell script that gathers everything the planner needs, and a pure
 * parser that turns its JSON into a typed, validated model (`ObservedWindows`).
 *
 * The script (observationScript) runs non-elevated. Each part is guarded: a cmdlet that does not exist
 * (no Hyper-V module, Windows 10 without Get-NetFirewallHyperVVMSetting) or that fails (Hyper-V cmdlets
 * refuse users who are neither elevated nor in Hyper-V Administrators) yields `null` for that part and a
 * note — never a failed observation. A CDXML query that matches nothing (FullyQualifiedErrorId
 * `CmdletizationQuery_NotFound…`, research/windows-fixtures.md §13) is an empty list, not an error.
 * Parts are collected with `@(…)` into a hashtable and serialised with `ConvertTo-Json -InputObject`
 * (never the pipeline), so a one-element list stays a list on 5.1 (PowerShell/PowerShell#11857).
 *
 * The parser accepts what 5.1 and 7 actually print (research/windows-fixtures.md §0):
 * - enums as numbers (5.1, and 7 without -EnumsAsStrings) or as names (the script asks 7 for names) or
 *   as numeric strings; the number ↔ name tables are the CIM classes' value maps (cited per table);
 * - a one-element array collapsed to the element, and 5.1's `{"value":[…],"Count":n}` array wrapper
 *   (PowerShell#3222, #5579: arrays returned from script blocks, e.g. calculated properties);
 * - dates as 5.1's `"\/Date(ms)\/"` (optionally with the ETS wrapper `{value, DisplayHint, DateTime}`)
 *   or 7's ISO 8601 strings;
 * - any whitespace layout, property names in any case.
 * An entry that does not validate is dropped with a note; only a document that is not an observation at
 * all (not JSON, not an object, wrong schema) is an error.
 */
import { formatIpv4, maskOf, parseCidr, parseIpv4, type Cidr, type Ipv4 } from '../../net/ipv4.js';
import { parseMac, type Mac } from '../../net/mac.js';
import { TASK_NAME, TASK_PATH } from './task.js';
import { wrapScript, PS_IS_ELEVATED, PS_IS_HYPERV_ADMIN } from './powershell.js';
import { psArray, psString } from '../../ps-quote.js';

// ---------------------------------------------------------------------------------------------------
// Constants shared with the code that creates these objects

/** Version of the observation document; bump when the script's output changes incompatibly. */
export const OBSERVATION_SCHEMA = 1;
/** Firewall rules switchyard creates carry this group (New-NetFirewallRule -Group). */
export const DEFAULT_FIREWALL_GROUP = 'switchyard';
/**
 * A Hyper-V switch whose Notes are exactly this (compared like PowerShell's -eq: case-insensitive) was
 * created by switchyard (New-VMSwitch -Notes; the same mark as OWNER_NOTE in ops.ts).
 */
export const MANAGED_SWITCH_NOTE = 'switchyard';
/** WSL's VM creator id for the Hyper-V firewall (microsoft/WSL WslCoreNetworkingSupport.h). */
export const WSL_VM_CREATOR_ID = '{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}';
/**
 * Group Policy's NRPT key: when it exists (even empty) Windows ignores the local rules (research
 * windows-fixtures §8.2; gravitational/teleport#56060, tailscale/tailscale#11684).
 */
export const NRPT_GPO_KEY = 'SOFTWARE\\Policies\\Microsoft\\Windows NT\\DNSClient\\DnsPolicyConfig';
/** switchyard's NRPT rules carry a Comment starting with this (model/resources/dns-rule.ts NRPT_MARK). */
export const NRPT_COMMENT_PREFIX = 'switchyard:';
/** HKLM (NatNetwork, NatGatewayIpAddress) and HKCU (NatIpAddress) key of WSL's persisted NAT state. */
export const LXSS_KEY = 'SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Lxss';

// ---------------------------------------------------------------------------------------------------
// The model

export type SwitchType = 'private' | 'internal' | 'external' | 'unknown';

export interface ObservedSwitch {
  name: string;
  /** Hyper-V's switch GUID in lower case; null if not reported. Default Switch: c08cb7b8-9b3c-408e-8e30-5e16a3aeb444. */
  id: string | null;
  type: SwitchType;
  notes: string;
  /** Notes are MANAGED_SWITCH_NOTE (trimmed, case-insensitive). */
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
  /** null also when WSL's VM creator has no settings yet. */
  hypervFirewall: ObservedHypervFirewall | null;
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

export type ObservationResult = ObservedWindows | { error: string };

export function isObservationError(r: ObservationResult): r is { error: string } {
  return 'error' in r;
}

// ---------------------------------------------------------------------------------------------------
// The script

export interface ObservationOptions {
  /** Our firewall rule group; default DEFAULT_FIREWALL_GROUP. */
  firewallGroup?: string;
  /**
   * DNS namespaces whose NRPT rules to report besides switchyard's own, e.g. ["switchyard.internal"]
   * (leading dot optional); default: every rule.
   */
  nrptNamespaces?: readonly string[];
}

/**
 * The observation script: prints one JSON object between JSON markers (see powershell.ts). Config values
 * (firewall group, namespaces) enter only as quoted literals.
 */
export function observationScript(options: ObservationOptions = {}): string {
  const group = options.firewallGroup ?? DEFAULT_FIREWALL_GROUP;
  const namespaces = (options.nrptNamespaces ?? []).map((n) => n.replace(/^\.+/, ''));
  const sel = (...props: string[]): string => psArray(props);
  const hv = (prop: string): string => `@{ n = '${prop}'; e = { "$($_.${prop})" } }`;
  return wrapScript(`  $fwGroup = ${psString(group)}
  $nrptNames = ${psArray(namespaces)}
  $r = [ordered]@{ schema = ${OBSERVATION_SCHEMA}; psVersion = $PSVersionTable.PSVersion.ToString(); psEdition = "$($PSVersionTable.PSEdition)"; collectedAt = [DateTime]::UtcNow; elevated = $false; hypervAdmin = $false }
  $notes = [Collections.ArrayList]::new()
  function Add-Note($Section, $Message, $ErrorId) {
    [void]$notes.Add([ordered]@{ section = $Section; message = "$Message"; errorId = "$ErrorId" })
  }
  # Runs $Body into $r[$Name]: null plus a note if $Command is missing or fails; @() if a CIM query found nothing.
  function Get-Section($Name, $Module, $Command, [scriptblock]$Body) {
    $r[$Name] = $null
    if ($Command -and -not (Get-Command -Name $Command -Module $Module -ErrorAction SilentlyContinue)) {
      Add-Note $Name "$Module\\$Command is not available on this system" 'CommandNotFound'
      return
    }
    try {
      $r[$Name] = @(& $Body)
    } catch {
      if ("$($_.FullyQualifiedErrorId)" -like 'CmdletizationQuery_NotFound*') { $r[$Name] = @() }
      else { Add-Note $Name $_.Exception.Message $_.FullyQualifiedErrorId }
    }
  }
  try {
    $r.elevated = ${PS_IS_ELEVATED}
    $r.hypervAdmin = ${PS_IS_HYPERV_ADMIN}
  } catch { Add-Note 'elevated' $_.Exception.Message $_.FullyQualifiedErrorId }
  Get-Section 'switches' 'Hyper-V' 'Get-VMSwitch' {
    Hyper-V\\Get-VMSwitch | Select-Object -Property ${sel('Name', 'Id', 'SwitchType', 'Notes')}
  }
  Get-Section 'adapters' 'NetAdapter' 'Get-NetAdapter' {
    NetAdapter\\Get-NetAdapter -Name 'vEthernet (*' -IncludeHidden | Select-Object -Property ${sel('Name', 'InterfaceIndex', 'Status', 'MacAddress')}
  }
  Get-Section 'addresses' 'NetTCPIP' 'Get-NetIPAddress' {
    NetTCPIP\\Get-NetIPAddress -AddressFamily IPv4 | Select-Object -Property ${sel('IPAddress', 'PrefixLength', 'InterfaceAlias', 'InterfaceIndex', 'PrefixOrigin', 'SuffixOrigin', 'AddressState')}
  }
  Get-Section 'interfaces' 'NetTCPIP' 'Get-NetIPInterface' {
    NetTCPIP\\Get-NetIPInterface -AddressFamily IPv4 | Select-Object -Property ${sel('InterfaceAlias', 'InterfaceIndex', 'Forwarding', 'NlMtu', 'InterfaceMetric', 'ConnectionState')}
  }
  Get-Section 'nats' 'NetNat' 'Get-NetNat' {
    NetNat\\Get-NetNat | Select-Object -Property ${sel('Name', 'InternalIPInterfaceAddressPrefix', 'Active')}
  }
  Get-Section 'routes' 'NetTCPIP' 'Get-NetRoute' {
    NetTCPIP\\Get-NetRoute -AddressFamily IPv4 -PolicyStore ActiveStore | Select-Object -Property ${sel('DestinationPrefix', 'InterfaceAlias', 'InterfaceIndex', 'NextHop', 'RouteMetric')}
  }
  Get-Section 'firewallRules' 'NetSecurity' 'Get-NetFirewallRule' {
    NetSecurity\\Get-NetFirewallRule -Group $fwGroup | ForEach-Object {
      $pf = $_ | NetSecurity\\Get-NetFirewallPortFilter
      $af = $_ | NetSecurity\\Get-NetFirewallAddressFilter
      [pscustomobject]@{ Name = $_.Name; DisplayName = $_.DisplayName; Group = $_.Group; Enabled = $_.Enabled; Direction = $_.Direction; Action = $_.Action; Protocol = $pf.Protocol; LocalPort = $pf.LocalPort; RemoteAddress = $af.RemoteAddress }
    }
  }
  # Value names of this cmdlet's enums are not documented as numbers: ask for the names in every version.
  Get-Section 'hypervFirewall' 'NetSecurity' 'Get-NetFirewallHyperVVMSetting' {
    NetSecurity\\Get-NetFirewallHyperVVMSetting -PolicyStore ActiveStore -Name ${psString(WSL_VM_CREATOR_ID)} | Select-Object -Property @('Name', ${hv('Enabled')}, ${hv('DefaultInboundAction')}, ${hv('DefaultOutboundAction')}, ${hv('LoopbackEnabled')})
  }
  Get-Section 'nrptRules' 'DnsClient' 'Get-DnsClientNrptRule' {
    DnsClient\\Get-DnsClientNrptRule | Where-Object { $nrptNames.Count -eq 0 -or "$($_.Comment)" -like ${psString(`${NRPT_COMMENT_PREFIX}*`)} -or @($_.Namespace | Where-Object { $nrptNames -contains "$_".TrimStart('.') }).Count -gt 0 } | Select-Object -Property ${sel('Name', 'Namespace', 'NameServers', 'DisplayName', 'Comment')}
  }
  Get-Section 'nrptPolicy' $null $null {
    [ordered]@{ groupPolicy = [bool](Test-Path -LiteralPath ${psString(`HKLM:\\${NRPT_GPO_KEY}`)}) }
  }
  Get-Section 'vmAdapters' 'Hyper-V' 'Get-VMNetworkAdapter' {
    Hyper-V\\Get-VMNetworkAdapter -VMName * | Select-Object -Property ${sel('VMName', 'SwitchName')}
  }
  Get-Section 'bootTask' 'ScheduledTasks' 'Get-ScheduledTask' {
    ScheduledTasks\\Get-ScheduledTask -TaskPath ${psString(TASK_PATH)} -TaskName ${psString(TASK_NAME)} | ForEach-Object { $a = @($_.Actions)[0]; [pscustomobject]@{ Execute = $a.Execute; Arguments = $a.Arguments } }
  }
  Get-Section 'wsl' $null $null {
    $m = Get-ItemProperty -LiteralPath ${psString(`HKLM:\\${LXSS_KEY}`)} -ErrorAction SilentlyContinue
    $u = Get-ItemProperty -LiteralPath ${psString(`HKCU:\\${LXSS_KEY}`)} -ErrorAction SilentlyContinue
    $cfg = Join-Path $env:USERPROFILE '.wslconfig'
    $text = $null
    if (Test-Path -LiteralPath $cfg -PathType Leaf) { $text = [IO.File]::ReadAllText($cfg) }
    [ordered]@{ natNetwork = $m.NatNetwork; natGatewayIpAddress = $m.NatGatewayIpAddress; natIpAddress = $u.NatIpAddress; wslconfigPath = $cfg; wslconfig = $text }
  }
  $r.notes = @($notes)
  Out-Marked 'JSON' $r`);
}

// ---------------------------------------------------------------------------------------------------
// Normalising what ConvertTo-Json printed

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * 5.1 wrappers: an array with a PSObject wrapper prints as {"value":[…],"Count":n}; a DateTime carrying
 * ETS members (Get-Date) as {"value":"\/Date(…)\/","DisplayHint":2,"DateTime":"…"}.
 */
function unwrap(v: unknown): unknown {
  if (isRecord(v) && 'value' in v && ('Count' in v || 'DisplayHint' in v)) return v.value;
  return v;
}

/** A property by name, exact case first, then case-insensitively; unwrapped. */
function field(o: Rec, name: string): unknown {
  if (name in o) return unwrap(o[name]);
  const lower = name.toLowerCase();
  const key = Object.keys(o).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : unwrap(o[key]);
}

/** null/undefined → []; an array → its elements; anything else (a collapsed one-element array) → [it]. */
function list(v: unknown): unknown[] {
  const u = unwrap(v);
  if (u === null || u === undefined) return [];
  return Array.isArray(u) ? u.map(unwrap) : [u];
}

function str(v: unknown): string | null {
  const u = unwrap(v);
  if (typeof u === 'string') return u;
  if (typeof u === 'number' || typeof u === 'boolean') return String(u);
  return null;
}

function strings(v: unknown): string[] {
  return list(v)
    .map(str)
    .filter((s): s is string => s !== null);
}

function int(v: unknown): number | null {
  const u = unwrap(v);
  if (typeof u === 'number' && Number.isSafeInteger(u)) return u;
  if (typeof u === 'string' && /^-?\d{1,15}$/.test(u.trim())) return Number(u.trim());
  return null;
}

function bool(v: unknown): boolean | null {
  const u = unwrap(v);
  if (typeof u === 'boolean') return u;
  if (typeof u === 'string') {
    if (/^true$/i.test(u.trim())) return true;
    if (/^false$/i.test(u.trim())) return false;
  }
  return null;
}

/**
 * An enum printed as a number (5.1; 7 without -EnumsAsStrings), a numeric string, or a name. Names are
 * matched case-insensitively against the table's values (and `aliases`).
 */
function enumOf<T extends string>(
  v: unknown,
  byNumber: Readonly<Record<number, T>>,
  aliases: Readonly<Record<string, T>> = {},
): T | undefined {
  const u = unwrap(v);
  const n = int(u);
  if (n !== null) return byNumber[n];
  if (typeof u !== 'string') return undefined;
  const name = u.trim().toLowerCase().replace(/\s+/g, '');
  for (const value of Object.values(byNumber)) if (value.toLowerCase() === name) return value;
  return aliases[name];
}

// Value maps. Hyper-V VMSwitchType: Private=0, Internal=1, External=2 (Vagrant get_switches.ps1,
// taliesins/terraform-provider-hyperv). NetTCPIP: NL_PREFIX_ORIGIN / NL_SUFFIX_ORIGIN / NL_DAD_STATE
// (netioapi; .NET PrefixOrigin/SuffixOrigin), MSFT_NetIPInterface Forwarding Disabled=0/Enabled=1 and
// ConnectionState Disconnected=0/Connected=1. NetSecurity (MSFT_NetFirewallRule docs): Enabled True=1,
// False=2; Direction Inbound=1, Outbound=2; Action NotConfigured=0, Allow=2, AllowBypass=3, Block=4
// (also seen in WQL "((Direction = 2)) AND ((Action = 4))", research §13.1).
const SWITCH_TYPES: Record<number, SwitchType> = { 0: 'private', 1: 'internal', 2: 'external' };
const PREFIX_ORIGINS: Record<number, PrefixOrigin> = {
  0: 'other',
  1: 'manual',
  2: 'wellKnown',
  3: 'dhcp',
  4: 'routerAdvertisement',
};
const SUFFIX_ORIGINS: Record<number, SuffixOrigin> = {
  0: 'other',
  1: 'manual',
  2: 'wellKnown',
  3: 'dhcp',
  4: 'link',
  5: 'random',
};
const SUFFIX_ALIASES: Record<string, SuffixOrigin> = { origindhcp: 'dhcp', linklayeraddress: 'link' };
const ADDRESS_STATES: Record<number, AddressState> = {
  0: 'invalid',
  1: 'tentative',
  2: 'duplicate',
  3: 'deprecated',
  4: 'preferred',
};
const ENABLED_DISABLED: Record<number, 'disabled' | 'enabled'> = { 0: 'disabled', 1: 'enabled' };
const CONNECTION_STATES: Record<number, 'disconnected' | 'connected'> = { 0: 'disconnected', 1: 'connected' };
const FIREWALL_ENABLED: Record<number, 'true' | 'false'> = { 1: 'true', 2: 'false' };
const DIRECTIONS: Record<number, FirewallDirection> = { 1: 'inbound', 2: 'outbound' };
const ACTIONS: Record<number, FirewallAction> = {
  0: 'notConfigured',
  2: 'allow',
  3: 'allowBypass',
  4: 'block',
};
/** IF_OPER_STATUS, in case Status arrives as a number. */
const OPER_STATUS: Record<number, string> = {
  1: 'Up',
  2: 'Down',
  3: 'Testing',
  4: 'Unknown',
  5: 'Dormant',
  6: 'Not Present',
  7: 'LowerLayerDown',
};

/** "\/Date(1574202819000)\/" (JSON.parse leaves "/Date(…)/"), with optional "+0100" offset, or ISO 8601. */
function isoDate(v: unknown): string | null {
  const u = unwrap(v);
  if (typeof u !== 'string') return null;
  const ms = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(u.trim());
  const d = ms
    ? new Date(Number(ms[1]))
    : /^\d{4}-\d{2}-\d{2}T/.test(u.trim())
      ? new Date(u.trim())
      : undefined;
  return d !== undefined && !Number.isNaN(d.getTime()) ? d.toISOString() : null;
}

/** "a.b.c.d/n" with host bits allowed (cleared); null if not that. */
function looseCidr(text: string): Cidr | null {
  const m = /^\s*([\d.]+)\/(\d{1,2})\s*$/.exec(text);
  if (!m) return null;
  const ip = parseIpv4(m[1]!);
  const prefix = Number(m[2]);
  if (ip === undefined || prefix > 32) return null;
  return { network: ((ip & maskOf(prefix)) >>> 0) as Ipv4, prefix };
}

function describe(e: Rec): string {
  const json = JSON.stringify(e);
  return json.length > 160 ? `${json.slice(0, 157)}...` : json;
}

// One parser per entry kind: a value, or a string saying why the entry is dropped.

function parseSwitch(e: Rec): ObservedSwitch | string {
  const name = str(field(e, 'Name'));
  if (name === null || name === '') return 'switch without a Name';
  const notes = str(field(e, 'Notes')) ?? '';
  const id = str(field(e, 'Id'));
  return {
    name,
    id: id === null || id === '' ? null : id.replace(/[{}]/g, '').toLowerCase(),
    type: enumOf(field(e, 'SwitchType'), SWITCH_TYPES) ?? 'unknown',
    notes,
    managed: notes.trim().toLowerCase() === MANAGED_SWITCH_NOTE,
  };
}

function parseVmAdapter(e: Rec): ObservedVmAdapter | string {
  const vmName = str(field(e, 'VMName'));
  if (vmName === null || vmName === '') return 'VM adapter without a VMName';
  return { vmName, switchName: str(field(e, 'SwitchName')) ?? '' };
}

function parseScheduledTask(e: Rec): ObservedScheduledTask | string {
  const execute = str(field(e, 'Execute'));
  if (execute === null) return 'task action without Execute';
  return { execute, arguments: str(field(e, 'Arguments')) ?? '' };
}

function parseAdapter(e: Rec): ObservedAdapter | string {
  const name = str(field(e, 'Name'));
  const ifIndex = int(field(e, 'InterfaceIndex')) ?? int(field(e, 'ifIndex'));
  if (name === null || name === '') return 'adapter without a Name';
  if (ifIndex === null) return `adapter "${name}" without an InterfaceIndex`;
  const rawStatus = unwrap(field(e, 'Status'));
  const n = int(rawStatus);
  const status = n !== null ? (OPER_STATUS[n] ?? String(n)) : (str(rawStatus) ?? 'Unknown');
  const mac = str(field(e, 'MacAddress'));
  return {
    name,
    ifIndex,
    status,
    up: /^up$/i.test(status.trim()),
    mac: mac === null ? null : (parseMac(mac) ?? null),
  };
}

function parseAddress(e: Rec): ObservedAddress | string {
  const text = str(field(e, 'IPAddress'));
  const address = text === null ? undefined : parseIpv4(text);
  if (address === undefined) return `not an IPv4 address: ${describe(e)}`;
  const prefixLength = int(field(e, 'PrefixLength'));
  if (prefixLength === null || prefixLength < 0 || prefixLength > 32) {
    return `address ${formatIpv4(address)} without a valid PrefixLength`;
  }
  const prefixOrigin = enumOf(field(e, 'PrefixOrigin'), PREFIX_ORIGINS) ?? 'unknown';
  const suffixOrigin = enumOf(field(e, 'SuffixOrigin'), SUFFIX_ORIGINS, SUFFIX_ALIASES) ?? 'unknown';
  return {
    address,
    prefixLength,
    interfaceAlias: str(field(e, 'InterfaceAlias')) ?? '',
    ifIndex: int(field(e, 'InterfaceIndex')),
    prefixOrigin,
    suffixOrigin,
    dhcp: prefixOrigin === 'dhcp' || suffixOrigin === 'dhcp',
    state: enumOf(field(e, 'AddressState'), ADDRESS_STATES) ?? 'unknown',
  };
}

function parseInterface(e: Rec): ObservedInterface | string {
  const alias = str(field(e, 'InterfaceAlias'));
  if (alias === null || alias === '') return 'interface without an InterfaceAlias';
  const forwarding = enumOf(field(e, 'Forwarding'), ENABLED_DISABLED);
  if (forwarding === undefined) return `interface "${alias}" without a recognisable Forwarding value`;
  const state = enumOf(field(e, 'ConnectionState'), CONNECTION_STATES);
  return {
    alias,
    ifIndex: int(field(e, 'InterfaceIndex')),
    forwarding: forwarding === 'enabled',
    mtu: int(field(e, 'NlMtu')),
    metric: int(field(e, 'InterfaceMetric')),
    connected: state === undefined ? null : state === 'connected',
  };
}

function parseNat(e: Rec): ObservedNat | string {
  const name = str(field(e, 'Name'));
  if (name === null) return 'NetNat without a Name';
  const internalPrefix = str(field(e, 'InternalIPInterfaceAddressPrefix')) ?? '';
  return {
    name,
    internalPrefix,
    prefix: looseCidr(internalPrefix),
    active: bool(field(e, 'Active')) ?? false,
  };
}

function parseRoute(e: Rec): ObservedRoute | string {
  const text = str(field(e, 'DestinationPrefix'));
  const parsed = text === null ? undefined : parseCidr(text);
  if (parsed === undefined || !parsed.ok) return `route with an unusable DestinationPrefix: ${describe(e)}`;
  const hop = str(field(e, 'NextHop'));
  const nextHop = hop === null || hop === '' ? (0 as Ipv4) : parseIpv4(hop);
  if (nextHop === undefined) return `route ${text} with an unusable NextHop ${hop}`;
  return {
    destination: parsed.cidr,
    interfaceAlias: str(field(e, 'InterfaceAlias')) ?? '',
    ifIndex: int(field(e, 'InterfaceIndex')),
    nextHop,
    onLink: nextHop === 0,
    metric: int(field(e, 'RouteMetric')) ?? 0,
  };
}

function parseFirewallRule(e: Rec): ObservedFirewallRule | string {
  const name = str(field(e, 'Name'));
  if (name === null || name === '') return 'firewall rule without a Name';
  const enabled = enumOf(field(e, 'Enabled'), FIREWALL_ENABLED);
  if (enabled === undefined) return `firewall rule "${name}" without a recognisable Enabled value`;
  const protocol = str(field(e, 'Protocol'));
  return {
    name,
    displayName: str(field(e, 'DisplayName')) ?? name,
    group: str(field(e, 'Group')) ?? '',
    enabled: enabled === 'true',
    direction: enumOf(field(e, 'Direction'), DIRECTIONS) ?? 'unknown',
    action: enumOf(field(e, 'Action'), ACTIONS) ?? 'unknown',
    protocol: protocol === '' ? null : protocol,
    localPorts: strings(field(e, 'LocalPort')),
    remoteAddresses: strings(field(e, 'RemoteAddress')),
  };
}

/** GpoBoolean as the script prints it ("True", "False", "NotConfigured"). */
function gpoBoolean(v: unknown): boolean | 'notConfigured' | null {
  const s = str(v)?.trim().toLowerCase();
  if (s === 'notconfigured') return 'notConfigured';
  return bool(v);
}

function parseHypervFirewall(e: Rec): ObservedHypervFirewall | string {
  const id = str(field(e, 'Name'));
  if (id === null || id === '') return 'Hyper-V firewall setting without a Name';
  return {
    vmCreatorId: id,
    enabled: gpoBoolean(field(e, 'Enabled')),
    defaultInboundAction: enumOf(field(e, 'DefaultInboundAction'), ACTIONS) ?? 'unknown',
    defaultOutboundAction: enumOf(field(e, 'DefaultOutboundAction'), ACTIONS) ?? 'unknown',
    loopbackEnabled: gpoBoolean(field(e, 'LoopbackEnabled')),
  };
}

function parseNrptRule(e: Rec): ObservedNrptRule | string {
  const name = str(field(e, 'Name'));
  if (name === null || name === '') return 'NRPT rule without a Name';
  const displayName = str(field(e, 'DisplayName'));
  const comment = str(field(e, 'Comment'));
  return {
    name,
    namespaces: strings(field(e, 'Namespace')),
    nameServers: strings(field(e, 'NameServers')),
    displayName: displayName === '' ? null : displayName,
    comment: comment === '' ? null : comment,
  };
}

function parseNrptPolicy(e: Rec): ObservedNrptPolicy | string {
  const groupPolicy = bool(field(e, 'groupPolicy'));
  return groupPolicy === null ? 'NRPT policy without a groupPolicy flag' : { groupPolicy };
}

function parseWsl(e: Rec): ObservedWsl {
  const s = (k: string): string | null => {
    const v = str(field(e, k));
    return v === '' ? null : v;
  };
  return {
    natNetwork: s('natNetwork'),
    natGatewayIpAddress: s('natGatewayIpAddress'),
    natIpAddress: s('natIpAddress'),
    wslconfigPath: s('wslconfigPath'),
    wslconfig: str(field(e, 'wslconfig')),
  };
}

function parseNote(e: Rec): ObservationNote | string {
  const message = str(field(e, 'message'));
  if (message === null) return 'note without a message';
  const errorId = str(field(e, 'errorId'));
  return { section: str(field(e, 'section')) ?? '', message, errorId: errorId === '' ? null : errorId };
}

/**
 * A section: null when the script reported null (or left it out: noted); otherwise its entries, each
 * parsed, the unparseable ones dropped with a note.
 */
function section<T>(
  doc: Rec,
  key: string,
  parse: (e: Rec) => T | string,
  notes: ObservationNote[],
): T[] | null {
  const raw = field(doc, key);
  if (raw === undefined) {
    notes.push({ section: key, message: 'missing from the observation', errorId: 'MissingSection' });
    return null;
  }
  if (raw === null) return null;
  const out: T[] = [];
  for (const entry of list(raw)) {
    const parsed = isRecord(entry) ? parse(entry) : `not an object: ${JSON.stringify(entry)}`;
    if (typeof parsed === 'string') {
      notes.push({ section: key, message: `ignored an entry: ${parsed}`, errorId: 'InvalidEntry' });
    } else {
      out.push(parsed);
    }
  }
  return out;
}

/**
 * Parses the observation script's JSON (text, or the value interpretRun already parsed) into the model.
 * `{ error }` only when it is not an observation at all.
 */
export function parseObservation(input: unknown): ObservationResult {
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input.replace(/^\uFEFF/, ''));
    } catch (e) {
      return { error: `observation is not JSON: ${e instanceof Error ? e.message : String(e)}` };
    }
  }
  doc = unwrap(doc);
  if (Array.isArray(doc) && doc.length === 1) doc = unwrap(doc[0]);
  if (!isRecord(doc)) return { error: 'observation is not a JSON object' };
  const schema = int(field(doc, 'schema'));
  if (schema !== OBSERVATION_SCHEMA) {
    return {
      error: `observation has schema ${JSON.stringify(field(doc, 'schema'))}, expected ${OBSERVATION_SCHEMA}`,
    };
  }
  const notes: ObservationNote[] = [];
  for (const n of list(field(doc, 'notes'))) {
    const parsed = isRecord(n) ? parseNote(n) : undefined;
    if (parsed !== undefined && typeof parsed !== 'string') notes.push(parsed);
  }
  const hyperv = section(doc, 'hypervFirewall', parseHypervFirewall, notes);
  const wslEntries = section(doc, 'wsl', (e) => parseWsl(e), notes);
  return {
    schema: OBSERVATION_SCHEMA,
    powershell: { version: str(field(doc, 'psVersion')) ?? '', edition: str(field(doc, 'psEdition')) ?? '' },
    collectedAt: isoDate(field(doc, 'collectedAt')),
    elevated: bool(field(doc, 'elevated')) ?? false,
    hypervAdmin: bool(field(doc, 'hypervAdmin')) ?? false,
    switches: section(doc, 'switches', parseSwitch, notes),
    adapters: section(doc, 'adapters', parseAdapter, notes),
    addresses: section(doc, 'addresses', parseAddress, notes),
    interfaces: section(doc, 'interfaces', parseInterface, notes),
    nats: section(doc, 'nats', parseNat, notes),
    routes: section(doc, 'routes', parseRoute, notes),
    firewallRules: section(doc, 'firewallRules', parseFirewallRule, notes),
    hypervFirewall: hyperv?.[0] ?? null,
    nrptRules: section(doc, 'nrptRules', parseNrptRule, notes),
    nrptPolicy: section(doc, 'nrptPolicy', parseNrptPolicy, notes)?.[0] ?? null,
    wsl: wslEntries?.[0] ?? null,
    // Sections added later: an observation without them (older fixtures) is not short of anything.
    ...(field(doc, 'vmAdapters') !== undefined
      ? { vmAdapters: section(doc, 'vmAdapters', parseVmAdapter, notes) }
      : {}),
    ...(field(doc, 'bootTask') !== undefined
      ? { bootTask: section(doc, 'bootTask', parseScheduledTask, notes) }
      : {}),
    notes,
  };
}

// ---------------------------------------------------------------------------------------------------
// Questions the planner asks of an observation

/**
 * WSL's host vNIC: `vEthernet (WSL)`, or `vEthernet (WSL (Hyper-V firewall))` when WSL's Hyper-V firewall
 * is on (the default on Windows 11: a different HNS network and alias, research §0), possibly with a
 * number appended when an old adapter holds the name (`vEthernet (WSL) 5`, microsoft/WSL#5821).
 */
export const WSL_ADAPTER_NAME = /^vEthernet \(WSL(?: \(Hyper-V firewall\))?\)(?: \d+)?$/;

/** The WSL adapter that is up (else any WSL adapter), or undefined (WSL not started since boot). */
export function findWslAdapter(obs: ObservedWindows): ObservedAdapter | undefined {
  const candidates = (obs.adapters ?? []).filter((a) => WSL_ADAPTER_NAME.test(a.name));
  return candidates.find((a) => a.up) ?? candidates[0];
}

/** The IPv4 interface with this alias (aliases are compared case-insensitively, as Windows does). */
export function findInterface(obs: ObservedWindows, alias: string): ObservedInterface | undefined {
  const lower = alias.toLowerCase();
  return (obs.interfaces ?? []).find((i) => i.alias.toLowerCase() === lower);
}

/** IPv4 addresses on the interface with this alias. */
export function addressesOf(obs: ObservedWindows, alias: string): ObservedAddress[] {
  const lower = alias.toLowerCase();
  return (obs.addresses ?? []).filter((a) => a.interfaceAlias.toLowerCase() === lower);
}
