/**
 * A pure parser that turns the observation script's JSON into the typed, validated model
 * (`ObservedWindows`).
 *
 * The parser accepts what 5.1 and 7 actually print (docs/windows.md#powershell-from-node; PowerShell/PowerShell#11126):
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
import { parseMac } from '../../net/mac.js';
import { SWITCH_NOTE } from '../../model/marks.js';
import {
  OBSERVATION_SCHEMA,
  type AddressState,
  type FirewallAction,
  type FirewallDirection,
  type ObservationNote,
  type ObservedAdapter,
  type ObservedAddress,
  type ObservedFirewallProfile,
  type ObservedFirewallRule,
  type ObservedHypervFirewall,
  type ObservedInterface,
  type ObservedNat,
  type ObservedNrptPolicy,
  type ObservedNrptRule,
  type ObservedRoute,
  type ObservedScheduledTask,
  type ObservedSwitch,
  type ObservedVmAdapter,
  type ObservedWindows,
  type ObservedWsl,
  type PrefixOrigin,
  type SuffixOrigin,
  type SwitchType,
} from './observation-types.js';

export type ObservationResult = ObservedWindows | { error: string };

export function isObservationError(r: ObservationResult): r is { error: string } {
  return 'error' in r;
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
// (also seen in WQL "((Direction = 2)) AND ((Action = 4))" in a recorded CmdletizationQuery_NotFound error).
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
    managed: notes.trim().toLowerCase() === SWITCH_NOTE,
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
    ...(field(e, 'InterfaceAlias') !== undefined
      ? { interfaceAliases: strings(field(e, 'InterfaceAlias')) }
      : {}),
  };
}

function parseFirewallProfile(e: Rec): ObservedFirewallProfile | string {
  const name = str(field(e, 'Name'));
  if (name === null || name === '') return 'firewall profile without a Name';
  return { name, allowLocalFirewallRules: gpoBoolean(field(e, 'AllowLocalFirewallRules')) };
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

const WSLCONFIG_ENCODINGS = ['utf8', 'utf8bom', 'utf16le', 'utf16be'] as const;

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
    wslconfigEncoding: WSLCONFIG_ENCODINGS.find((x) => x === str(field(e, 'wslconfigEncoding'))) ?? null,
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
    ...(field(doc, 'hypervFirewallLocal') !== undefined
      ? { hypervFirewallLocal: section(doc, 'hypervFirewallLocal', parseHypervFirewall, notes)?.[0] ?? null }
      : {}),
    ...(field(doc, 'firewallProfiles') !== undefined
      ? { firewallProfiles: section(doc, 'firewallProfiles', parseFirewallProfile, notes) }
      : {}),
    ...(field(doc, 'bootTask') !== undefined
      ? { bootTask: section(doc, 'bootTask', parseScheduledTask, notes) }
      : {}),
    notes,
  };
}
