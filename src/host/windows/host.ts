/**
 * The Windows backend as a Host: one PowerShell call observes the whole host; all of a plan's operations run
 * in one elevated call (one UAC prompt; the daemon's host runs them as it is: `elevate: false`), printing a
 * marker before each so progress and the failing step are known. Works from Windows and from inside WSL
 * (powershell.exe by absolute path; location.ts).
 * Not yet run on real Windows: proven with recorded observation fixtures, the simulated host and the
 * PowerShell grammar.
 */
import { EnvironmentError } from '../../errors.js';
import type { ExecuteResult, Host } from '../host.js';
import { FIREWALL_GROUP, NAT_PREFIX } from '../../model/marks.js';
import type { FirewallRule, ObservedHost, UnobservedPart } from '../../model/observed.js';
import type { Op } from '../../model/ops.js';
import { asIpv4, maskOf, parseCidr, parseIpv4, type Cidr } from '../../net/ipv4.js';
import { isObservationError, parseObservation } from './observation-parse.js';
import { findWslAdapter } from './observation-query.js';
import { observationScript } from './observation-script.js';
import { type ObservedWindows } from './observation-types.js';
import { isPerUserOp, renderOpsPs } from './ops.js';
import { runElevated, type ElevatedRunOptions } from './elevation.js';
import { type PsOutcome } from './outcome.js';
import { wrapScript } from './prelude.js';
import { runPowerShell } from './spawn-runner.js';

/** "10.20.0.0/255.255.255.0", "10.20.0.0/24" or "10.20.0.5" (how Windows shows RemoteAddress) → a network. */
export function parseRemoteAddress(text: string): Cidr | undefined {
  const [ip, mask] = text.split('/');
  const addr = ip === undefined ? undefined : parseIpv4(ip);
  if (addr === undefined) return undefined;
  let prefix = 32;
  if (mask !== undefined) {
    const dotted = parseIpv4(mask);
    if (dotted !== undefined) prefix = 32 - Math.log2(2 ** 32 - dotted);
    else if (/^\d{1,2}$/.test(mask)) prefix = Number(mask);
    else return undefined;
  }
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const r = parseCidr(`${text.split('/')[0]!}/${prefix}`);
  return r.ok ? r.cidr : { network: asIpv4(addr & maskOf(prefix)), prefix };
}

/** A rule's interface filter as the model's `iface`: "Any" (or not observed) = every interface. */
function ruleInterface(aliases: string[] | undefined): { iface?: string } {
  if (aliases === undefined || (aliases.length === 1 && aliases[0]!.toLowerCase() === 'any')) return {};
  return { iface: aliases.join(', ') };
}

/** The observation's sections that came back null (could not be read), as the model's unobserved parts. */
function unobservedParts(w: ObservedWindows): UnobservedPart[] {
  const sections: [keyof ObservedWindows, UnobservedPart['part'], string][] = [
    ['switches', 'switches', 'Hyper-V (Get-VMSwitch)'],
    ['vmAdapters', 'vmAdapters', 'Hyper-V (Get-VMNetworkAdapter)'],
    ['interfaces', 'interfaces', 'NetTCPIP (Get-NetIPInterface)'],
    ['addresses', 'interfaces', 'NetTCPIP (Get-NetIPAddress)'],
    ['nats', 'nats', 'NetNat (Get-NetNat)'],
    ['firewallRules', 'firewall', 'NetSecurity (Get-NetFirewallRule)'],
    ['bootTask', 'bootTask', 'ScheduledTasks (Get-ScheduledTask)'],
  ];
  const out: UnobservedPart[] = [];
  for (const [section, part, what] of sections) {
    if (w[section] !== null) continue;
    const note = w.notes.find((n) => n.section === section);
    const id = note?.errorId ?? '';
    const message = note?.message ?? 'no result';
    const reason: UnobservedPart['reason'] =
      id === 'CommandNotFound'
        ? 'missing'
        : /Windows System Error 5\b|0x80070005|PermissionDenied|UnauthorizedAccess/i.test(id) ||
            /required permission|access is denied/i.test(message)
          ? 'denied'
          : 'failed';
    if (!out.some((u) => u.part === part)) out.push({ part, what, reason, message });
  }
  return out;
}

