/**
 * The Windows backend as a Host: one PowerShell call observes the whole host; all of a plan's operations run
 * in one elevated call (one UAC prompt), printing a marker before each so progress and the failing step
 * are known. Works from Windows and from inside WSL (powershell.exe by absolute path; powershell.ts).
 * Not yet run on real Windows: proven with recorded observation fixtures, the simulated host and the
 * PowerShell grammar.
 */
import { EnvironmentError } from '../../errors.js';
import type { ExecuteResult, Host } from '../host.js';
import { NAT_PREFIX } from '../../model/resources/nat.js';
import type { FirewallRule, ObservedHost } from '../../model/observed.js';
import type { Op } from '../../model/ops.js';
import { asIpv4, maskOf, parseCidr, parseIpv4, type Cidr } from '../../net/ipv4.js';
import {
  findWslAdapter,
  isObservationError,
  observationScript,
  parseObservation,
  type ObservedWindows,
} from './observe.js';
import { FIREWALL_GROUP, renderOpsPs } from './ops.js';
import {
  makeSpawnRunner,
  runElevated,
  runPowerShell,
  wrapScript,
  type ElevatedRunOptions,
  type PsOutcome,
} from './powershell.js';

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

export function toObservedHost(w: ObservedWindows): ObservedHost {
  const firewall: FirewallRule[] = (w.firewallRules ?? [])
    .filter((r) => r.group === FIREWALL_GROUP && (r.protocol === 'UDP' || r.protocol === 'TCP'))
    .map((r) => ({
      name: r.displayName,
      protocol: r.protocol === 'UDP' ? ('udp' as const) : ('tcp' as const),
      port: Number(r.localPorts[0] ?? 0),
      from: r.remoteAddresses.flatMap((a) => parseRemoteAddress(a) ?? []),
    }));
  const addresses = w.addresses ?? [];
  return {
    platform: 'windows',
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
    wsl: w.wsl
      ? {
          natNetwork: w.wsl.natNetwork ?? undefined,
          natGateway: w.wsl.natGatewayIpAddress ?? undefined,
          userNatIp: w.wsl.natIpAddress ?? undefined,
          wslconfig: w.wsl.wslconfig ?? undefined,
          hyperVFirewall: w.hypervFirewall
            ? { defaultInboundAction: w.hypervFirewall.defaultInboundAction }
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

export class WindowsHost implements Host {
  readonly platform = 'windows' as const;
  private readonly options: ElevatedRunOptions;
  /** Whether the last observation ran elevated (this process's token); undefined before the first one. */
  private elevatedSeen: boolean | undefined;

  constructor(options: ElevatedRunOptions = {}) {
    this.options = options;
  }

  /** This process is elevated, as the last observation saw it (undefined: not observed yet). */
  get elevated(): boolean | undefined {
    return this.elevatedSeen;
  }

  async observe(): Promise<ObservedHost> {
    return toObservedHost(await this.observeWindows());
  }

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

  async execute(ops: readonly Op[], onStep?: (op: Op, index: number) => void): Promise<ExecuteResult> {
    if (ops.length === 0) return { done: 0 };
    // Not indented: a line break inside a string literal (.wslconfig's text) is part of the value.
    const script = wrapScript(`${renderOpsPs(ops)}\nOut-Marked 'JSON' ([ordered]@{ done = ${ops.length} })`);
    // Already elevated (an elevated terminal, the SYSTEM boot task): run as is. runElevated would first ask
    // whether a UAC prompt could be answered, and a daemon without a console would be refused for nothing.
    const outcome =
      this.elevatedSeen === true
        ? await runPowerShell(script, {
            ...this.options,
            runner: this.options.runner ?? makeSpawnRunner({ timeoutMs: 0 }),
          })
        : await runElevated(script, this.options);
    // The step markers say how far it got: every step before the last marker completed.
    const steps = [...outcome.run.stdout.matchAll(/<<<SWITCHYARD-STEP (\d+)/g)].map((m) => Number(m[1]));
    steps.forEach((i) => onStep?.(ops[i]!, i));
    if (outcome.ok) return { done: ops.length };
    const last = steps.length > 0 ? steps[steps.length - 1]! : 0;
    return { done: last, error: new Error(failed(outcome)) };
  }
}
