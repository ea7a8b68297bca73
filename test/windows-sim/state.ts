/**
 * The simulated Windows host's state, as the PowerShell side reads and writes it (ps/SimCore.ps1): the JSON
 * file a test sets up before a script runs and reads back after. Object fields use Windows' own property
 * names (what the cmdlets return); enum-valued fields hold the enum's name.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface SimAccount {
  /** Member of Administrators (an elevated token is Administrator; unelevated it is filtered by UAC). */
  admin: boolean;
  /** Member of Hyper-V Administrators (S-1-5-32-578). */
  hypervAdmin: boolean;
  /** The LocalSystem account (a SYSTEM scheduled task). */
  system?: boolean;
  /** %USERPROFILE%: a real folder of the test's (.wslconfig lives there). */
  profile: string;
}

export interface SimSwitchState {
  Name: string;
  Id: string;
  SwitchType: number;
  Notes: string;
}
export interface SimAdapterState {
  Name: string;
  InterfaceIndex: number;
  Status: string;
  MacAddress: string;
  /** Get-NetAdapter calls left before a new vNIC becomes visible. */
  hiddenFor: number;
}
export interface SimAddressState {
  IPAddress: string;
  PrefixLength: number;
  InterfaceAlias: string;
  InterfaceIndex: number;
  PrefixOrigin: string;
  SuffixOrigin: string;
  AddressState: string;
}
export interface SimIpInterfaceState {
  InterfaceAlias: string;
  InterfaceIndex: number;
  Forwarding: 'Enabled' | 'Disabled';
  NlMtu: number;
  InterfaceMetric: number;
  ConnectionState: string;
}
export interface SimNatState {
  Name: string;
  InternalIPInterfaceAddressPrefix: string;
}
export interface SimRouteState {
  DestinationPrefix: string;
  InterfaceAlias: string;
  InterfaceIndex: number;
  NextHop: string;
  RouteMetric: number;
}
export interface SimFirewallRuleState {
  Name: string;
  DisplayName: string;
  Group: string;
  Enabled: string;
  Direction: string;
  Action: string;
  Profile: string;
  Protocol: string;
  LocalPort: string[];
  RemoteAddress: string[];
  InterfaceAlias: string[];
  /** The interfaces it is bound to (the firewall keeps these, not the alias); absent or [] = by alias/any. */
  InterfaceIndex?: number[];
}
export interface SimHypervVmSettingState {
  Name: string;
  Enabled: string;
  DefaultInboundAction: string;
  DefaultOutboundAction: string;
  LoopbackEnabled: string;
  /** What an MDM policy imposes on the ActiveStore. */
  policy?: { DefaultInboundAction?: string };
}
export interface SimNrptRuleState {
  Name: string;
  Namespace: string[];
  NameServers: string[];
  Comment: string;
  DisplayName: string;
}
export interface SimVmAdapterState {
  VMName: string;
  SwitchName: string | null;
  Name: string;
  MacAddress: string;
}
export interface SimTaskState {
  TaskPath: string;
  TaskName: string;
  State: string;
  Description: string;
  Actions: { Execute: string; Arguments: string; WorkingDirectory: string }[];
  Principal: { UserId: string; LogonType: string; RunLevel: string };
  Settings: { Priority: number; MultipleInstances: string; ExecutionTimeLimit: string; RestartCount: number };
  Triggers: { Kind: string; Repetition: string | null }[];
}

export interface SimState {
  computerName: string;
  /** 'desktop': Windows PowerShell 5.1 (powershell.exe); 'core': pwsh. */
  powershell: 'desktop' | 'core';
  languageMode: 'FullLanguage' | 'ConstrainedLanguage';
  /**
   * PowerShell 7.4.0's Start-Process: `-PassThru -Wait` with `-RedirectStandard*` returns an empty ExitCode
   * (PowerShell/PowerShell#20716, #20400; fixed in 7.4.1). Absent = a PowerShell without that bug.
   */
  startProcessExitCodeLost?: boolean;
  /** Module folders on PSModulePath (sim-root.ts): which Windows modules this host has. */
  modules: string[];
  accounts: Record<string, SimAccount>;
  /** How the UAC prompt is answered, and by which account (over-the-shoulder: an administrator's). */
  uac: { answer: 'accept' | 'decline'; account: string };
  adapterDelay: number;
  switches: SimSwitchState[];
  adapters: SimAdapterState[];
  addresses: SimAddressState[];
  ipInterfaces: SimIpInterfaceState[];
  nats: SimNatState[];
  routes: SimRouteState[];
  firewallRules: SimFirewallRuleState[];
  firewallPolicy: { allowLocalPolicyMerge: boolean };
  hypervVmSettings: SimHypervVmSettingState[];
  nrptRules: SimNrptRuleState[];
  vmAdapters: SimVmAdapterState[];
  tasks: SimTaskState[];
  udpEndpoints: { LocalAddress: string; LocalPort: number; OwningProcess: number }[];
  /** Registry: HKLM key (lower-case path) → values; HKCU per account. */
  registry: {
    HKLM: Record<string, Record<string, unknown>>;
    HKCU: Record<string, Record<string, Record<string, unknown>>>;
  };
  next: { ifIndex: number; guid: number };
}

/** WSL's VM creator id: the Hyper-V firewall settings object for WSL (microsoft/WSL#11693). */
export const WSL_VM_CREATOR = '{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}';

export interface HostShape {
  /** Windows 11 22H2+ (Hyper-V firewall cmdlets) unless 'win10'. */
  windows?: 'win11' | 'win10';
  /** Windows Home: no Hyper-V module. */
  hyperV?: boolean;
}

/** A Windows 11 Pro laptop with nothing of switchyard's: accounts `dev` (administrator, the user), `it`
 * (an administrator) and `std` (a standard user), and SYSTEM. */
export function newState(dir: string, shape: HostShape = {}): SimState {
  const profile = (name: string): string => {
    const p = join(dir, 'Users', name);
    mkdirSync(p, { recursive: true });
    return p;
  };
  const win11 = (shape.windows ?? 'win11') === 'win11';
  return {
    computerName: 'LAPTOP-SIM',
    powershell: 'desktop',
    languageMode: 'FullLanguage',
    modules: [
      ...(shape.hyperV === false ? [] : ['Hyper-V']),
      'NetAdapter',
      'NetTCPIP',
      'NetNat',
      win11 ? 'NetSecurity' : 'NetSecurity@win10',
      'DnsClient',
      'ScheduledTasks',
    ],
    accounts: {
      dev: { admin: true, hypervAdmin: false, profile: profile('dev') },
      it: { admin: true, hypervAdmin: false, profile: profile('it') },
      std: { admin: false, hypervAdmin: false, profile: profile('std') },
      SYSTEM: { admin: true, hypervAdmin: false, system: true, profile: profile('systemprofile') },
    },
    uac: { answer: 'accept', account: 'it' },
    adapterDelay: 2,
    switches: [],
    adapters: [],
    addresses: [],
    ipInterfaces: [],
    nats: [],
    routes: [],
    firewallRules: [],
    firewallPolicy: { allowLocalPolicyMerge: true },
    hypervVmSettings: win11
      ? [
          {
            Name: WSL_VM_CREATOR,
            Enabled: 'True',
            DefaultInboundAction: 'Block',
            DefaultOutboundAction: 'Allow',
            LoopbackEnabled: 'True',
          },
        ]
      : [],
    nrptRules: [],
    vmAdapters: [],
    tasks: [],
    udpEndpoints: [],
    registry: { HKLM: {}, HKCU: {} },
    next: { ifIndex: 20, guid: 1 },
  };
}