export function toObservedHost(w: ObservedWindows): ObservedHost {
  const unobserved = unobservedParts(w);
  const firewall: FirewallRule[] = (w.firewallRules ?? [])
    .filter((r) => r.group === FIREWALL_GROUP && (r.protocol === 'UDP' || r.protocol === 'TCP'))
    .map((r) => ({
      name: r.displayName,
      protocol: r.protocol === 'UDP' ? ('udp' as const) : ('tcp' as const),
      port: Number(r.localPorts[0] ?? 0),
      from: r.remoteAddresses.flatMap((a) => parseRemoteAddress(a) ?? []),
      ...ruleInterface(r.interfaceAliases),
    }));
  const profiles = w.firewallProfiles;
  const addresses = w.addresses ?? [];
  return {
    platform: 'windows',
    ...(unobserved.length > 0 ? { unobserved } : {}),
    switches: (w.switches ?? []).map((s) => ({
      name: s.name,
      ours: s.managed,
      ...(w.vmAdapters
        ? {
            vms: [
              ...new Set(
                w.vmAdapters
                  .filter((a) => a.switchName.toLowerCase() === s.name.toLowerCase())
                  .map((a) => a.vmName),
              ),
            ],
          }
        : {}),
      kind:
        s.type === 'internal'
          ? 'Internal'
          : s.type === 'external'
            ? 'External'
            : s.type === 'private'
              ? 'Private'
              : 'unknown',
    })),
    interfaces: (w.interfaces ?? []).map((i) => ({
      name: i.alias,
      addresses: addresses
        .filter((a) => a.interfaceAlias === i.alias)
        .map((a) => ({ address: a.address, prefix: a.prefixLength, dynamic: a.dhcp })),
      forwarding: i.forwarding,
    })),
    nats: (w.nats ?? []).flatMap((n) =>
      n.prefix ? [{ name: n.name, prefix: n.prefix, ours: n.name.startsWith(NAT_PREFIX) }] : [],
    ),
    routes: (w.routes ?? []).map((r) => ({ dest: r.destination, iface: r.interfaceAlias })),
    firewall,
    ...(profiles != null
      ? {
          localFirewallRulesIgnored: profiles
            .filter((p) => p.allowLocalFirewallRules === false)
            .map((p) => p.name),
        }
      : {}),
    wsl: w.wsl
      ? {
          natNetwork: w.wsl.natNetwork ?? undefined,
          natGateway: w.wsl.natGatewayIpAddress ?? undefined,
          userNatIp: w.wsl.natIpAddress ?? undefined,
          wslconfig: w.wsl.wslconfig ?? undefined,
          ...(w.wsl.wslconfigEncoding !== null ? { wslconfigEncoding: w.wsl.wslconfigEncoding } : {}),
          hyperVFirewall: w.hypervFirewall
            ? {
                defaultInboundAction: w.hypervFirewall.defaultInboundAction,
                ...(w.hypervFirewallLocal
                  ? { localInboundAction: w.hypervFirewallLocal.defaultInboundAction }
                  : {}),
              }
            : undefined,
        }
      : undefined,
    wslInterface: findWslAdapter(w)?.name,
    // Unreadable rules (no DnsClient module) leave NRPT unobserved: nothing is planned for it.
    nrpt:
      w.nrptRules === null
        ? undefined
        : {
            rules: w.nrptRules.map((r) => ({
              name: r.name,
              namespaces: r.namespaces,
              nameServers: r.nameServers,
              comment: r.comment ?? undefined,
            })),
            groupPolicy: w.nrptPolicy?.groupPolicy ?? false,
          },
    ...(w.bootTask?.[0] ? { bootTask: w.bootTask[0] } : {}),
    elevated: w.elevated,
  };
}

function failed(outcome: PsOutcome): string {
  return outcome.ok
    ? 'no error'
    : `${outcome.failure.message}${outcome.failure.errorId ? ` (${outcome.failure.errorId})` : ''}`;
}

