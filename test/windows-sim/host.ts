/**
 * The simulated Windows host as a Host for the planner's tests: a thin adapter over the PowerShell
 * simulation. Tests describe the host in the model's terms (switches, adapters, NATs, rules…); observe()
 * and execute() write that into the simulation's state file, run switchyard's real Windows backend
 * (WindowsHost: the observation script, the rendered operations, the elevation wrapper) in pwsh against
 * it, and read the state back. Nothing here re-implements what a cmdlet does: that lives once, in ps/.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecuteResult, Host } from '../../src/host/host.js';
import { WindowsHost } from '../../src/host/windows/host.js';
import type {
  FirewallRule,
  ObservedBootTask,
  ObservedHost,
  ObservedHyperVFirewall,
  ObservedNat,
  ObservedNrptRule,
  ObservedSwitch,
} from '../../src/model/observed.js';
import {
  FIREWALL_GROUP,
  LXSS_KEY,
  NAT_PREFIX,
  SWITCH_NOTE,
  TASK_NAME,
  TASK_PATH,
} from '../../src/model/marks.js';
import type { Op } from '../../src/model/ops.js';
import type { WslConfigEncoding } from '../../src/model/observed.js';
import { formatCidr, formatIpv4, parseCidr, parseIpv4, type Cidr, type Ipv4 } from '../../src/net/ipv4.js';
import { makeSimRunner, type RunStats, type SimSession } from './runner.js';
import { newState, WSL_VM_CREATOR, type HostShape, type SimState } from './state.js';

export interface SimAdapter {
  name: string;
  addresses: { address: Ipv4; prefix: number; dynamic: boolean }[];
  forwarding: boolean;
  /** Get-NetAdapter calls before it becomes visible (a new vEthernet adapter appears late). */
  hiddenFor: number;
}

const LXSS = LXSS_KEY.toLowerCase();
const NRPT_GPO = 'software\\policies\\microsoft\\windows nt\\dnsclient\\dnspolicyconfig';
const SWITCH_TYPES: Record<string, number> = { Private: 0, Internal: 1, External: 2 };
const POWERSHELL_EXE = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';

/** A text file's bytes in an encoding, with its byte-order mark. */
function encodeText(text: string, encoding: WslConfigEncoding): Buffer {
  const le = Buffer.from(text, 'utf16le');
  switch (encoding) {
    case 'utf8':
      return Buffer.from(text, 'utf8');
    case 'utf8bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'utf16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
    case 'utf16be':
      return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(le).swap16()]);
  }
}

/** The reverse: the text and the encoding its byte-order mark names. */
function decodeText(b: Buffer): { text: string; encoding: WslConfigEncoding } {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf)
    return { text: b.subarray(3).toString('utf8'), encoding: 'utf8bom' };
  if (b[0] === 0xff && b[1] === 0xfe) return { text: b.subarray(2).toString('utf16le'), encoding: 'utf16le' };
  if (b[0] === 0xfe && b[1] === 0xff)
    return { text: Buffer.from(b.subarray(2)).swap16().toString('utf16le'), encoding: 'utf16be' };
  return { text: b.toString('utf8'), encoding: 'utf8' };
}

/** Host folders of this test process, removed when it exits. */
const folders = new Set<string>();
process.on('exit', () => {
  for (const d of folders) rmSync(d, { recursive: true, force: true });
});

function cidrOf(text: string): Cidr {
  const r = parseCidr(text);
  if (!r.ok) throw new Error(`simulated Windows: not a CIDR: ${text}`);
  return r.cidr;
}

export class SimWindowsHost implements Host {
  readonly platform = 'windows' as const;
  /** The host's folder: state.json, the profiles, temp files. */
  readonly dir: string;
  /** Who runs switchyard: by default an administrator in an elevated terminal. */
  session: SimSession = { account: 'dev', elevated: true };
  readonly stats: RunStats = { runs: 0, ms: 0 };

  switches: ObservedSwitch[] = [];
  adapters: SimAdapter[] = [];
  nats: ObservedNat[] = [];
  routes: { dest: Cidr; iface: string }[] = [];
  firewall: FirewallRule[] = [];
  lxss: { natNetwork?: string; natGateway?: string } = {};
  userNatIp: string | undefined;
  wslconfig: string | undefined;
  /** How the .wslconfig file is encoded (its byte-order mark); read back from the file. */
  wslconfigEncoding: WslConfigEncoding = 'utf8';
  /** undefined = Windows 10, which has no Hyper-V firewall (its cmdlets do not exist). */
  hyperVFirewall: ObservedHyperVFirewall | undefined;
  /** The WSL adapter's name, for the tests' own reference (the backend finds it by name). */
  wslAdapter: string | undefined;
  nrpt: ObservedNrptRule[] = [];
  nrptGroupPolicy = false;
  /** VMs with a network adapter on a switch. */
  vms: { name: string; switchName: string }[] = [];
  /** Firewall rules not in our group. */
  foreignFirewall: FirewallRule[] = [];
  /** Our Scheduled Task \switchyard\switchyard (runs as SYSTEM). */
  bootTask: ObservedBootTask | undefined;
  /** Other Scheduled Tasks (paths). */
  foreignTasks: string[] = [];
  /** How many Get-NetAdapter calls a newly created adapter stays invisible. */
  adapterDelay = 2;
  /** The operations executed, in order (from the scripts' step markers). */
  log: string[] = [];
  /** Everything else of the simulated Windows (accounts, UAC, policies, modules…), for tests to adjust. */
  state: SimState;