export interface WindowsHostOptions extends ElevatedRunOptions {
  /**
   * false: run the ops as this process is (runPowerShell) — the daemon, which the boot task starts as
   * SYSTEM, never goes through the UAC wrapper; a process that lacks the rights gets the cmdlets' own
   * "Access is denied". Default true: one elevated run per plan (the CLI).
   */
  elevate?: boolean;
}

export class WindowsHost implements Host {
  readonly platform = 'windows' as const;
  private readonly options: WindowsHostOptions;

  constructor(options: WindowsHostOptions = {}) {
    this.options = options;
  }

  /** This process is elevated, as the last observation saw it (undefined: not observed yet). */
  get elevated(): boolean | undefined {
    return this.elevatedSeen;
  }

  async observe(): Promise<ObservedHost> {
    return toObservedHost(await this.observeWindows());
  }

  /** Whether this process runs elevated, as the last observation said (undefined before one). */
  private elevatedSeen: boolean | undefined;

  /** The observation as the script returns it (the daemon's `mtu: auto` reads MTUs and routes from it). */
  async observeWindows(): Promise<ObservedWindows> {
    const outcome = await runPowerShell(observationScript(), this.options);
    if (!outcome.ok) throw new EnvironmentError(`observing the Windows host failed: ${failed(outcome)}`);
    const parsed = parseObservation(outcome.value);
    if (isObservationError(parsed))
      throw new EnvironmentError(`the Windows host's observation was unreadable: ${parsed.error}`);
    this.elevatedSeen = parsed.elevated;
    return parsed;
  }

  /**
   * Runs the operations in two PowerShell runs at most: the machine's in one elevated run (directly when
   * this process is elevated already: no wrapper, no prompt; else one UAC prompt, runElevated), then the
   * per-user ones in this process's own PowerShell (isPerUserOp). Per-user steps touch only the user's
   * profile and HKCU, which no machine step reads, so running them after is safe. `done` keeps its meaning
   * (every step before it completed): when the elevated run fails at step k, the per-user steps before k
   * are run before reporting. If a per-user step fails, machine steps after it in the plan have already
   * run; apply observes the host again afterwards, which tells the truth either way.
   */
  async execute(ops: readonly Op[], onStep?: (op: Op, index: number) => void): Promise<ExecuteResult> {
    const indexed = ops.map((op, i) => ({ op, i }));
    const machine = indexed.filter((x) => !isPerUserOp(x.op));
    const user = indexed.filter((x) => isPerUserOp(x.op));
    const run = async (
      batch: typeof indexed,
      elevated: boolean,
    ): Promise<{ failedAt: number; error: Error } | undefined> => {
      if (batch.length === 0) return undefined;
      // Not indented: a line break inside a string literal (.wslconfig's text) is part of the value.
      const body = batch.map((x) => renderOpsPs([x.op], x.i)).join('\n');
      const script = wrapScript(`${body}\nOut-Marked 'JSON' ([ordered]@{ done = ${batch.length} })`);
      const outcome =
        elevated && this.elevatedSeen !== true && this.options.elevate !== false
          ? await runElevated(script, this.options)
          : await runPowerShell(script, this.options);
      // The step markers say how far it got: every step before the last marker completed.
      const steps = [...outcome.run.stdout.matchAll(/<<<SWITCHYARD-STEP (\d+)/g)].map((m) => Number(m[1]));
      steps.forEach((i) => onStep?.(ops[i]!, i));
      if (outcome.ok) return undefined;
      return {
        failedAt: steps.length > 0 ? steps[steps.length - 1]! : batch[0]!.i,
        error: new Error(failed(outcome)),
      };
    };
    const m = await run(machine, true);
    const before = m === undefined ? user : user.filter((x) => x.i < m.failedAt);
    const u = await run(before, false);
    if (u !== undefined) return { done: u.failedAt, error: u.error };
    if (m !== undefined) return { done: m.failedAt, error: m.error };
    return { done: ops.length };
  }
}