  constructor(shape: HostShape = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'switchyard-winhost-'));
    folders.add(this.dir);
    this.state = newState(this.dir, shape);
  }

  /** Removes the host's folder. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
    folders.delete(this.dir);
  }

  /** The Windows backend, wired to this host. */
  backend(): WindowsHost {
    return new WindowsHost({
      runner: makeSimRunner({
        dir: this.dir,
        session: () => this.session,
        stats: this.stats,
        profileOf: (a) => this.state.accounts[a]?.profile ?? this.dir,
      }),
      location: { ok: true, path: POWERSHELL_EXE, via: 'windows' },
      interactivity: { stdinIsTTY: true, stdoutIsTTY: true, env: {} },
    });
  }

  async observe(): Promise<ObservedHost> {
    this.push();
    try {
      return await this.backend().observe();
    } finally {
      this.pull();
    }
  }

  async execute(ops: readonly Op[], onStep?: (op: Op, index: number) => void): Promise<ExecuteResult> {
    this.push();
    try {
      return await this.backend().execute(ops, (op, i) => {
        this.log.push(op.op);
        onStep?.(op, i);
      });
    } finally {
      this.pull();
    }
  }

  addAdapter(name: string, addresses: SimAdapter['addresses'] = [], forwarding = false): SimAdapter {
    const a = { name, addresses, forwarding, hiddenFor: 0 };
    this.adapters.push(a);
    return a;
  }

  /** Add-DnsClientNrptRule as a user or another program would run it: returns the Name Windows assigned. */
  addNrptRule(namespaces: string[], nameServers: string[], comment?: string): string {
    const n = this.state.next.guid++;
    const name = `{${n.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}}`;
    this.nrpt.push({ name, namespaces, nameServers, comment });
    return name;
  }

  /** WSL started while its pinned range clashed with a route: it picks another and saves it (docs/windows.md). */
  wslFallsBack(subnet: string, gateway: string): void {
    this.lxss = { natNetwork: subnet, natGateway: gateway };
  }

  /** The simulated cmdlet calls so far, in order ("New-VMSwitch -Name x -Notes switchyard -SwitchType Internal"). */
  calls(): string[] {
    const log = join(this.dir, 'state.json.calls');
    return existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
      : [];
  }

  read(): SimState {
    return JSON.parse(readFileSync(join(this.dir, 'state.json'), 'utf8')) as SimState;
  }

  /** The model's view → the simulation's state file (ids and indexes kept for what already exists). */
  push(): void {
    const s = this.state;
    s.adapterDelay = this.adapterDelay;
    const byName = new Map(s.switches.map((x) => [x.Name.toLowerCase(), x]));
    s.switches = this.switches.map((sw) => ({
      Name: sw.name,
      Id:
        byName.get(sw.name.toLowerCase())?.Id ??
        `00000000-0000-4000-8000-${String(s.next.guid++).padStart(12, '0')}`,
      SwitchType: SWITCH_TYPES[sw.kind] ?? 1,
      Notes: sw.ours ? SWITCH_NOTE : '',
    }));
    const known = new Map(s.adapters.map((a) => [a.Name, a]));
    s.adapters = [];
    s.ipInterfaces = [];
    s.addresses = [];
    for (const a of this.adapters) {
      const old = known.get(a.name);
      const index = old?.InterfaceIndex ?? s.next.ifIndex++;
      s.adapters.push({
        Name: a.name,
        InterfaceIndex: index,
        Status: 'Up',
        MacAddress:
          old?.MacAddress ??
          `00-15-5D-00-${(index >> 8).toString(16).padStart(2, '0')}-${(index & 255).toString(16).padStart(2, '0')}`.toUpperCase(),
        hiddenFor: a.hiddenFor,
      });
      s.ipInterfaces.push({
        InterfaceAlias: a.name,
        InterfaceIndex: index,
        Forwarding: a.forwarding ? 'Enabled' : 'Disabled',
        NlMtu: 1500,
        InterfaceMetric: 15,
        ConnectionState: 'Connected',
      });
      for (const x of a.addresses) {
        s.addresses.push({
          IPAddress: formatIpv4(x.address),
          PrefixLength: x.prefix,
          InterfaceAlias: a.name,
          InterfaceIndex: index,
          PrefixOrigin: x.dynamic ? 'Dhcp' : 'Manual',
          SuffixOrigin: x.dynamic ? 'OriginDhcp' : 'Manual',
          AddressState: 'Preferred',
        });
      }
    }
    const indexOf = (alias: string): number => s.adapters.find((a) => a.Name === alias)?.InterfaceIndex ?? 1;
    s.nats = this.nats.map((n) => ({ Name: n.name, InternalIPInterfaceAddressPrefix: formatCidr(n.prefix) }));
    s.routes = this.routes.map((r) => ({
      DestinationPrefix: formatCidr(r.dest),
      InterfaceAlias: r.iface,
      InterfaceIndex: indexOf(r.iface),
      NextHop: '0.0.0.0',
      RouteMetric: 0,
    }));
    const oldRules = new Map(s.firewallRules.map((r) => [`${r.Group}|${r.DisplayName}`, r]));
    const rule = (r: FirewallRule, group: string): SimState['firewallRules'][number] => {
      const old = oldRules.get(`${group}|${r.name}`);
      return {
        Name: old?.Name ?? `{${String(s.next.guid++).padStart(8, '0')}-0000-4000-8000-000000000000}`,
        DisplayName: r.name,
        Group: group,
        Enabled: 'True',
        Direction: 'Inbound',
        Action: 'Allow',
        Profile: old?.Profile ?? 'Any',
        Protocol: r.protocol.toUpperCase(),
        LocalPort: [String(r.port)],
        RemoteAddress: r.from.map(formatCidr),
        InterfaceAlias: r.iface !== undefined ? [r.iface] : ['Any'],
        InterfaceIndex: r.iface !== undefined ? [indexOf(r.iface)] : [],
      };
    };
    s.firewallRules = [
      ...this.firewall.map((r) => rule(r, FIREWALL_GROUP)),
      ...this.foreignFirewall.map((r) => rule(r, 'Other')),
    ];
    const lxss: Record<string, unknown> = { ...(s.registry.HKLM[LXSS] ?? {}) };
    delete lxss.NatNetwork;
    delete lxss.NatGatewayIpAddress;
    if (this.lxss.natNetwork !== undefined) lxss.NatNetwork = this.lxss.natNetwork;
    if (this.lxss.natGateway !== undefined) lxss.NatGatewayIpAddress = this.lxss.natGateway;
    s.registry.HKLM[LXSS] = lxss;
    s.registry.HKLM = Object.fromEntries(Object.entries(s.registry.HKLM).filter(([key]) => key !== NRPT_GPO));
    if (this.nrptGroupPolicy) s.registry.HKLM[NRPT_GPO] = {};
    const account = this.session.account;
    const hkcu = (s.registry.HKCU[account] ??= {});
    const user: Record<string, unknown> = { ...(hkcu[LXSS] ?? {}) };
    delete user.NatIpAddress;
    if (this.userNatIp !== undefined) user.NatIpAddress = this.userNatIp;
    hkcu[LXSS] = user;
    const wslconfig = join(this.state.accounts[account]?.profile ?? this.dir, '.wslconfig');
    if (this.wslconfig === undefined) rmSync(wslconfig, { force: true });
    else writeFileSync(wslconfig, encodeText(this.wslconfig, this.wslconfigEncoding));
    const win10 = this.hyperVFirewall === undefined;
    s.modules = s.modules.map((m) =>
      m.startsWith('NetSecurity') ? (win10 ? 'NetSecurity@win10' : 'NetSecurity') : m,
    );
    const setting = s.hypervVmSettings.find((v) => v.Name === WSL_VM_CREATOR);
    const inbound = {
      notConfigured: 'NotConfigured',
      allow: 'Allow',
      allowBypass: 'AllowBypass',
      block: 'Block',
      unknown: 'NotConfigured',
    }[this.hyperVFirewall?.defaultInboundAction ?? 'block'];
    if (win10) s.hypervVmSettings = [];
    else if (setting) setting.DefaultInboundAction = inbound;
    else
      s.hypervVmSettings = [
        {
          Name: WSL_VM_CREATOR,
          Enabled: 'True',
          DefaultInboundAction: inbound,
          DefaultOutboundAction: 'Allow',
          LoopbackEnabled: 'True',
        },
      ];
    s.nrptRules = this.nrpt.map((r) => ({
      Name: r.name,
      Namespace: r.namespaces,
      NameServers: r.nameServers,
      Comment: r.comment ?? '',
      DisplayName: '',
    }));
    const adapterOf = new Map(s.vmAdapters.map((v) => [v.VMName, v]));
    s.vmAdapters = this.vms.map((v) => ({
      VMName: v.name,
      SwitchName: v.switchName,
      Name: 'Network Adapter',
      MacAddress: adapterOf.get(v.name)?.MacAddress ?? '00155D010203',
    }));
    const ours = s.tasks.find((t) => t.TaskPath === TASK_PATH && t.TaskName === TASK_NAME);
    s.tasks = [
      ...(this.bootTask
        ? [
            {
              ...(ours ?? {
                TaskPath: TASK_PATH,
                TaskName: TASK_NAME,
                State: 'Running',
                Description: '',
                Principal: { UserId: 'SYSTEM', LogonType: 'ServiceAccount', RunLevel: 'Highest' },
                Settings: {
                  Priority: 7,
                  MultipleInstances: 'IgnoreNew',
                  ExecutionTimeLimit: 'PT0S',
                  RestartCount: 999,
                },
                Triggers: [],
              }),
              Actions: [
                { Execute: this.bootTask.execute, Arguments: this.bootTask.arguments, WorkingDirectory: '' },
              ],
            },
          ]
        : []),
      ...this.foreignTasks.map((p) => {
        const at = p.lastIndexOf('\\');
        return {
          TaskPath: p.slice(0, at + 1) || '\\',
          TaskName: p.slice(at + 1),
          State: 'Ready',
          Description: '',
          Actions: [{ Execute: 'C:\\Windows\\System32\\cmd.exe', Arguments: '', WorkingDirectory: '' }],
          Principal: { UserId: 'SYSTEM', LogonType: 'ServiceAccount', RunLevel: 'Highest' },
          Settings: {
            Priority: 7,
            MultipleInstances: 'IgnoreNew',
            ExecutionTimeLimit: 'PT72H',
            RestartCount: 0,
          },
          Triggers: [],
        };
      }),
    ];
    writeFileSync(join(this.dir, 'state.json'), JSON.stringify(s, null, 1));
  }

  /** The simulation's state file → the model's view. */
  pull(): void {
    const s = this.read();
    this.state = s;
    this.adapterDelay = s.adapterDelay;
    this.switches = s.switches.map((x) => ({
      name: x.Name,
      ours: x.Notes.trim().toLowerCase() === SWITCH_NOTE,
      kind: ['Private', 'Internal', 'External'][x.SwitchType] ?? 'unknown',
    }));
    this.adapters = s.adapters.map((a) => ({
      name: a.Name,
      hiddenFor: a.hiddenFor,
      forwarding: s.ipInterfaces.find((i) => i.InterfaceAlias === a.Name)?.Forwarding === 'Enabled',
      addresses: s.addresses
        .filter((x) => x.InterfaceAlias === a.Name)
        .map((x) => ({
          address: parseIpv4(x.IPAddress)!,
          prefix: x.PrefixLength,
          dynamic: x.PrefixOrigin === 'Dhcp',
        })),
    }));
    this.nats = s.nats.map((n) => ({
      name: n.Name,
      prefix: cidrOf(n.InternalIPInterfaceAddressPrefix),
      ours: n.Name.startsWith(NAT_PREFIX),
    }));
    this.routes = s.routes.map((r) => ({ dest: cidrOf(r.DestinationPrefix), iface: r.InterfaceAlias }));
    // What Get-NetFirewallInterfaceFilter reports (ps/NetSecurity.ps1): the bound interfaces' aliases now.
    const ruleIface = (r: SimState['firewallRules'][number]): { iface?: string } => {
      const bound = r.InterfaceIndex ?? [];
      const aliases =
        bound.length > 0
          ? s.adapters.filter((a) => bound.includes(a.InterfaceIndex)).map((a) => a.Name)
          : r.InterfaceAlias;
      return aliases.length === 1 && aliases[0] === 'Any' ? {} : { iface: aliases.join(', ') };
    };
    const rule = (r: SimState['firewallRules'][number]): FirewallRule => ({
      name: r.DisplayName,
      protocol: r.Protocol === 'TCP' ? 'tcp' : 'udp',
      port: Number(r.LocalPort[0] ?? 0),
      from: r.RemoteAddress.map(cidrOf),
      ...ruleIface(r),
    });
    this.firewall = s.firewallRules.filter((r) => r.Group === FIREWALL_GROUP).map(rule);
    this.foreignFirewall = s.firewallRules.filter((r) => r.Group !== FIREWALL_GROUP).map(rule);
    const lxss = s.registry.HKLM[LXSS] ?? {};
    this.lxss = {
      ...(typeof lxss.NatNetwork === 'string' ? { natNetwork: lxss.NatNetwork } : {}),
      ...(typeof lxss.NatGatewayIpAddress === 'string' ? { natGateway: lxss.NatGatewayIpAddress } : {}),
    };
    this.nrptGroupPolicy = s.registry.HKLM[NRPT_GPO] !== undefined;
    const user = s.registry.HKCU[this.session.account]?.[LXSS] ?? {};
    this.userNatIp = typeof user.NatIpAddress === 'string' ? user.NatIpAddress : undefined;
    const wslconfig = join(s.accounts[this.session.account]?.profile ?? this.dir, '.wslconfig');
    const bytes = existsSync(wslconfig) ? readFileSync(wslconfig) : undefined;
    this.wslconfig = bytes === undefined ? undefined : decodeText(bytes).text;
    this.wslconfigEncoding = bytes === undefined ? 'utf8' : decodeText(bytes).encoding;
    const setting = s.hypervVmSettings.find((v) => v.Name === WSL_VM_CREATOR);
    const actions: Record<string, ObservedHyperVFirewall['defaultInboundAction']> = {
      NotConfigured: 'notConfigured',
      Allow: 'allow',
      AllowBypass: 'allowBypass',
      Block: 'block',
    };
    this.hyperVFirewall = setting
      ? { defaultInboundAction: actions[setting.DefaultInboundAction] ?? 'unknown' }
      : undefined;
    this.nrpt = s.nrptRules.map((r) => ({
      name: r.Name,
      namespaces: r.Namespace,
      nameServers: r.NameServers,
      comment: r.Comment === '' ? undefined : r.Comment,
    }));
    this.vms = s.vmAdapters
      .filter((v) => v.SwitchName !== null)
      .map((v) => ({ name: v.VMName, switchName: v.SwitchName! }));
    const ours = s.tasks.find((t) => t.TaskPath === TASK_PATH && t.TaskName === TASK_NAME);
    this.bootTask = ours?.Actions[0]
      ? { execute: ours.Actions[0].Execute, arguments: ours.Actions[0].Arguments }
      : undefined;
    this.foreignTasks = s.tasks
      .filter((t) => !(t.TaskPath === TASK_PATH && t.TaskName === TASK_NAME))
      .map((t) => `${t.TaskPath}${t.TaskName}`);
  }
}
